"""Every task of every DAG turns expected trouble into one clear, non-retried failure."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.conftest import ROOT


def framed(body, label="stap", **task_kwargs):
    """``body`` as step_task makes it, for a one-step pipeline named after it; returns the
    function the task runs."""
    from wijkopvolging.airflow_support import step_task
    from wijkopvolging.pipeline import Pipeline, Step

    declared = Pipeline("proef", (Step(body.__name__, label, "wijkopvolging.periods:Period"),))
    return step_task(declared, **task_kwargs)(body).function


def test_the_frame_gives_settings_and_period_and_logs_the_outcome_under_the_task(
        monkeypatch, caplog):
    import logging

    from wijkopvolging import airflow_support
    from wijkopvolging.periods import Period

    settings = object()
    monkeypatch.setattr(airflow_support, "load_settings", lambda: settings)

    def snapshot(config, period, run_id=None) -> dict:
        return {"config": config, "period": period, "run_id": run_id}

    with caplog.at_level(logging.INFO, logger="wijkopvolging.task"):
        outcome = framed(snapshot)("2025-09_2025-10", run_id="r1")
    assert outcome == {"config": settings, "period": Period.parse("2025-09"), "run_id": "r1"}
    lines = [record.getMessage() for record in caplog.records]
    assert lines[0] == "Periode september–oktober 2025 (2025-09_2025-10, peildatum 31-10-2025)"
    assert lines[-1].startswith("snapshot klaar: config: ")


def test_airflow_sees_the_body_without_the_settings_the_frame_gives():
    import inspect

    def deliver(config, period, rendered: dict, run_id=None, params=None) -> dict:
        """Deliver."""

    function = framed(deliver)
    assert list(inspect.signature(function).parameters) == ["period", "rendered", "run_id",
                                                            "params"]
    assert function.__name__ == "deliver" and function.__doc__ == "Deliver."


def test_expected_trouble_in_a_body_fails_once_under_the_steps_label_and_names_the_source():
    from airflow.sdk.exceptions import AirflowFailException

    from wijkopvolging.sources import SourceSchemaError

    def validate(extracted: dict) -> dict:
        raise SourceSchemaError("kolom 'datum' ontbreekt\nvoeg hem toe")

    with pytest.raises(AirflowFailException) as failure:
        framed(validate, label="source {source!r}")({"source": "registratie"})
    assert str(failure.value) == "source 'registratie': kolom 'datum' ontbreekt voeg hem toe"
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_a_task_that_is_no_declared_step_is_refused_when_the_dag_is_parsed():
    from wijkopvolging.airflow_support import step_task
    from wijkopvolging.pipeline import RAPPORTAGE

    def archief(config, period) -> dict:
        return {}

    with pytest.raises(KeyError, match="'archief' is no step of wijkopvolging_rapportage"):
        step_task(RAPPORTAGE)(archief)


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A checkout of include/config in tmp_path whose wethouders.yaml is broken."""
    from wijkopvolging.reference import ReferenceData

    shutil.copytree(ROOT / "include" / "config", tmp_path / "include" / "config")
    (tmp_path / "include" / "config" / "wethouders.yaml").write_text(
        "wethouders:\n  - naam: [niet, goed\n", encoding="utf-8")
    for name in ("WIJKOPVOLGING_CONFIG", "WIJKOPVOLGING_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(tmp_path))
    monkeypatch.setenv("WIJKOPVOLGING_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("WIJKOPVOLGING_GX_DIR", str(tmp_path / "gx"))
    ReferenceData.clear_cache()
    yield tmp_path
    ReferenceData.clear_cache()


END = dt.datetime(2025, 11, 1, 4, tzinfo=dt.UTC)


def test_a_broken_reference_file_fails_the_steward_report_once_in_one_line(dagbag, project):
    from airflow.sdk.exceptions import AirflowFailException

    task = dagbag.get_dag("wijkopvolging_ingest").get_task("steward_report")
    assert task.retries >= 1  # it would retry an unexpected error
    with pytest.raises(AirflowFailException) as failure:
        task.python_callable(loaded=[], run_id="test", data_interval_end=END)
    message = str(failure.value)
    wethouders = project / "include" / "config" / "wethouders.yaml"
    assert message.startswith(f"validatierapport: {wethouders}: not valid YAML")
    assert "\n" not in message


def test_a_broken_reference_file_fails_the_report_snapshot_in_one_line(dagbag, project):
    from airflow.sdk.exceptions import AirflowFailException

    task = dagbag.get_dag("wijkopvolging_rapportage").get_task("snapshot")
    with pytest.raises(AirflowFailException, match=r"^momentopname: .*wethouders\.yaml: not"):
        task.python_callable(period="2025-09_2025-10", run_id="test")


def test_an_unreachable_warehouse_keeps_its_traceback_and_the_retries(dagbag, project,
                                                                       monkeypatch):
    import sqlalchemy as sa

    monkeypatch.setenv("WIJKOPVOLGING_WAREHOUSE_URL",
                       "postgresql+psycopg2://wijkopvolging@127.0.0.1:1/warehouse")
    task = dagbag.get_dag("wijkopvolging_ingest").get_task("steward_report")
    with pytest.raises(sa.exc.OperationalError):
        task.python_callable(loaded=[], run_id="test", data_interval_end=END)
