"""`make bench`: how the pipeline's cost grows with its work.

    python scripts/bench.py [--sizes 1000 10000 100000] [--pdf-max 10000]

For each size, the demo generator (scaled, one report period) fills a SQL source, and the
real stages run on it: the pipeline's own steps as the DAG tasks call them
(wijkopvolging.pipeline: extract from SQLite, and from PostgreSQL when it is reachable,
validate, load; snapshot, publication gate, timeliness), then the documents' parts: the
trend (five earlier snapshots), letter, overview, the afschriften per wijkraad, open
data, the web page (its size and render time in Debian's Chromium), PDF (letter,
overview and afschriften in one LibreOffice call). Prints
seconds, peak memory (the process's resident set during the stage) and items per second
per stage, each stage's 100k/10k ratio, the import time of each DAG file, and the
overview generator against the naive python-docx approach. Writes the figures to
.bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))  # the demo sources (demo/), outside the package
sys.path.insert(0, str(ROOT / "scripts"))

PERIOD_START = (2026, 9)
ITEMS_PER_SCALE = 90  # the demo makes about 45 items a month at scale 1
POSTGRES = ("127.0.0.1", 5432)
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakMemory:
    """Samples this process's resident set every few milliseconds."""

    def __init__(self):
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_MB

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss_mb())
            time.sleep(0.005)

    def reset(self):
        self.peak = self.rss_mb()

    def stop(self):
        self._stop.set()


MEMORY = PeakMemory()
RESULTS: list[dict] = []


@contextmanager
def stage(name: str, items: int):
    MEMORY.reset()
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    RESULTS.append({"stage": name, "items": items, "seconds": round(seconds, 3),
                    "peak_mb": round(max(MEMORY.peak, MEMORY.rss_mb()), 1)})
    print(f"  {name:<18} {seconds:8.2f} s  {RESULTS[-1]['peak_mb']:8.0f} MB  "
          f"{items / seconds if seconds else 0:10.0f} items/s", flush=True)


def postgres_url() -> str | None:
    try:
        with socket.create_connection(POSTGRES, timeout=1):
            pass
    except OSError:
        return None
    return "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def run_size(n: int, tmp: Path, pdf_max: int) -> None:
    import dataclasses

    import sqlalchemy as sa

    from demo.registrations import fill_demo_source
    from wijkopvolging.config import SourceConfig, load_config
    from wijkopvolging.documents import convert_to_pdf, render_letter, render_overview
    from wijkopvolging.documents.afschrift import render_afschriften
    from wijkopvolging.documents.opendata import write_open_data
    from wijkopvolging.documents.webpage import write_webpage
    from wijkopvolging.layout import SetLayout
    from wijkopvolging.model import ERROR
    from wijkopvolging.periods import Period
    from wijkopvolging.pipeline import INGEST, RAPPORTAGE
    from wijkopvolging.schedules import ingest_at, report_as_of
    from wijkopvolging.trend import compute_trend, trend_periods
    from wijkopvolging.warehouse import open_warehouse

    period = Period.starting(*PERIOD_START)
    as_of = ingest_at(period.end)  # the daily ingest the report reads
    base = load_config()
    demo = base.sources[0]
    folder = tmp / f"n{n}"
    folder.mkdir()
    print(f"\n{n:,} items")

    sqlite_url = f"sqlite:///{folder}/bron.sqlite"
    with stage("generate", n):  # setup, not a pipeline stage
        count = fill_demo_source(sqlite_url, until=period.peildatum, months=1,
                                 scale=n / ITEMS_PER_SCALE, broken=False)

    def config_at(url):
        """The configuration with one SQL source at ``url`` and this size's own warehouse,
        output and GX folders: the pipeline's steps run on it as they would in a DAG."""
        source = SourceConfig(demo.name, "sql", demo.mapping, {**demo.options, "url": url},
                              demo.values)
        return dataclasses.replace(base, sources=(source,),
                                   warehouse_url=f"sqlite:///{folder}/warehouse.sqlite",
                                   output_dir=folder / "output", gx_dir=folder / "gx")

    config = config_at(sqlite_url)
    ingest_run = {"run_id": f"bench{n}", "data_interval_end": as_of}
    # The ingest DAG's steps for one source, as its tasks call them (extract: from SQLite).
    for step in INGEST.between("extract", "load"):
        extra = {"data_interval_start": None} if step.name == "extract" else {}
        if step.name == "load":  # the staged items, for the trend's history below
            with open_warehouse(config.warehouse_url) as warehouse:
                items = warehouse.read_staging(ingest_run["run_id"], demo.name)
                findings = warehouse.findings_of_run(ingest_run["run_id"])
        with stage(step.name, count):
            step(config, demo.name, **ingest_run, **extra)
    pg = postgres_url()
    if pg:
        schema = f"bench_{os.getpid()}_{n}"
        engine = sa.create_engine(pg)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = f"{pg}?options=-csearch_path%3D{schema}"
        try:
            fill_demo_source(url, until=period.peildatum, months=1, scale=n / ITEMS_PER_SCALE,
                             broken=False)
            with stage("extract_postgres", count):
                INGEST.step("extract")(config_at(url), demo.name, run_id=f"bench{n}-postgres",
                                       data_interval_start=None, data_interval_end=as_of)
        finally:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()

    bad = set(findings.loc[findings["severity"] == ERROR, "row_no"].dropna().astype(int))
    valid = items[~items["row_no"].isin(bad)]
    report_run = f"bench{n}-rapportage"
    with open_warehouse(config.warehouse_url) as warehouse:
        with stage("history_setup", count):  # setup: the trend's five earlier period ends
            for earlier in trend_periods(period)[:-1]:
                warehouse.load_versions(f"bench-{earlier.slug}", demo.name,
                                        report_as_of(earlier), valid, full_extract=True)
    # The rapportage DAG's checks, as its tasks call them.
    for step in RAPPORTAGE.between("snapshot", "timeliness"):
        with stage(step.name, count):
            step(config, period, run_id=report_run)
    with open_warehouse(config.warehouse_url) as warehouse:
        report = warehouse.read_report_items(report_run)
        with stage("trend", count):  # five earlier snapshots, as reported
            trend = compute_trend(config, period, report, warehouse=warehouse)
    out = SetLayout(folder)  # the set's own names
    with stage("letter", len(report)):
        letter = render_letter(report, period, kenmerk="BENCH", letter_date=period.end,
                               quarantine_by_reason={}, trend=trend, path=out.letter)
    with stage("overview", len(report)):
        overview = render_overview(report, period, path=out.overview)
    with stage("afschriften", len(report)):
        afschriften = render_afschriften(report, period, folder=out.afschriften,
                                         kenmerk="BENCH")
    with stage("open_data", len(report)):
        write_open_data(report, period, folder=out.open_data)
    with stage("webpage", len(report)):
        page = write_webpage(report, period, path=out.webpage, trend=trend,
                             kenmerk="BENCH")
    measure_webpage(page, len(report))
    if len(report) <= pdf_max:
        with stage("pdf", len(report)):  # letter, overview and every afschrift: one call
            convert_to_pdf([letter, overview, *afschriften], folder)
    else:
        print(f"  {'pdf':<18} skipped (more than --pdf-max {pdf_max:,} items)")


def measure_webpage(path: Path, rows: int) -> None:
    """The web page's size, and how long Debian's Chromium takes to load and render it
    (navigation start to the load event, the filter script included) and to filter on
    one wijk. Skipped without Chromium."""
    size_mb = path.stat().st_size / 2**20
    chromium = Path("/usr/bin/chromium")
    record = {"stage": "webpage_in_chromium", "items": rows, "size_mb": round(size_mb, 2),
              "peak_mb": None, "seconds": None}
    if chromium.exists():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium),
                                                 args=["--no-sandbox"])
            try:
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(path.as_uri(), wait_until="load")
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                              "requestAnimationFrame(r)))")  # painted
                record["seconds"] = round(time.perf_counter() - started, 3)
                record["load_event_ms"] = page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0]; "
                    "return Math.round(n.loadEventEnd - n.startTime); }")
                wijk = page.evaluate("() => document.querySelector('#filter-wijk')"
                                     ".options[1].value")
                started = time.perf_counter()
                page.select_option("#filter-wijk", wijk)
                record["filter_seconds"] = round(time.perf_counter() - started, 3)
            finally:
                browser.close()
    RESULTS.append(record)
    shown = (f"{record['seconds']:.2f} s to render (load event {record['load_event_ms']} ms),"
             f" filter {record['filter_seconds']:.2f} s" if record["seconds"] is not None
             else "not rendered: /usr/bin/chromium missing")
    print(f"  {'webpage size':<18} {size_mb:8.2f} MB  {shown}", flush=True)


def dag_import_times() -> None:
    print("\nDAG file import (bytecode compiled; airflow.sdk itself loaded first, as the "
          "dag-processor has it)")
    paths = sorted((ROOT / "dags").glob("*.py"))
    runs: dict[str, list[float]] = {}
    for _ in range(3):
        out = subprocess.run([sys.executable, str(ROOT / "scripts" / "dag_import_probe.py"),
                              *map(str, paths)], capture_output=True, text=True, check=True)
        for line in (json.loads(text) for text in out.stdout.splitlines()
                     if text.startswith("{")):
            key = Path(line["file"]).name if "file" in line else "airflow.sdk"
            runs.setdefault(key, []).append(line.get("seconds", line.get("airflow_sdk_seconds")))
    sdk = min(runs["airflow.sdk"])
    for path in paths:
        own = min(runs[path.name])
        RESULTS.append({"stage": f"dag_import:{path.name}", "items": 0,
                        "seconds": round(own, 4), "peak_mb": None,
                        "airflow_sdk_seconds": round(sdk, 3)})
        print(f"  {path.name:<32} {own * 1000:6.0f} ms  (import airflow.sdk: {sdk:.2f} s)")


def overview_against_naive(rows: int, tmp: Path) -> None:
    from bench_documents import naive_overview, synthetic_report

    from wijkopvolging.documents import render_overview
    from wijkopvolging.periods import Period

    report = synthetic_report(rows)
    period = Period.starting(*PERIOD_START)
    started = time.perf_counter()
    render_overview(report, period, path=tmp / "ours.docx")
    ours = time.perf_counter() - started
    started = time.perf_counter()
    naive_overview(report, tmp / "naive.docx")
    naive = time.perf_counter() - started
    RESULTS.append({"stage": "overview_vs_naive", "items": rows, "seconds": round(ours, 3),
                    "peak_mb": None, "naive_seconds": round(naive, 3),
                    "ratio": round(naive / ours, 1)})
    print(f"\nOverview, {rows:,} rows: ours {ours:.2f} s, naive add_row()+cell.text "
          f"{naive:.2f} s: {naive / ours:.1f}x faster")


def ratios(sizes: list[int]) -> None:
    if 10_000 not in sizes or 100_000 not in sizes:
        return
    print("\n100k/10k ratio per stage (linear = 10)")
    by = {(r["stage"], r["items"]): r for r in RESULTS}
    for name in dict.fromkeys(r["stage"] for r in RESULTS):
        small = [r for (s, _), r in by.items() if s == name and r.get("size") == 10_000]
        large = [r for (s, _), r in by.items() if s == name and r.get("size") == 100_000]
        if small and large and small[0]["seconds"] and large[0]["seconds"] is not None:
            ratio = large[0]["seconds"] / small[0]["seconds"]
            RESULTS.append({"stage": f"{name} 100k/10k", "items": 100_000,
                            "seconds": None, "peak_mb": None, "ratio": round(ratio, 1)})
            print(f"  {name:<18} {ratio:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--pdf-max", type=int, default=10_000,
                        help="skip the PDF stage above this many items (100k: ~10 min)")
    parser.add_argument("--naive-rows", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
          f"{dt.datetime.now():%Y-%m-%d %H:%M}")
    with stage("import_gx", 0):  # once per process; not part of any size's stages
        import great_expectations  # noqa: F401
    with tempfile.TemporaryDirectory(prefix="wijkopvolging-bench-") as tmp:
        # First, while the process is small: after 100k items its heap is fragmented.
        overview_against_naive(args.naive_rows, Path(tmp))
        for n in args.sizes:
            first = len(RESULTS)
            run_size(n, Path(tmp), args.pdf_max)
            for result in RESULTS[first:]:
                result["size"] = n
            pipeline = [r for r in RESULTS[first:] if r["seconds"] is not None
                        and r["stage"] not in ("generate", "history_setup", "pdf",
                                               "webpage_in_chromium")]
            total = sum(r["seconds"] for r in pipeline)
            peak = max(r["peak_mb"] for r in RESULTS[first:] if r["peak_mb"] is not None)
            RESULTS.append({"stage": "all_stages_without_pdf", "items": n, "size": n,
                            "seconds": round(total, 3), "peak_mb": peak})
            print(f"  {'all (without pdf)':<18} {total:8.2f} s  {peak:8.0f} MB")
        ratios(args.sizes)
        dag_import_times()
    out = ROOT / ".bench"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")
    print(f"\nResults: {out / 'results.json'}")
    MEMORY.stop()


if __name__ == "__main__":
    main()
