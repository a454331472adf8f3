"""Make text from source systems safe to place in a Word document.

Titles come from registration systems and spreadsheets: they may hold control
characters that XML 1.0 forbids (a vertical tab from an Excel line break, a NUL from
a database), or stray line breaks. XML escaping of ``&`` and ``<`` is not done here:
lxml does it when the text is set on an element, and the letter renders Jinja with
``autoescape=True``.
"""

from __future__ import annotations

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
