"""Make text from source systems safe to place in a Word document.

Titles come from registration systems and spreadsheets: they may hold control
characters that XML 1.0 forbids (a vertical tab from an Excel line break, a NUL from
a database), or stray line breaks. XML escaping of ``&`` and ``<`` is not done here:
lxml does it when the text is set on an element, and the letter renders Jinja with
``autoescape=True``.
"""

from __future__ import annotations

import re

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


# The free text a document shows: the canonical public fields plus the gebied.
PUBLIC_TEXT_COLUMNS = (*PUBLIC_TEXT_FIELDS, "gebied")


def clean_report(report):
    """A copy of the report frame with its free-text columns passed through
    ``clean_text`` (missing values become empty strings)."""
    out = report.copy()
    for column in PUBLIC_TEXT_COLUMNS:
        if column in out.columns:
            out[column] = [clean_text(value) for value in out[column]]
    return out
