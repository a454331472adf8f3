"""The bijlage: the overview of every item in the report, per kind, gebied and wijk.

The template ``include/templates/bijlage-overzicht.docx`` (the source, edited in Word)
holds the styles, the header with page numbers, the headings and, per kind, one prepared
table under a ``[soort]`` heading: a header row (marked ``w:tblHeader`` so it repeats on
every page) and one sample row, whose cells name the field they show in brackets, e.g.
``[onderwerp]``. docxtpl fills the placeholders (``overview_context``); the renderer puts
the kind's name in ``[soort]`` and the column headers (``OVERVIEW_COLUMNS``) in the header
row; then, per gebied, the ``[gebied]`` heading and the table are copied. The sample row is
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

import pandas as pd
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from wijkopvolging.documents.package import (
    OVERVIEW_TEMPLATE,
    TemplateError,
    import_docxtpl,
    mark_as_concept,
    render_template,
    save_docx,
    set_core_properties,
    template_path,
    zip_moment,
)
from wijkopvolging.labels import (
    DOCUMENT_KEYWORDS,
    KIND_LABELS_PLURAL,
    NO_VALUE,
    ON_TIME_LABELS,
    REVISED_MARK,
    STATUS_LABELS,
    YES_NO,
    concept_title,
    format_date_nl,
    format_date_short_nl,
    overview_title,
)
from wijkopvolging.model import ADVIES, KINDS, VRAAG
from wijkopvolging.periods import Period
from wijkopvolging.safe_text import clean_report
from wijkopvolging.timeliness import OP_TIJD, TE_LAAT

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


# The columns per kind, in order: the Word template's tables (header and sample cells
# name their field in brackets, the renderer puts in the header and the values), the
# spreadsheet (overview_xlsx) and the web page all show these.
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


_DATE_FIELDS = ("datum_gesteld", "uiterste_datum", "datum_beantwoord")


def overview_table(report) -> dict[str, pd.DataFrame]:
    """Per kind, the overview's rows in order: sorted by gebied, wijk, date raised and
    id, numbered 1..n within the kind, one column per field (``FIELDS``) plus ``gebied``;
    dates as datetime64 (NaT when missing). The one selection both the Word overview and
    the spreadsheet show, built column by column (no Python object per row).

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
    status = frame["status"].astype(object)
    answered = status.isin([OP_TIJD, TE_LAAT])
    tussenbericht = (frame["tussenbericht_sent"].astype("boolean").fillna(False).astype(bool)
                     if "tussenbericht_sent" in frame.columns
                     else pd.Series(False, index=frame.index))
    table = pd.DataFrame({
        "kind": frame["kind"].astype(object),
        "gebied": frame["gebied"].replace("", UNKNOWN_GEBIED),
        "wijk": frame["wijk"],
        "onderwerp": frame["onderwerp"],
        "datum_gesteld": _dates(frame["date_raised"]),
        "wethouder": frame["wethouder"],
        "uiterste_datum": _dates(frame["deadline"]),
        "datum_beantwoord": _dates(frame["date_answered"]).where(answered),
        "status": status.map(STATUS_LABELS),
        "op_tijd": status.map(ON_TIME_LABELS),
        "tussenbericht": tussenbericht.map(YES_NO).where(frame["kind"] == ADVIES, NO_VALUE),
    }, index=frame.index)
    out = {}
    for kind in KINDS:
        rows = table[table["kind"] == kind].reset_index(drop=True)
        out[kind] = rows.assign(nr=range(1, len(rows) + 1))
    return out


def _dates(column) -> pd.Series:
    """A frame column of dates (Timestamp, datetime, date or missing) as datetime64,
    keeping a time zone if it has one (its date is the local date)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    return pd.to_datetime(column.astype(object).where(column.notna(), None))


def overview_texts(rows: pd.DataFrame) -> pd.DataFrame:
    """One kind's overview rows (from ``overview_table``) as the Word table shows them:
    ``01-03-2026`` for a date, ``—`` for a missing one, the number as text."""
    texts = rows.astype({"nr": str})
    for field in _DATE_FIELDS:
        texts[field] = rows[field].dt.strftime("%d-%m-%Y").fillna(NO_VALUE).astype(object)
    return texts


def overview_text_tables(report) -> dict[str, pd.DataFrame]:
    """Per kind, ``overview_texts`` of ``overview_table``: what the Word tables show."""
    return {kind: overview_texts(rows) for kind, rows in overview_table(report).items()}


def overview_items(report) -> dict[str, list[OverviewItem]]:
    """Per kind, the overview's rows in order (``overview_table``) as ``OverviewItem``s,
    dates as ``datetime.date`` or ``None``: what the spreadsheet writes cell by cell."""
    out: dict[str, list[OverviewItem]] = {}
    for kind, rows in overview_table(report).items():
        columns = {field: rows[field].tolist() for field in ("kind", "gebied", *FIELDS)}
        for field in _DATE_FIELDS:
            columns[field] = [None if day is pd.NaT else day.date() for day in columns[field]]
        out[kind] = [OverviewItem(**dict(zip(columns, values, strict=True)))
                     for values in zip(*columns.values(), strict=True)]
    return out


def overview_rows(report) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Per kind, the Word table rows in order as ``(gebied, {field: text})``; the same
    rows as ``overview_table``, as text (for comparisons and the naive benchmark)."""
    out = {}
    for kind, rows in overview_table(report).items():
        texts = overview_texts(rows)
        out[kind] = list(zip(texts["gebied"], texts[list(FIELDS)].to_dict("records"),
                             strict=True))
    return out


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
    """One kind's ``[gebied]`` heading, table and sample row, taken out of the body; the
    header row's ``[field]`` cells get the kind's column headers (``OVERVIEW_COLUMNS``)."""

    def __init__(self, table, kind: str):
        self.heading = table.getprevious()
        if self.heading is None or self.heading.tag != W_P or _text(self.heading) != "[gebied]":
            raise TemplateError(
                f"Word-sjabloon {OVERVIEW_TEMPLATE}: de alinea vóór elke voorbereide tabel "
                "moet de kop [gebied] zijn; zet die kop in Word terug boven de tabel"
            )
        rows = table.findall(W_TR)
        if len(rows) < 2:
            raise TemplateError(
                f"Word-sjabloon {OVERVIEW_TEMPLATE}: een voorbereide tabel heeft een kopregel "
                "en daaronder een voorbeeldregel nodig; zet de kopregel in Word terug"
            )
        headers = {column.field: column.header for column in OVERVIEW_COLUMNS[kind]}
        for row in rows[:-1]:
            for cell in row.iter(W_TC):
                marker = _text(cell).strip()
                if marker.startswith("[") and marker.endswith("]"):
                    if marker[1:-1] not in headers:
                        raise TemplateError(
                            f"Word-sjabloon {OVERVIEW_TEMPLATE}: onbekende kolom {marker} in "
                            f"de kopregel van de tabel {KIND_LABELS_PLURAL[kind]}; bekende "
                            f"kolommen: {', '.join(f'[{f}]' for f in headers)}"
                        )
                    _set_text(cell, headers[marker[1:-1]])
        self.sample = rows[-1]
        self.slots: list[tuple[int, str]] = []  # (index of w:t in the row, field)
        for cell in self.sample.iter(W_TC):
            marker = _text(cell).strip()
            if marker.startswith("[") and marker.endswith("]"):
                field = marker[1:-1]
                if field not in FIELDS:
                    raise TemplateError(
                        f"Word-sjabloon {OVERVIEW_TEMPLATE}: onbekend veld {marker} in de "
                        f"voorbeeldregel; bekende velden: {', '.join(f'[{f}]' for f in FIELDS)}"
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
        self.row_format = _row_format(self.sample)
        self.whole_row_format = _row_format(whole_sample)

    def fill(self, caption_prefix: str, rows: pd.DataFrame, streamed: RowStream) -> None:
        """Insert, per gebied, a heading and a table in place of the prototypes, with a
        placeholder row that ``streamed`` replaces by the rows (``overview_texts``) when
        the document is written; no rows just removes the prototypes."""
        for gebied, group in rows.groupby("gebied", sort=False):
            heading = copy.deepcopy(self.heading)
            _set_text(heading, gebied)
            table = copy.deepcopy(self.table)
            caption = table.find(f"{qn('w:tblPr')}/{W_TBL_CAPTION}")
            if caption is not None:
                caption.set(W_VAL, f"{caption_prefix}, gebied {gebied}")
            table.append(streamed.placeholder(self, group))
            self.heading.addprevious(heading)
            self.heading.addprevious(table)
        body = self.heading.getparent()
        body.remove(self.heading)
        body.remove(self.table)

    def rows_xml(self, rows: pd.DataFrame) -> list[str]:
        """The rows' ``<w:tr>`` elements: the sample row's text with each row's values,
        escaped, built column by column (a row whose title is short enough is kept on
        one page)."""
        values = [_escaped(rows[field]) for field in self.row_format.fields]
        keep = (rows["onderwerp"].str.len() <= KEEP_ROW_WHOLE_MAX_CHARS).tolist()
        whole = self.whole_row_format.text.format
        split = self.row_format.text.format
        return [(whole if kept else split)(*row)
                for kept, row in zip(keep, zip(*values, strict=True), strict=True)]


class _RowFormat(NamedTuple):
    """A sample row as a ``str.format`` text with one positional slot per marker."""

    text: str
    fields: tuple[str, ...]


# Joins a column's texts so escaping runs once over the column: a private-use character
# that escaping leaves alone.
_SEPARATOR = "\ue000"


def _escaped(column: pd.Series) -> list[str]:
    """``xml.sax.saxutils.escape`` of every text in the column, done on the column as
    one string (one value at a time only if a text holds the separator)."""
    texts = column.tolist()
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != max(len(texts) - 1, 0):
        return [escape(text) for text in texts]
    escaped = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.split(_SEPARATOR) if texts else []


_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_MARKER = re.compile(r"\[(" + "|".join(FIELDS) + r")\]")


def _row_format(row) -> _RowFormat:
    """A sample row serialised once, its ``[field]`` markers turned into format slots.
    The namespace declarations lxml puts on a detached element are dropped: the
    document's root declares the same prefixes."""
    for t in row.iter(W_T):
        if _MARKER.fullmatch((t.text or "").strip()):
            t.set(XML_SPACE, "preserve")  # values may start or end with a space
    xml = etree.tostring(row, encoding="unicode")
    end = xml.index(">")
    parts = _MARKER.split(_XMLNS.sub("", xml[:end]) + xml[end:])
    literal = [part.replace("{", "{{").replace("}", "}}") for part in parts[::2]]
    fields = tuple(parts[1::2])
    text = literal[0] + "".join(f"{{{i}}}{after}" for i, after in enumerate(literal[1:]))
    return _RowFormat(text, fields)


class RowStream:
    """The overview's rows, kept as a frame of texts until ``word/document.xml`` is
    written: the placeholder rows in the serialised document are replaced by the rows'
    XML, a batch at a time, so the whole table never sits in memory as a tree or one
    string."""

    BATCH = 2_000

    def __init__(self):
        self._pending: dict[str, tuple[_PreparedTable, pd.DataFrame]] = {}

    def placeholder(self, prepared: _PreparedTable, rows: pd.DataFrame):
        token = f"WIJKOPVOLGING-ROWS-{len(self._pending)}"
        self._pending[token] = (prepared, rows)
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
            prepared, rows = self._pending[match.group(1).decode()]
            for start in range(0, len(rows), self.BATCH):
                batch = rows.iloc[start:start + self.BATCH]
                yield "".join(prepared.rows_xml(batch)).encode("utf-8")
            position = match.end()
        yield document_xml[position:]


def _prepared_tables(body) -> list[_PreparedTable]:
    tables = [
        t for t in body.iterchildren(W_TBL)
        if any("[onderwerp]" in _text(tc) for tc in t.findall(W_TR)[-1].iter(W_TC))
    ]
    if len(tables) != len(KINDS):
        raise TemplateError(
            f"Word-sjabloon {OVERVIEW_TEMPLATE}: verwacht {len(KINDS)} voorbereide tabellen "
            "(Vragen uit de Wijk, dan Ongevraagde adviezen) met een voorbeeldregel met "
            f"[onderwerp], gevonden: {len(tables)}"
        )
    _fill_kind_headings(body, tables)
    return [_PreparedTable(table, kind) for table, kind in zip(tables, KINDS, strict=True)]


def _fill_kind_headings(body, tables) -> None:
    """Each paragraph reading ``[soort]`` gets the name of the kind whose prepared table
    comes next (``KIND_LABELS_PLURAL``), as the spreadsheet's sheets are named."""
    pending = []
    for child in body.iterchildren():
        if child.tag == W_P and _text(child).strip() == "[soort]":
            pending.append(child)
            continue
        kind = next((k for t, k in zip(tables, KINDS, strict=True) if t is child), None)
        if kind is not None:
            for paragraph in pending:
                _set_text(paragraph, KIND_LABELS_PLURAL[kind])
            pending = []
    if pending:
        raise TemplateError(
            f"Word-sjabloon {OVERVIEW_TEMPLATE}: de kop [soort] staat niet boven een "
            "voorbereide tabel; zet hem boven de tabel van zijn soort of haal hem weg"
        )


# --------------------------------------------------------------------------- render


def overview_context(period: Period, rows: dict, *, revised: bool = False,
                     wijk: str | None = None, kenmerk: str | None = None) -> dict:
    """Every placeholder the overview template may use, with its value: the one list of
    them (the template contract test and README's table read this). ``rows``: the rows
    the document shows (``overview_text_tables``, only ``wijk``'s for an afschrift)."""
    gebied = None
    if wijk is not None:
        gebied = next((str(texts["gebied"].iloc[0]) for texts in rows.values() if len(texts)),
                      UNKNOWN_GEBIED)
    return {
        "title": overview_title(period, wijk=wijk),
        "overview_title": overview_title(period),
        "revised_mark": REVISED_MARK,
        "period_label": period.label,
        "peildatum": format_date_nl(period.peildatum),
        "revised": bool(revised),
        "status": STATUS_LABELS,
        "n_vraag": len(rows[VRAAG]),
        "n_advies": len(rows[ADVIES]),
        "wijk": wijk,
        "gebied": gebied,
        "kenmerk": kenmerk or "",
    }


def render_overview(report, period: Period, *, path: Path | str, revised: bool = False,
                    concept: bool = False, wijk: str | None = None,
                    kenmerk: str | None = None, rows: dict | None = None) -> Path:
    """Render the overview (bijlage) for ``period`` to ``path`` (.docx) and return it.

    One table per kind and gebied, rows sorted by wijk and date; the header row repeats
    on every page. ``revised`` marks a corrected re-issue, ``concept`` marks every page
    as the college's concept. With ``wijk``: the afschrift for that wijkraad, the
    council's rows of that wijk only (with the council's numbers) and a cover text for the
    gebiedsorganisatie naming the letter's ``kenmerk``. The same input always gives the
    same bytes. ``rows``: ``overview_text_tables(report)`` when the caller already has
    them (the afschriften render many wijken from one report).
    """
    docxtpl = import_docxtpl()

    if rows is None:
        rows = overview_text_tables(report)
    if wijk is not None:
        rows = {kind: texts[texts["wijk"] == wijk] for kind, texts in rows.items()}
    template = docxtpl.DocxTemplate(template_path(OVERVIEW_TEMPLATE))
    render_template(template, overview_context(period, rows, revised=revised, wijk=wijk,
                                               kenmerk=kenmerk), OVERVIEW_TEMPLATE)
    body = template.docx.element.body
    streamed = RowStream()
    for kind, prepared in zip(KINDS, _prepared_tables(body), strict=True):
        prepared.fill(KIND_LABELS_PLURAL[kind], rows[kind], streamed)

    title = overview_title(period, revised=revised, wijk=wijk)
    subject = f"Bijlage bij de raadsinformatiebrief over {period.label}"
    if wijk is not None:
        subject = f"Afschrift voor de wijkraad {wijk}: {subject[0].lower()}{subject[1:]}"
    if concept:
        mark_as_concept(template.docx)
        title = concept_title(title)
    set_core_properties(
        template.docx,
        title=title,
        subject=subject,
        keywords=DOCUMENT_KEYWORDS,
        moment=zip_moment(period.peildatum),
        revision=2 if revised else 1,
    )
    return save_docx(template, path, zip_moment(period.peildatum),
                     streamed={"word/document.xml": streamed.chunks})
