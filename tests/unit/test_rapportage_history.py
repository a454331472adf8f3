"""A re-issue for a period the warehouse has no history of is refused with a Dutch
message; a period with history but no items gives documents with zeros."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from docx import Document

from wijkopvolging.config import load_config
from wijkopvolging.periods import Period
from wijkopvolging.rapportage import (
    NoWarehouseHistory,
    check_publication_gate,
    compute_timeliness,
    take_snapshot,
    write_documents,
)
from wijkopvolging.warehouse import open_warehouse

FIRST_INGEST = dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)  # 05:00 Amsterdam


def _ingested_at(config, moment: dt.datetime) -> None:
    """An ingest run that found nothing: the warehouse has history from ``moment``."""
    with open_warehouse(config.warehouse_url) as warehouse:
        warehouse.record_ingest_run("ingest-1", "registratiesysteem", moment, extracted=0,
                                    loaded=0, quarantined=0, warnings=0, new=0, changed=0,
                                    deleted=0, finished_at=moment)


def test_a_period_before_the_first_ingest_is_refused_saying_since_when_and_how_to_fill(
        isolated_project):
    config = load_config()
    _ingested_at(config, FIRST_INGEST)
    with pytest.raises(NoWarehouseHistory) as refused:
        take_snapshot(config, Period.parse("2025-09"), run_id="heruitgave")
    message = str(refused.value)
    assert "geen geschiedenis van september–oktober 2025" in message
    assert "gegevens vanaf 01-11-2026 05:00" in message
    assert "wijkopvolging_ingest voor 31-10-2025" in message
    assert "--from-date 2025-10-31" in message and "make run PERIOD=2025-09" in message


def test_an_empty_warehouse_is_refused_too(isolated_project):
    with pytest.raises(NoWarehouseHistory, match="nog geen enkele ingest"):
        take_snapshot(load_config(), Period.parse("2026-09"), run_id="eerste")


def test_a_period_with_history_but_no_items_gives_documents_with_zeros(isolated_project):
    config = load_config()
    period = Period.parse("2026-09")
    _ingested_at(config, FIRST_INGEST)
    assert take_snapshot(config, period, run_id="leeg")["in_report"] == 0
    check_publication_gate(config, period, run_id="leeg")
    assert compute_timeliness(config, period, run_id="leeg") == {}
    paths = write_documents(config, period, run_id="leeg",
                            folder=isolated_project / "leeg")

    manifest = json.loads(open(paths["manifest"], encoding="utf-8").read())
    assert manifest["items"] == 0 and manifest["status_counts"] == {}
    overview = Document(paths["overview"])
    text = "\n".join(p.text for p in overview.paragraphs)
    assert "Er staan geen Vragen uit de Wijk in dit overzicht." in text
    assert "Er staan geen ongevraagde adviezen in dit overzicht." in text
    assert all(len(table.rows) <= 1 for table in overview.tables)
    letter = "\n".join(p.text for p in Document(paths["letter"]).paragraphs)
    assert "september–oktober 2026" in letter
