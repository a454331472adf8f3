"""Issue 17: an ingest that runs late (a backfill of 1 September after the ingest of
1 November) cannot change the September–October report, and the report is the same as
when the ingests ran in date order. The warehouse's history is the subject, not Airflow's
runner, so the ingest and report steps run in this process (tests.projects)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.projects import Project
from wijkopvolging.layout import MANIFEST, OVERVIEW, OVERVIEW_XLSX

SEPTEMBER, NOVEMBER = dt.date(2026, 8, 31), dt.date(2026, 10, 31)  # the sources' cut-offs
PERIOD = "2026-09"
# The letter is left out: its trend (issue 15) shows earlier periods as the warehouse
# knew them at their own end, and a backfill of 1 September is exactly that knowledge for
# July–August. The period's own figures in the letter are compared through the manifest.
DOCUMENTS = (OVERVIEW, OVERVIEW_XLSX)


def report_sep_oct(project: Project, run_id: str) -> dict:
    """The September–October report, approved as `make run` approves it (the same date and
    kenmerk each time, so the documents only differ where the data does); its manifest."""
    from demo.college import demo_decision
    from wijkopvolging import pipeline
    from wijkopvolging.approval import CollegeDecision
    from wijkopvolging.periods import Period

    period = Period.parse(PERIOD)
    decided_on, kenmerk = demo_decision(period, dt.date.today())
    decision = CollegeDecision(period=period.slug, approved=True, decided_on=decided_on,
                               kenmerk=kenmerk, note="", responded_by="make-run-demo",
                               responded_at=dt.datetime.now(dt.UTC))
    pipeline.report_to_griffie(project.config(), period, run_id=run_id,
                               decision=decision.to_xcom())
    folder = project.output_dir / period.slug
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The September–October report: made after the November ingest, made again after a
    late September ingest, and made in a second project that ingested in date order."""
    late = Project.on_sqlite(tmp_path_factory.mktemp("late-backfill"))
    late.ingest(NOVEMBER)
    delivered = report_sep_oct(late, "rapportage-1")
    late.ingest(SEPTEMBER)  # runs after November's: a backfill
    after_backfill = report_sep_oct(late, "rapportage-2")

    in_order = Project.on_sqlite(tmp_path_factory.mktemp("in-date-order"))
    in_order.ingest(SEPTEMBER)
    in_order.ingest(NOVEMBER)
    return delivered, after_backfill, report_sep_oct(in_order, "rapportage-1")


def test_the_demo_has_an_open_item_that_only_the_september_export_holds(tmp_path):
    """Without it this scenario proves nothing: the office removed a row, still open on
    31 August, before 31 October (issue 17's CH-2026-018 played this part)."""
    from openpyxl import load_workbook

    from demo.exports import EXCEL_NAME, SHEET, write_demo_exports

    def open_rows(until):
        write_demo_exports(tmp_path / str(until), until=until)
        sheet = load_workbook(tmp_path / str(until) / EXCEL_NAME)[SHEET]
        return {row[0]: row[5] for row in sheet.iter_rows(min_row=5, values_only=True)
                if row[0]}

    september, november = open_rows(SEPTEMBER), open_rows(NOVEMBER)
    removed = {nr for nr in set(september) - set(november)
               if nr.startswith("CH-2026-") and september[nr] is None}
    assert removed


def test_a_late_ingest_does_not_change_a_report_already_made(reports):
    delivered, after_backfill, _ = reports
    assert after_backfill["items"] == delivered["items"]
    assert after_backfill["status_counts"] == delivered["status_counts"]
    for name in DOCUMENTS:  # the Word files are byte-identical for the same snapshot
        assert after_backfill["files"][name] == delivered["files"][name], name
    assert after_backfill["recorded_as_of"] > delivered["recorded_as_of"]
    # This period's point of the trend is the same; the backfill adds July–August.
    assert after_backfill["trend"][-1] == delivered["trend"][-1]
    assert [p["periode"] for p in after_backfill["trend"]][-2:] == [
        "2026-07_2026-08", "2026-09_2026-10"]


def test_the_report_is_the_same_whichever_order_the_ingests_ran_in(reports):
    delivered, _, in_order = reports
    assert in_order["items"] == delivered["items"]
    assert in_order["status_counts"] == delivered["status_counts"]
    for name in DOCUMENTS:
        assert in_order["files"][name] == delivered["files"][name], name
    assert in_order["trend"][-1] == delivered["trend"][-1]
