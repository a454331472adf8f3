"""Each DAG runs the steps wijkopvolging.pipeline declares, in the declared order, each
task framed by its own step: the order lives in one place and the DAG files follow it."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from wijkopvolging import pipeline
from wijkopvolging.pipeline import PIPELINES

BY_DAG = {declared.dag_id: declared for declared in PIPELINES}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_every_dag_is_a_declared_pipeline(dagbag):
    assert set(dagbag.dag_ids) == set(BY_DAG)


@pytest.mark.parametrize("declared", PIPELINES, ids=lambda p: p.dag_id)
def test_the_dag_has_exactly_the_declared_steps(dagbag, declared):
    dag = dagbag.get_dag(declared.dag_id)
    assert sorted(dag.task_ids) == sorted(declared.names)


@pytest.mark.parametrize("declared", PIPELINES, ids=lambda p: p.dag_id)
def test_each_step_waits_for_the_one_declared_before_it_and_none_after(dagbag, declared):
    dag = dagbag.get_dag(declared.dag_id)
    for position, step in enumerate(declared.steps):
        upstream = dag.get_task(step.name).upstream_task_ids
        earlier = set(declared.names[:position])
        assert upstream <= earlier, f"{step.name} waits for a later step: {upstream - earlier}"
        if position:
            before = step.after or declared.names[position - 1]
            assert before in upstream, f"{step.name} does not wait for {before}"


def test_the_rapportage_order_holds_the_college_between_concept_and_documents():
    names = pipeline.RAPPORTAGE.names
    assert names.index("concept") + 1 == names.index("college_approval")
    assert names.index("college_approval") + 1 == names.index("documents")


@pytest.mark.parametrize("declared", PIPELINES, ids=lambda p: p.dag_id)
def test_every_task_is_framed_by_its_own_step_and_calls_its_domain_function(dagbag,
                                                                           declared):
    dag = dagbag.get_dag(declared.dag_id)
    for step in declared:
        task = dag.get_task(step.name)
        if not hasattr(task, "python_callable"):  # Airflow's own: the college's approval
            assert step.function is None, step.name
            continue
        assert getattr(task.python_callable, "step", None) is step, (
            f"{step.name} is not framed by step_task")
        if step.function:
            called = step.function.partition(":")[2]
            body = task.python_callable.__wrapped__
            assert called in body.__code__.co_names, f"{step.name} does not call {called}"


@pytest.mark.parametrize("step", [step for declared in PIPELINES for step in declared
                                  if step.function], ids=lambda s: s.function)
def test_every_step_names_a_documented_domain_function(step):
    function = step.domain_function
    assert callable(function) and function.__doc__


def test_a_name_that_is_no_step_is_refused_naming_the_steps():
    with pytest.raises(KeyError, match="'archief' is no step of wijkopvolging_rapportage"):
        pipeline.RAPPORTAGE.step("archief")


# --- the same steps in one process ------------------------------------------------------


def test_the_in_process_report_runs_the_declared_steps_in_their_order(monkeypatch):
    ran = []

    def record(step, *args, **kwargs):
        ran.append(step.name)
        return {"set": "werk", "revised_set": None}

    monkeypatch.setattr(pipeline.Step, "__call__", record)
    pipeline.report_to_griffie(object(), object(), run_id="r", decision=object())
    assert ran == [name for name in pipeline.RAPPORTAGE.names if name in ran]  # in order
    checks = [step.name for step in pipeline.RAPPORTAGE.between("snapshot", "timeliness")]
    assert ran[:len(checks)] == checks and ran[-2:] == ["documents", "deliver"]
    assert not {"concept", "college_approval"} & set(ran)  # the decision is given


def test_the_in_process_ingest_runs_each_source_through_the_declared_steps(monkeypatch):
    import datetime as dt
    from types import SimpleNamespace

    ran = []

    def record(step, config, *args, **kwargs):
        ran.append((step.name, *args))
        return {"step": step.name}

    monkeypatch.setattr(pipeline.Step, "__call__", record)
    config = SimpleNamespace(sources=[SimpleNamespace(name="a"), SimpleNamespace(name="b")])
    result = pipeline.ingest(config, run_id="r",
                             data_interval_end=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    per_source = [step.name for step in pipeline.INGEST.between("extract", "load")]
    assert ran == [*((name, "a") for name in per_source), *((name, "b") for name in per_source),
                   ("steward_report",)]
    assert result["loaded"] == {"a": {"step": "load"}, "b": {"step": "load"}}
