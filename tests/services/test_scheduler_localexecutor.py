"""The scheduler as production runs it, with the LocalExecutor: Airflow's metadata on
PostgreSQL, a real api-server, dag-processor and scheduler on 127.0.0.1, and a report
triggered by hand through the REST API, as a beheerder would for a re-issue."""

from __future__ import annotations

import json
import time

import pytest

from tests.services.airflow_processes import project_after_closing_ingest

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
PERIODE = "2026-09"


@pytest.fixture(scope="module")
def project(tmp_path_factory, airflow_services):
    """A warehouse holding the ingest that closes the period, made with `airflow dags test`
    as `make run` does."""
    with project_after_closing_ingest(tmp_path_factory.mktemp("localexecutor"), PERIODE,
                                      airflow_services.runner) as project:
        yield project


@pytest.fixture(scope="module")
def triggered_run(airflow_services, project):
    """One rapportage run triggered through the REST API, run by the scheduler, its
    college approval answered through the REST API."""
    cluster = airflow_services.cluster
    started = time.monotonic()
    with cluster.scheduler("LocalExecutor", project):
        cluster.set_paused(RAPPORTAGE, False)
        try:
            run_id = cluster.trigger(RAPPORTAGE, conf={"periode": PERIODE})
            cluster.wait_for_runs(RAPPORTAGE, [run_id], timeout=360, approve=True)
        finally:
            cluster.set_paused(RAPPORTAGE, True)
    print(f"\n[airflow] triggered rapportage run done in {time.monotonic() - started:.0f} s")
    return run_id


def test_report_triggered_through_the_rest_api_is_made_by_the_scheduler(
        airflow_services, project, triggered_run):
    run = airflow_services.cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{triggered_run}")
    assert run["state"] == "success"
    assert run["run_type"] == "manual"
    assert run["conf"] == {"periode": PERIODE}

    folder = project.output_dir / "2026-09_2026-10"
    for name in ("raadsinformatiebrief.docx", "bijlage-overzicht.docx"):
        assert (folder / name).stat().st_size > 0, f"{name} missing in {folder}"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == "2026-09_2026-10"
    assert manifest["items"] > 0


def test_every_task_of_the_triggered_run_ran_on_the_local_executor(
        airflow_services, triggered_run):
    cluster = airflow_services.cluster
    tasks = {task["task_id"] for task in cluster.api("GET", f"/dags/{RAPPORTAGE}/tasks")["tasks"]}
    instances = cluster.api(
        "GET", f"/dags/{RAPPORTAGE}/dagRuns/{triggered_run}/taskInstances")["task_instances"]
    assert {"snapshot", "publication_gate", "timeliness", "documents"} <= tasks
    assert {ti["task_id"] for ti in instances} == tasks
    assert {ti["state"] for ti in instances} == {"success"}
    assert all(ti["pid"] for ti in instances)  # a real process ran each one
