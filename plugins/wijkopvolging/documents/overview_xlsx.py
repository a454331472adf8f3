"""The overview (bijlage) as a spreadsheet, for the griffie to sort and filter.

The rows are the Word overview's rows (``overview.overview_items``: same selection,
order, numbering and Dutch labels), one sheet per kind, with the gebied as a column
instead of a heading. Dates are real date cells, the header row is frozen and carries an
autofilter, and the file is saved reproducibly like the Word documents.

Titles, wijken and names come from source systems. Text a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-`` or ``@``) is stored as a plain string with
Excel's quote prefix, so it is shown as typed and never calculated, not even after the
cell is edited (``safe_text.store_text``).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from wijkopvolging.atomic import write_atomic
from wijkopvolging.documents.overview import (
    OVERVIEW_COLUMNS,
    Column,
    OverviewItem,
    overview_items,
)
from wijkopvolging.documents.package import (
    AUTHOR,
    LANGUAGE,
    deterministic_zip,
    zip_moment,
)
from wijkopvolging.errors import ExpectedError
from wijkopvolging.labels import (
    CONCEPT_MARK,
    DOCUMENT_KEYWORDS,
    KIND_LABELS_PLURAL,
    concept_title,
    overview_title,
)
from wijkopvolging.model import KINDS
from wijkopvolging.periods import Period
from wijkopvolging.safe_text import store_text

DATE_FORMAT = "DD-MM-YYYY"
EXCEL_MAX_CELL_CHARS = 32_767


class CellTooLong(ExpectedError, ValueError):
    """A text is longer than a spreadsheet cell holds; it must be shortened at the source."""

# The Word table's columns with the gebied after the number (the Word overview shows
# the gebied as a heading above each table).
GEBIED = Column("gebied", "Gebied", 0)
# Column widths in characters of the default font.
WIDTHS = {
    "nr": 6, "gebied": 18, "wijk": 26, "onderwerp": 60, "datum_gesteld": 13,
    "wethouder": 18, "uiterste_datum": 13, "datum_beantwoord": 13, "status": 22,
    "op_tijd": 9, "tussenbericht": 13,
}
WRAPPED = {"onderwerp", "wijk"}
HEADER_FONT = Font(bold=True)
HEADER_BORDER = Border(bottom=Side(style="thin"))
TOP = Alignment(vertical="top")
TOP_WRAPPED = Alignment(vertical="top", wrap_text=True)


def sheet_columns(kind: str) -> tuple[Column, ...]:
    """The spreadsheet's columns for ``kind``: the Word table's, plus the gebied."""
    nr, *rest = OVERVIEW_COLUMNS[kind]
    return (nr, GEBIED, *rest)


def sheet_header(column: Column) -> str:
    """The column name in the header row (the Word header without its soft hyphens)."""
    return column.header.replace("\u00ad", "")


def _fill_sheet(sheet, kind: str, items: list[OverviewItem]) -> None:
    columns = sheet_columns(kind)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=sheet_header(column))
        cell.font, cell.border, cell.alignment = HEADER_FONT, HEADER_BORDER, TOP_WRAPPED
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column.field]
    for row, item in enumerate(items, start=2):
        for index, column in enumerate(columns, start=1):
            value = item.value(column.field)
            cell = sheet.cell(row=row, column=index)
            cell.alignment = TOP_WRAPPED if column.field in WRAPPED else TOP
            if isinstance(value, str):
                if len(value) > EXCEL_MAX_CELL_CHARS:
                    raise CellTooLong(
                        f"{KIND_LABELS_PLURAL[kind]} nr. {item.nr}: {sheet_header(column)} "
                        f"has {len(value)} characters, more than a spreadsheet cell holds "
                        f"({EXCEL_MAX_CELL_CHARS}); shorten it in the source system"
                    )
                store_text(cell, value)
            else:  # a number, a date or None (an empty cell for a missing date)
                cell.value = value
                if value is not None and column.field != "nr":
                    cell.number_format = DATE_FORMAT
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(items) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def write_overview_xlsx(report, period: Period, *, path: Path | str,
                        revised: bool = False, concept: bool = False,
                        items: dict | None = None) -> Path:
    """Write the overview for ``period`` as a spreadsheet to ``path`` (.xlsx) and
    return it.

    One sheet per kind ("Vragen uit de Wijk", "Ongevraagde adviezen") holding the same
    rows as the Word overview, with a gebied column. ``revised`` marks a corrected
    re-issue in the title; ``concept`` marks the title and every printed page as the
    college's concept. The same input always gives the same bytes. ``items``: the
    report's ``overview_items`` when the caller already has them.
    """
    items = overview_items(report) if items is None else items
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in KINDS:
        sheet = workbook.create_sheet(KIND_LABELS_PLURAL[kind])
        _fill_sheet(sheet, kind, items[kind])
        if concept:
            sheet.oddHeader.center.text = CONCEPT_MARK
            sheet.oddHeader.center.font = "Calibri,Bold"

    title = overview_title(period, revised=revised)
    moment = zip_moment(period.peildatum)
    workbook.properties = DocumentProperties(
        title=concept_title(title) if concept else title,
        subject=f"Bijlage bij de raadsinformatiebrief over {period.label}",
        creator=AUTHOR,
        lastModifiedBy=AUTHOR,
        language=LANGUAGE,
        keywords=DOCUMENT_KEYWORDS,
        revision="2" if revised else "1",
        created=moment,
        modified=moment,
    )
    return save_workbook(workbook, path, moment)


def save_workbook(workbook, path: Path | str, moment) -> Path:
    """Save ``workbook`` atomically with the same bytes for the same content."""
    # ExcelWriter directly: openpyxl's save() stamps "modified" with the current time.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return write_atomic(path, deterministic_zip(buffer.getvalue(), moment))
