"""Backfill: `airflow backfill create` for 2025 with a running scheduler makes the six
periods' documents, each byte for byte what a single run of that period makes, and asking
again for the same year plans nothing (reprocess behaviour `none`).

How the dates map: the report DAG's CronDataIntervalTimetable("0 6 1 */2 *") gives each run
the data interval [period start 06:00, period end 06:00) Europe/Amsterdam and the period
start as its logical date. A backfill makes one run per logical date inside
[--from-date, --to-date] whose interval has ended: 2025-01-01 … 2025-12-31 holds
2025-01-01 06:00 … 2025-11-01 06:00, so the six periods January–February … November–December.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tests.services.airflow_processes import (
    Project,
    postgres_project,
)

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
YEAR = ("--from-date", "2025-01-01", "--to-date", "2025-12-31")
SLUGS = ["2025-01_2025-02", "2025-03_2025-04", "2025-05_2025-06",
         "2025-07_2025-08", "2025-09_2025-10", "2025-11_2025-12"]
DOCUMENTS = ("raadsinformatiebrief.docx", "bijlage-overzicht.docx")


def periods():
    from wijkopvolging.periods import Period

    return [Period.parse(slug) for slug in SLUGS]


INGESTS = """
import datetime as dt
from wijkopvolging.config import load_config
from wijkopvolging.ingest import extract_source, load_source, validate_source, write_ingest_report
from wijkopvolging.periods import Period
from wijkopvolging.schedules import ingest_at

config = load_config()
for slug in {slugs!r}:
    end = ingest_at(Period.parse(slug).end)
    run_id = f"ingest-{{slug}}"
    for source in config.sources:
        extract_source(config, source.name, run_id=run_id,
                       data_interval_start=end - dt.timedelta(days=1), data_interval_end=end)
        validate_source(config, source.name, run_id=run_id, data_interval_end=end)
        load_source(config, source.name, run_id=run_id, data_interval_end=end)
    write_ingest_report(config, run_id=run_id, data_interval_end=end)
"""

REPORTS = """
import datetime as dt

from scripts.run_pipeline import demo_decision
from wijkopvolging.config import load_config
from wijkopvolging.periods import Period
from wijkopvolging.delivery import period_folder
from wijkopvolging.rapportage import (
    check_publication_gate, compute_timeliness, take_snapshot, write_documents)

config = load_config()
for slug in {slugs!r}:
    period, run_id = Period.parse(slug), f"reference-{{slug}}"
    take_snapshot(config, period, run_id=run_id)
    check_publication_gate(config, period, run_id=run_id)
    compute_timeliness(config, period, run_id=run_id)
    decided_on, kenmerk = demo_decision(period, dt.date.today())  # as the backfill's approvals
    write_documents(config, period, run_id=run_id, folder=period_folder(config, period),
                    kenmerk=kenmerk, letter_date=decided_on)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory, airflow_services):
    """A warehouse holding the ingest that closes each 2025 period. One fill of the demo
    source serves all six: its query only sees what was registered before the run's
    data_interval_end. The ingests call the ingest DAG's step functions directly (the
    backfill, not the ingest, is under test here; `airflow dags test` costs ~45 s a run)."""
    started = time.monotonic()
    with postgres_project(tmp_path_factory.mktemp("backfill")) as project:
        project.fill_demo_sources(until=dt.date(2025, 12, 31))
        project.run_steps(INGESTS.format(slugs=SLUGS))
        print(f"\n[airflow] six ingests in {time.monotonic() - started:.0f} s")
        yield project


@pytest.fixture(scope="module")
def backfill(airflow_services, project):
    """The 2025 backfill, run to the end by a LocalExecutor scheduler; its runs."""
    cluster = airflow_services.cluster
    started = time.monotonic()
    with cluster.scheduler("LocalExecutor", project):
        cluster.set_paused(RAPPORTAGE, False)  # the scheduler skips paused DAGs' runs
        try:
            result = cluster.airflow("backfill", "create", "--dag-id", RAPPORTAGE, *YEAR,
                                     "--max-active-runs", "2")
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            runs = [run for run in cluster.runs(RAPPORTAGE) if run["run_type"] == "backfill"]
            assert len(runs) == len(SLUGS), runs
            cluster.wait_for_runs(RAPPORTAGE, [run["dag_run_id"] for run in runs],
                                  timeout=900, approve=True)
        finally:
            cluster.set_paused(RAPPORTAGE, True)
    print(f"\n[airflow] backfill of six periods in {time.monotonic() - started:.0f} s")
    backfilled = [run for run in cluster.runs(RAPPORTAGE) if run["run_type"] == "backfill"]
    return sorted(backfilled, key=lambda run: run["logical_date"])


def test_backfill_of_2025_runs_one_report_per_two_month_period(backfill):
    from wijkopvolging.periods import AMSTERDAM
    from wijkopvolging.rapportage import report_as_of
    from wijkopvolging.schedules import REPORT_HOUR

    runs = backfill
    assert [run["state"] for run in runs] == ["success"] * len(SLUGS)
    starts = [dt.datetime.fromisoformat(run["data_interval_start"]) for run in runs]
    ends = [dt.datetime.fromisoformat(run["data_interval_end"]) for run in runs]
    assert ends == [report_as_of(period) for period in periods()]
    assert starts == [dt.datetime.combine(period.start, dt.time(REPORT_HOUR), tzinfo=AMSTERDAM)
                      for period in periods()]
    assert [run["logical_date"] for run in runs] == [run["data_interval_start"] for run in runs]


def test_backfill_writes_the_documents_of_all_six_periods(project, backfill):
    for slug in SLUGS:
        for name in DOCUMENTS:
            path = project.output_dir / slug / name
            assert path.is_file() and path.stat().st_size > 0, f"{path} missing"
        assert (project.output_dir / slug / "manifest.json").is_file()
    written = sorted(p.name for p in project.output_dir.iterdir()
                     if re.fullmatch(r"\d{4}-\d\d_\d{4}-\d\d", p.name))
    assert written == SLUGS


def test_backfilled_documents_equal_a_single_run_of_their_period(
        airflow_services, project, backfill, tmp_path):
    """Reference: one period through `airflow dags test`, the other five through the report
    DAG's step functions, on the same warehouse into another output folder. A backfill
    must change nothing about the documents."""
    from scripts.run_pipeline import demo_decision
    from wijkopvolging.rapportage import report_as_of

    reference = Project(tmp_path / "reference", project.warehouse_url)
    started = time.monotonic()
    last, *others = reversed(periods())
    airflow_services.runner.run(RAPPORTAGE, report_as_of(last), reference,
                                approval=demo_decision(last, dt.date.today()))
    reference.run_steps(REPORTS.format(slugs=[p.slug for p in others]))
    print(f"\n[airflow] six single runs in {time.monotonic() - started:.0f} s")
    differ = [f"{slug}/{name}" for slug in SLUGS for name in DOCUMENTS
              if (project.output_dir / slug / name).read_bytes()
              != (reference.output_dir / slug / name).read_bytes()]
    assert not differ, f"backfilled documents differ from a single run: {differ}"


def test_backfilling_the_same_year_again_plans_no_runs(airflow_services, backfill):
    """Reprocess behaviour `none` (the default): periods with a finished run are skipped;
    `completed` would plan all six again."""
    cluster = airflow_services.cluster
    again = cluster.airflow("backfill", "create", "--dag-id", RAPPORTAGE, *YEAR, "--dry-run")
    forced = cluster.airflow("backfill", "create", "--dag-id", RAPPORTAGE, *YEAR, "--dry-run",
                             "--reprocess-behavior", "completed")
    for result in (again, forced):
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    planned = re.compile(r"2025-\d\d-01[ T]0[45]:00:00")
    assert planned.findall(again.stdout) == [], again.stdout
    assert len(planned.findall(forced.stdout)) == len(SLUGS), forced.stdout
