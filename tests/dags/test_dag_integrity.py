"""The DAG files parse, carry the right ids and schedules, and stay cheap to import."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from wijkopvolging.periods import AMSTERDAM, Period

DAG_FILES = sorted((ROOT / "dags").glob("*.py"))


def core_timetable(dag):
    """The scheduler's view of a DAG's timetable (the SDK object only describes it)."""
    from airflow.serialization.encoders import coerce_to_core_timetable

    return coerce_to_core_timetable(dag.timetable)


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dag_files_import_without_errors(dagbag):
    assert dagbag.import_errors == {}


def test_the_ingest_report_and_signalering_dags_are_defined(dagbag):
    assert set(dagbag.dag_ids) == {"wijkopvolging_ingest", "wijkopvolging_rapportage",
                                   "wijkopvolging_signalering"}


@pytest.mark.parametrize("start_month", [1, 3, 5, 7, 9, 11])
def test_report_timetable_gives_two_month_intervals_matching_a_period(dagbag, start_month):
    dag = dagbag.get_dag("wijkopvolging_rapportage")
    period = Period.starting(2026, start_month)
    run_after = dt.datetime.combine(period.end, dt.time(6, 30), tzinfo=AMSTERDAM)
    interval = core_timetable(dag).infer_manual_data_interval(run_after=run_after)
    assert Period.from_data_interval(interval.start, interval.end) == period
    assert interval.end.astimezone(AMSTERDAM).date() == period.end


def test_ingest_runs_daily_with_a_one_day_interval(dagbag):
    dag = dagbag.get_dag("wijkopvolging_ingest")
    run_after = dt.datetime(2026, 3, 30, 6, tzinfo=AMSTERDAM)  # the day after DST starts
    interval = core_timetable(dag).infer_manual_data_interval(run_after=run_after)
    assert interval.end.astimezone(AMSTERDAM) == dt.datetime(2026, 3, 30, 5, tzinfo=AMSTERDAM)
    assert interval.start.astimezone(AMSTERDAM) == dt.datetime(2026, 3, 29, 5,
                                                               tzinfo=AMSTERDAM)


def test_signalering_runs_monday_seven_oclock_with_a_one_week_interval(dagbag):
    dag = dagbag.get_dag("wijkopvolging_signalering")
    run_after = dt.datetime(2026, 11, 2, 8, tzinfo=AMSTERDAM)
    interval = core_timetable(dag).infer_manual_data_interval(run_after=run_after)
    assert interval.end.astimezone(AMSTERDAM) == dt.datetime(2026, 11, 2, 7, tzinfo=AMSTERDAM)
    assert interval.start.astimezone(AMSTERDAM) == dt.datetime(2026, 10, 26, 7,
                                                               tzinfo=AMSTERDAM)


def test_tasks_that_touch_sources_or_smtp_retry_at_least_twice_with_backoff(dagbag):
    for dag_id, task_id in (("wijkopvolging_ingest", "extract"),
                            ("wijkopvolging_rapportage", "concept"),
                            ("wijkopvolging_rapportage", "deliver"),
                            ("wijkopvolging_rapportage", "deliver_wijkraden"),
                            ("wijkopvolging_rapportage", "archive"),
                            ("wijkopvolging_signalering", "deliver")):
        task = dagbag.get_dag(dag_id).get_task(task_id)
        assert task.retries >= 2, (dag_id, task_id)
        assert task.retry_exponential_backoff, (dag_id, task_id)


def test_every_task_that_mails_a_delivery_retries_with_the_one_backoff(dagbag):
    """A delivery raises ``MailNotSent`` when the mail server is down (deliver_once.py);
    only a task with ``RETRY_WITH_BACKOFF`` turns that into a later try. The tasks are
    found by what they call, so a new delivering task cannot be forgotten here."""
    import inspect
    import re

    from wijkopvolging.airflow_support import RETRY_WITH_BACKOFF

    delivering = {}
    for dag_id in dagbag.dag_ids:
        for task in dagbag.get_dag(dag_id).tasks:
            call = getattr(task, "python_callable", None)
            if call and re.search(r"\bdeliver_\w+\(", inspect.getsource(call)):
                delivering[(dag_id, task.task_id)] = task
    assert set(delivering) == {("wijkopvolging_rapportage", "concept"),
                               ("wijkopvolging_rapportage", "deliver"),
                               ("wijkopvolging_rapportage", "deliver_wijkraden"),
                               ("wijkopvolging_signalering", "deliver")}
    for name, task in delivering.items():
        assert task.retries == RETRY_WITH_BACKOFF["retries"], name
        assert task.retry_delay == RETRY_WITH_BACKOFF["retry_delay"], name
        assert task.retry_exponential_backoff == (
            RETRY_WITH_BACKOFF["retry_exponential_backoff"]), name
        assert task.max_retry_delay == RETRY_WITH_BACKOFF["max_retry_delay"], name


def test_a_failing_source_stops_only_its_own_validate_and_load(dagbag):
    """Mapped over one group per source, each validate and load waits for the extract of
    its own source only. Mapped one after the other without the group, every validate
    would wait for every extract, and one source that is down would stop all loads
    (docs/reliability.md)."""
    dag = dagbag.get_dag("wijkopvolging_ingest")
    steps = [dag.get_task(task_id) for task_id in ("extract", "validate", "load")]
    groups = {step.task_id: step.get_closest_mapped_task_group() for step in steps}
    assert None not in groups.values(), groups
    assert len({group.group_id for group in groups.values()}) == 1
    assert dag.get_task("validate").upstream_task_ids == {"extract"}
    assert dag.get_task("load").upstream_task_ids == {"validate"}
    assert dag.get_task("steward_report").upstream_task_ids == {"load"}


def test_the_wijkraden_get_their_afschrift_only_after_approval_and_the_griffie(dagbag):
    dag = dagbag.get_dag("wijkopvolging_rapportage")
    wijkraden = dag.get_task("deliver_wijkraden")
    assert wijkraden.upstream_task_ids == {"deliver", "resolve_period"}
    assert "college_approval" in dag.get_task("documents").upstream_task_ids
    assert "documents" in dag.get_task("deliver").upstream_task_ids
    # A rejection skips documents; the skip must reach deliver and deliver_wijkraden.
    for task_id in ("documents", "deliver", "deliver_wijkraden"):
        assert dag.get_task(task_id).trigger_rule == "all_success", task_id
    assert not wijkraden.get_flat_relative_ids(upstream=False)  # the last step


def test_the_archive_stores_only_what_the_griffie_received_after_approval(dagbag):
    dag = dagbag.get_dag("wijkopvolging_rapportage")
    archive = dag.get_task("archive")
    assert archive.upstream_task_ids == {"deliver", "resolve_period"}
    # A rejection skips documents and deliver; the skip must reach the archive too.
    assert archive.trigger_rule == "all_success"
    assert not archive.get_flat_relative_ids(upstream=False)  # a last step


def test_the_approval_form_requires_no_field_that_an_outcome_may_not_need(dagbag):
    # Which fields an answer needs depends on the outcome (an approval: date and kenmerk; a
    # rejection: the reason), so the form may require none; check_answer refuses what is
    # missing. Airflow's form marks a field required when its type does not allow null.
    form = dagbag.get_dag("wijkopvolging_rapportage").get_task("college_approval").params
    assert set(form) == {"besluitdatum", "kenmerk", "toelichting"}
    for name in form:
        assert "null" in form.get_param(name).schema["type"], name
        assert form[name] is None, name


def test_report_period_parameter_offers_recent_periods_by_their_dutch_names(dagbag):
    import jsonschema

    param = dagbag.get_dag("wijkopvolging_rapportage").params.get_param("periode")
    schema = param.schema
    last = Period.last_complete(dt.datetime.now(AMSTERDAM).date())
    jsonschema.validate(last.first_month, schema)
    jsonschema.validate(None, schema)
    assert schema["values_display"][last.first_month] == f"{last.label} ({last.first_month})"
    assert schema["enum"][1] == last.first_month  # newest first, after "this run's period"
    for refused in ("2025-10", last.next().first_month, "1999-01", "september"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, schema)


def test_the_trigger_form_param_survives_serialisation_with_its_labels(dagbag):
    from airflow.serialization.serialized_objects import DagSerialization

    dag = dagbag.get_dag("wijkopvolging_rapportage")
    restored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    schema = restored.params.get_param("periode").schema
    assert schema["enum"] == dag.params.get_param("periode").schema["enum"]
    assert "De periode van deze run" in str(schema["values_display"])


@pytest.fixture(scope="module")
def dag_file_imports() -> dict[str, dict]:
    """What parsing each DAG file imports beyond Airflow (scripts/dag_import_probe.py: one
    interpreter, a fresh fork per file)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/dag_import_probe.py"), *map(str, DAG_FILES)],
        capture_output=True, text=True, check=True, timeout=120)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {Path(line["file"]).name: line for line in lines if "file" in line}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_nothing_heavy_at_module_level(path, dag_file_imports):
    assert dag_file_imports[path.name]["heavy"] == []


@pytest.mark.parametrize(("dag_id", "moment"), [
    ("wijkopvolging_ingest", "ingest"),
    ("wijkopvolging_rapportage", "report"),
    ("wijkopvolging_signalering", "signalering"),
])
def test_the_moments_make_run_and_the_reports_use_are_scheduled_run_ends(dagbag, dag_id,
                                                                         moment):
    from wijkopvolging.schedules import ingest_at, report_as_of, signalering_at

    period = Period.starting(2026, 9)
    at = {"ingest": ingest_at(period.end), "report": report_as_of(period),
          "signalering": signalering_at(dt.date(2026, 11, 2))}[moment]
    interval = core_timetable(dagbag.get_dag(dag_id)).infer_manual_data_interval(run_after=at)
    assert interval.end == at


# --- assets: what the DAGs produce and read (Airflow's asset view) ----------------------

ASSET_FLOW = {  # (dag, task): (outlets, inlets), by asset name
    ("wijkopvolging_ingest", "load"): ({"wijkopvolging_warehouse_items"}, set()),
    ("wijkopvolging_rapportage", "snapshot"): (set(), {"wijkopvolging_warehouse_items"}),
    ("wijkopvolging_rapportage", "documents"): ({"wijkopvolging_raadsinformatiebrief"}, set()),
    ("wijkopvolging_rapportage", "deliver"): (set(), {"wijkopvolging_raadsinformatiebrief"}),
    ("wijkopvolging_signalering", "make_lists"): ({"wijkopvolging_signaleringslijsten"},
                                                  {"wijkopvolging_warehouse_items"}),
    ("wijkopvolging_signalering", "deliver"): (set(), {"wijkopvolging_signaleringslijsten"}),
}


def asset_names(objects) -> set[str]:
    from airflow.sdk import Asset

    return {obj.name for obj in objects or [] if isinstance(obj, Asset)}


def declared_assets(dagbag) -> dict:
    declared = {}
    for dag_id in dagbag.dag_ids:
        for task in dagbag.get_dag(dag_id).tasks:
            outlets, inlets = asset_names(task.outlets), asset_names(task.inlets)
            if outlets or inlets:
                declared[(dag_id, task.task_id)] = (outlets, inlets)
    return declared


def test_tasks_declare_the_assets_they_produce_and_read(dagbag):
    assert declared_assets(dagbag) == ASSET_FLOW


def test_every_asset_read_has_one_producer_and_the_warehouse_feeds_both_reports(dagbag):
    producers: dict[str, list] = {}
    readers: dict[str, list] = {}
    for (dag_id, task_id), (outlets, inlets) in declared_assets(dagbag).items():
        for name in outlets:
            producers.setdefault(name, []).append((dag_id, task_id))
        for name in inlets:
            readers.setdefault(name, []).append((dag_id, task_id))
    assert all(len(tasks) == 1 for tasks in producers.values()), producers
    assert set(readers) <= set(producers)
    warehouse_readers = {dag for dag, _ in readers["wijkopvolging_warehouse_items"]}
    assert warehouse_readers == {"wijkopvolging_rapportage", "wijkopvolging_signalering"}


def test_the_serialized_dags_carry_the_asset_dependencies_the_ui_draws(dagbag):
    from airflow.serialization.serialized_objects import DagSerialization

    edges = set()
    for dag_id in dagbag.dag_ids:
        serialized = DagSerialization.serialize_dag(dagbag.get_dag(dag_id))
        edges |= {(dep["source"], dep["label"]) for dep in serialized["dag_dependencies"]
                  if dep["dependency_type"] == "asset"}
    assert edges == {("wijkopvolging_ingest", "wijkopvolging_warehouse_items"),
                     ("wijkopvolging_rapportage", "wijkopvolging_raadsinformatiebrief"),
                     ("wijkopvolging_signalering", "wijkopvolging_signaleringslijsten")}


def test_assets_have_a_group_and_a_dutch_description_for_the_ui():
    from wijkopvolging import assets

    for asset in (assets.WAREHOUSE_ITEMS, assets.PERIOD_DOCUMENTS, assets.WEEK_LISTS):
        assert asset.group == "wijkopvolging"
        assert asset.uri.startswith("wijkopvolging://")
        assert asset.extra["beschrijving"]
