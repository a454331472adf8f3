"""The weekly early-warning list of one recipient as a spreadsheet (internal).

Dutch column names, real date cells, a frozen header row and an autofilter; saved
reproducibly, so the same list gives the same bytes and a re-run can tell it was sent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.core import DocumentProperties
from openpyxl.utils import get_column_letter

from wijkopvolging.documents.overview_xlsx import (
    DATE_FORMAT,
    HEADER_BORDER,
    HEADER_FONT,
    TOP,
    TOP_WRAPPED,
    save_workbook,
)
from wijkopvolging.documents.package import AUTHOR, LANGUAGE, zip_moment
from wijkopvolging.labels import KIND_LABELS, YES_NO, format_date_nl
from wijkopvolging.safe_text import clean_text, store_text

# (header, field, width in characters); dates are date cells.
COLUMNS = (
    ("Signaal", "signal_label", 34),
    ("Uiterste datum", "deadline", 14),
    ("Dagen tot termijn", "days_left", 10),
    ("Soort", "kind", 18),
    ("Wijk", "wijk", 24),
    ("Onderwerp", "onderwerp", 60),
    ("Datum ingediend", "date_raised", 14),
    ("Wethouder", "wethouder", 18),
    ("Tussenbericht", "tussenbericht_sent", 13),
    ("Bron", "source", 18),
    ("Bronnummer", "source_record_id", 16),
)
DATES = {"deadline", "date_raised"}
WRAPPED = {"signal_label", "onderwerp", "wijk"}


def _value(row, field):
    value = row[field]
    if field in DATES:
        return None if value != value else value.date()  # NaT -> empty cell
    if field == "kind":
        return KIND_LABELS.get(value, value)
    if field == "tussenbericht_sent":
        return YES_NO[bool(value)] if row["kind"] == "advies" else "—"
    if field == "days_left":
        return int(value)
    return clean_text(value)


def write_signalering_xlsx(rows, *, title: str, monday: dt.date, path: Path | str) -> Path:
    """Write one recipient's list (``signalering.list_for``) to ``path``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Signalering"
    for index, (header, _, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.border, cell.alignment = HEADER_FONT, HEADER_BORDER, TOP_WRAPPED
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row_no, (_, row) in enumerate(rows.iterrows(), start=2):
        for index, (_, field, _) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=row_no, column=index)
            cell.alignment = TOP_WRAPPED if field in WRAPPED else TOP
            value = _value(row, field)
            if isinstance(value, str):
                store_text(cell, value)
            else:
                cell.value = value
                if field in DATES and value is not None:
                    cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    moment = zip_moment(monday)
    workbook.properties = DocumentProperties(
        title=title, subject=f"Signalering week van {format_date_nl(monday)}",
        creator=AUTHOR, lastModifiedBy=AUTHOR, language=LANGUAGE, created=moment,
        modified=moment)
    return save_workbook(workbook, path, moment)
