"""The bijlage: the overview of every item in the report, per kind, gebied and wijk.

The template ``include/templates/bijlage-overzicht.docx`` holds the styles, the header
with page numbers, the headings and, per kind, one prepared table: a header row (marked
``w:tblHeader`` so it repeats on every page) and one sample row whose cells name the
field they show in brackets, e.g. ``[onderwerp]``. docxtpl fills the period fields;
then, per gebied, the ``[gebied]`` heading and the table are copied. The sample row is
serialised once and split around its markers; each item's row is that text with the
item's escaped values, streamed into ``word/document.xml`` when the file is written.
(python-docx's ``add_row()`` and ``table.cell()`` re-scan the table on every call, which
is quadratic; even an lxml copy per row keeps the whole table in memory as a tree, about
2 GB for 100,000 rows.)
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from wijkopvolging.documents.package import (
    OVERVIEW_TEMPLATE,
    import_docxtpl,
    save_docx,
    set_core_properties,
    template_path,
    zip_moment,
)
from wijkopvolging.documents.text import clean_report
from wijkopvolging.errors import ExpectedError
from wijkopvolging.labels import (
    KIND_LABELS_PLURAL,
    NO_VALUE,
    ON_TIME_LABELS,
    STATUS_LABELS,
    YES_NO,
    format_date_nl,
    format_date_short_nl,
)
from wijkopvolging.model import ADVIES, KINDS, VRAAG
from wijkopvolging.periods import Period
from wijkopvolging.timeliness import OP_TIJD, TE_LAAT

TITLE = "Overzicht Vragen uit de Wijk en ongevraagde adviezen"
UNKNOWN_GEBIED = "Gebied onbekend"
# Rows with a title up to this length are kept on one page (w:cantSplit); longer ones
# may break across pages, because LibreOffice cuts a non-splitting row that is taller
# than a page, and a title must never be cut.
KEEP_ROW_WHOLE_MAX_CHARS = 600


class Column(NamedTuple):
    """One column of an overview table."""

    field: str  # the OverviewItem attribute, and the [marker] in the template's sample row
    header: str  # the header text; a soft hyphen (U+00AD) marks where Word may break it
    width_cm: float  # in the Word table: landscape A4 minus 1.5 cm margins leaves 26.7 cm


# The columns per kind, in order: the Word template's tables (scripts/build_templates.py)
# and the spreadsheet (overview_xlsx) are both built from these.
OVERVIEW_COLUMNS: dict[str, tuple[Column, ...]] = {
    VRAAG: (
        Column("nr", "Nr.", 1.0),
        Column("wijk", "Wijk", 3.6),
        Column("onderwerp", "Onderwerp", 8.0),
        Column("datum_gesteld", "Datum gesteld", 2.1),
        Column("wethouder", "Wethouder", 2.6),
        Column("uiterste_datum", "Uiterste datum", 2.1),
        Column("datum_beantwoord", "Datum beant\u00adwoord", 2.3),
        Column("status", "Status", 3.3),
        Column("op_tijd", "Op tijd", 1.3),
    ),
    ADVIES: (
        Column("nr", "Nr.", 1.0),
        Column("wijk", "Wijk", 3.4),
        Column("onderwerp", "Onderwerp", 6.2),
        Column("datum_gesteld", "Datum ont\u00advangen", 2.1),
        Column("wethouder", "Wethouder", 2.6),
        Column("uiterste_datum", "Uiterste datum", 2.1),
        Column("datum_beantwoord", "Datum beant\u00adwoord", 2.3),
        Column("status", "Status", 3.3),
        Column("op_tijd", "Op tijd", 1.3),
        Column("tussenbericht", "Tussen\u00adbericht", 2.2),
    ),
}
FIELDS = tuple(dict.fromkeys(c.field for columns in OVERVIEW_COLUMNS.values() for c in columns))

W_P, W_R, W_T, W_TBL, W_TR, W_TC = (qn(f"w:{t}") for t in ("p", "r", "t", "tbl", "tr", "tc"))
W_TBL_CAPTION = qn("w:tblCaption")
W_VAL = qn("w:val")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class TemplateError(ExpectedError, ValueError):
    """The overview template lacks the prepared tables or has an unknown field marker."""


def overview_title(period: Period, *, revised: bool = False) -> str:
    return f"{TITLE}, {period.label}" + (" (herziene versie)" if revised else "")


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class OverviewItem:
    """One row of the overview: an item as the griffie reads it, labels in Dutch.

    Dates stay dates (the spreadsheet needs real date cells); ``text`` gives what the
    Word table shows.
    """

    kind: str
    gebied: str
    nr: int  # 1..n within the kind, in overview order
    wijk: str
    onderwerp: str
    datum_gesteld: dt.date | None
    wethouder: str
    uiterste_datum: dt.date | None
    datum_beantwoord: dt.date | None  # only for items answered by the peildatum
    status: str  # e.g. "Beantwoord, op tijd"
    op_tijd: str  # ja / nee / —
    tussenbericht: str  # ja / nee for advice; — for vragen

    def value(self, field: str) -> str | int | dt.date | None:
        """The value of a column (see ``FIELDS``); ``None`` for a missing date."""
        return getattr(self, field)

    def text(self, field: str) -> str:
        """The value as the Word table shows it: ``01-03-2026`` for a date, ``—`` for a
        missing one."""
        value = getattr(self, field)
        if value is None:
            return NO_VALUE
        if isinstance(value, dt.date):
            return format_date_short_nl(value)
        return str(value)

    def texts(self) -> dict[str, str]:
        """Every column as the Word table shows it."""
        return {field: self.text(field) for field in FIELDS}


def _day(value) -> dt.date | None:
    """A date from a frame cell (Timestamp, datetime or date); ``None`` for NaT/None."""
    if value is None or value != value:  # None, NaN, NaT
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamp too
        return value.date()
    return value


def overview_items(report) -> dict[str, list[OverviewItem]]:
    """Per kind, the overview's rows in order: sorted by gebied, wijk, date raised and
    id, numbered 1..n within the kind. The one selection both the Word overview and the
    spreadsheet show.

    The answer date is shown only for answered items: a report can carry an answer
    dated after the peildatum for an item that was still open on the peildatum.
    """
    report = clean_report(report)
    sort_keys = ["_kind", "_gebied", "_wijk", "date_raised", "item_id"]
    frame = report.assign(
        _kind=report["kind"].map({kind: i for i, kind in enumerate(KINDS)}),
        _gebied=report["gebied"].replace("", UNKNOWN_GEBIED).str.casefold(),
        _wijk=report["wijk"].str.casefold(),
    ).sort_values(sort_keys, kind="mergesort")

    tussenbericht = (
        frame["tussenbericht_sent"].fillna(False).astype(bool).tolist()
        if "tussenbericht_sent" in frame.columns else [False] * len(frame)
    )
    out: dict[str, list[OverviewItem]] = {kind: [] for kind in KINDS}
    columns = zip(
        frame["kind"], frame["gebied"], frame["wijk"], frame["onderwerp"],
        frame["wethouder"], frame["status"], frame["date_raised"], frame["deadline"],
        frame["date_answered"], tussenbericht,
        strict=True,
    )
    for kind, gebied, wijk, onderwerp, wethouder, status, raised, deadline, answered, tb in (
        columns
    ):
        items = out[kind]
        items.append(OverviewItem(
            kind=kind,
            gebied=gebied or UNKNOWN_GEBIED,
            nr=len(items) + 1,
            wijk=wijk,
            onderwerp=onderwerp,
            datum_gesteld=_day(raised),
            wethouder=wethouder,
            uiterste_datum=_day(deadline),
            datum_beantwoord=_day(answered) if status in (OP_TIJD, TE_LAAT) else None,
            status=STATUS_LABELS[status],
            op_tijd=ON_TIME_LABELS[status],
            tussenbericht=YES_NO[bool(tb)] if kind == ADVIES else NO_VALUE,
        ))
    return out


def overview_rows(report) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Per kind, the Word table rows in order as ``(gebied, {field: text})``; the same
    rows as ``overview_items``, as text."""
    return {
        kind: [(item.gebied, item.texts()) for item in items]
        for kind, items in overview_items(report).items()
    }


# --------------------------------------------------------------------------- template


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(W_T))


def _set_text(element, text: str) -> None:
    """Put ``text`` in the element's first ``w:t`` and drop the other runs' text, so a
    marker Word split over several runs still works."""
    texts = list(element.iter(W_T))
    if not texts:
        raise TemplateError(f"no text to replace in {_text(element)!r}")
    texts[0].text = text
    for extra in texts[1:]:
        run = extra.getparent()
        run.getparent().remove(run)


def _keep_row_on_one_page(row) -> None:
    """Add ``w:cantSplit`` to a row's properties (created first in the row if absent)."""
    tr_pr = row.find(qn("w:trPr"))
    if tr_pr is None:
        tr_pr = OxmlElement("w:trPr")
        before = row.find(qn("w:tblPrEx"))
        if before is not None:
            before.addnext(tr_pr)
        else:
            row.insert(0, tr_pr)
    if tr_pr.find(qn("w:cantSplit")) is None:
        tr_pr.insert(0, OxmlElement("w:cantSplit"))


class _PreparedTable:
    """One kind's ``[gebied]`` heading, table and sample row, taken out of the body."""

    def __init__(self, table):
        self.heading = table.getprevious()
        if self.heading is None or self.heading.tag != W_P or _text(self.heading) != "[gebied]":
            raise TemplateError(
                f"{OVERVIEW_TEMPLATE}: the paragraph before each prepared table must be the "
                "heading [gebied]; rebuild the template with scripts/build_templates.py"
            )
        rows = table.findall(W_TR)
        self.sample = rows[-1]
        self.slots: list[tuple[int, str]] = []  # (index of w:t in the row, field)
        for cell in self.sample.iter(W_TC):
            marker = _text(cell).strip()
            if marker.startswith("[") and marker.endswith("]"):
                field = marker[1:-1]
                if field not in FIELDS:
                    raise TemplateError(
                        f"{OVERVIEW_TEMPLATE}: unknown field {marker} in the sample row; "
                        f"known fields: {', '.join(f'[{f}]' for f in FIELDS)}"
                    )
                _set_text(cell, marker)
        for index, t in enumerate(self.sample.iter(W_T)):
            marker = (t.text or "").strip()
            if marker.startswith("[") and marker[1:-1] in FIELDS:
                self.slots.append((index, marker[1:-1]))
        table.remove(self.sample)
        self.table = table
        whole_sample = copy.deepcopy(self.sample)
        _keep_row_on_one_page(whole_sample)
        self.row_parts = _row_template(self.sample)
        self.whole_row_parts = _row_template(whole_sample)

    def fill(self, caption_prefix: str, rows: list[tuple[str, dict[str, str]]],
             streamed: RowStream) -> None:
        """Insert, per gebied, a heading and a table in place of the prototypes, with a
        placeholder row that ``streamed`` replaces by the items' rows when the document is
        written; an empty ``rows`` just removes the prototypes."""
        groups: dict[str, list[dict[str, str]]] = {}
        for gebied, values in rows:
            groups.setdefault(gebied, []).append(values)
        for gebied, items in groups.items():
            heading = copy.deepcopy(self.heading)
            _set_text(heading, gebied)
            table = copy.deepcopy(self.table)
            caption = table.find(f"{qn('w:tblPr')}/{W_TBL_CAPTION}")
            if caption is not None:
                caption.set(W_VAL, f"{caption_prefix}, gebied {gebied}")
            table.append(streamed.placeholder(self, items))
            self.heading.addprevious(heading)
            self.heading.addprevious(table)
        body = self.heading.getparent()
        body.remove(self.heading)
        body.remove(self.table)

    def row_xml(self, values: dict[str, str]) -> str:
        """One item's ``<w:tr>``: the sample row's text with the values, escaped."""
        keep = len(values["onderwerp"]) <= KEEP_ROW_WHOLE_MAX_CHARS
        parts = self.whole_row_parts if keep else self.row_parts
        return "".join(escape(values[part]) if odd else part
                       for odd, part in zip(_ODD_EVEN, parts, strict=False))


_ODD_EVEN = [False, True] * (len(FIELDS) + 1)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_MARKER = re.compile(r"\[(" + "|".join(FIELDS) + r")\]")


def _row_template(row) -> list[str]:
    """A sample row serialised once and split around its ``[field]`` markers: literal
    XML at even positions, field names at odd ones. The namespace declarations lxml puts
    on a detached element are dropped: the document's root declares the same prefixes."""
    for t in row.iter(W_T):
        if _MARKER.fullmatch((t.text or "").strip()):
            t.set(XML_SPACE, "preserve")  # values may start or end with a space
    xml = etree.tostring(row, encoding="unicode")
    end = xml.index(">")
    return _MARKER.split(_XMLNS.sub("", xml[:end]) + xml[end:])


class RowStream:
    """The overview's rows, kept as values until ``word/document.xml`` is written: the
    placeholder rows in the serialised document are replaced by the rows' XML, a batch
    at a time, so the whole table never sits in memory as a tree or one string."""

    BATCH = 2_000

    def __init__(self):
        self._pending: dict[str, tuple[_PreparedTable, list[dict[str, str]]]] = {}

    def placeholder(self, prepared: _PreparedTable, items: list[dict[str, str]]):
        token = f"WIJKOPVOLGING-ROWS-{len(self._pending)}"
        self._pending[token] = (prepared, items)
        row = OxmlElement("w:tr")
        cell = OxmlElement("w:tc")
        paragraph = OxmlElement("w:p")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = token
        run.append(text)
        paragraph.append(run)
        cell.append(paragraph)
        row.append(cell)
        return row

    def chunks(self, document_xml: bytes):
        """``document_xml`` as UTF-8 chunks with every placeholder row replaced."""
        if not self._pending:
            yield document_xml
            return
        pattern = re.compile(
            rb"<w:tr><w:tc><w:p><w:r><w:t>(WIJKOPVOLGING-ROWS-\d+)</w:t></w:r></w:p>"
            rb"</w:tc></w:tr>")
        position = 0
        for match in pattern.finditer(document_xml):
            yield document_xml[position:match.start()]
            prepared, items = self._pending[match.group(1).decode()]
            for start in range(0, len(items), self.BATCH):
                batch = items[start:start + self.BATCH]
                yield "".join(prepared.row_xml(values) for values in batch).encode("utf-8")
            position = match.end()
        yield document_xml[position:]


def _prepared_tables(body) -> list[_PreparedTable]:
    tables = [
        t for t in body.iterchildren(W_TBL)
        if any("[onderwerp]" in _text(tc) for tc in t.findall(W_TR)[-1].iter(W_TC))
    ]
    if len(tables) != len(KINDS):
        raise TemplateError(
            f"{OVERVIEW_TEMPLATE}: expected {len(KINDS)} prepared tables (Vragen uit de Wijk, "
            f"then Ongevraagde adviezen) with an [onderwerp] sample row, found {len(tables)}"
        )
    return [_PreparedTable(t) for t in tables]


# --------------------------------------------------------------------------- render


def render_overview(report, period: Period, *, path: Path | str, revised: bool = False) -> Path:
    """Render the overview (bijlage) for ``period`` to ``path`` (.docx) and return it.

    One table per kind and gebied, rows sorted by wijk and date; the header row repeats
    on every page. ``revised`` marks a corrected re-issue. The same input always gives
    the same bytes.
    """
    docxtpl = import_docxtpl()

    rows = overview_rows(report)
    template = docxtpl.DocxTemplate(template_path(OVERVIEW_TEMPLATE))
    template.render(
        {
            "period_label": period.label,
            "peildatum": format_date_nl(period.peildatum),
            "revised": bool(revised),
            "status": STATUS_LABELS,
            "n_vraag": len(rows[VRAAG]),
            "n_advies": len(rows[ADVIES]),
        },
        autoescape=True,
    )
    body = template.docx.element.body
    streamed = RowStream()
    for kind, prepared in zip(KINDS, _prepared_tables(body), strict=True):
        prepared.fill(KIND_LABELS_PLURAL[kind], rows[kind], streamed)

    set_core_properties(
        template.docx,
        title=overview_title(period, revised=revised),
        subject=f"Bijlage bij de raadsinformatiebrief over {period.label}",
        keywords="Vragen uit de Wijk; ongevraagde adviezen; wijkraden",
        moment=zip_moment(period.peildatum),
        revision=2 if revised else 1,
    )
    return save_docx(template, path, zip_moment(period.peildatum),
                     streamed={"word/document.xml": streamed.chunks})
