"""Issue 17 end to end, through Airflow's runner: an ingest that runs late (a backfill of
1 September after the ingest of 1 November) cannot change the September–October report,
and the report is the same as when the ingests ran in date order."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.airflow

SEPTEMBER, NOVEMBER = dt.date(2026, 8, 31), dt.date(2026, 10, 31)  # the sources' cut-offs
INGEST = {SEPTEMBER: "2026-09-01T05:00:00+02:00", NOVEMBER: "2026-11-01T05:00:00+01:00"}
REPORT_SEP_OCT = "2026-11-01T06:00:00+01:00"
# The letter is left out: its trend (issue 15) shows earlier periods as the warehouse
# knew them at their own end, and a backfill of 1 September is exactly that knowledge for
# July–August. The period's own figures in the letter are compared through the manifest.
DOCUMENTS = ("bijlage-overzicht.docx", "bijlage-overzicht.xlsx")


class Project:
    """A tmp project with its own warehouse, sources and output, as `make run` has one."""

    def __init__(self, folder: Path):
        self.folder = folder
        config = (ROOT / "include/config/wijkopvolging.yaml").read_text(encoding="utf-8")
        config = config.replace("sqlite:///.data/", f"sqlite:///{folder}/")
        config = config.replace(".data/exports", str(folder / "exports"))
        self.config_path = folder / "wijkopvolging.yaml"
        self.config_path.write_text(config, encoding="utf-8")
        self.env = {
            **os.environ,
            "WIJKOPVOLGING_CONFIG": str(self.config_path),
            "WIJKOPVOLGING_WAREHOUSE_URL": f"sqlite:///{folder}/warehouse.sqlite",
            "WIJKOPVOLGING_OUTPUT_DIR": str(folder / "output"),
            "WIJKOPVOLGING_GX_DIR": str(folder / "gx"),
        }

    def ingest(self, until: dt.date) -> None:
        """Fill the demo sources as they stood on ``until``, then run that day's ingest."""
        from demo.exports import write_demo_exports
        from demo.registrations import fill_demo_source
        from wijkopvolging.config import load_config

        for source in load_config(self.config_path).sources:
            if source.type == "sql":
                fill_demo_source(source.options["url"], until=until)
            elif source.type == "file":
                write_demo_exports(source.options["folder"], until=until)
        self.dag("wijkopvolging_ingest", INGEST[until])

    def report_sep_oct(self) -> dict:
        """Run the September–October report; its manifest."""
        self.dag("wijkopvolging_rapportage", REPORT_SEP_OCT)
        folder = self.folder / "output/2026-09_2026-10"
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    def dag(self, dag_id: str, logical_date: str) -> None:
        """One `airflow dags test`; the rapportage run's college approval is given as
        `make run` gives it (scripts/approve_demo.py, the same date and kenmerk each time,
        so the documents only differ where the data does)."""
        log = self.folder / f"{dag_id}.log"  # a file, not a pipe: nobody reads it meanwhile
        with log.open("w") as out:
            runner = subprocess.Popen(
                [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id,
                 logical_date], stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
        if dag_id == "wijkopvolging_rapportage":
            from scripts.run_pipeline import demo_decision
            from wijkopvolging.periods import Period

            decided_on, kenmerk = demo_decision(Period.parse("2026-09"), dt.date.today())
            approved = subprocess.run(
                [sys.executable, str(ROOT / "scripts/approve_demo.py"), "--besluitdatum",
                 decided_on.isoformat(), "--kenmerk", kenmerk, "--logical-date", logical_date],
                capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=900)
            assert approved.returncode == 0, approved.stdout[-3000:] + approved.stderr[-3000:]
        runner.wait(timeout=900)
        output = log.read_text(errors="replace")
        assert runner.returncode == 0 and "state=failed" not in output, output[-3000:]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The September–October report: made after the November ingest, made again after a
    late September ingest, and made in a second project that ingested in date order."""
    late = Project(tmp_path_factory.mktemp("late-backfill"))
    late.ingest(NOVEMBER)
    delivered = late.report_sep_oct()
    late.ingest(SEPTEMBER)  # runs after November's: a backfill
    after_backfill = late.report_sep_oct()

    in_order = Project(tmp_path_factory.mktemp("in-date-order"))
    in_order.ingest(SEPTEMBER)
    in_order.ingest(NOVEMBER)
    return delivered, after_backfill, in_order.report_sep_oct()


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
