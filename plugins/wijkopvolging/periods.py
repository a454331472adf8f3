"""Report periods: the two-month blocks the council receives an overview for.

Periods are January–February, March–April, May–June, July–August,
September–October and November–December. A report is made after its period ends;
its peildatum is the period's last day. ``select_for_report`` holds the rule for
which items a report lists.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date

from wijkopvolging.errors import ExpectedError
from wijkopvolging.schedules import AMSTERDAM, REPORT_CRON, TIMEZONE

PERIOD_MONTHS = 2
START_MONTHS = (1, 3, 5, 7, 9, 11)
_START_MONTHS_NL = "januari, maart, mei, juli, september of november"
_START_MONTHS_EN = "January, March, May, July, September or November"
_PARSE_PATTERN = re.compile(r"(\d{4})-(\d{2})(?:_(\d{4})-(\d{2}))?")


class PeriodError(ExpectedError, ValueError):
    """Text, month or data interval that is no report period; the message says why."""


class NotAPeriodStart(PeriodError):
    """A month (or date) was given as the start of a period but does not begin one."""


def _not_a_start(year: int, month: int) -> NotAPeriodStart:
    return NotAPeriodStart(
        f"{year:04d}-{month:02d} is geen begin van een rapportageperiode; periodes beginnen "
        f"in {_START_MONTHS_NL} ({year:04d}-{month:02d} is not the start of a report period; "
        f"periods start in {_START_MONTHS_EN})"
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):  # also pandas Timestamp
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}: {value!r}")


def _month_start(year: int, month: int) -> dt.date:
    """The first day of ``month`` counted from January of ``year`` (month may pass 12)."""
    years, index = divmod(month - 1, 12)
    return dt.date(year + years, index + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """One report period: from ``start`` (its first day) up to ``end`` (the first day
    after it). ``end`` may be left out; it is derived from ``start``."""

    start: dt.date
    end: dt.date = field(default=None)  # type: ignore[assignment]  # filled in below

    def __post_init__(self) -> None:
        start = _as_date(self.start)
        if start.day != 1 or start.month not in START_MONTHS:
            if start.day == 1:
                raise _not_a_start(start.year, start.month)
            raise NotAPeriodStart(
                f"{start.isoformat()} is geen eerste dag van een rapportageperiode "
                f"({start.isoformat()} is not the first day of a report period)"
            )
        end = _month_start(start.year, start.month + PERIOD_MONTHS)
        if self.end is not None and _as_date(self.end) != end:
            raise PeriodError(
                f"a period starting {start.isoformat()} ends on {end.isoformat()}, "
                f"not {_as_date(self.end).isoformat()}"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    # ------------------------------------------------------------------ constructors

    @classmethod
    def starting(cls, year: int, month: int) -> Period:
        """The period beginning in ``year``-``month``; ``NotAPeriodStart`` for a month
        that begins none (e.g. February or October)."""
        if not 1 <= month <= 12:
            raise PeriodError(
                f"{year:04d}-{month:02d} is geen geldige maand ({year:04d}-{month:02d} "
                "is not a valid month)"
            )
        if month not in START_MONTHS:
            raise _not_a_start(year, month)
        return cls(dt.date(year, month, 1))

    @classmethod
    def containing(cls, day: Any) -> Period:
        """The period that ``day`` (a date, datetime or Timestamp) falls in."""
        day = _as_date(day)
        first_month = day.month - (day.month - 1) % PERIOD_MONTHS
        return cls(dt.date(day.year, first_month, 1))

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period from its first month, ``"2025-09"``, or its slug,
        ``"2025-09_2025-10"``; a clear ``ValueError`` for anything else."""
        match = _PARSE_PATTERN.fullmatch(str(text).strip())
        if not match:
            raise PeriodError(
                f"{text!r} is geen periode; verwacht JJJJ-MM, bijvoorbeeld 2025-09 "
                f"({text!r} is not a period; expected YYYY-MM, e.g. 2025-09)"
            )
        period = cls.starting(int(match[1]), int(match[2]))
        last_month = f"{period.peildatum:%Y-%m}"
        if match[3] is not None and f"{match[3]}-{match[4]}" != last_month:
            raise PeriodError(
                f"{text!r} is geen periode: {period.first_month} loopt tot en met {last_month} "
                f"({text!r} is not a period: expected {period.slug})"
            )
        return period

    @classmethod
    def from_data_interval(cls, start: dt.datetime, end: dt.datetime) -> Period:
        """The period an Airflow data interval covers.

        The report DAG runs on ``schedules.REPORT_CRON`` in Europe/Amsterdam, so its
        interval runs from that hour on the first day of a period to the same hour on the
        first day of the next. Both ends are
        read in Europe/Amsterdam (the UTC offset differs across DST); a mismatch raises
        ``ValueError``.
        """
        for name, moment in (("start", start), ("end", end)):
            if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
                raise PeriodError(
                    f"data interval {name} {moment!r} must be a timezone-aware datetime"
                )
        first = start.astimezone(AMSTERDAM).date()
        last = end.astimezone(AMSTERDAM).date()
        if first.day != 1 or first.month not in START_MONTHS:
            raise NotAPeriodStart(
                f"data interval start {start.isoformat()} is {first.isoformat()} in "
                f"Amsterdam, not the first day of a report period; the schedule should "
                f'be "{REPORT_CRON}" in {TIMEZONE}'
            )
        period = cls(first)
        if last != period.end:
            raise PeriodError(
                f"data interval {start.isoformat()} – {end.isoformat()} is not one report "
                f"period: it should end on {period.end.isoformat()} (Amsterdam), "
                f"not {last.isoformat()}"
            )
        return period

    @classmethod
    def last_complete(cls, today: Any) -> Period:
        """The most recent period that has ended on ``today`` (its end <= today)."""
        return cls.containing(today).previous()

    @classmethod
    def recent(cls, today: Any, count: int) -> list[Period]:
        """The ``count`` most recent periods that have ended on ``today``, newest first."""
        periods = [cls.last_complete(today)]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods

    # ------------------------------------------------------------------ navigation

    def previous(self) -> Period:
        """The period before this one."""
        return Period(_month_start(self.start.year, self.start.month - PERIOD_MONTHS))

    def next(self) -> Period:
        """The period after this one."""
        return Period(self.end)

    # ------------------------------------------------------------------ names

    @property
    def peildatum(self) -> dt.date:
        """The last day of the period: the date the report describes."""
        return self.end - dt.timedelta(days=1)

    @property
    def first_month(self) -> str:
        """``2026-01``."""
        return f"{self.start:%Y-%m}"

    @property
    def slug(self) -> str:
        """``2026-01_2026-02``: for file names and run ids."""
        return f"{self.start:%Y-%m}_{self.peildatum:%Y-%m}"

    @property
    def label(self) -> str:
        """``januari–februari 2026`` (en dash, Dutch month names from babel)."""
        first = format_date(self.start, "MMMM", locale="nl_NL")
        last = format_date(self.peildatum, "MMMM", locale="nl_NL")
        return f"{first}–{last} {self.start.year}"

    def __str__(self) -> str:
        return self.label


def select_for_report(items, period: Period):
    """The items a period's report lists: every item still open on the peildatum
    (no answer, or an answer dated after the peildatum), whenever raised, plus every
    item answered within the period. Items raised after the peildatum are left out.

    Returns a copy with the original index, so rows can be traced back.
    """
    import numpy as np
    import pandas as pd

    start = np.datetime64(period.start, "D")
    peil = np.datetime64(period.peildatum, "D")
    raised = pd.to_datetime(items["date_raised"]).to_numpy(dtype="datetime64[D]")
    answered = pd.to_datetime(items["date_answered"]).to_numpy(dtype="datetime64[D]")
    is_open = np.isnat(answered) | (answered > peil)
    answered_in_period = (answered >= start) & (answered <= peil)
    mask = (raised <= peil) & (is_open | answered_in_period)
    return items.loc[mask].copy()
