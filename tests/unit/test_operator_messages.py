"""What the operator reads: the pause states of the schedules, the period each task
announces, and the outcome line every task logs."""

from __future__ import annotations

import logging

from wijkopvolging.airflow_support import (
    PIPELINE_DAGS,
    announce_period,
    log_outcome,
    pause_summary,
)

INGEST, RAPPORTAGE, SIGNALERING = PIPELINE_DAGS


def test_all_paused_is_the_intended_local_state_and_says_how_to_start_all_three():
    text = "\n".join(pause_summary(dict.fromkeys(PIPELINE_DAGS, True)))
    assert f"{INGEST} gepauzeerd, {RAPPORTAGE} gepauzeerd, {SIGNALERING} gepauzeerd" in text
    assert "Zo is het bedoeld" in text
    for dag_id in PIPELINE_DAGS:
        assert f"airflow dags unpause {dag_id}" in text
    assert "'Unpause' aanvinken in het triggerformulier" in text


def test_a_report_running_while_the_ingest_is_paused_is_called_out_with_the_fix():
    text = "\n".join(pause_summary({INGEST: True, RAPPORTAGE: False, SIGNALERING: True}))
    assert f"Let op: {RAPPORTAGE} loopt, maar {INGEST}, {SIGNALERING} is gepauzeerd" in text
    assert f"airflow dags pause {RAPPORTAGE}" in text
    assert "Zo is het bedoeld" not in text


def test_running_schedules_say_how_to_stop_them_together():
    text = "\n".join(pause_summary(dict.fromkeys(PIPELINE_DAGS, False)))
    assert "De schema's lopen" in text and f"airflow dags pause {INGEST}" in text


def test_dags_not_yet_parsed_are_not_reported_as_paused():
    assert "nog niet ingelezen" in pause_summary({})[0]


def test_every_report_task_starts_by_naming_its_period(caplog):
    with caplog.at_level(logging.INFO, logger="wijkopvolging.task"):
        announce_period("2025-09_2025-10")
    assert caplog.messages == ["Periode september–oktober 2025 (2025-09_2025-10, "
                               "peildatum 31-10-2025)"]


def test_a_task_outcome_is_logged_at_info_and_returned_unchanged(caplog):
    outcome = {"period": "2026-09_2026-10", "in_report": 85, "letter": "/out/brief.docx"}
    with caplog.at_level(logging.INFO, logger="wijkopvolging.task"):
        assert log_outcome("snapshot", outcome) is outcome
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == ("snapshot klaar: period: 2026-09_2026-10; in_report: 85; "
                                   "letter: /out/brief.docx")


def test_an_expected_error_is_one_plain_error_line_in_the_task_log(caplog):
    import pytest
    from airflow.sdk.exceptions import AirflowFailException

    from wijkopvolging.airflow_support import fail_clearly
    from wijkopvolging.rapportage import NoWarehouseHistory

    with caplog.at_level(logging.INFO, logger="wijkopvolging.task"), \
            pytest.raises(AirflowFailException):
        with fail_clearly("momentopname"):
            raise NoWarehouseHistory("Het warehouse heeft geen geschiedenis van mei–juni 2024")
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is None
    assert record.getMessage() == ("momentopname: Het warehouse heeft geen geschiedenis van "
                                   "mei–juni 2024")
