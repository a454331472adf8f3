"""Sane bounds on every number of days and every date a source delivers.

People type the sources: an extension of 99999999999999999999 days, a term of -400 days
or a date in the year 20244 must end in quarantine under a Dutch rule, not in pandas'
date arithmetic (which overflows with a traceback) or in the public overview as a
deadline. Two kinds of bound:

- **policy**, a setting (the ``settings`` section, kept in ``TimelinessSettings``):
  ``max_extension_days`` (a verlenging longer than that is a new agreement, to be
  recorded as an agreed date) and ``max_agreed_term_days``;
- **sanity**, fixed here: no negative number of days, and every date between
  ``EARLIEST_DATE`` and ``LATEST_DATE`` (outside them a date is a typo). No setting may
  allow more than ``MAX_DAYS_SETTING`` days, so a deadline is at most about forty years
  after the latest date and can never pass the year 9999.

The source mapping (``sources.mapping.to_canonical``, which every source passes through)
checks these before anything computes with the values: a value out of bounds becomes a
``buiten_grenzen`` finding and is never stored. Timeliness checks the technical limits
once more before it computes a deadline, whatever it is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from wijkopvolging.timeliness import TimelinessSettings

OUT_OF_BOUNDS = "buiten_grenzen"  # the rule a value out of bounds is quarantined under

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
MAX_DAYS_SETTING = 3650  # no setting may allow a term or a verlenging of more days
# The latest term end timeliness computes from: a week before the calendar ends, so that
# moving past a weekend or holiday stays inside it.
LAST_TERM_END = dt.date(9999, 12, 24)

DEFAULT_MAX_EXTENSION_DAYS = 180
DEFAULT_MAX_AGREED_TERM_DAYS = 365


@dataclass(frozen=True)
class DayBound:
    """The allowed whole numbers of days of one field, and the setting that says so."""

    field: str
    low: int
    high: int
    setting: str  # the settings key of ``high``

    def describe(self) -> str:
        """``0 tot en met 180 (instelling max_extension_days)``."""
        return f"{self.low} tot en met {self.high} (instelling {self.setting})"


def day_bounds(settings: TimelinessSettings | None = None) -> dict[str, DayBound]:
    """Per integer field of the canonical item, its bounds under ``settings``."""
    from wijkopvolging.timeliness import TimelinessSettings

    settings = settings or TimelinessSettings()
    return {
        "extension_days": DayBound("extension_days", 0, settings.max_extension_days,
                                   "max_extension_days"),
        "agreed_term_days": DayBound("agreed_term_days", 0, settings.max_agreed_term_days,
                                     "max_agreed_term_days"),
    }


def days_out_of_bounds(numbers: pd.Series, bound: DayBound) -> pd.Series:
    """True where a (parsed, whole) number lies outside ``bound``; False where missing."""
    return numbers.notna() & ((numbers < bound.low) | (numbers > bound.high))


def dates_out_of_bounds(dates: pd.Series) -> pd.Series:
    """True where a parsed date lies outside ``EARLIEST_DATE``..``LATEST_DATE``."""
    import pandas as pd

    return dates.notna() & ((dates < pd.Timestamp(EARLIEST_DATE))
                            | (dates > pd.Timestamp(LATEST_DATE)))


def check_day_setting(name: str, value) -> int:
    """A settings value in days: a whole number from 0 to ``MAX_DAYS_SETTING``; a
    ``ValueError`` whose message starts with the key otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: expected a whole number of days, got {value!r}")
    if not 0 <= value <= MAX_DAYS_SETTING:
        raise ValueError(f"{name}: expected 0 to {MAX_DAYS_SETTING} days, got {value}")
    return value
