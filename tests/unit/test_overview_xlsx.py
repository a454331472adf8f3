"""The overview as a spreadsheet: the Word overview's rows, sortable and filterable,
safe against formulas in titles, and the same bytes for the same input."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from tests.unit.report_frames import (
    HOSTILE_ROWS,
    PERIOD,
    ROWS,
    report_frame,
)
from wijkopvolging.documents import render_overview
from wijkopvolging.documents.overview_xlsx import DATE_FORMAT, write_overview_xlsx
from wijkopvolging.labels import KIND_LABELS_PLURAL, NO_VALUE, REVISED_MARK, format_date_short_nl
from wijkopvolging.layout import SetLayout
from wijkopvolging.model import ADVIES, KINDS, VRAAG

# Titles and names a spreadsheet would take for formulas.
FORMULA_ROWS = [
    ("vraag", "Noord", "Oude Noorden", "=1+1", "Struijvenberg", "2026-09-03", "op_tijd",
     "2026-10-01", False),
    ("vraag", "Noord", "Oude Noorden", '=HYPERLINK("https://example.org","klik hier")',
     "@Kasmi", "2026-09-04", "open_binnen_termijn", None, False),
    ("advies", "Noord", "-Agniesebuurt", "+31 10 267 1234 belt terug over de Zwaanshals",
     "=cmd|' /C calc'!A0", "2026-09-05", "open_binnen_termijn", None, True),
    ("advies", "Noord", "Agniesebuurt", "-2+3 bankjes extra", "Kasmi", "2026-09-06",
     "open_binnen_termijn", None, False),
]
FORMULA_TEXTS = ("=1+1", '=HYPERLINK("https://example.org","klik hier")', "@Kasmi",
                 "-Agniesebuurt", "+31 10 267 1234 belt terug over de Zwaanshals",
                 "=cmd|' /C calc'!A0", "-2+3 bankjes extra")
ALL_ROWS = ROWS + HOSTILE_ROWS + FORMULA_ROWS
DATE_HEADERS = ("Datum gesteld", "Datum ontvangen", "Uiterste datum", "Datum beantwoord")


@pytest.fixture(scope="module")
def overviews(tmp_path_factory):
    """The Word overview and the spreadsheet of one report (normal, hostile and
    formula-like titles)."""
    root = tmp_path_factory.mktemp("overview")
    report = report_frame(ALL_ROWS)
    docx = render_overview(report, PERIOD, path=SetLayout(root).overview)
    xlsx = write_overview_xlsx(report, PERIOD, path=SetLayout(root).overview_xlsx)
    return docx, xlsx


def word_rows(path: Path) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per kind label, the Word overview's header and its rows with the gebied (the
    heading above each table) put after the number, as the spreadsheet has it."""
    document = Document(path)
    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    kind = gebied = None
    for block in document.iter_inner_content():
        if hasattr(block, "style") and block.style.name == "Heading 2":
            kind = block.text
        elif hasattr(block, "style") and block.style.name == "Heading 3":
            gebied = block.text
        elif hasattr(block, "rows"):
            header, *rows = [[cell.text for cell in row.cells] for row in block.rows]
            header = [header[0], "Gebied", *(h.replace("\u00ad", "") for h in header[1:])]
            out.setdefault(kind, (header, []))[1].extend(
                [row[0], gebied, *row[1:]] for row in rows
            )
    return out


def as_word_text(value) -> str:
    """A spreadsheet cell as the Word table shows it."""
    if value is None:
        return NO_VALUE
    if isinstance(value, dt.date):
        return format_date_short_nl(value)
    return str(value)


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_spreadsheet_holds_exactly_the_word_overview_rows_for_both_kinds(overviews):
    docx, xlsx = overviews
    word = word_rows(docx)
    workbook = openpyxl.load_workbook(xlsx)
    assert workbook.sheetnames == [KIND_LABELS_PLURAL[kind] for kind in KINDS]
    for kind in KINDS:
        label = KIND_LABELS_PLURAL[kind]
        header, *rows = sheet_rows(workbook[label])
        word_header, word_body = word[label]
        assert header == word_header
        assert [[as_word_text(v) for v in row] for row in rows] == word_body
        assert len(rows) == sum(1 for row in ALL_ROWS if row[0] == kind)


def test_spreadsheet_columns_are_named_in_dutch_with_a_gebied_column(overviews):
    workbook = openpyxl.load_workbook(overviews[1])
    assert sheet_rows(workbook["Vragen uit de Wijk"])[0] == [
        "Nr.", "Gebied", "Wijk", "Onderwerp", "Datum gesteld", "Wethouder", "Uiterste datum",
        "Datum beantwoord", "Status", "Op tijd",
    ]
    assert sheet_rows(workbook["Ongevraagde adviezen"])[0][-2:] == ["Op tijd", "Tussenbericht"]


def test_dates_are_date_cells_shown_day_month_year(overviews):
    workbook = openpyxl.load_workbook(overviews[1])
    for sheet in workbook:
        header = [cell.value for cell in sheet[1]]
        for column in (header.index(h) for h in DATE_HEADERS if h in header):
            cells = [row[column] for row in sheet.iter_rows(min_row=2)]
            filled = [cell for cell in cells if cell.value is not None]
            assert filled and all(cell.is_date for cell in filled)
            assert {cell.number_format for cell in filled} == {DATE_FORMAT}
        numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
        assert numbers == list(range(1, len(numbers) + 1))
    vragen = sheet_rows(workbook["Vragen uit de Wijk"])
    header = vragen[0]
    millinx = next(row for row in vragen if row[3] == "Verlichting in het Millinxpark na 22.00 uur")
    assert millinx[header.index("Datum gesteld")] == dt.datetime(2026, 8, 20)
    assert millinx[header.index("Datum beantwoord")] == dt.datetime(2026, 9, 25)
    # Open on the peildatum, answered afterwards: no answer date, as in the Word overview.
    zwaanshals = next(row for row in vragen if row[3] == "Groenonderhoud Zwaanshals")
    assert zwaanshals[header.index("Datum beantwoord")] is None


def test_header_row_is_frozen_filtered_and_titles_wrap(overviews):
    workbook = openpyxl.load_workbook(overviews[1])
    for sheet in workbook:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions  # header and every row
        assert all(cell.font.bold for cell in sheet[1])
        header = [cell.value for cell in sheet[1]]
        onderwerp = openpyxl.utils.get_column_letter(header.index("Onderwerp") + 1)
        assert sheet.column_dimensions[onderwerp].width >= 40
        assert all(cell.alignment.wrap_text for cell in sheet[onderwerp][1:])
        assert sheet.column_dimensions["A"].width < sheet.column_dimensions[onderwerp].width


def test_text_that_looks_like_a_formula_is_stored_as_text(overviews):
    xlsx = overviews[1]
    workbook = openpyxl.load_workbook(xlsx)
    cells = {
        cell.value: cell for sheet in workbook for row in sheet.iter_rows() for cell in row
        if isinstance(cell.value, str)
    }
    for text in FORMULA_TEXTS:
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix, text  # stays text when the cell is edited
    # No formula anywhere in the file: a spreadsheet program has nothing to calculate.
    with zipfile.ZipFile(xlsx) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)


def test_control_characters_are_removed_and_long_titles_kept_whole(overviews):
    workbook = openpyxl.load_workbook(overviews[1])
    titles = [row[3] for row in sheet_rows(workbook["Ongevraagde adviezen"])[1:]]
    assert "Regel een regel twee met NUL" in titles
    assert any(title.endswith("EINDE-TITEL") for title in titles)


def test_document_properties_name_title_author_language_and_peildatum(overviews):
    properties = openpyxl.load_workbook(overviews[1]).properties
    assert properties.title == (
        "Overzicht Vragen uit de Wijk en ongevraagde adviezen, september–oktober 2026"
    )
    assert properties.subject == "Bijlage bij de raadsinformatiebrief over september–oktober 2026"
    assert properties.creator == properties.lastModifiedBy == "Gemeente Rotterdam"
    assert properties.language == "nl-NL"
    assert properties.created == properties.modified == dt.datetime(2026, 10, 31)


def test_revised_spreadsheet_says_herziene_versie(tmp_path):
    xlsx = write_overview_xlsx(report_frame(), PERIOD, path=tmp_path / "o.xlsx", revised=True)
    assert openpyxl.load_workbook(xlsx).properties.title.endswith(REVISED_MARK)


def test_same_input_gives_the_same_bytes_dated_the_peildatum(overviews, tmp_path):
    again = write_overview_xlsx(report_frame(ALL_ROWS), PERIOD, path=tmp_path / "again.xlsx")
    assert again.read_bytes() == overviews[1].read_bytes()
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 10, 31, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"


def test_kind_without_items_gets_a_sheet_with_only_the_header(tmp_path):
    report = report_frame([row for row in ROWS if row[0] == VRAAG])
    workbook = openpyxl.load_workbook(write_overview_xlsx(report, PERIOD, path=tmp_path / "o.xlsx"))
    advice = workbook[KIND_LABELS_PLURAL[ADVIES]]
    assert advice.max_row == 1 and advice.auto_filter.ref == "A1:K1"
    assert workbook[KIND_LABELS_PLURAL[VRAAG]].max_row == 1 + len(report)
