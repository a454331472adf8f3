"""The demo's college: the decision `make run` gives in its place (the real college
decides in Airflow's Required actions)."""

from __future__ import annotations

import datetime as dt


def demo_decision(period, today: dt.date) -> tuple[dt.date, str]:
    """The date and kenmerk the demo's college decides with for ``period``: a week after
    the period's end (never after ``today``), and a kenmerk that says it is the demo's."""
    return min(period.end + dt.timedelta(days=7), today), f"DEMO-{period.slug}"
