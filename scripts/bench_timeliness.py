"""Benchmark: ``apply_timeliness`` on a million items against ``status_at`` row by row.

Not a test. Run from the project root:

    .venv/bin/python scripts/bench_timeliness.py [--rows 1000000] [--sample 20000]

Goal: under 2 s for a million rows, and at least 50x faster than row by row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from wijkopvolging.timeliness import apply_timeliness, status_at  # noqa: E402

PEILDATUM = dt.date(2026, 2, 28)


def random_items(rows: int, seed: int = 20260228) -> pd.DataFrame:
    """Canonical-looking items raised 2022-03-01..peildatum, with a realistic mix of
    agreed deadlines, agreed terms, extensions, answers and tussenberichten."""
    rng = np.random.default_rng(seed)
    first = np.datetime64("2022-03-01")
    span = (np.datetime64(PEILDATUM) - first).astype(int) + 1
    raised = first + rng.integers(0, span, rows).astype("timedelta64[D]")

    def maybe(share: float, values: np.ndarray) -> np.ndarray:
        return np.where(rng.random(rows) < share, values, np.datetime64("NaT"))

    days = lambda low, high: rng.integers(low, high, rows).astype("timedelta64[D]")  # noqa: E731
    agreed = maybe(0.1, raised + days(14, 120))
    term = pd.array(np.where(rng.random(rows) < 0.1, rng.integers(14, 120, rows), -1), "Int64")
    term[term == -1] = pd.NA
    extension = np.where(rng.random(rows) < 0.1, rng.integers(1, 60, rows), 0)
    answered = maybe(0.7, raised + days(0, 120))
    tussenbericht = maybe(0.3, raised + days(20, 60))
    return pd.DataFrame(
        {
            "kind": np.where(rng.random(rows) < 0.7, "vraag", "advies"),
            "date_raised": raised.astype("datetime64[us]"),
            "agreed_deadline": agreed.astype("datetime64[us]"),
            "agreed_term_days": term,
            "extension_days": extension.astype("int64"),
            "date_answered": answered.astype("datetime64[us]"),
            "date_tussenbericht": tussenbericht.astype("datetime64[us]"),
        }
    )


def row_by_row(items: pd.DataFrame) -> list:
    """``status_at`` for every row, the way a loop over the frame would do it."""
    return [
        status_at(
            row.date_raised,
            row.date_answered,
            PEILDATUM,
            agreed_deadline=row.agreed_deadline,
            agreed_term_days=row.agreed_term_days,
            extension_days=row.extension_days,
        )
        for row in items.itertuples(index=False)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    items = random_items(args.rows)
    apply_timeliness(items.head(1000), PEILDATUM)  # warm caches (holiday calendar)

    timings = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        result = apply_timeliness(items, PEILDATUM)
        timings.append(time.perf_counter() - began)
    vectorised = min(timings)

    sample = items.sample(n=min(args.sample, args.rows), random_state=1)
    began = time.perf_counter()
    statuses = row_by_row(sample)
    scalar_sample = time.perf_counter() - began
    scalar = scalar_sample * args.rows / len(sample)

    # The benchmark is worthless if the two disagree.
    expected = [s.code for s in statuses]
    assert result.loc[sample.index, "status"].tolist() == expected, "vectorised != scalar"

    print(f"rows: {args.rows:,}")
    print(f"apply_timeliness: {vectorised:.3f} s (best of {args.repeat})")
    print(
        f"status_at row by row: {scalar_sample:.3f} s for {len(sample):,} rows, "
        f"extrapolated {scalar:.1f} s for {args.rows:,}"
    )
    print(f"speed-up: {scalar / vectorised:.0f}x")
    print(result["status"].value_counts().to_string())


if __name__ == "__main__":
    main()
