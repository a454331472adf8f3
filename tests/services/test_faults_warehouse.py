"""Faults of the warehouse during an ingest, made for real: two ingests at once (two
processes), a connection dropped in the middle of ``load`` (``pg_terminate_backend`` from
a second connection), and a ``load`` that runs again after it finished (a retry of a task
whose process died just after its work, or an operator clearing it).

Each starts from a copy of the warehouse after the ingest that closes September–October
2026 and ingests the next day, on SQLite and on PostgreSQL where both can have the fault.
docs/reliability.md lists what each shows.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from wijkopvolging.schedules import ingest_at

NEXT_DAY = dt.date(2026, 11, 1)  # the day after the closing ingest's day
AT = ingest_at(NEXT_DAY + dt.timedelta(days=1))  # the ingest closing that day
SCHEDULED = f"scheduled__{AT.isoformat()}"
# Airflow gives a manual run of a cron timetable the latest complete data interval: the
# same one as the scheduled run beside it.
MANUAL = f"manual__{AT.isoformat()}"


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request, tmp_path):
    """A copy of the closing ingest's warehouse, with the demo sources as they stood on
    the next day (what both ingests read)."""
    template = request.getfixturevalue(f"closing_ingest_{request.param}"
                                       .replace("postgresql", "postgres"))
    with template.copy(tmp_path / "project") as project:
        project.fill_demo_sources(NEXT_DAY)
        yield project


def _ingest_in_process(project, run_id: str, barrier, results) -> None:
    """One ingest's steps for every source, started together with the other ingest; the
    loads wait for each other, so they meet in the warehouse: the worst moment, where
    only the per-source lock (PostgreSQL) or SQLite's wait for its write lock keeps both
    from writing the same day's versions."""
    from wijkopvolging.ingest import (
        extract_source,
        load_source,
        validate_source,
        write_ingest_report,
    )

    try:
        config = project.config()
        barrier.wait(timeout=120)
        for source in config.sources:
            extract_source(config, source.name, run_id=run_id,
                           data_interval_start=AT - dt.timedelta(days=1),
                           data_interval_end=AT)
            validate_source(config, source.name, run_id=run_id, data_interval_end=AT)
        barrier.wait(timeout=120)
        outcome = {source.name: load_source(config, source.name, run_id=run_id,
                                            data_interval_end=AT)
                   for source in config.sources}
        write_ingest_report(config, run_id=run_id, data_interval_end=AT)
    except Exception as exc:  # reported to the test, not lost in the child
        results.put((run_id, f"{type(exc).__name__}: {exc}"))
        raise
    results.put((run_id, outcome))


def current_rows(url: str, table: str) -> pd.DataFrame:
    """The rows of a warehouse table that are part of the current answer."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            frame = pd.read_sql_query(sa.text(f"SELECT * FROM {table}"), conn)
    finally:
        engine.dispose()
    if "superseded_at" in frame:
        frame = frame[frame["superseded_at"].isna()]
    return frame


def test_two_ingests_at_once_are_serialised_record_no_version_twice_and_reconcile(project):
    import great_expectations  # noqa: F401 (imported once here; the forked processes share it)

    fork = multiprocessing.get_context("fork")  # as Airflow's LocalExecutor starts tasks
    barrier, results = fork.Barrier(2), fork.Queue()
    runs = [fork.Process(target=_ingest_in_process, args=(project, run_id, barrier, results))
            for run_id in (SCHEDULED, MANUAL)]
    for run in runs:
        run.start()
    outcomes = dict(results.get(timeout=300) for _ in runs)
    for run in runs:
        run.join(timeout=60)
    assert all(isinstance(o, dict) for o in outcomes.values()), outcomes

    versions = current_rows(project.warehouse_url, "item_versions")
    at = AT.astimezone(dt.UTC).replace(tzinfo=None)
    today = versions[pd.to_datetime(versions["valid_from"]) == at]
    # One current version per item at the moment both ingests stand for: the second load
    # replaced the first's, instead of adding a second.
    assert not today["item_id"].duplicated().any()
    assert set(today["run_id"]) <= {SCHEDULED, MANUAL}
    loads = current_rows(project.warehouse_url, "source_loads")
    assert not loads.duplicated(["source", "valid_from"]).any()
    # Every item has one version per moment in the whole history as well.
    assert not versions.duplicated(["item_id", "valid_from"]).any()

    runs_table = current_rows(project.warehouse_url, "ingest_runs")
    both = runs_table[runs_table["run_id"].isin([SCHEDULED, MANUAL])]
    assert len(both) == 2 * len(project.config().sources)
    assert (both["extracted"] == both["loaded"] + both["quarantined"]).all()
    # Both read the same sources: the same counts, and the warehouse holds what one
    # ingest alone would have made of them.
    for source, scheduled in outcomes[SCHEDULED].items():
        manual = outcomes[MANUAL][source]
        assert (manual["extracted"], manual["loaded"], manual["quarantined"]) == \
            (scheduled["extracted"], scheduled["loaded"], scheduled["quarantined"])
    staging = current_rows(project.warehouse_url, "staging_items")
    assert staging.empty


# ------------------------------------------------------------ a connection dropped in load

def _stage(project, run_id: str, source: str) -> int:
    """Extract and validate one source for ``run_id``, as the DAG's tasks do before load;
    returns how many records are staged."""
    from wijkopvolging.ingest import extract_source, validate_source

    config = project.config()
    extracted = extract_source(config, source, run_id=run_id,
                               data_interval_start=AT - dt.timedelta(days=1),
                               data_interval_end=AT)["extracted"]
    validate_source(config, source, run_id=run_id, data_interval_end=AT)
    return extracted


def _load_in_thread(project, run_id: str, source: str) -> tuple[threading.Thread, list]:
    from wijkopvolging.ingest import load_source

    outcome: list = []

    def load():
        try:
            outcome.append(load_source(project.config(), source, run_id=run_id,
                                       data_interval_end=AT))
        except Exception as exc:  # the dropped connection, for the test to see
            outcome.append(exc)

    thread = threading.Thread(target=load, name=f"load {source}")
    thread.start()
    return thread, outcome


def _drop_load_waiting_on(admin, database: str, table: str, thread) -> None:
    """Once the load waits for ``table`` (``admin`` holds it locked), terminate its
    backend, as a failing network or a restarted server would; then release the lock."""
    with admin.cursor() as cursor:
        deadline = time.monotonic() + 60
        while True:
            # Inside a transaction pg_stat_activity answers from a snapshot: renew it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> "
                "pg_backend_pid() AND wait_event_type = 'Lock' AND query ILIKE %s",
                (database, f"%{table}%"))
            waiting = [row[0] for row in cursor.fetchall()]
            if waiting:
                break
            assert thread.is_alive() and time.monotonic() < deadline, \
                f"the load never waited for {table}"
            time.sleep(0.05)
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid",
                       (waiting,))
    admin.rollback()  # the lock goes; the load's transaction is gone already


def _written_by(url: str, run_id: str) -> dict[str, int]:
    """What the warehouse holds of one run, superseded rows included."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: conn.execute(sa.text(
                f"SELECT count(*) FROM {table} WHERE run_id = :run"), {"run": run_id}).scalar()
                for table in ("item_versions", "source_loads", "ingest_runs",
                              "staging_items")}
    finally:
        engine.dispose()


@pytest.mark.parametrize("project", ["postgresql"], indirect=True)
def test_a_connection_dropped_during_load_leaves_nothing_and_the_retry_loads_once(project):
    import psycopg2
    from sqlalchemy.engine import make_url

    from wijkopvolging.ingest import load_source

    source = "registratiesysteem"
    staged = _stage(project, SCHEDULED, source)
    url = make_url(project.warehouse_url)
    admin = psycopg2.connect(host=url.host, port=url.port, user=url.username,
                             dbname=url.database)
    try:
        # Dropped twice: while the versions are written, and after them, while the run's
        # counts are recorded. Each time nothing of the run may remain but its staging.
        for table in ("item_versions", "ingest_runs"):
            with admin.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            thread, outcome = _load_in_thread(project, SCHEDULED, source)
            _drop_load_waiting_on(admin, url.database, table, thread)
            thread.join(timeout=60)
            assert isinstance(outcome[0], sa.exc.OperationalError), outcome
            assert _written_by(project.warehouse_url, SCHEDULED) == {
                "item_versions": 0, "source_loads": 0, "ingest_runs": 0,
                "staging_items": staged}, f"half loaded after a drop at {table}"
    finally:
        admin.close()

    # Airflow's retry of the task: everything, once.
    loaded = load_source(project.config(), source, run_id=SCHEDULED, data_interval_end=AT)
    written = _written_by(project.warehouse_url, SCHEDULED)
    assert loaded["extracted"] == staged == loaded["loaded"] + loaded["quarantined"]
    assert written == {"item_versions": loaded["new"] + loaded["changed"] + loaded["deleted"],
                       "source_loads": 1, "ingest_runs": 1, "staging_items": 0}
    versions = current_rows(project.warehouse_url, "item_versions")
    assert (versions["run_id"] == SCHEDULED).sum() == written["item_versions"]  # none replaced
    assert not versions.duplicated(["item_id", "valid_from"]).any()


# ------------------------------------------------------------ a load run again after it finished

def test_a_load_run_again_after_it_finished_changes_nothing(project):
    from tests.projects import ingest_moment
    from wijkopvolging.ingest import load_source
    from wijkopvolging.periods import Period
    from wijkopvolging.warehouse import open_warehouse

    # The closing ingest finished every load; its task is retried (its worker died before
    # it could report success) or an operator clears it.
    at = ingest_moment(Period.parse("2026-09"))
    run_id = f"ingest__{at.isoformat()}"
    config = project.config()
    with open_warehouse(project.warehouse_url) as warehouse:
        before, runs_before = warehouse.snapshot(at), warehouse.runs_of(run_id)
    again = {source.name: load_source(config, source.name, run_id=run_id,
                                      data_interval_end=at) for source in config.sources}
    with open_warehouse(project.warehouse_url) as warehouse:
        after, runs_after = warehouse.snapshot(at), warehouse.runs_of(run_id)

    assert len(before) > 1000
    pd.testing.assert_frame_equal(after, before)
    pd.testing.assert_frame_equal(runs_after, runs_before)
    for source, outcome in again.items():
        recorded = runs_before[runs_before["source"] == source].iloc[0]
        assert outcome["already_loaded"] and outcome["loaded"] == recorded["loaded"]
