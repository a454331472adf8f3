"""Timeliness: the deadline of an item and its status at the peildatum.

The rules (see docs: DOMAIN.md, "Rules"):

- the term starts on ``date_raised``; the default term is six weeks, counted as in
  Awb 6:8, so ``deadline = start + 42 days``;
- an agreed term in days replaces the 42; an agreed deadline (a date) replaces the
  whole computation and is kept exactly as agreed;
- a verlenging (``extension_days``) is added to a computed deadline;
- a computed deadline on a Saturday, Sunday or Algemene termijnenwet holiday moves to
  the next day that is none of those (a policy choice, so a setting).

``deadline`` and ``status_at`` work on one item and can explain themselves in Dutch;
``apply_timeliness`` does the same for a whole frame with numpy, and must agree with
the scalar functions row for row (the property tests check that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from wijkopvolging.bounds import (
    DEFAULT_MAX_AGREED_TERM_DAYS,
    DEFAULT_MAX_EXTENSION_DAYS,
    LAST_TERM_END,
    MAX_DAYS_SETTING,
    check_day_setting,
)
from wijkopvolging.errors import ExpectedError
from wijkopvolging.labels import days_nl, format_date_nl

DEFAULT_TERM_DAYS = 42  # six weeks, Awb 6:8
FIRST_KINGS_DAY_YEAR = 2014  # before 2014 the Atw had Koninginnedag (30 April) instead

OP_TIJD = "op_tijd"
TE_LAAT = "te_laat"
OPEN_BINNEN_TERMIJN = "open_binnen_termijn"
OPEN_VERLOPEN = "open_verlopen"
STATUS_CODES: tuple[str, ...] = (OP_TIJD, TE_LAAT, OPEN_BINNEN_TERMIJN, OPEN_VERLOPEN)

_WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class HolidaysUnknown(ExpectedError, ValueError):
    """An item's deadline falls in a year before the Atw holidays are computed."""


class TermOutOfBounds(ExpectedError, ValueError):
    """An item's agreed term or verlenging is negative or longer than any setting allows,
    or its deadline would fall past the end of the calendar: no deadline is computed.
    (Sources quarantine such values, ``bounds``; this guards whatever else calls.)"""


class PeildatumBeforeStart(ValueError):
    """An item's term starts after the peildatum: it cannot have a status yet."""


# --------------------------------------------------------------------------- dates


def _is_missing(value: Any) -> bool:
    """None, NaT, NaN or pandas.NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaT and NaN differ from themselves
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def _to_date(value: Any) -> dt.date | None:
    """A plain ``date`` from a date, datetime, pandas Timestamp, numpy datetime64 or
    ISO string; ``None`` for None, NaT, NaN and pandas.NA."""
    if _is_missing(value):
        return None
    if isinstance(value, dt.datetime):  # also pandas Timestamp, pendulum DateTime
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return value.astype("datetime64[D]").item()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise TypeError(f"expected a date, got {type(value).__name__}: {value!r}")


def _required_date(value: Any, name: str) -> dt.date:
    result = _to_date(value)
    if result is None:
        raise ValueError(f"{name} is required, got {value!r}")
    return result


def _optional_int(value: Any) -> int | None:
    """An int, or None for None / pandas NA / NaN."""
    return None if _is_missing(value) else int(value)


# --------------------------------------------------------------------------- holidays


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm, Meeus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=512)
def _atw_holidays_named(year: int) -> tuple[tuple[dt.date, str], ...]:
    if year < FIRST_KINGS_DAY_YEAR:
        raise HolidaysUnknown(
            f"Atw-feestdagen are only computed from {FIRST_KINGS_DAY_YEAR} on (King's Day); "
            f"got year {year}. Check the item's date, or switch the holiday rule off."
        )
    easter = easter_sunday(year)
    kings_day = dt.date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it is kept the day before
        kings_day = dt.date(year, 4, 26)
    named = [
        (dt.date(year, 1, 1), "Nieuwjaarsdag"),
        (easter - dt.timedelta(days=2), "Goede Vrijdag"),
        (easter + dt.timedelta(days=1), "Tweede Paasdag"),
        (kings_day, "Koningsdag"),
        (dt.date(year, 5, 5), "Bevrijdingsdag"),  # every year under the Atw
        (easter + dt.timedelta(days=39), "Hemelvaartsdag"),
        (easter + dt.timedelta(days=50), "Tweede Pinksterdag"),
        (dt.date(year, 12, 25), "Eerste Kerstdag"),
        (dt.date(year, 12, 26), "Tweede Kerstdag"),
    ]
    return tuple(sorted(named))


def atw_holidays(year: int) -> list[dt.date]:
    """The Algemene termijnenwet (art. 3) holidays of ``year`` that can fall on a
    weekday, sorted: New Year's Day, Good Friday, Easter Monday, King's Day, 5 May,
    Ascension Day, Whit Monday, Christmas Day and Boxing Day.

    Computed (Easter by the anonymous Gregorian algorithm) for any year from 2014;
    Easter Sunday and Whit Sunday are left out because they are Sundays anyway.
    """
    return [day for day, _ in _atw_holidays_named(year)]


def is_atw_holiday(day: Any) -> bool:
    """Whether ``day`` is an Algemene termijnenwet holiday (extra days from the
    settings are not included; see ``TimelinessSettings.extra_holidays``)."""
    day = _required_date(day, "day")
    return any(day == holiday for holiday, _ in _atw_holidays_named(day.year))


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class TimelinessSettings:
    """How deadlines are computed; the defaults follow DOMAIN.md.

    ``extra_holidays`` are days treated like Atw holidays, for example a bridge day
    a Royal Decree adds under Atw art. 3 lid 2. ``max_extension_days`` and
    ``max_agreed_term_days`` bound what a source may record (``bounds``); every number of
    days here is at most ``bounds.MAX_DAYS_SETTING``.
    """

    term_days: int = DEFAULT_TERM_DAYS
    holiday_rule: bool = True
    extra_holidays: tuple[dt.date, ...] = field(default=())
    max_extension_days: int = DEFAULT_MAX_EXTENSION_DAYS
    max_agreed_term_days: int = DEFAULT_MAX_AGREED_TERM_DAYS

    def __post_init__(self) -> None:
        for name in ("term_days", "max_extension_days", "max_agreed_term_days"):
            check_day_setting(name, getattr(self, name))
        if not isinstance(self.holiday_rule, bool):
            raise ValueError(f"holiday_rule: expected true or false, got {self.holiday_rule!r}")
        # Normalised to a sorted tuple of dates so settings stay hashable and comparable.
        extra = tuple(sorted({_required_date(d, "extra_holidays") for d in self.extra_holidays}))
        object.__setattr__(self, "extra_holidays", extra)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> TimelinessSettings:
        """Build the settings from a configuration section with the keys
        ``term_days``, ``holiday_rule``, ``extra_holidays`` (dates or ISO strings),
        ``max_extension_days`` and ``max_agreed_term_days``.

        Missing keys keep their defaults; keys other modules own (``kenmerk``, ...) are
        ignored. A wrong value raises ``ValueError`` whose message starts with the key
        (``config.load_config`` turns it into a ``ConfigError`` naming file and key).
        """
        mapping = mapping or {}
        kwargs: dict[str, Any] = {}
        for key in ("term_days", "holiday_rule", "max_extension_days", "max_agreed_term_days"):
            if mapping.get(key) is not None:
                kwargs[key] = mapping[key]
        extra = mapping.get("extra_holidays")
        if extra is not None:
            if isinstance(extra, str | dt.date) or not isinstance(extra, Iterable):
                raise ValueError(f"extra_holidays: expected a list of dates, got {extra!r}")
            try:
                kwargs["extra_holidays"] = tuple(_required_date(d, "extra_holidays") for d in extra)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"extra_holidays: expected dates like 2026-05-15, got {list(extra)!r} ({exc})"
                ) from None
        return cls(**kwargs)


_DEFAULT_SETTINGS = TimelinessSettings()


def _holiday_names(year: int, settings: TimelinessSettings) -> dict[dt.date, str]:
    names = dict(_atw_holidays_named(year))
    for day in settings.extra_holidays:
        if day.year == year:
            names.setdefault(day, "extra feestdag uit de instellingen")
    return names


def _closed_reason(day: dt.date, settings: TimelinessSettings) -> str | None:
    """Why no deadline can fall on ``day`` (weekday or holiday name), or None."""
    if day.weekday() >= 5:
        return _WEEKDAYS_NL[day.weekday()]
    return _holiday_names(day.year, settings).get(day)


# --------------------------------------------------------------------------- deadline


@dataclass(frozen=True)
class _Term:
    """How a deadline came about, kept so a Status can explain itself."""

    deadline: dt.date
    term_end: dt.date  # before the weekend/holiday rule
    term_days: int | None  # None for an agreed deadline
    term_agreed: bool
    extension_days: int


def _term(start, agreed_deadline, agreed_term_days, extension_days, settings) -> _Term:
    settings = settings or _DEFAULT_SETTINGS
    start = _required_date(start, "start")
    agreed = _to_date(agreed_deadline)
    if agreed is not None:
        return _Term(agreed, agreed, None, True, 0)
    agreed_days = _optional_int(agreed_term_days)
    term_days = settings.term_days if agreed_days is None else agreed_days
    extension = _optional_int(extension_days) or 0
    for what, days in (("afgesproken termijn", agreed_days), ("verlenging", extension)):
        if days is not None and not 0 <= days <= MAX_DAYS_SETTING:
            raise TermOutOfBounds(_out_of_bounds_message(f"{what} van {days} dagen"))
    if start > LAST_TERM_END - dt.timedelta(days=term_days + extension):
        raise TermOutOfBounds(_out_of_bounds_message(
            f"termijn vanaf {start.isoformat()} loopt tot na het jaar 9999"))
    term_end = start + dt.timedelta(days=term_days + extension)
    deadline = term_end
    if settings.holiday_rule:
        while _closed_reason(deadline, settings) is not None:
            deadline += dt.timedelta(days=1)
    return _Term(deadline, term_end, term_days, agreed_days is not None, extension)


def _out_of_bounds_message(what: str) -> str:
    return (f"Geen uiterste datum te berekenen: {what} (toegestaan is 0 tot en met "
            f"{MAX_DAYS_SETTING} dagen, een termijn die vóór het jaar 9999 eindigt). "
            "Corrigeer het record in het bronsysteem en draai de ingest opnieuw.")


def deadline(
    start: Any,
    agreed_deadline: Any = None,
    agreed_term_days: Any = None,
    extension_days: Any = 0,
    settings: TimelinessSettings | None = None,
) -> dt.date:
    """The date by which an item must be answered.

    ``start + term + extension_days``, where the term is ``agreed_term_days`` or the
    settings' default of 42 days, moved past weekends and Atw holidays when the
    holiday rule is on. An ``agreed_deadline`` is returned as agreed, untouched.
    """
    return _term(start, agreed_deadline, agreed_term_days, extension_days, settings).deadline


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class Status:
    """An item's timeliness at a peildatum; ``code`` is one of ``STATUS_CODES``."""

    code: str
    deadline: dt.date
    days_over: int
    start: dt.date
    peildatum: dt.date
    answered: dt.date | None  # as recorded, even when after the peildatum
    term_end: dt.date
    term_days: int | None
    term_agreed: bool
    extension_days: int
    holiday_reason: str | None  # why term_end moved, e.g. "zaterdag" or "Koningsdag"

    def explain(self) -> str:
        """A one-line Dutch explanation a wethouder can check with a calendar, e.g.
        ``Ontvangen 12 maart 2024; termijn 42 dagen tot 23 april 2024; beantwoord
        25 april 2024: 2 dagen te laat.``"""
        parts = [f"Ontvangen {format_date_nl(self.start)}"]
        if self.term_days is None:
            parts.append(f"afgesproken termijn tot {format_date_nl(self.deadline)}")
        else:
            kind = "afgesproken termijn" if self.term_agreed else "termijn"
            term = f"{kind} {self.term_days} dagen"
            if self.extension_days:
                term += f" plus {days_nl(self.extension_days)} verlenging"
            if self.term_end == self.deadline:
                term += f" tot {format_date_nl(self.deadline)}"
            else:
                term += (
                    f" tot {format_date_nl(self.term_end)} ({self.holiday_reason}),"
                    f" opgeschoven naar {format_date_nl(self.deadline)}"
                )
            parts.append(term)
        if self.code == OP_TIJD:
            parts.append(f"beantwoord {format_date_nl(self.answered)}: op tijd")
        elif self.code == TE_LAAT:
            parts.append(
                f"beantwoord {format_date_nl(self.answered)}: {days_nl(self.days_over)} te laat"
            )
        else:
            peil = f"op peildatum {format_date_nl(self.peildatum)} nog open"
            if self.code == OPEN_BINNEN_TERMIJN:
                peil += ", binnen de termijn"
            else:
                peil += f": {days_nl(self.days_over)} over de termijn"
            if self.answered is not None:
                peil += f" (het antwoord van {format_date_nl(self.answered)} valt na de peildatum)"
            parts.append(peil)
        return "; ".join(parts) + "."


def status_at(
    start: Any,
    answered: Any,
    peildatum: Any,
    agreed_deadline: Any = None,
    agreed_term_days: Any = None,
    extension_days: Any = 0,
    settings: TimelinessSettings | None = None,
) -> Status:
    """The status of one item at the peildatum.

    ``op_tijd`` / ``te_laat`` when answered on or before the peildatum (on or before
    the deadline, or after it); otherwise ``open_binnen_termijn`` while the peildatum
    is on or before the deadline, ``open_verlopen`` after it. An answer dated after
    the peildatum does not count yet. ``days_over`` counts calendar days past the
    deadline up to the answer (te_laat) or the peildatum (open_verlopen).

    Raises ``PeildatumBeforeStart`` when the peildatum lies before ``start``.
    """
    settings = settings or _DEFAULT_SETTINGS
    start_date = _required_date(start, "start")
    peil = _required_date(peildatum, "peildatum")
    if peil < start_date:
        raise PeildatumBeforeStart(
            f"peildatum {peil.isoformat()} lies before the item's start "
            f"{start_date.isoformat()}; select items raised on or before the peildatum"
        )
    term = _term(start_date, agreed_deadline, agreed_term_days, extension_days, settings)
    answer = _to_date(answered)
    end = term.deadline
    if answer is not None and answer <= peil:
        code, over = (OP_TIJD, 0) if answer <= end else (TE_LAAT, (answer - end).days)
    elif peil <= end:
        code, over = OPEN_BINNEN_TERMIJN, 0
    else:
        code, over = OPEN_VERLOPEN, (peil - end).days
    reason = None if term.term_end == end else _closed_reason(term.term_end, settings)
    return Status(
        code=code,
        deadline=end,
        days_over=over,
        start=start_date,
        peildatum=peil,
        answered=answer,
        term_end=term.term_end,
        term_days=term.term_days,
        term_agreed=term.term_agreed,
        extension_days=term.extension_days,
        holiday_reason=reason,
    )


# --------------------------------------------------------------------------- vectorised


@lru_cache(maxsize=64)
def _busday_calendar(
    first_year: int, last_year: int, extra: tuple[dt.date, ...]
) -> np.busdaycalendar:
    days = [d for year in range(first_year, last_year + 1) for d in atw_holidays(year)]
    holidays = np.array([*days, *extra], dtype="datetime64[D]")
    return np.busdaycalendar(weekmask="1111100", holidays=holidays)


def _day_array(column) -> np.ndarray:
    """A column of dates as ``datetime64[D]`` (NaT for missing)."""
    import pandas as pd

    if column.dtype.kind != "M":
        column = pd.to_datetime(column)
    elif getattr(column.dtype, "tz", None) is not None:
        column = column.dt.tz_localize(None)
    return column.to_numpy(dtype="datetime64[D]")


def apply_timeliness(items, peildatum: Any, settings: TimelinessSettings | None = None):
    """Add ``deadline``, ``status``, ``days_over`` and ``tussenbericht_sent`` to a
    frame of canonical items, as ``status_at`` would for each row, at once.

    ``tussenbericht_sent`` is True for an advies whose ``date_tussenbericht`` is on or
    before the peildatum, always False for a vraag. Returns a copy. Raises
    ``PeildatumBeforeStart`` when items were raised after the peildatum: select the
    items for the report first (``periods.select_for_report``).
    """
    import pandas as pd

    settings = settings or _DEFAULT_SETTINGS
    peil = np.datetime64(_required_date(peildatum, "peildatum"), "D")
    out = items.copy()

    start = _day_array(out["date_raised"])
    missing = np.isnat(start)
    if missing.any():
        raise ValueError(
            f"{int(missing.sum())} item(s) have no date_raised; the term cannot start. "
            "Validation should have quarantined them."
        )
    late_start = start > peil
    if late_start.any():
        first = str(start[late_start].min())
        raise PeildatumBeforeStart(
            f"{int(late_start.sum())} item(s) were raised after the peildatum {peil} "
            f"(first on {first}); select items raised on or before the peildatum first"
        )

    agreed_term = pd.to_numeric(out["agreed_term_days"])
    term = agreed_term.fillna(settings.term_days).to_numpy(dtype="float64")
    extension = pd.to_numeric(out["extension_days"]).fillna(0).to_numpy(dtype="float64")
    # Checked before computing: a negative or absurd number of days gives no deadline,
    # nor does a term ending past the calendar.
    wrong = ((agreed_term.notna().to_numpy() & ((term < 0) | (term > MAX_DAYS_SETTING)))
             | (extension < 0) | (extension > MAX_DAYS_SETTING))
    days = np.where(wrong, 0, term + extension).astype("int64")
    wrong |= start > np.datetime64(LAST_TERM_END, "D") - days.astype("timedelta64[D]")
    if wrong.any():
        names = out["item_id"] if "item_id" in out else pd.Series(range(len(out)))
        listed = ", ".join(map(str, names[wrong].head(10)))
        raise TermOutOfBounds(_out_of_bounds_message(
            f"{int(wrong.sum())} item(s) met een afgesproken termijn of verlenging buiten de "
            f"grenzen of een termijn die na het jaar 9999 eindigt ({listed})"))
    computed = start + days.astype("timedelta64[D]")
    if settings.holiday_rule and len(computed):
        years = computed.astype("datetime64[Y]").astype("int64") + 1970
        # One year more: a deadline late in December can roll into 1 January.
        calendar = _busday_calendar(int(years.min()), min(int(years.max()) + 1, 9999),
                                    settings.extra_holidays)
        computed = np.busday_offset(computed, 0, roll="forward", busdaycal=calendar)
    agreed = _day_array(out["agreed_deadline"])
    end = np.where(np.isnat(agreed), computed, agreed)

    answered = _day_array(out["date_answered"])
    counted = answered <= peil  # False for NaT
    late = counted & (answered > end)
    overdue = ~counted & (peil > end)
    # Codes as indexes into STATUS_CODES: 0 op_tijd, 1 te_laat, 2 open binnen, 3 verlopen.
    code = np.where(counted, late.astype(np.int8), np.int8(2) + overdue)
    days_over = np.zeros(len(out), dtype="int64")
    days_over[late] = (answered[late] - end[late]).astype("int64")
    days_over[overdue] = (peil - end[overdue]).astype("int64")

    tussenbericht = _day_array(out["date_tussenbericht"])
    is_advies = (out["kind"] == "advies").to_numpy(dtype=bool, na_value=False)

    out["deadline"] = end.astype("datetime64[us]")
    out["status"] = pd.Series(
        pd.Categorical.from_codes(code, categories=list(STATUS_CODES)), index=out.index
    ).astype("str")
    out["days_over"] = days_over
    out["tussenbericht_sent"] = is_advies & (tussenbericht <= peil)
    return out
