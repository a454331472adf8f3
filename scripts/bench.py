"""`make bench`: how the pipeline's cost grows with its work.

    python scripts/bench.py [--sizes 1000 10000 100000] [--pdf-max 10000]

For each size, the demo generator (scaled, one report period) fills a SQL source, and the
real stages run on it: extract (SQLite, and PostgreSQL when it is reachable), validate,
load, snapshot, timeliness, letter, overview, PDF. Prints seconds, peak memory (the
process's resident set during the stage) and items per second per stage, each stage's
100k/10k ratio, the import time of each DAG file, and the overview generator against the
naive python-docx approach. Writes the figures to .bench/results.json.
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
    import sqlalchemy as sa

    from demo.registrations import fill_demo_source
    from wijkopvolging.config import SourceConfig, load_config
    from wijkopvolging.documents import convert_to_pdf, render_letter, render_overview
    from wijkopvolging.periods import Period, select_for_report
    from wijkopvolging.reference import ReferenceData
    from wijkopvolging.sources import extract
    from wijkopvolging.timeliness import apply_timeliness
    from wijkopvolging.validation import validate_extract
    from wijkopvolging.warehouse import open_warehouse

    period = Period.starting(*PERIOD_START)
    as_of = dt.datetime.combine(period.end, dt.time(6), tzinfo=dt.UTC)
    config = load_config()
    demo = config.sources[0]
    reference = ReferenceData.load()
    folder = tmp / f"n{n}"
    folder.mkdir()
    print(f"\n{n:,} items")

    sqlite_url = f"sqlite:///{folder}/bron.sqlite"
    with stage("generate", n):  # setup, not a pipeline stage
        count = fill_demo_source(sqlite_url, until=period.peildatum, months=1,
                                 scale=n / ITEMS_PER_SCALE, broken=False)

    def source_at(url):
        return SourceConfig(demo.name, "sql", demo.mapping, {**demo.options, "url": url},
                            demo.values)

    with stage("extract_sqlite", count):
        extracted = extract(source_at(sqlite_url), data_interval_start=None,
                            data_interval_end=as_of)
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
                extract(source_at(url), data_interval_start=None, data_interval_end=as_of)
        finally:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()
    items = extracted.items

    with stage("validate", count):
        findings = validate_extract(items, source=demo.name, reference=reference,
                                    interval_end=as_of, settings=config.settings,
                                    run_id=f"bench{n}", gx_dir=folder / "gx")
    with open_warehouse(f"sqlite:///{folder}/warehouse.sqlite") as warehouse:
        with stage("load", count):
            warehouse.write_staging("bench", demo.name, items)
            warehouse.write_findings("bench", demo.name, as_of, findings, detected_at=as_of)
            bad = set(findings.loc[findings["severity"] == "error", "row_no"].astype(int))
            warehouse.load_versions("bench", demo.name, as_of, items[~items["row_no"].isin(bad)],
                                    full_extract=True)
        with stage("snapshot", count):
            report = select_for_report(warehouse.snapshot(as_of), period)
            report["gebied"] = report["wijk"].map(reference.gebied_of)
        with stage("timeliness", len(report)):
            report = apply_timeliness(report, period.peildatum,
                                      config.settings.timeliness)
    with stage("letter", len(report)):
        letter = render_letter(report, period, kenmerk="BENCH", letter_date=period.end,
                               quarantine_by_reason={}, path=folder / "brief.docx")
    with stage("overview", len(report)):
        overview = render_overview(report, period, path=folder / "overzicht.docx")
    if len(report) <= pdf_max:
        with stage("pdf", len(report)):
            convert_to_pdf([letter, overview], folder)
    else:
        print(f"  {'pdf':<18} skipped (more than --pdf-max {pdf_max:,} items)")


def dag_import_times() -> None:
    print("\nDAG file import (bytecode compiled; airflow.sdk itself loaded first, as the "
          "dag-processor has it)")
    probe = (
        "import importlib.util, sys, time\n"
        f"sys.path.insert(0, {str(ROOT / 'plugins')!r})\n"
        "t0 = time.perf_counter(); import airflow.sdk; t1 = time.perf_counter()\n"
        "spec = importlib.util.spec_from_file_location('dagfile', sys.argv[1])\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(t1 - t0, time.perf_counter() - t1)\n"
    )
    for path in sorted((ROOT / "dags").glob("*.py")):
        runs = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True,
                                 text=True, check=True).stdout.split()
            runs.append((float(out[0]), float(out[1])))
        sdk, own = min(r[0] for r in runs), min(r[1] for r in runs)
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
        if small and large and small[0]["seconds"]:
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
            pipeline = [r for r in RESULTS[first:] if r["stage"] not in ("generate", "pdf")]
            total = sum(r["seconds"] for r in pipeline)
            peak = max(r["peak_mb"] for r in RESULTS[first:])
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
