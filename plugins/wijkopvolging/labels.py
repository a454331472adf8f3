"""The Dutch words the users see: one place for every label and date format."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

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
