"""Every task of every DAG turns expected trouble into one clear, non-retried failure."""

from __future__ import annotations

import ast
import datetime as dt
import shutil

import pytest

from tests.conftest import ROOT

DAG_FILES = sorted((ROOT / "dags").glob("*.py"))


def _is_task(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name) and target.id == "task":
            return True
    return False


def _inside_fail_clearly(function: ast.FunctionDef) -> tuple[set[int], int]:
    """Ids of the nodes inside a ``with fail_clearly(...)`` block, and the number of blocks."""
    inside, blocks = set(), 0
    for node in ast.walk(function):
        if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call)
                and getattr(item.context_expr.func, "id", None) == "fail_clearly"
                for item in node.items):
            blocks += 1
            inside |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return inside, blocks


def _tasks():
    for path in DAG_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and _is_task(node):
                yield pytest.param(node, id=f"{path.stem}.{node.name}")


@pytest.mark.parametrize("function", _tasks())
def test_every_task_does_its_work_inside_fail_clearly(function):
    inside, blocks = _inside_fail_clearly(function)
    assert blocks >= 1, f"task {function.name} is not wrapped in fail_clearly"
    calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)
             and getattr(node.func, "id", None) in ("load_settings",)]
    assert all(id(call) in inside for call in calls), (
        f"task {function.name} reads the configuration outside fail_clearly")


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
