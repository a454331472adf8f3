"""Expected trouble fails a task once, in one line; anything else keeps traceback and retries."""

from __future__ import annotations

import importlib
import shutil

import pytest
from airflow.sdk.exceptions import AirflowFailException

from tests.conftest import ROOT
from wijkopvolging.airflow_support import fail_clearly
from wijkopvolging.delivery import MailNotSent
from wijkopvolging.errors import ExpectedError
from wijkopvolging.periods import Period
from wijkopvolging.reference import ReferenceData
from wijkopvolging.sources import SourceUnavailable
from wijkopvolging.validation import PublicationBlocked


def every_expected_error() -> list[type[ExpectedError]]:
    """Every subclass of ExpectedError in the package, found by importing all its modules:
    a new kind of expected trouble is covered without being listed here."""
    import pkgutil

    import wijkopvolging

    for module in pkgutil.walk_packages(wijkopvolging.__path__, "wijkopvolging."):
        importlib.import_module(module.name)
    found, todo = [], [ExpectedError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("wijkopvolging.") and sub not in found:
                found.append(sub)
                todo.append(sub)
    return sorted(found, key=lambda error: f"{error.__module__}.{error.__qualname__}")


EXPECTED_ERRORS = every_expected_error()


def test_discovery_finds_the_kinds_of_trouble_spread_over_the_package():
    names = {error.__name__ for error in EXPECTED_ERRORS}
    assert {"ConfigError", "ReferenceDataError", "SourceSchemaError", "KnownAtError",
            "NoWarehouseHistory", "OutdatedWarehouse", "AnswerRefused", "CellTooLong",
            "NotAPeriodStart"} <= names


@pytest.mark.parametrize("error", EXPECTED_ERRORS,
                         ids=lambda e: f"{e.__module__.removeprefix('wijkopvolging.')}."
                                       f"{e.__name__}")
def test_every_kind_of_expected_trouble_fails_the_task_once_in_one_clear_line(error):
    with pytest.raises(AirflowFailException) as failure:
        with fail_clearly("stap"):
            raise error("wat er mis is\nen wat te doen")
    assert str(failure.value) == "stap: wat er mis is en wat te doen"
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


@pytest.mark.parametrize("error", [SourceUnavailable, MailNotSent], ids=lambda e: e.__name__)
def test_a_server_that_is_down_is_not_expected_trouble_so_it_is_retried(error):
    assert not issubclass(error, ExpectedError)


@pytest.fixture
def broken_reference(tmp_path):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "include" / "config", folder)
    (folder / "wethouders.yaml").write_text("wethouders:\n  - naam: [niet, goed\n",
                                            encoding="utf-8")
    ReferenceData.clear_cache()
    yield folder
    ReferenceData.clear_cache()


def test_a_broken_reference_file_fails_the_task_in_one_line_naming_the_file(broken_reference):
    with pytest.raises(AirflowFailException) as failure:
        with fail_clearly("validatierapport"):
            ReferenceData.load(broken_reference)
    message = str(failure.value)
    assert message.startswith(f"validatierapport: {broken_reference / 'wethouders.yaml'}: ")
    assert "not valid YAML at line" in message
    assert "\n" not in message
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_a_period_parameter_that_is_no_period_fails_without_retry():
    with pytest.raises(AirflowFailException,
                       match="parameter 'periode': 2025-13 is geen geldige maand"):
        with fail_clearly("parameter 'periode'"):
            Period.parse("2025-13")


def test_a_multi_line_message_still_fails_in_one_line():
    with pytest.raises(AirflowFailException) as failure:
        with fail_clearly("signalering"):
            raise PublicationBlocked("regel een\nregel twee")
    assert str(failure.value) == "signalering: regel een regel twee"


@pytest.mark.parametrize("error", [
    SourceUnavailable("source 'bron': cannot connect: connection refused"),
    MailNotSent("SMTP connection 'smtp_griffie': could not send the e-mail"),
    ValueError("a bug: 1 item(s) have no date_raised"),
    KeyError("unknown validation rule"),
], ids=lambda e: type(e).__name__)
def test_unexpected_errors_pass_unchanged_so_the_task_keeps_traceback_and_retries(error):
    with pytest.raises(type(error)) as raised:
        with fail_clearly("bron"):
            raise error
    assert raised.value is error


def test_make_run_stops_on_a_broken_reference_file_before_any_work(tmp_path):
    import os
    import subprocess
    import sys

    shutil.copytree(ROOT / "include" / "config", tmp_path / "include" / "config")
    wethouders = tmp_path / "include" / "config" / "wethouders.yaml"
    wethouders.write_text("wethouders:\n  - naam: [niet, goed\n", encoding="utf-8")
    env = {**os.environ, "WIJKOPVOLGING_HOME": str(tmp_path),
           "AIRFLOW_HOME": str(tmp_path / "airflow")}
    env.pop("WIJKOPVOLGING_CONFIG", None)
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_pipeline.py")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert line.startswith(f"make run: {wethouders}: not valid YAML at line")
    assert result.stdout == ""
    assert not (tmp_path / ".data").exists()  # no demo source filled, no warehouse made
