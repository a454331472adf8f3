"""Text from source systems, made inert for each kind of output: the one place for it.

Titles are residents' words passed on by staff, and ids and names come from spreadsheets
anyone in a gebied office can edit. Nothing in them may act in an output:

=====================================  ===================================================
output                                 what keeps the data inert
=====================================  ===================================================
Word (letter, overview, afschrift)     ``clean_text``: XML-illegal control characters
and spreadsheets (XML inside)          removed (they are never typed text), line breaks
                                       and tabs one space; markup escaped where the text
                                       is placed (lxml, ``saxutils.escape``, docxtpl with
                                       ``autoescape=True``), so ``<w:p>`` and ``{{ x }}``
                                       are shown as typed, never rendered
spreadsheet cells (overview .xlsx,     ``store_text``: a string cell, never a formula,
signaleringslijsten)                   with Excel's quote prefix for ``= + - @``
CSV that people open in a spreadsheet  ``csv_text``: an apostrophe before a text starting
(open data, steward report)            with ``= + - @`` (see README, "Open data")
HTML (web page, steward report,        ``html_text``: ``&``, ``<``, ``>`` and quotes
GX Data Docs)                          escaped
JSON (open data, manifests)            ``json.dumps`` escapes; the values stay exact
=====================================  ===================================================
"""

from __future__ import annotations

import html
import re

import pandas as pd

from wijkopvolging.model import PUBLIC_TEXT_FIELDS

# Characters XML 1.0 does not allow: C0 controls other than tab/newline/return,
# lone surrogates and the two non-characters U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Vertical tab and form feed are line breaks in Excel and Word exports: keep a space.
_BREAKS = re.compile("[\x0b\x0c\r\n\t\u2028\u2029]+")
_SPACES = re.compile(" {2,}")


def clean_text(value: object) -> str:
    """``value`` as one line of XML-safe text: illegal control characters removed,
    line breaks and tabs turned into single spaces, ends trimmed. ``None``, NaN and
    NaT give an empty string. Nothing else is changed or shortened."""
    if value is None or value != value:  # None, NaN, NaT
        return ""
    text = _XML_ILLEGAL.sub("", str(value))
    text = _BREAKS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


# Joins a column's values so the patterns above run once over the column instead of once
# per value: a private-use character that is neither illegal, a break nor a space.
_SEPARATOR = "\ue000"


def clean_texts(values) -> list[str]:
    """``clean_text`` of every value, the regular expressions run over the whole column
    at once (a value holding the separator falls back to one value at a time)."""
    texts = ["" if value is None or value != value else str(value) for value in values]
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != max(len(texts) - 1, 0):
        return [clean_text(text) for text in texts]
    joined = _SPACES.sub(" ", _BREAKS.sub(" ", _XML_ILLEGAL.sub("", joined)))
    return [text.strip() for text in joined.split(_SEPARATOR)] if texts else []


# The free text a document shows: the canonical public fields plus the gebied.
PUBLIC_TEXT_COLUMNS = (*PUBLIC_TEXT_FIELDS, "gebied")


def clean_report(report):
    """A copy of the report frame with its free-text columns passed through
    ``clean_text`` (missing values become empty strings; the columns hold strings even
    when the report is empty)."""
    out = report.copy()
    for column in PUBLIC_TEXT_COLUMNS:
        if column in out.columns:
            out[column] = pd.Series(clean_texts(out[column].tolist()), index=out.index,
                                    dtype=object)
    return out


# -- spreadsheets and CSV ----------------------------------------------------------------------
# What makes a spreadsheet program take a cell for a formula (or a DDE command).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def store_text(cell, text: str) -> None:
    """Put untrusted text in an openpyxl ``cell`` as a string that is never taken for a
    formula, not even after the cell is edited in Excel."""
    cell.value = text
    if text.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"  # openpyxl would write "=..." as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def csv_text(value):
    """A CSV cell value that a spreadsheet program shows and never calculates: a text
    starting with ``= + - @`` (or a tab or carriage return) gets an apostrophe in front,
    as OWASP advises; so does a text starting with an apostrophe, so that removing one
    leading apostrophe always gives the text back exactly. Other values are unchanged."""
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def csv_original(value):
    """The text ``csv_text`` made ``value`` from (for readers of our CSVs, and tests)."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


# -- HTML --------------------------------------------------------------------------------------
def html_text(value) -> str:
    """``value`` as HTML text, quotes included (safe in an attribute as well)."""
    return html.escape(str(value), quote=True)
