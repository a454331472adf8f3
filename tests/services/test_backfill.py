"""Backfill: `airflow backfill create` for the second half of 2025 with a running scheduler
makes the three periods' documents, each byte for byte what a single run of that period
makes, and asking again for the same range plans nothing (reprocess behaviour `none`).
Three periods show what six would (one run per period, in order, two at a time) at half
the cost of a year.

How the dates map: the report DAG's CronDataIntervalTimetable("0 6 1 */2 *") gives each run
the data interval [period start 06:00, period end 06:00) Europe/Amsterdam and the period
start as its logical date. A backfill makes one run per logical date inside
[--from-date, --to-date] whose interval has ended: 2025-07-01 … 2025-12-31 holds
2025-07-01 06:00, 2025-09-01 06:00 and 2025-11-01 06:00, so the periods July–August,
September–October and November–December.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tests.projects import Project, postgres_project
from wijkopvolging.layout import LETTER, MANIFEST, OVERVIEW

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
YEAR = ("--from-date", "2025-07-01", "--to-date", "2025-12-31")  # the second half
SLUGS = ["2025-07_2025-08", "2025-09_2025-10", "2025-11_2025-12"]
DOCUMENTS = (LETTER, OVERVIEW)


def periods():
    from wijkopvolging.periods import Period

    return [Period.parse(slug) for slug in SLUGS]


@pytest.fixture(scope="module")
def project(tmp_path_factory, airflow_cluster):
    """A warehouse holding the ingest that closes each backfilled period. One fill of the
    demo source serves all three: its query only sees what was registered before the run's
    data_interval_end. The ingests run the ingest steps in this process (the backfill,
    not the ingest, is under test here)."""
    from wijkopvolging import pipeline
    from wijkopvolging.schedules import ingest_at

    started = time.monotonic()
    with postgres_project(tmp_path_factory.mktemp("backfill")) as project:
        project.fill_demo_sources(until=dt.date(2025, 12, 31))
        config = project.config()
        for period in periods():
            end = ingest_at(period.end)
            pipeline.ingest(config, run_id=f"ingest-{period.slug}", data_interval_end=end)
        print(f"\n[airflow] three ingests in {time.monotonic() - started:.0f} s")
        yield project


@pytest.fixture(scope="module")
def backfill(airflow_cluster, project):
    """The backfill of the second half of 2025, run to the end by a LocalExecutor
    scheduler; its runs."""
    cluster = airflow_cluster
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
    print(f"\n[airflow] backfill of three periods in {time.monotonic() - started:.0f} s")
    backfilled = [run for run in cluster.runs(RAPPORTAGE) if run["run_type"] == "backfill"]
    return sorted(backfilled, key=lambda run: run["logical_date"])


def test_backfill_runs_one_report_per_two_month_period(backfill):
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


def test_backfill_writes_the_documents_of_every_period_in_the_range(project, backfill):
    for slug in SLUGS:
        for name in DOCUMENTS:
            path = project.output_dir / slug / name
            assert path.is_file() and path.stat().st_size > 0, f"{path} missing"
        assert (project.output_dir / slug / MANIFEST).is_file()
    written = sorted(p.name for p in project.output_dir.iterdir()
                     if re.fullmatch(r"\d{4}-\d\d_\d{4}-\d\d", p.name))
    assert written == SLUGS


def test_backfilled_documents_equal_a_single_run_of_their_period(project, backfill, tmp_path):
    """Reference: each period through the report DAG's steps in this process, on the same
    warehouse into another output folder, approved with the same date and kenmerk. A
    backfill must change nothing about the documents."""
    from demo.college import demo_decision
    from wijkopvolging import pipeline
    from wijkopvolging.approval import CollegeDecision

    reference = Project(tmp_path / "reference", project.warehouse_url)
    config = reference.config()
    started = time.monotonic()
    for period in periods():
        decided_on, kenmerk = demo_decision(period, dt.date.today())  # as the backfill's
        decision = CollegeDecision(
            period=period.slug, approved=True, decided_on=decided_on, kenmerk=kenmerk,
            note="test", responded_by="test", responded_at=dt.datetime.now(dt.UTC))
        pipeline.report_to_griffie(config, period, run_id=f"reference-{period.slug}",
                                   decision=decision.to_xcom())
    print(f"\n[airflow] three single runs in {time.monotonic() - started:.0f} s")
    differ = [f"{slug}/{name}" for slug in SLUGS for name in DOCUMENTS
              if (project.output_dir / slug / name).read_bytes()
              != (reference.output_dir / slug / name).read_bytes()]
    assert not differ, f"backfilled documents differ from a single run: {differ}"


def test_backfilling_the_same_year_again_plans_no_runs(airflow_cluster, backfill):
    """Reprocess behaviour `none` (the default): periods with a finished run are skipped;
    `completed` would plan all three again."""
    cluster = airflow_cluster
    again = cluster.airflow("backfill", "create", "--dag-id", RAPPORTAGE, *YEAR, "--dry-run")
    forced = cluster.airflow("backfill", "create", "--dag-id", RAPPORTAGE, *YEAR, "--dry-run",
                             "--reprocess-behavior", "completed")
    for result in (again, forced):
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    planned = re.compile(r"2025-\d\d-01[ T]0[45]:00:00")
    assert planned.findall(again.stdout) == [], again.stdout
    assert len(planned.findall(forced.stdout)) == len(SLUGS), forced.stdout
