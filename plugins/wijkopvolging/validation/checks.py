"""The check frame: the records as Great Expectations sees them, complex checks precomputed.

GX evaluates simple column rules well (not null, in a set, unique, between, A ≥ B) but
not "is this wethouder in office on that date" or "does this text hold a BSN", and its
datetime bounds are fragile on pandas 3. So those checks become boolean columns here
(True = fine, also where the rule does not apply), computed vectorised, and the suite
(``suite.py``) only expects them to be True. The frame has one row per record, in the
records' order (index 0..n-1), so GX's unexpected indexes are positions.

Texts in which personal data was found are masked here already, so neither the
validation results nor Data Docs ever hold the data itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from wijkopvolging.bounds import MAX_DAYS_SETTING
from wijkopvolging.config import Settings
from wijkopvolging.model import PUBLIC_TEXT_FIELDS, STR_FIELDS
from wijkopvolging.validation import privacy
from wijkopvolging.validation.rules import AGREED_DEADLINE_MAX_DAYS, ANSWER_VERY_LATE_DAYS

PAIR_DATE_FIELDS = ("date_answered", "date_tussenbericht", "agreed_deadline")


def privacy_column(field: str) -> str:
    return f"geen_persoonsgegevens_{field}"


@dataclass
class CheckFrame:
    """The frame GX validates, plus what the findings need that GX need not see."""

    frame: pd.DataFrame
    privacy_hits: dict[str, pd.Series]  # field -> hits per row (rows with hits only)
    deadline: pd.Series  # approximate deadline per row, for the warning's message
    date_limit: dt.date  # date_raised may not be after this
    limit_label: str  # Dutch: what the limit is ("einde verwerkte periode", "peildatum")
    earliest: dt.date


def local_date(moment: Any) -> dt.date:
    """The Amsterdam date of a data interval end (naive datetimes are UTC, as stored)."""
    from wijkopvolging.periods import AMSTERDAM

    if isinstance(moment, dt.datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return aware.astimezone(AMSTERDAM).date()
    if isinstance(moment, dt.date):
        return moment
    if hasattr(moment, "to_pydatetime"):  # pandas Timestamp
        return local_date(moment.to_pydatetime())
    raise TypeError(f"expected a date or datetime, got {type(moment).__name__}: {moment!r}")


def _text(column: pd.Series) -> pd.Series:
    """Stripped text; blank becomes missing (a blank onderwerp is no onderwerp)."""
    text = column.astype("str").str.strip().where(column.notna())
    return text.where(text != "")


def _days(items: pd.DataFrame, name: str) -> pd.Series:
    """A column of days as floats, missing (NaN) where absent or beyond any bound."""
    if name not in items:
        return pd.Series(float("nan"), index=items.index)
    days = pd.to_numeric(items[name], errors="coerce").astype("float64")
    return days.where((days >= 0) & (days <= MAX_DAYS_SETTING))


def _dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column).astype("datetime64[us]").dt.normalize()


def build_check_frame(items: pd.DataFrame, *, reference, date_limit: dt.date, limit_label: str,
                      settings: Settings | None, key: str) -> CheckFrame:
    """Precompute every check for ``items`` (canonical columns); ``key`` is the column that
    must be unique (``source_record_id`` in an extract, ``item_id`` in a snapshot).
    ``settings`` gives the earliest date and the default term (``None``: the defaults)."""
    items = items.reset_index(drop=True)
    settings = settings or Settings()
    earliest = settings.earliest_date
    term_days = settings.term_days
    frame = pd.DataFrame(index=items.index)

    for name in dict.fromkeys([key, *STR_FIELDS]):
        frame[name] = _text(items[name]) if name in items else pd.Series(None, index=items.index,
                                                                         dtype="str")
    for name in ("date_raised", *PAIR_DATE_FIELDS):
        frame[name] = _dates(items[name]) if name in items else pd.Series(
            pd.NaT, index=items.index, dtype="datetime64[us]")

    # Personal data first: the texts GX sees are masked.
    hits: dict[str, pd.Series] = {}
    for field in PUBLIC_TEXT_FIELDS:
        found = privacy.scan_column(frame[field])
        hits[field] = found
        frame[privacy_column(field)] = ~frame.index.isin(found.index)
        if len(found):
            frame.loc[found.index, field] = frame.loc[found.index, field].map(privacy.mask_text)

    raised = frame["date_raised"]
    has_raised = raised.notna()

    wijk = frame["wijk"]
    known_wijk = {v: reference.canonical_wijk(v) is not None for v in wijk.dropna().unique()}
    frame["wijk_bekend"] = wijk.map(known_wijk).fillna(True).astype(bool)

    wethouder = frame["wethouder"]
    canonical = {v: reference.canonical_wethouder(v) for v in wethouder.dropna().unique()}
    name = wethouder.map(canonical)
    frame["wethouder_bekend"] = (wethouder.isna() | name.notna()).astype(bool)
    terms = reference.wethouders_frame().set_index("name")
    start = name.map(terms["in_office_from"])
    end = name.map(terms["in_office_to"])
    in_office = (raised >= start) & (end.isna() | (raised <= end))
    frame["wethouder_in_functie"] = (name.isna() | ~has_raised | in_office).astype(bool)

    limit = pd.Timestamp(date_limit)
    frame["datum_niet_na_einde"] = (~has_raised | (raised <= limit)).astype(bool)
    frame["datum_niet_te_vroeg"] = (~has_raised | (raised >= pd.Timestamp(earliest))).astype(bool)

    frame["onderwerp_lengte"] = frame["onderwerp"].str.len().astype("float64")

    # Warnings. The deadline here skips the weekend rule: a few days do not matter
    # against a 180-day threshold, and timeliness owns the exact computation. Sources
    # keep days within bounds (``bounds``); whatever else got in is left out here rather
    # than overflow the date arithmetic.
    term = _days(items, "agreed_term_days")
    extension = _days(items, "extension_days").fillna(0)
    days = term.fillna(term_days) + extension
    computed = raised + pd.to_timedelta(days, unit="D")
    deadline = frame["agreed_deadline"].fillna(computed)
    answered = frame["date_answered"]
    very_late = answered > deadline + pd.Timedelta(days=ANSWER_VERY_LATE_DAYS)
    frame["antwoord_niet_zeer_laat"] = (~very_late.fillna(False)).astype(bool)
    far = frame["agreed_deadline"] > raised + pd.Timedelta(days=AGREED_DEADLINE_MAX_DAYS)
    frame["afspraak_binnen_jaar"] = (~far.fillna(False)).astype(bool)

    return CheckFrame(frame=frame, privacy_hits=hits, deadline=deadline, date_limit=date_limit,
                      limit_label=limit_label, earliest=earliest)
