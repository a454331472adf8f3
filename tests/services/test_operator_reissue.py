"""The operator's re-issue through the REST API of a running scheduler and api-server, as
production runs it (Airflow's metadata on PostgreSQL, the LocalExecutor): a period the
warehouse has no history of is refused with a Dutch message (the report code's own
traceback stays out of the task log), an empty period gives documents with zeros, and a
normal run is made by the scheduler, every task in a process of its own, and its task logs
name the period, the counts and where the documents are."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from wijkopvolging.layout import drop_folder, work_folder
from wijkopvolging.periods import AMSTERDAM, Period

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
NOVEMBER_2026 = dt.datetime(2026, 11, 1, 5, tzinfo=AMSTERDAM)  # the ingest closing 2026-09
PERIOD = Period.parse("2026-09")


def task_log(cluster, run_id: str, task_id: str) -> str:
    """The task's log as the UI gets it from the REST API (every event as JSON text)."""
    log = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances/{task_id}"
                             "/logs/1", params={"full_content": True})
    return json.dumps(log["content"], ensure_ascii=False)


def task_states(cluster, run_id: str) -> dict[str, str]:
    instances = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances")
    return {ti["task_id"]: ti["state"] for ti in instances["task_instances"]}


@pytest.fixture(scope="module")
def reissues(tmp_path_factory, airflow_cluster, closing_ingest_postgres):
    """The operator's re-issues of 2025-09 (before the warehouse's first ingest: refused)
    and 2026-09 (the period it closes), triggered through the REST API and run by a
    LocalExecutor scheduler on a copy of the closing ingest. (project, period -> run id)"""
    with closing_ingest_postgres.copy(tmp_path_factory.mktemp("reissue")) as project:
        yield project, airflow_cluster.reissue(project, ["2025-09", "2026-09"])


@pytest.fixture(scope="module")
def empty_period(tmp_path_factory, airflow_cluster):
    """A warehouse with an ingest on 1 November 2026 that found nothing to load."""
    from tests.projects import postgres_project

    with postgres_project(tmp_path_factory.mktemp("operator-empty")) as project:
        project.ingest(until=dt.date(2000, 1, 1), at=NOVEMBER_2026)
        runs = airflow_cluster.reissue(project, ["2026-09"])
        yield project, runs["2026-09"]


def test_a_period_without_history_is_refused_at_snapshot_in_dutch(airflow_cluster,
                                                                  reissues):
    cluster = airflow_cluster
    _, runs = reissues
    run = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{runs['2025-09']}")
    assert run["state"] == "failed"
    states = task_states(cluster, runs["2025-09"])
    assert states["snapshot"] == "failed" and states["documents"] != "success"
    log = task_log(cluster, runs["2025-09"], "snapshot")
    assert "Periode september–oktober 2025" in log
    assert "geen geschiedenis van september–oktober 2025" in log
    assert "gegevens vanaf 01-11-2026 05:00" in log
    assert "wijkopvolging_ingest voor 31-10-2025" in log
    # The refusal is the message, not a crash: no frame of the report code, no other error.
    for crash in ("AttributeError", "wijkopvolging/rapportage.py", "wijkopvolging/warehouse.py",
                  "Traceback"):
        assert crash not in log, crash


def test_a_normal_reissue_logs_period_counts_and_document_paths(airflow_cluster,
                                                                reissues):
    cluster = airflow_cluster
    project, runs = reissues
    assert set(task_states(cluster, runs["2026-09"]).values()) == {"success"}
    snapshot = task_log(cluster, runs["2026-09"], "snapshot")
    assert "Periode september–oktober 2026 (2026-09_2026-10, peildatum 31-10-2026)" in snapshot
    assert "snapshot klaar:" in snapshot and "in_report:" in snapshot
    documents = task_log(cluster, runs["2026-09"], "documents")
    assert "documents klaar:" in documents
    # The final set is rendered into the work folder; deliver names the drop folder.
    assert str(work_folder(project.output_dir, PERIOD)) in documents
    deliver = task_log(cluster, runs["2026-09"], "deliver")
    assert "deliver klaar:" in deliver
    assert str(drop_folder(project.output_dir, PERIOD).folder) in deliver


def test_an_empty_period_gives_documents_with_zeros(airflow_cluster, empty_period):
    from docx import Document

    cluster = airflow_cluster
    project, run_id = empty_period
    assert set(task_states(cluster, run_id).values()) == {"success"}
    drop = drop_folder(project.output_dir, PERIOD)
    manifest = json.loads(drop.manifest.read_text(encoding="utf-8"))
    assert manifest["items"] == 0
    overview = "\n".join(p.text for p in Document(drop.overview).paragraphs)
    assert "Er staan geen Vragen uit de Wijk in dit overzicht." in overview
    letter = "\n".join(p.text for p in Document(drop.letter).paragraphs)
    assert "in totaal 0 vragen en adviezen" in letter


def test_report_triggered_through_the_rest_api_is_made_by_the_scheduler(
        airflow_cluster, reissues):
    project, runs = reissues
    run = airflow_cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{runs['2026-09']}")
    assert run["state"] == "success"
    assert run["run_type"] == "manual"
    assert run["conf"] == {"periode": "2026-09"}

    drop = drop_folder(project.output_dir, PERIOD)
    for document in (drop.letter, drop.overview):
        assert document.stat().st_size > 0, f"{document} missing"
    manifest = json.loads(drop.manifest.read_text(encoding="utf-8"))
    assert manifest["period"] == PERIOD.slug == "2026-09_2026-10"
    assert manifest["items"] > 0


def test_every_task_of_the_triggered_run_ran_on_the_local_executor(
        airflow_cluster, reissues):
    cluster, run_id = airflow_cluster, reissues[1]["2026-09"]
    tasks = {task["task_id"] for task in cluster.api("GET", f"/dags/{RAPPORTAGE}/tasks")["tasks"]}
    instances = cluster.api(
        "GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert {"snapshot", "publication_gate", "timeliness", "documents"} <= tasks
    assert {ti["task_id"] for ti in instances} == tasks
    assert {ti["state"] for ti in instances} == {"success"}
    assert all(ti["pid"] for ti in instances)  # a real process ran each one
