"""When the three DAGs run, in one place: their hours, the cron expressions built from
them, and the moment a run stands for. DAG files, ``rapportage.report_as_of`` and
``make run`` all read it. Imports nothing heavy: DAG files import it at parse time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from wijkopvolging.periods import Period

TIMEZONE = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(TIMEZONE)

INGEST_HOUR = 5  # every morning, before the working day
REPORT_HOUR = 6  # on the first day after a period, after that morning's ingest
SIGNALERING_HOUR = 7  # Monday morning, after that morning's ingest

INGEST_CRON = f"0 {INGEST_HOUR} * * *"
REPORT_CRON = f"0 {REPORT_HOUR} 1 */2 *"  # 1 January, 1 March, …: the day after a period
SIGNALERING_CRON = f"0 {SIGNALERING_HOUR} * * 1"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=AMSTERDAM)


def ingest_at(day: dt.date) -> dt.datetime:
    """The logical moment of the ingest that runs on ``day`` (tz-aware)."""
    return _at(day, INGEST_HOUR)


def report_as_of(period: Period) -> dt.datetime:
    """The moment a period's report describes the warehouse at (tz-aware): the report
    DAG's run on the first day after the period."""
    return _at(period.end, REPORT_HOUR)


def signalering_at(monday: dt.date) -> dt.datetime:
    """The logical moment of the early-warning run of the week starting ``monday``."""
    return _at(monday, SIGNALERING_HOUR)
