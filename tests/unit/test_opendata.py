"""Open data: a valid Frictionless Data Package with the overview's rows and values."""

from __future__ import annotations

import csv
import json

import frictionless
import openpyxl
import pytest

from tests.unit.report_frames import HOSTILE_ROWS, PERIOD, ROWS, report_frame
from wijkopvolging.documents.opendata import FIELD_NAMES, write_open_data
from wijkopvolging.documents.overview_xlsx import write_overview_xlsx
from wijkopvolging.labels import STATUS_LABELS
from wijkopvolging.layout import DATA_PACKAGE, OPEN_DATA, OPEN_DATA_CSV, OPEN_DATA_JSON


@pytest.fixture
def open_data(tmp_path):
    report = report_frame(ROWS + HOSTILE_ROWS)
    write_open_data(report, PERIOD, folder=tmp_path / OPEN_DATA)
    return report, tmp_path / OPEN_DATA


def test_package_validates_with_frictionless(open_data):
    _, folder = open_data
    report = frictionless.validate(str(folder / DATA_PACKAGE))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    assert [task.type for task in report.tasks] == ["table", "json"]
    assert report.tasks[0].stats["rows"] == len(ROWS + HOSTILE_ROWS)


def test_package_describes_licence_period_peildatum_and_status_values(open_data):
    _, folder = open_data
    package = json.loads((folder / DATA_PACKAGE).read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert package["peildatum"] == "2026-10-31"
    assert package["periode"] == {"van": "2026-09-01", "tot_en_met": "2026-10-31",
                                  "label": "september–oktober 2026"}
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert list(fields) == list(FIELD_NAMES)
    assert fields["status"]["constraints"]["enum"] == list(STATUS_LABELS.values())
    assert fields["datum_gesteld"]["type"] == "date" and fields["nr"]["type"] == "integer"
    assert all(f["title"] and f["description"] for f in fields.values())


def test_a_status_outside_the_list_fails_validation(open_data):
    _, folder = open_data
    path = folder / OPEN_DATA_CSV
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Open, binnen termijn", "Bijna klaar", 1), encoding="utf-8")
    report = frictionless.validate(str(folder / DATA_PACKAGE))
    assert not report.valid
    assert "constraint-error" in {e.type for task in report.tasks for e in task.errors}


def test_csv_is_utf8_comma_separated_with_iso_dates(open_data):
    _, folder = open_data
    with (folder / OPEN_DATA_CSV).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tarwewijk = next(r for r in rows if r["onderwerp"].startswith("Verlichting"))
    assert tarwewijk["datum_gesteld"] == "2026-08-20"
    assert tarwewijk["datum_beantwoord"] == "2026-09-25"
    open_row = next(r for r in rows if r["onderwerp"] == "Groenonderhoud Zwaanshals")
    assert open_row["datum_beantwoord"] == ""  # answered after the peildatum: not shown
    hostile = next(r for r in rows if "<w:p>" in r["onderwerp"])
    assert hostile["onderwerp"] == "Bewoners melden <w:p> & <b>vet</b> bij de Maashaven"


def test_json_holds_the_same_rows_as_the_csv(open_data):
    _, folder = open_data
    with (folder / OPEN_DATA_CSV).open(encoding="utf-8", newline="") as handle:
        from_csv = list(csv.DictReader(handle))
    from_json = json.loads((folder / OPEN_DATA_JSON).read_text(encoding="utf-8"))
    assert len(from_json) == len(from_csv)
    for j, c in zip(from_json, from_csv, strict=True):
        assert {k: "" if v is None else str(v) for k, v in j.items()} == c


def test_rows_and_values_match_the_spreadsheet(open_data, tmp_path):
    report, folder = open_data
    xlsx = write_overview_xlsx(report, PERIOD, path=tmp_path / "overzicht.xlsx")
    workbook = openpyxl.load_workbook(xlsx)
    from_sheet = []
    for sheet in workbook.worksheets:
        header_row = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "Nr.")
        started = False
        for row in sheet.iter_rows(values_only=True):
            if row == header_row:
                started = True
                continue
            if started and row[0] is not None:
                from_sheet.append((sheet.title, row))
    with (folder / OPEN_DATA_CSV).open(encoding="utf-8", newline="") as handle:
        from_csv = list(csv.DictReader(handle))
    assert len(from_csv) == len(from_sheet)
    for record, (_, row) in zip(from_csv, from_sheet, strict=True):
        nr, gebied, wijk, onderwerp, gesteld, wethouder, uiterste = row[:7]
        assert (int(record["nr"]), record["gebied"], record["wijk"], record["onderwerp"],
                record["wethouder"]) == (nr, gebied, wijk, onderwerp, wethouder)
        assert record["datum_gesteld"] == gesteld.date().isoformat()
        assert record["uiterste_datum"] == uiterste.date().isoformat()


def test_same_report_gives_identical_bytes(open_data, tmp_path):
    report, folder = open_data
    again = write_open_data(report, PERIOD, folder=tmp_path / "again")
    for path in again:
        assert path.read_bytes() == (folder / path.name).read_bytes()
