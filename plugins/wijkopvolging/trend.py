"""The trend over the last six periods: is follow-up getting better?

Each earlier period is shown **as it was reported**: from the warehouse as of that
period's report moment (``schedules.report_as_of``), which is exactly what a re-issue of
that period shows, not recomputed from today's data (a late registration or correction
never rewrites what the council was told). A period the warehouse knew nothing about at
its report moment has no data and is left out; the letter says how many periods it shows.

Per period: the items answered in the period, the share of them answered on time, the
items open past their term at the peildatum and the advice with a tussenbericht, all
counted as ``figures.compute_figures`` counts them for the letter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date

from wijkopvolging.figures import OnTimeShare, compute_figures
from wijkopvolging.periods import Period

TREND_PERIODS = 6  # this period and the five before it: one year

# The letter's one sentence on how earlier periods are shown (also on the web page).
AS_REPORTED = ("De cijfers van eerdere perioden zijn zoals ze destijds zijn gerapporteerd: "
               "de stand van de gegevens aan het eind van elke periode, niet herberekend "
               "met latere correcties.")


@dataclass(frozen=True)
class TrendPoint(OnTimeShare):
    """One period's figures in the trend."""

    period: Period
    answered: int  # answered within the period
    answered_on_time: int
    open_overdue: int  # open past the term at the peildatum
    advies_tussenbericht: int  # advice in the report with a tussenbericht sent

    @property
    def short_label(self) -> str:
        """``sep–okt 2026``: for chart axes."""
        first = format_date(self.period.start, "MMM", locale="nl_NL").rstrip(".")
        last = format_date(self.period.peildatum, "MMM", locale="nl_NL").rstrip(".")
        return f"{first}–{last} {self.period.start.year}"

    @property
    def label(self) -> str:
        return self.period.label


@dataclass(frozen=True)
class Trend:
    """The trend of a report: the periods with data, oldest first, the last one being
    the report's own period."""

    period: Period
    points: tuple[TrendPoint, ...]
    wanted: int = TREND_PERIODS

    @property
    def complete(self) -> bool:
        return len(self.points) >= self.wanted

    @property
    def note(self) -> str:
        """One Dutch sentence on what the trend covers (said when it is short)."""
        if self.complete:
            return f"De tabel toont de laatste {self.wanted} perioden, inclusief deze."
        if len(self.points) == 1:
            return (f"Er zijn nog geen gegevens over eerdere perioden; de tabel toont "
                    f"alleen deze periode in plaats van {self.wanted}.")
        return (f"Er zijn gegevens over {len(self.points)} perioden (inclusief deze); "
                f"de tabel toont die in plaats van {self.wanted}.")

    @property
    def as_reported(self) -> str:
        return AS_REPORTED

    def to_json(self) -> list[dict]:
        """The points as plain values (manifest, open data, web page)."""
        return [{"periode": p.period.slug, "label": p.label,
                 "peildatum": p.period.peildatum.isoformat(),
                 "beantwoord": p.answered, "op_tijd": p.answered_on_time,
                 "aandeel_op_tijd": p.on_time_pct,
                 "open_termijn_verlopen": p.open_overdue,
                 "adviezen_met_tussenbericht": p.advies_tussenbericht}
                for p in self.points]


def trend_periods(period: Period, count: int = TREND_PERIODS) -> list[Period]:
    """``period`` and the ``count - 1`` periods before it, oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def trend_point(report, period: Period) -> TrendPoint:
    """A period's figures from its report frame (items with timeliness columns)."""
    figures = compute_figures(report, period)
    return TrendPoint(period=period, answered=figures.total.answered,
                      answered_on_time=figures.total.answered_on_time,
                      open_overdue=figures.total.open_overdue,
                      advies_tussenbericht=figures.kind("advies").tussenbericht_sent)


def report_as_reported(config, snapshot, period: Period):
    """A period's report frame made from ``snapshot`` (the warehouse as of that period's
    report moment) the way the rapportage steps make it: duplicates counted once, the
    period's selection, timeliness at its peildatum."""
    from wijkopvolging.duplicates import counted_once
    from wijkopvolging.periods import select_for_report
    from wijkopvolging.timeliness import apply_timeliness

    kept, _ = counted_once(config, snapshot)
    report = select_for_report(kept, period)
    return apply_timeliness(report, period.peildatum, config.settings.timeliness)


def compute_trend(config, period: Period, report, *, warehouse,
                  known_at: dt.datetime | None = None, count: int = TREND_PERIODS) -> Trend:
    """The trend up to ``period``, whose own report frame is ``report``; each earlier
    period from ``warehouse.snapshot`` as of its report moment, as recorded at
    ``known_at`` (the moment this report's own snapshot was recorded at: what a re-issue
    of that period made now shows, and the same again when this report is made again as
    delivered). Periods the warehouse held nothing for at that moment are left out."""
    from wijkopvolging.schedules import report_as_of

    points = []
    for earlier in trend_periods(period, count)[:-1]:
        snapshot = warehouse.snapshot(report_as_of(earlier), known_at=known_at)
        if snapshot.empty:
            continue
        points.append(trend_point(report_as_reported(config, snapshot, earlier), earlier))
    points.append(trend_point(report, period))
    return Trend(period=period, points=tuple(points), wanted=count)
