"""The scheduler as production runs it, with the LocalExecutor: Airflow's metadata on
PostgreSQL, a real api-server, dag-processor and scheduler on 127.0.0.1, and a report
triggered by hand through the REST API, as a beheerder would for a re-issue."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
PERIODE = "2026-09"


@pytest.fixture(scope="module")
def triggered_run(reissues):
    """The rapportage run of 2026-09 the operator triggered through the REST API (the
    shared re-issue, tests/services/conftest.py): made by the scheduler, its college
    approval answered through the REST API."""
    project, runs = reissues
    return project, runs[PERIODE]


def test_report_triggered_through_the_rest_api_is_made_by_the_scheduler(
        airflow_cluster, triggered_run):
    project, run_id = triggered_run
    run = airflow_cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}")
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
        airflow_cluster, triggered_run):
    cluster, (_, run_id) = airflow_cluster, triggered_run
    tasks = {task["task_id"] for task in cluster.api("GET", f"/dags/{RAPPORTAGE}/tasks")["tasks"]}
    instances = cluster.api(
        "GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert {"snapshot", "publication_gate", "timeliness", "documents"} <= tasks
    assert {ti["task_id"] for ti in instances} == tasks
    assert {ti["state"] for ti in instances} == {"success"}
    assert all(ti["pid"] for ti in instances)  # a real process ran each one
