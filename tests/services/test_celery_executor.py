"""The CeleryExecutor as docker-compose.yaml runs it: a scheduler sending tasks through
Redis to a Celery worker, results in Airflow's PostgreSQL database. The ingest DAG is the
run: its mapped tasks per source are what the workers spread in production."""

from __future__ import annotations

import json
import time
from importlib import metadata

import pytest

from tests.fresh_import import fresh_import
from tests.projects import ingest_moment, postgres_project
from tests.services.airflow_processes import delete_redis_keys, require_redis
from wijkopvolging import layout
from wijkopvolging.periods import Period

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

INGEST = "wijkopvolging_ingest"
PERIODE = "2026-09"


def test_celery_provider_works_with_the_pinned_celery():
    """Fails fast, naming the versions, when the lock pairs the Celery provider with a
    Celery release it cannot import (the scheduler and the workers would not start)."""
    result, _ = fresh_import("airflow.providers.celery.executors.celery_executor")
    versions = {name: metadata.version(name)
                for name in ("celery", "kombu", "apache-airflow-providers-celery")}
    assert result.returncode == 0, (
        f"the CeleryExecutor cannot be imported with {versions}: "
        f"{result.stderr.strip().splitlines()[-1]}. Pin a Celery release the provider "
        "supports in requirements.txt and run `make lock`.")


@pytest.fixture(scope="module")
def celery_run(tmp_path_factory, airflow_cluster):
    """One ingest run, triggered through the REST API, executed by a Celery worker."""
    require_redis()
    cluster = airflow_cluster
    moment = ingest_moment(Period.parse(PERIODE))
    with postgres_project(tmp_path_factory.mktemp("celery")) as project:
        project.fill_demo_sources(until=Period.parse(PERIODE).peildatum)
        started = time.monotonic()
        try:
            with cluster.scheduler("CeleryExecutor", project), cluster.celery_worker(project):
                cluster.set_paused(INGEST, False)
                try:
                    run_id = cluster.trigger(INGEST, logical_date=moment)
                    cluster.wait_for_runs(INGEST, [run_id], timeout=360)
                finally:
                    cluster.set_paused(INGEST, True)
        finally:
            delete_redis_keys(cluster.redis_prefix)
        print(f"\n[airflow] ingest on the Celery worker done in "
              f"{time.monotonic() - started:.0f} s")
        yield run_id, project, (cluster.home / "celery-worker.log").read_text(errors="replace")


def test_ingest_runs_to_success_on_a_celery_worker(airflow_cluster, celery_run):
    run_id, project, _ = celery_run
    run = airflow_cluster.api("GET", f"/dags/{INGEST}/dagRuns/{run_id}")
    assert run["state"] == "success"
    report = layout.validation_folder(project.output_dir, ingest_moment(Period.parse(PERIODE)))
    assert (report / layout.VALIDATION_HTML).stat().st_size > 0
    manifest = json.loads((report / layout.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["reconciled"] is True


def test_every_task_went_through_the_broker_to_the_worker(airflow_cluster, celery_run):
    run_id, _, worker_log = celery_run
    instances = airflow_cluster.api(
        "GET", f"/dags/{INGEST}/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert instances and {ti["state"] for ti in instances} == {"success"}
    assert {ti["queue"] for ti in instances} == {"default"}
    # Celery logs one "received" line per task message it took from Redis.
    received = worker_log.count("execute_workload[")
    assert received >= len(instances), worker_log[-3000:]
