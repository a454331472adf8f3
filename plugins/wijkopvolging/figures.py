"""The figures the raadsinformatiebrief states: counts per status, per kind and per
wethouder, computed from the period's report frame.

Pure pandas, no documents: the letter template only places these numbers. "Answered
in the period" means status ``op_tijd`` or ``te_laat`` in the report (the report holds
exactly the items answered within the period plus those open at the peildatum, see
``periods.select_for_report``), so the letter and the overview always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from wijkopvolging.labels import KIND_LABELS_PLURAL, NO_VALUE, format_percent_nl
from wijkopvolging.model import KINDS
from wijkopvolging.periods import Period
from wijkopvolging.timeliness import (
    OP_TIJD,
    OPEN_BINNEN_TERMIJN,
    OPEN_VERLOPEN,
    STATUS_CODES,
    TE_LAAT,
)

REQUIRED_COLUMNS = ("kind", "wethouder", "status")


class OnTimeShare:
    """The share of the answered items answered on time, for figures that count
    ``answered`` and ``answered_on_time`` (a group, a wethouder, a period of the trend)."""

    answered: int
    answered_on_time: int

    @property
    def on_time_pct(self) -> str:
        """``83%`` of the answered items on time; ``—`` when nothing was answered."""
        return format_percent_nl(self.answered_on_time, self.answered)

    @property
    def on_time_fraction(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None


@dataclass(frozen=True)
class StatusCounts(OnTimeShare):
    """How many items of one group (all, one kind) are in each state."""

    label: str
    items: int
    answered: int
    answered_on_time: int
    open_within_term: int
    open_overdue: int
    tussenbericht_sent: int  # advice with an interim message; always 0 for vragen

    @property
    def answered_late(self) -> int:
        return self.answered - self.answered_on_time

    @property
    def open(self) -> int:
        return self.open_within_term + self.open_overdue


@dataclass(frozen=True)
class WethouderRow(OnTimeShare):
    """One row of the per-wethouder table in the letter."""

    wethouder: str
    items: int
    open: int
    overdue: int
    answered: int
    answered_on_time: int


@dataclass(frozen=True)
class ReportFigures:
    """Everything the letter says in numbers about one period's overview."""

    period: Period
    total: StatusCounts
    by_kind: tuple[StatusCounts, ...]  # one per kind, in model.KINDS order, zeros included
    by_wethouder: tuple[WethouderRow, ...]  # sorted by wethouder name

    def kind(self, kind: str) -> StatusCounts:
        """The counts for ``'vraag'`` or ``'advies'``."""
        return self.by_kind[KINDS.index(kind)]


def _counts(frame, label: str) -> StatusCounts:
    status = frame["status"]
    on_time = int((status == OP_TIJD).sum())
    late = int((status == TE_LAAT).sum())
    tussenbericht = 0
    if "tussenbericht_sent" in frame.columns:
        sent = frame["tussenbericht_sent"].fillna(False).astype(bool)
        tussenbericht = int((sent & (frame["kind"] == "advies")).sum())
    return StatusCounts(
        label=label,
        items=len(frame),
        answered=on_time + late,
        answered_on_time=on_time,
        open_within_term=int((status == OPEN_BINNEN_TERMIJN).sum()),
        open_overdue=int((status == OPEN_VERLOPEN).sum()),
        tussenbericht_sent=tussenbericht,
    )


def _check(report) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in report.columns]
    if missing:
        raise ValueError(
            f"the report frame lacks column(s) {', '.join(missing)}; "
            "run timeliness.apply_timeliness on the period's items first"
        )
    unknown = sorted(set(report["status"].dropna()) - set(STATUS_CODES))
    if unknown or report["status"].isna().any():
        raise ValueError(
            f"the report frame has unknown or missing status values {unknown!r}; "
            f"expected one of {', '.join(STATUS_CODES)}"
        )
    kinds = sorted(set(report["kind"].dropna()) - set(KINDS))
    if kinds or report["kind"].isna().any():
        raise ValueError(f"the report frame has unknown or missing kinds {kinds!r}")


def compute_figures(report, period: Period) -> ReportFigures:
    """Count the report's items per status, per kind and per wethouder.

    ``report`` is the period's report frame (one row per item in the overview, with
    the timeliness columns). Raises ``ValueError`` naming the problem when a column
    or status is missing or unknown.
    """
    _check(report)
    by_kind = tuple(
        _counts(report[report["kind"] == kind], KIND_LABELS_PLURAL[kind]) for kind in KINDS
    )
    rows = []
    wethouders = report["wethouder"].fillna("").astype(str).replace("", NO_VALUE)
    for name in sorted(set(wethouders), key=lambda n: (n.casefold(), n)):
        c = _counts(report[wethouders == name], name)
        rows.append(
            WethouderRow(
                wethouder=name,
                items=c.items,
                open=c.open,
                overdue=c.open_overdue,
                answered=c.answered,
                answered_on_time=c.answered_on_time,
            )
        )
    return ReportFigures(
        period=period,
        total=_counts(report, "Totaal"),
        by_kind=by_kind,
        by_wethouder=tuple(rows),
    )
