"""The letter's figures: counts, on-time percentages and the per-wethouder table."""

from __future__ import annotations

import pandas as pd
import pytest

from wijkopvolging.figures import compute_figures
from wijkopvolging.periods import Period

PERIOD = Period.starting(2026, 9)


def frame(rows):
    """A hand-made report frame with just the columns the figures read."""
    return pd.DataFrame(rows, columns=["kind", "wethouder", "status", "tussenbericht_sent"])


@pytest.fixture
def figures():
    return compute_figures(
        frame([
            ("vraag", "Kasmi", "op_tijd", False),
            ("vraag", "Kasmi", "op_tijd", False),
            ("vraag", "Kasmi", "te_laat", False),
            ("vraag", "Achbar", "open_binnen_termijn", False),
            ("vraag", "Achbar", "open_verlopen", False),
            ("advies", "Achbar", "open_verlopen", True),
            ("advies", "Zeegers", "op_tijd", True),
            ("advies", "Zeegers", "open_binnen_termijn", False),
        ]),
        PERIOD,
    )


def test_totals_count_every_status(figures):
    total = figures.total
    assert (total.items, total.answered, total.answered_on_time) == (8, 4, 3)
    assert (total.open_within_term, total.open_overdue) == (2, 2)
    assert total.on_time_pct == "75%"
    assert total.answered_late == 1 and total.open == 4


def test_counts_per_kind_include_tussenberichten_for_advice_only(figures):
    vraag, advies = figures.kind("vraag"), figures.kind("advies")
    assert (vraag.items, vraag.answered, vraag.answered_on_time, vraag.on_time_pct) == (
        5, 3, 2, "67%"
    )
    assert (vraag.open_within_term, vraag.open_overdue, vraag.tussenbericht_sent) == (1, 1, 0)
    assert (advies.items, advies.answered, advies.on_time_pct, advies.tussenbericht_sent) == (
        3, 1, "100%", 2
    )
    assert [k.label for k in figures.by_kind] == ["Vragen uit de Wijk", "Ongevraagde adviezen"]


def test_wethouder_rows_sorted_by_name_with_dash_when_nothing_answered(figures):
    rows = [(r.wethouder, r.open, r.overdue, r.answered, r.on_time_pct)
            for r in figures.by_wethouder]
    assert rows == [
        ("Achbar", 3, 2, 0, "—"),
        ("Kasmi", 0, 0, 3, "67%"),
        ("Zeegers", 1, 0, 1, "100%"),
    ]


def test_kind_without_items_has_zeros_and_dash():
    figures = compute_figures(frame([("vraag", "Kasmi", "op_tijd", False)]), PERIOD)
    advies = figures.kind("advies")
    assert (advies.items, advies.answered, advies.on_time_pct) == (0, 0, "—")


def test_percentages_round_half_up():
    rows = [("vraag", "Kasmi", "op_tijd", False)] + [("vraag", "Kasmi", "te_laat", False)] * 7
    assert compute_figures(frame(rows), PERIOD).total.on_time_pct == "13%"  # 12.5%


def test_unknown_status_is_refused_with_the_expected_values():
    with pytest.raises(ValueError, match="open_verlopen"):
        compute_figures(frame([("vraag", "Kasmi", "beantwoord", False)]), PERIOD)


def test_missing_timeliness_columns_are_named():
    with pytest.raises(ValueError, match="status.*apply_timeliness"):
        compute_figures(pd.DataFrame({"kind": ["vraag"], "wethouder": ["Kasmi"]}), PERIOD)
