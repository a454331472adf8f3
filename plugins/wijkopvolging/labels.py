"""The Dutch words the users see: one place for every label and date format."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from babel.dates import format_date

if TYPE_CHECKING:
    from wijkopvolging.periods import Period

KIND_LABELS = {"vraag": "Vraag uit de Wijk", "advies": "Ongevraagd advies"}
KIND_LABELS_PLURAL = {"vraag": "Vragen uit de Wijk", "advies": "Ongevraagde adviezen"}

STATUS_LABELS = {
    "op_tijd": "Beantwoord, op tijd",
    "te_laat": "Beantwoord, te laat",
    "open_binnen_termijn": "Open, binnen termijn",
    "open_verlopen": "Open, termijn verlopen",
}
# "Op tijd" column of the overview: ja / nee / — (not yet decided).
ON_TIME_LABELS = {
    "op_tijd": "ja",
    "te_laat": "nee",
    "open_binnen_termijn": "—",
    "open_verlopen": "nee",
}
YES_NO = {True: "ja", False: "nee"}

# -- titles and marks ---------------------------------------------------------------------
# The letter's and the overview's titles, the revision mark and the concept mark, as the
# documents (the Word templates take them from placeholders), their properties, the
# spreadsheet, the web page, the open data and the e-mails show them.

TOPIC = "Vragen uit de Wijk en ongevraagde adviezen"
LETTER_TITLE = f"Stand van zaken {TOPIC}"
OVERVIEW_TITLE = f"Overzicht {TOPIC}"
DOCUMENT_KEYWORDS = "Vragen uit de Wijk; ongevraagde adviezen; wijkraden"
REVISED_MARK = "(herziene versie)"  # after the title of a corrected re-issue
CONCEPT_MARK = "CONCEPT – ter besluitvorming door het college, niet verspreiden"


def with_revised_mark(text: str, revised: bool) -> str:
    """``text``, followed by `` (herziene versie)`` when ``revised``."""
    return f"{text} {REVISED_MARK}" if revised else text


def letter_title(period: Period, *, revised: bool = False) -> str:
    """The letter's title, as in its heading, its document properties and the e-mail."""
    return with_revised_mark(f"{LETTER_TITLE}, {period.label}", revised)


def overview_title(period: Period, *, revised: bool = False, wijk: str | None = None) -> str:
    """The overview's title; with ``wijk``, the title of that wijkraad's afschrift."""
    title = with_revised_mark(f"{OVERVIEW_TITLE}, {period.label}", revised)
    return f"{title}, wijk {wijk}" if wijk is not None else title


def afschrift_mail_subject(wijk: str, period: Period, *, revised: bool = False) -> str:
    """The subject of the e-mail that brings a wijkraad's afschrift."""
    return with_revised_mark(f"Afschrift voor de wijkraad {wijk}: {TOPIC}, {period.label}",
                             revised)


def concept_title(title: str) -> str:
    """A document title as shown on the college's concept."""
    return f"Concept: {title}"


def format_date_nl(value: dt.date | None) -> str:
    """``1 maart 2026``; an empty string for a missing date."""
    if value is None or value != value:  # None or NaT
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    elif hasattr(value, "date") and not isinstance(value, dt.date):  # pandas Timestamp
        value = value.date()
    return format_date(value, format="d MMMM y", locale="nl_NL")


def format_date_short_nl(value: dt.date | None) -> str:
    """``01-03-2026`` for dense tables; an empty string for a missing date."""
    if value is None or value != value:
        return ""
    return value.strftime("%d-%m-%Y")


NO_VALUE = "—"  # shown where a figure does not apply, e.g. a share of nothing answered


def format_percent_nl(part: int, whole: int) -> str:
    """``83%`` (rounded half up, as people do); ``—`` when ``whole`` is zero."""
    if not whole:
        return NO_VALUE
    return f"{(200 * part + whole) // (2 * whole)}%"


_NUMBERS_NL = ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen",
               "tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien",
               "zeventien", "achttien", "negentien")
_TENS_NL = ("", "", "twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig",
            "tachtig", "negentig")


def number_nl(n: int) -> str:
    """A whole number in Dutch words up to 99 (``zes``, ``eenentwintig``,
    ``tweeëntwintig``); larger numbers stay digits."""
    if not 0 <= n < 100:
        return str(n)
    if n < 20:
        return _NUMBERS_NL[n]
    tens, unit = divmod(n, 10)
    if not unit:
        return _TENS_NL[tens]
    word = _NUMBERS_NL[unit]
    joint = "ën" if word.endswith("e") else "en"  # tweeëntwintig, drieëntwintig
    return f"{word}{joint}{_TENS_NL[tens]}"


def days_nl(n: int) -> str:
    """``1 dag``, ``14 dagen``: a number of days as the letters and lists write it."""
    return "1 dag" if n == 1 else f"{n} dagen"


def term_nl(days: int) -> str:
    """A term in words: whole weeks as weeks (``zes weken``, ``een week``), else days."""
    weeks, rest = divmod(days, 7)
    if rest or not weeks:
        return days_nl(days)
    return "een week" if weeks == 1 else f"{number_nl(weeks)} weken"
