"""`make run`: fill the demo source, run ingest and rapportage through Airflow's own
runner (`airflow dags test`) for one period, and print where the documents are.

The rapportage run waits for the college's decision (a human-in-the-loop task). With the
demo configuration (`approval.demo_approval: true`) `make run` gives that decision itself,
through Airflow's REST API (scripts/approve_demo.py), and prints the date and kenmerk it
used; otherwise the run waits until someone answers in Airflow.

    python scripts/run_pipeline.py [--period 2025-09]

Without --period: the most recent complete two-month period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))  # the demo sources (demo/), outside the package

from demo import runner  # noqa: E402
from demo.college import demo_decision  # noqa: E402
from demo.sources import fill_demo_sources  # noqa: E402
from wijkopvolging import pipeline  # noqa: E402
from wijkopvolging.config import load_config  # noqa: E402
from wijkopvolging.errors import ExpectedError  # noqa: E402
from wijkopvolging.periods import Period  # noqa: E402
from wijkopvolging.reference import ReferenceData  # noqa: E402
from wijkopvolging.schedules import ingest_at, report_as_of, signalering_at  # noqa: E402


def run_dag(dag_id: str, logical_date: dt.datetime, log_dir: Path,
            approval: tuple[dt.date, str] | None = None) -> None:
    """Run one DAG run with Airflow's runner (demo.runner); on failure show the errors
    and stop. While it runs, say so when a task fails and Airflow will retry it (a source
    that is down): when, which try, and how to stop. Afterwards the run's recorded start
    is set to when it really started (``dags test`` records the logical date).
    ``approval`` (date, kenmerk): the demo's college answers the run's approval request
    meanwhile, through Airflow's API."""
    log = log_dir / f"{dag_id}.log"
    print(f"→ {dag_id} for {logical_date.isoformat()} (log: {log.relative_to(ROOT)})",
          flush=True)
    started_at = dt.datetime.now(dt.UTC)
    announced: set = set()

    def announce() -> None:
        if "up_for_retry" in log.read_text(errors="replace").lower():
            try:
                announce_retries(dag_id, log, announced)
            except Exception as exc:  # a message must never stop the run itself
                print(f"  (kon de herkansing niet aankondigen: {exc})", flush=True)

    try:
        run = runner.run_dag(dag_id, logical_date, log=log, approval=approval,
                             while_running=announce)
    except KeyboardInterrupt:
        sys.exit(f"\nGestopt. {dag_id} is afgebroken; het log staat in {log}")
    except runner.DagRunFailed:
        record_real_start(dag_id, logical_date, started_at)
        text = log.read_text(errors="replace")
        errors = [line for line in text.splitlines()
                  if "AirflowFailException" in line or "Error" in line][-8:]
        print("\n".join(errors or text.splitlines()[-30:]), file=sys.stderr)
        sys.exit(f"{dag_id} failed; the whole log is in {log}")
    record_real_start(dag_id, logical_date, started_at)
    if run.approved:
        print("  " + run.approved, flush=True)
    print(f"  done in {run.seconds:.0f} s", flush=True)


# A Python exception line in the log ("wijkopvolging.sources.SourceError: source …").
_EXCEPTION_LINE = re.compile(r"^[\w.]+(?:Error|Exception): .+")


def announce_retries(dag_id: str, log: Path, announced: set) -> None:
    """Print, once per failed try, that Airflow will retry the task, when, and how to stop."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    # Importing Airflow installs its own signal handlers; Ctrl-C must still stop this script.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with create_session() as session:
        waiting = session.scalars(select(TaskInstance).where(
            TaskInstance.dag_id == dag_id,
            TaskInstance.state == TaskInstanceState.UP_FOR_RETRY)).all()
        for ti in waiting:
            key = (ti.task_id, ti.map_index, ti.try_number)
            if key in announced:
                continue
            announced.add(key)
            ti.task = _dag(dag_id).get_task(ti.task_id)
            at = ti.next_retry_datetime().astimezone()  # this machine's clock
            errors = [line for line in log.read_text(errors="replace").splitlines()
                      if _EXCEPTION_LINE.match(line)]
            cause = errors[-1].split(": ", 1)[1][:300] if errors else "zie het log"
            name = ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else "")
            print(f"  ! {name} mislukte (poging {ti.try_number} van {ti.task.retries + 1}): "
                  f"{cause}\n    Airflow probeert het om {at:%H:%M:%S} opnieuw, met steeds "
                  "langere pauzes (zo gaat het in productie ook). Niet wachten: Ctrl-C; "
                  f"het hele log: {log}", flush=True)


_DAGS: dict = {}


def _dag(dag_id: str):
    """The DAG object (for its tasks' retry settings), parsed once."""
    if dag_id not in _DAGS:
        from airflow.dag_processing.dagbag import DagBag

        _DAGS[dag_id] = DagBag(dag_folder=str(ROOT / "dags" / f"{dag_id}.py")).get_dag(dag_id)
    return _DAGS[dag_id]


def record_real_start(dag_id: str, logical_date: dt.datetime, started_at: dt.datetime) -> None:
    """``airflow dags test`` records a run as started at its logical date, so the UI shows
    durations of weeks; store the moment it really started instead."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import update

    with create_session() as session:
        session.execute(update(DagRun).where(
            DagRun.dag_id == dag_id, DagRun.logical_date == logical_date.astimezone(dt.UTC),
        ).values(start_date=started_at, queued_at=started_at))


def ingest_history(config, period: Period) -> None:
    """Give the letter's trend its earlier periods: for each of the five periods before
    ``period`` that the warehouse knows nothing about yet, fill the demo sources as they
    were at that period's end and run the ingest steps as of then (oldest first, as the
    daily ingest would have). The same step functions the ingest DAG's tasks call, in
    this process: Airflow's runner would add about half a minute per period."""
    from wijkopvolging.trend import trend_periods
    from wijkopvolging.warehouse import open_warehouse

    with open_warehouse(config.warehouse_url) as warehouse:
        missing = [p for p in trend_periods(period)[:-1]
                   if warehouse.snapshot(report_as_of(p)).empty]
    if not missing:
        return
    started = time.monotonic()
    for earlier in missing:
        fill_demo_sources(config, earlier.peildatum)
        end = ingest_at(earlier.end)
        pipeline.ingest(config, run_id=f"make_run_history__{end.isoformat()}",
                        data_interval_end=end)
    print(f"→ history for the trend: ingested as of the end of {len(missing)} earlier "
          f"period(s), {missing[0].label} to {missing[-1].label}, in "
          f"{time.monotonic() - started:.0f} s", flush=True)


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
    from wijkopvolging import layout
    from wijkopvolging.validation import data_docs_index

    print(f"Periode: {period.label} (peildatum {period.peildatum:%d-%m-%Y})")
    if not args.no_demo:
        # Real sources cannot be rewound; the demo can, so the trend has a history.
        ingest_history(config, period)
        print("\n".join(fill_demo_sources(config, period.peildatum)))

    log_dir = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow")) / "make-run"
    log_dir.mkdir(parents=True, exist_ok=True)
    ingest_moment = ingest_at(period.end)
    run_dag(pipeline.INGEST.dag_id, ingest_moment, log_dir)
    approval = demo_decision(period, dt.date.today()) if config.approval.demo_approval else None
    if approval is None:
        print("  De run wacht op het besluit van het college: geef het in Airflow "
              "(Required actions, `make airflow-ui`) of via de REST API.", flush=True)
    run_dag(pipeline.RAPPORTAGE.dag_id, report_as_of(period), log_dir, approval)
    # The early-warning lists of the first Monday after the period.
    monday = period.end + dt.timedelta(days=(7 - period.end.weekday()) % 7)
    run_dag(pipeline.SIGNALERING.dag_id, signalering_at(monday), log_dir)

    drop = layout.drop_folder(config.output_dir, period)
    folder, manifest = drop.folder, json.loads(drop.manifest.read_text())
    report = layout.validation_folder(config.output_dir, ingest_moment)
    print()
    college = manifest.get("college") or {}
    print(f"Raadsinformatiebrief: {drop.letter}")
    print(f"Besluit college:      {college.get('decided_on')}, kenmerk "
          f"{college.get('kenmerk')} (ingevoerd door {college.get('responded_by')})")
    print(f"Concept (college):    {drop.concept.folder}")
    print(f"Overzicht (bijlage):  {drop.overview}")
    print(f"Overzicht als sheet:  {drop.overview_xlsx}")
    pdfs = sorted(name for name in manifest["files"] if name.endswith(layout.PDF))
    if pdfs:
        print(f"PDF's:                {', '.join(str(folder / n) for n in pdfs)}")
    elif not config.documents.pdf:
        print("PDF's:                niet gemaakt: documents.pdf staat uit")
    else:
        print("PDF's:                niet gemaakt: LibreOffice ontbreekt "
              "(Debian: apt-get install libreoffice-writer-nogui)")
    print(f"Validatierapport:     {report / layout.VALIDATION_HTML}")
    data_docs = data_docs_index(config.gx_dir)
    if data_docs.exists():
        print(f"GX Data Docs:         {data_docs}")
    print(f"Manifest:             {drop.manifest}")
    trend = manifest.get("trend", [])
    print(f"Trend in de brief:    {len(trend)} periode(n), "
          f"{trend[0]['label'] if trend else '-'} t/m {period.label} "
          f"(raadsinformatiebrief, 'Ontwikkeling over de laatste perioden')")
    count = len(list(drop.afschriften.glob(f"*{layout.WORD}")))
    print(f"Afschriften:          {count} wijkraad/wijkraden in {drop.afschriften}")
    csv, rows_json, package = layout.open_data_files(drop.open_data)
    print(f"Open data:            {package}, {csv.name}, {rows_json.name}")
    print(f"Webpagina:            {drop.webpage}")
    print(f"Woo-index (DiWoo):    {drop.sitemap}, metadata in {drop.woo} "
          f"(publiek onder {config.publication.base_url})")
    from wijkopvolging.archive import archive_summary

    print(archive_summary(config))
    week = layout.week_folder(config.output_dir, monday)
    lists = json.loads((week / layout.MANIFEST).read_text())["lists"]
    print(f"Signalering:          {len(lists)} lijst(en) in {week}")
    warn_if_schedules_differ()


def warn_if_schedules_differ() -> None:
    """`make run` runs the DAGs by hand and leaves their pause states alone; if the UI left
    some schedules running and others paused, say so (and how to align them)."""
    from pause_states import paused_states  # scripts/, next to this file

    from wijkopvolging.airflow_support import pause_summary

    states = paused_states()
    if len(set(states.values())) > 1:
        print("\n" + "\n".join(pause_summary(states)))


if __name__ == "__main__":
    main()
