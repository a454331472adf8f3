"""The operator's re-issue through the REST API of a running scheduler and api-server: a
period the warehouse has no history of is refused with a Dutch message (the report code's
own traceback stays out of the task log), an empty period gives documents with zeros, and
a normal run's task logs name the period, the counts and where the documents are."""

from __future__ import annotations

import json
import time

import pytest

from tests.services.airflow_processes import postgres_project

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"

INGEST_AT_NOVEMBER_2026 = """
import datetime as dt
from wijkopvolging.config import load_config
from wijkopvolging.ingest import extract_source, load_source, validate_source, write_ingest_report
from wijkopvolging.periods import AMSTERDAM

config = load_config()
end = dt.datetime(2026, 11, 1, 5, tzinfo=AMSTERDAM)
for source in config.sources:
    extract_source(config, source.name, run_id="ingest", data_interval_start=end
                   - dt.timedelta(days=1), data_interval_end=end)
    validate_source(config, source.name, run_id="ingest", data_interval_end=end)
    load_source(config, source.name, run_id="ingest", data_interval_end=end)
write_ingest_report(config, run_id="ingest", data_interval_end=end)
"""


def finished(cluster, run_ids: list[str], timeout: float = 600) -> dict[str, str]:
    """Wait until every run has finished, failed ones included, approving those that wait
    for the college; run id -> state."""
    deadline = time.monotonic() + timeout
    while True:
        cluster.assert_running()
        states = {run["dag_run_id"]: run["state"] for run in cluster.runs(RAPPORTAGE)
                  if run["dag_run_id"] in run_ids}
        if len(states) == len(run_ids) and set(states.values()) <= {"success", "failed"}:
            return states
        cluster.approve_demo_requests(RAPPORTAGE, run_ids)
        assert time.monotonic() < deadline, (f"runs not finished: {states}\n"
                                             + cluster.logs_tail(RAPPORTAGE, run_ids))
        time.sleep(3)


def task_log(cluster, run_id: str, task_id: str) -> str:
    """The task's log as the UI gets it from the REST API (every event as JSON text)."""
    log = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances/{task_id}"
                             "/logs/1", params={"full_content": True})
    return json.dumps(log["content"], ensure_ascii=False)


def task_states(cluster, run_id: str) -> dict[str, str]:
    instances = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances")
    return {ti["task_id"]: ti["state"] for ti in instances["task_instances"]}


def triggered(cluster, project, periods: list[str]) -> dict[str, str]:
    """One re-issue per period, triggered through the REST API; period -> run id."""
    with cluster.scheduler("LocalExecutor", project):
        cluster.set_paused(RAPPORTAGE, False)
        try:
            runs = {periode: cluster.trigger(RAPPORTAGE, conf={"periode": periode})
                    for periode in periods}
            finished(cluster, list(runs.values()))
        finally:
            cluster.set_paused(RAPPORTAGE, True)
    return runs


@pytest.fixture(scope="module")
def with_history(tmp_path_factory, airflow_services):
    """A warehouse whose first ingest is 1 November 2026; re-issues of 2025-09 (before
    it) and 2026-09 (the period it closes)."""
    from wijkopvolging.periods import Period

    with postgres_project(tmp_path_factory.mktemp("operator")) as project:
        project.fill_demo_sources(until=Period.parse("2026-09").peildatum)
        project.run_steps(INGEST_AT_NOVEMBER_2026)
        runs = triggered(airflow_services.cluster, project, ["2025-09", "2026-09"])
        yield project, runs


@pytest.fixture(scope="module")
def empty_period(tmp_path_factory, airflow_services):
    """A warehouse with an ingest on 1 November 2026 that found nothing to load."""
    import datetime as dt

    with postgres_project(tmp_path_factory.mktemp("operator-empty")) as project:
        project.fill_demo_sources(until=dt.date(2000, 1, 1))
        project.run_steps(INGEST_AT_NOVEMBER_2026)
        runs = triggered(airflow_services.cluster, project, ["2026-09"])
        yield project, runs["2026-09"]


def test_a_period_without_history_is_refused_at_snapshot_in_dutch(airflow_services,
                                                                  with_history):
    cluster = airflow_services.cluster
    _, runs = with_history
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


def test_a_normal_reissue_logs_period_counts_and_document_paths(airflow_services,
                                                                with_history):
    cluster = airflow_services.cluster
    project, runs = with_history
    assert set(task_states(cluster, runs["2026-09"]).values()) == {"success"}
    snapshot = task_log(cluster, runs["2026-09"], "snapshot")
    assert "Periode september–oktober 2026 (2026-09_2026-10, peildatum 31-10-2026)" in snapshot
    assert "snapshot klaar:" in snapshot and "in_report:" in snapshot
    documents = task_log(cluster, runs["2026-09"], "documents")
    assert "documents klaar:" in documents
    # The final set is rendered into the work folder; deliver names the drop folder.
    assert str(project.output_dir / ".werk" / "2026-09_2026-10") in documents
    deliver = task_log(cluster, runs["2026-09"], "deliver")
    assert "deliver klaar:" in deliver and str(project.output_dir / "2026-09_2026-10") in deliver


def test_an_empty_period_gives_documents_with_zeros(airflow_services, empty_period):
    from docx import Document

    cluster = airflow_services.cluster
    project, run_id = empty_period
    assert set(task_states(cluster, run_id).values()) == {"success"}
    folder = project.output_dir / "2026-09_2026-10"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["items"] == 0
    overview = "\n".join(p.text for p in Document(folder / "bijlage-overzicht.docx").paragraphs)
    assert "Er staan geen Vragen uit de Wijk in dit overzicht." in overview
    letter = "\n".join(p.text for p in Document(folder / "raadsinformatiebrief.docx").paragraphs)
    assert "in totaal 0 vragen en adviezen" in letter
