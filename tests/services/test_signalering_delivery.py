"""Weekly early-warning lists through a local SMTP server: sent once per week per list."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from wijkopvolging.config import load_config
from wijkopvolging.layout import week_folder
from wijkopvolging.model import coerce_items
from wijkopvolging.periods import AMSTERDAM
from wijkopvolging.signalering import deliver_week_lists, make_week_lists
from wijkopvolging.warehouse import open_warehouse

MONDAY = dt.date(2026, 11, 2)
AS_OF = dt.datetime(2026, 11, 2, 7, tzinfo=AMSTERDAM)
INGEST_AT = dt.datetime(2026, 11, 1, 5, tzinfo=AMSTERDAM)


def ingest(config, rows, run_id):
    items = coerce_items(pd.DataFrame([
        {"item_id": f"registratiesysteem:{rid}", "source": "registratiesysteem",
         "source_record_id": rid, "kind": kind, "wijk": "Pernis", "wethouder": "Zeegers",
         "onderwerp": title, "date_raised": raised, "agreed_deadline": deadline,
         "date_answered": answered}
        for rid, kind, title, raised, deadline, answered in rows]))
    with open_warehouse(config.warehouse_url) as warehouse:
        warehouse.load_versions(run_id, "registratiesysteem", INGEST_AT, items,
                                full_extract=True)


@pytest.fixture
def project(isolated_project, monkeypatch, smtp_server):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", smtp_server.connection_uri)
    return load_config()


def test_each_list_is_mailed_once_and_a_second_run_in_the_week_sends_nothing(
        project, smtp_server):
    ingest(project, [("1", "vraag", "Bankjes op het dorpsplein", "2026-10-01", "2026-11-10",
                      None),
                     ("2", "advies", "Advies over de haven", "2026-08-01", None, None)], "i1")
    made = make_week_lists(project, MONDAY, as_of=AS_OF)
    first = deliver_week_lists(project, MONDAY, run_id="s1")
    assert made["signals"] == 2
    assert first["sent"] == 2  # the Wijk MT of Pernis and the staff of Zeegers
    recipients = sorted(address for _, to in smtp_server.envelopes for address in to)
    assert recipients == ["staf.zeegers@example.org", "wijkmt.pernis@example.org"]
    attachment = next(smtp_server.messages[0].iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")

    make_week_lists(project, MONDAY, as_of=AS_OF)
    second = deliver_week_lists(project, MONDAY, run_id="s2")
    assert (second["sent"], second["unchanged"]) == (0, 2)
    assert len(smtp_server.messages) == 2


def test_an_empty_week_sends_nothing(project, smtp_server):
    ingest(project, [("1", "vraag", "Bankjes op het dorpsplein", "2026-10-01", None,
                      "2026-10-20")], "i1")
    made = make_week_lists(project, MONDAY, as_of=AS_OF)
    result = deliver_week_lists(project, MONDAY, run_id="s1")
    assert made["lists"] == 0
    assert result["sent"] == 0
    assert smtp_server.messages == []


def test_the_list_has_dutch_headers_real_dates_a_frozen_header_and_a_filter(project):
    ingest(project, [("1", "vraag", "Bankjes op het dorpsplein", "2026-10-01", "2026-11-10",
                      None)], "i1")
    make_week_lists(project, MONDAY, as_of=AS_OF)
    folder = week_folder(project.output_dir, MONDAY)
    sheet = openpyxl.load_workbook(folder / "wijk-pernis.xlsx").active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Signaal", "Uiterste datum", "Dagen tot termijn"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet["B2"].value == dt.datetime(2026, 11, 10)
    assert sheet["B2"].number_format == "DD-MM-YYYY"


def test_personal_data_stops_the_lists(project):
    from wijkopvolging.validation import PublicationBlocked

    ingest(project, [("1", "vraag", "Bel mevrouw op 06-12345678", "2026-09-01", None, None)],
           "i1")
    with pytest.raises(PublicationBlocked):
        make_week_lists(project, MONDAY, as_of=AS_OF)
