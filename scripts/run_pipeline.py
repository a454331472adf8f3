"""`make run`: fill the demo source, run ingest and rapportage through Airflow's own
runner (`airflow dags test`) for one period, and print where the documents are.

    python scripts/run_pipeline.py [--period 2025-09]

Without --period: the most recent complete two-month period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))  # the demo sources (demo/), outside the package

from wijkopvolging.config import load_config  # noqa: E402
from wijkopvolging.errors import ExpectedError  # noqa: E402
from wijkopvolging.periods import Period  # noqa: E402
from wijkopvolging.reference import ReferenceData  # noqa: E402
from wijkopvolging.schedules import ingest_at, report_as_of, signalering_at  # noqa: E402


def run_dag(dag_id: str, logical_date: dt.datetime, log_dir: Path) -> None:
    """Run one DAG run with Airflow's runner; on failure show the log's tail and stop."""
    log = log_dir / f"{dag_id}.log"
    print(f"→ {dag_id} for {logical_date.isoformat()} (log: {log.relative_to(ROOT)})",
          flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id,
             logical_date.isoformat()],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ.copy(),
        )
    text = log.read_text(errors="replace")
    failed = result.returncode != 0 or "state=failed" in text or "DagRunState.FAILED" in text
    if failed:
        errors = [line for line in text.splitlines()
                  if "AirflowFailException" in line or "Error" in line][-8:]
        print("\n".join(errors or text.splitlines()[-30:]), file=sys.stderr)
        sys.exit(f"{dag_id} failed; the whole log is in {log}")
    print(f"  done in {time.monotonic() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", help="first month of the period, e.g. 2025-09")
    parser.add_argument("--no-demo", action="store_true", help="do not (re)fill demo sources")
    args = parser.parse_args()
    # Period, settings and reference data are checked before any work: a wrong one stops
    # here, in one line, instead of in a task after minutes of ingest.
    try:
        period = Period.parse(args.period) if args.period else Period.last_complete(dt.date.today())
        config = load_config()
        ReferenceData.load()
    except ExpectedError as exc:
        sys.exit(f"make run: {exc}")
    # Imported after the checks: these pull in pandas and GX, a second the checks need not wait.
    from wijkopvolging.ingest import run_folder
    from wijkopvolging.rapportage import period_folder
    from wijkopvolging.signalering import week_folder
    from wijkopvolging.validation import data_docs_index

    print(f"Periode: {period.label} (peildatum {period.peildatum:%d-%m-%Y})")
    if not args.no_demo:
        from demo.exports import write_demo_exports
        from demo.registrations import fill_demo_source

        for source in config.sources:
            if not source.options.get("demo"):
                continue
            if source.type == "sql":
                count = fill_demo_source(source.options["url"], until=period.peildatum)
                print(f"Demo source {source.name!r}: {count} registrations up to "
                      f"{period.peildatum:%d-%m-%Y}")
            elif source.type == "file":
                paths = write_demo_exports(source.options["folder"], until=period.peildatum)
                print(f"Demo source {source.name!r}: {', '.join(p.name for p in paths)}")

    log_dir = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow")) / "make-run"
    log_dir.mkdir(parents=True, exist_ok=True)
    ingest_moment = ingest_at(period.end)
    run_dag("wijkopvolging_ingest", ingest_moment, log_dir)
    run_dag("wijkopvolging_rapportage", report_as_of(period), log_dir)
    # The early-warning lists of the first Monday after the period.
    monday = period.end + dt.timedelta(days=(7 - period.end.weekday()) % 7)
    run_dag("wijkopvolging_signalering", signalering_at(monday), log_dir)

    manifest = json.loads((period_folder(config, period) / "manifest.json").read_text())
    folder = period_folder(config, period)
    report = run_folder(config.output_dir, ingest_moment)
    print()
    print(f"Raadsinformatiebrief: {folder / 'raadsinformatiebrief.docx'}")
    print(f"Overzicht (bijlage):  {folder / 'bijlage-overzicht.docx'}")
    print(f"Overzicht als sheet:  {folder / 'bijlage-overzicht.xlsx'}")
    pdfs = sorted(name for name in manifest["files"] if name.endswith(".pdf"))
    if pdfs:
        print(f"PDF's:                {', '.join(str(folder / n) for n in pdfs)}")
    else:
        print("PDF's:                niet gemaakt: LibreOffice ontbreekt "
              "(Debian: apt-get install libreoffice-writer-nogui)")
    print(f"Validatierapport:     {report / 'validatierapport.html'}")
    data_docs = data_docs_index(config.gx_dir)
    if data_docs.exists():
        print(f"GX Data Docs:         {data_docs}")
    print(f"Manifest:             {folder / 'manifest.json'}")
    week = week_folder(config.output_dir, monday)
    lists = json.loads((week / "manifest.json").read_text())["lists"]
    print(f"Signalering:          {len(lists)} lijst(en) in {week}")


if __name__ == "__main__":
    main()
