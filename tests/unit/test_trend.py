"""The trend over the last six periods: earlier periods as reported (the warehouse as of
their end), periods without data left out and said so, and shown in the letter."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.unit.report_frames import KENMERK, LETTER_DATE, PERIOD, QUARANTINE, report_frame
from wijkopvolging.config import load_config
from wijkopvolging.documents import render_letter
from wijkopvolging.model import coerce_items
from wijkopvolging.periods import Period
from wijkopvolging.schedules import report_as_of
from wijkopvolging.trend import compute_trend, report_as_reported, trend_periods
from wijkopvolging.warehouse import open_warehouse

MAY_JUNE = Period.starting(2026, 5)


def items(rows):
    return coerce_items(pd.DataFrame([
        {"item_id": f"registratiesysteem:{rid}", "source": "registratiesysteem",
         "source_record_id": rid, "kind": kind, "wijk": "Pernis", "wethouder": "Zeegers",
         "onderwerp": title, "date_raised": raised, "date_answered": answered,
         "date_tussenbericht": tussenbericht}
        for rid, kind, title, raised, answered, tussenbericht in rows]))


@pytest.fixture
def warehouse(isolated_project):
    config = load_config()
    with open_warehouse(config.warehouse_url) as warehouse:
        yield config, load_history(warehouse)


def load_history(warehouse):
    # As known at the end of May–June: a vraag and an advies (with a tussenbericht), both
    # open past their term.
    warehouse.load_versions("i1", "registratiesysteem", report_as_of(MAY_JUNE) -
                            dt.timedelta(hours=1), items([
                                ("1", "vraag", "Bankjes", "2026-05-01", None, None),
                                ("2", "advies", "Haven", "2026-04-01", None, "2026-05-10"),
                            ]), full_extract=True)
    # Much later the answer to the vraag is registered, dated back in June (on time).
    warehouse.load_versions("i2", "registratiesysteem", report_as_of(PERIOD) -
                            dt.timedelta(hours=1), items([
                                ("1", "vraag", "Bankjes", "2026-05-01", "2026-06-05", None),
                                ("2", "advies", "Haven", "2026-04-01", "2026-09-20",
                                 "2026-05-10"),
                            ]), full_extract=True)
    return warehouse


def current_report(config, warehouse):
    return report_as_reported(config, warehouse.snapshot(report_as_of(PERIOD)), PERIOD)


def test_trend_periods_are_this_one_and_the_five_before_oldest_first():
    periods = trend_periods(PERIOD)
    assert [p.slug for p in periods] == [
        "2025-11_2025-12", "2026-01_2026-02", "2026-03_2026-04", "2026-05_2026-06",
        "2026-07_2026-08", "2026-09_2026-10"]


def test_an_earlier_period_is_shown_as_reported_not_recomputed(warehouse):
    config, warehouse = warehouse
    trend = compute_trend(config, PERIOD, current_report(config, warehouse),
                          warehouse=warehouse)
    may_june = trend.points[0]
    assert may_june.period == MAY_JUNE
    # As reported at the end of June: both open and overdue, nothing answered.
    assert (may_june.answered, may_june.open_overdue, may_june.advies_tussenbericht) == (
        0, 2, 1)
    # Today's data would say answered on time in June; the trend does not rewrite that.
    recomputed = report_as_reported(config, warehouse.snapshot(report_as_of(PERIOD)),
                                    MAY_JUNE)
    assert set(recomputed["status"]) >= {"op_tijd"}
    now = trend.points[-1]
    assert now.period == PERIOD and (now.answered, now.answered_on_time) == (1, 0)


def test_periods_without_data_are_left_out_and_the_note_says_so(warehouse):
    config, warehouse = warehouse
    trend = compute_trend(config, PERIOD, current_report(config, warehouse),
                          warehouse=warehouse)
    assert [p.period.slug for p in trend.points] == [
        "2026-05_2026-06", "2026-07_2026-08", "2026-09_2026-10"]
    assert not trend.complete
    assert trend.note == ("Er zijn gegevens over 3 perioden (inclusief deze); de tabel "
                          "toont die in plaats van 6.")


def test_letter_shows_the_trend_table_chart_alt_text_and_how_it_was_counted(
        warehouse, tmp_path):
    config, warehouse = warehouse
    report = current_report(config, warehouse)
    report["gebied"] = "Pernis"
    trend = compute_trend(config, PERIOD, report, warehouse=warehouse)
    path = render_letter(report, PERIOD, kenmerk=KENMERK, letter_date=LETTER_DATE,
                         quarantine_by_reason=QUARANTINE, trend=trend,
                         path=tmp_path / "brief.docx")
    document = Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "zoals ze destijds zijn gerapporteerd" in text
    assert "Er zijn gegevens over 3 perioden" in text
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Periode")
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["mei–juni 2026", "0", "0 (—)", "2", "1"],
        ["juli–augustus 2026", "0", "0 (—)", "2", "1"],
        ["september–oktober 2026", "1", "0 (0%)", "0", "1"],
    ]
    pictures = list(document.element.body.iter(qn("wp:docPr")))
    trend_picture = next(p for p in pictures if p.get("name") == "Figuur 2")
    assert "mei–juni 2026: 0 beantwoord" in trend_picture.get("descr")
    assert len({p.get("id") for p in pictures}) == len(pictures)


def test_a_single_period_gets_no_trend_chart(tmp_path):
    path = render_letter(report_frame(), PERIOD, kenmerk=KENMERK, letter_date=LETTER_DATE,
                         quarantine_by_reason=QUARANTINE, path=tmp_path / "brief.docx")
    names = [p.get("name") for p in Document(path).element.body.iter(qn("wp:docPr"))]
    assert names == ["Figuur 1"]


def test_earlier_periods_read_as_recorded_at_the_reports_known_at(warehouse):
    config, warehouse = warehouse
    known_at = warehouse.last_recorded()
    # A backfill recorded afterwards: an ingest as of mid-August saw the vraag answered.
    warehouse.load_versions("backfill", "registratiesysteem",
                            report_as_of(Period.starting(2026, 7)) - dt.timedelta(days=14),
                            items([
                                ("1", "vraag", "Bankjes", "2026-05-01", "2026-08-10", None),
                                ("2", "advies", "Haven", "2026-04-01", None, "2026-05-10"),
                            ]), full_extract=True)
    report = current_report(config, warehouse)
    as_delivered = compute_trend(config, PERIOD, report, warehouse=warehouse,
                                 known_at=known_at)
    with_backfill = compute_trend(config, PERIOD, report, warehouse=warehouse)
    july_august = Period.starting(2026, 7)
    before = next(p for p in as_delivered.points if p.period == july_august)
    after = next(p for p in with_backfill.points if p.period == july_august)
    assert (before.answered, before.open_overdue) == (0, 2)
    assert (after.answered, after.open_overdue) == (1, 1)
