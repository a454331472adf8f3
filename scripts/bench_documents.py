"""How fast is the overview with many rows, against the naive python-docx way?

    python scripts/bench_documents.py [--rows 10000]
    python scripts/bench_documents.py --scaling [--repeat 3]

Renders the overview (``render_overview``: one prepared ``<w:tr>`` deep-copied with
lxml per item) and, on the same rows, the naive approach: ``table.add_row()`` and
``cell.text = ...`` for every cell. Prints both times and the ratio. Goal: ours under
3 s for 10,000 rows and at least 10x faster.

``--scaling`` renders 10,000 and 100,000 rows instead (best of ``--repeat``, sizes taken in
turn so a busy machine weighs on both) and prints the 100k/10k ratio. Goal: under 12
(linear is 10).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from wijkopvolging.documents import render_overview  # noqa: E402
from wijkopvolging.documents.overview import overview_rows  # noqa: E402
from wijkopvolging.periods import Period  # noqa: E402

PERIOD = Period.starting(2026, 9)
GEBIEDEN = {
    "Charlois": ["Carnisse-Zuidplein-Zuiderpark", "Heijplaat", "Tarwewijk"],
    "Delfshaven": ["Bospolder-Spangen-Tussendijken", "Mathenesse", "Middelland-Nieuwe Westen"],
    "Feijenoord": ["Afrikaanderwijk", "Bloemhof", "Katendrecht-Wilhelminapier"],
    "Noord": ["Blijdorp-Bergpolder-Liskwartier", "Oude Noorden"],
    "Prins Alexander": ["Het Lage Land-Prinsenland-'s Gravenland", "Ommoord", "Nesselande"],
}
WETHOUDERS = ["Achbar", "Buijt", "Karremans", "Kasmi", "Simons", "Struijvenberg", "Zeegers"]
ONDERWERPEN = [
    "Verlichting in het park na 22.00 uur",
    "Overlast van scooters op de stoep bij het winkelcentrum",
    "Onderhoud van de speeltuin en het groen in de binnentuin",
    "Frequentie van de bus in de avonduren",
    "Advies over de herinrichting van de hoofdstraat en de parkeerdruk in de wijk",
]
STATUSES = ["op_tijd", "te_laat", "open_binnen_termijn", "open_verlopen"]


def synthetic_report(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` report rows spread over kinds, gebieden, wijken, wethouders and statuses."""
    rng = np.random.default_rng(seed)
    gebied = rng.choice(list(GEBIEDEN), n)
    wijk = [rng.choice(GEBIEDEN[g]) for g in gebied]
    raised = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 240, n), unit="D")
    status = rng.choice(STATUSES, n)
    answered = np.where(
        np.isin(status, ["op_tijd", "te_laat"]),
        pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
        pd.NaT,
    )
    kind = rng.choice(["vraag", "advies"], n, p=[0.7, 0.3])
    return pd.DataFrame({
        "item_id": [f"bench:{i:06d}" for i in range(n)],
        "kind": kind,
        "gebied": gebied,
        "wijk": wijk,
        "onderwerp": [f"{rng.choice(ONDERWERPEN)} ({i})" for i in range(n)],
        "wethouder": rng.choice(WETHOUDERS, n),
        "date_raised": raised.astype("datetime64[us]"),
        "deadline": (raised + pd.Timedelta(days=42)).astype("datetime64[us]"),
        "date_answered": pd.to_datetime(answered).astype("datetime64[us]"),
        "status": status,
        "days_over": 0,
        "tussenbericht_sent": (kind == "advies") & (rng.random(n) < 0.4),
    })


def naive_overview(report, path: Path) -> None:
    """The straightforward python-docx way: add_row() and cell.text per cell."""
    from docx import Document

    rows = overview_rows(report)
    document = Document()
    for kind, items in rows.items():
        fields = list(items[0][1]) if items else []
        if kind == "vraag":
            fields.remove("tussenbericht")
        table = document.add_table(rows=1, cols=len(fields))
        for cell, field in zip(table.rows[0].cells, fields, strict=True):
            cell.text = field
        for _, values in items:
            cells = table.add_row().cells
            for cell, field in zip(cells, fields, strict=True):
                cell.text = values[field]
    document.save(path)


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def scaling(repeat: int) -> int:
    """Best-of-``repeat`` render times at 10k and 100k rows and their ratio."""
    reports = {n: synthetic_report(n) for n in (10_000, 100_000)}
    best = dict.fromkeys(reports, float("inf"))
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            for n, report in reports.items():
                seconds = timed(lambda r=report: render_overview(r, PERIOD,
                                                                 path=Path(tmp) / "o.docx"))
                best[n] = min(best[n], seconds)
    ratio = best[100_000] / best[10_000]
    print(f"render_overview, best of {repeat}: 10,000 rows {best[10_000]:.2f} s, "
          f"100,000 rows {best[100_000]:.2f} s")
    print(f"ratio 100k/10k: {ratio:.1f} (goal < 12; linear = 10)")
    return 0 if ratio < 12 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--scaling", action="store_true",
                        help="time 10k and 100k rows and print their ratio")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.scaling:
        return scaling(args.repeat)
    report = synthetic_report(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        ours = timed(lambda: render_overview(report, PERIOD, path=Path(tmp) / "ours.docx"))
        naive = timed(naive_overview, report, Path(tmp) / "naive.docx")
        size = (Path(tmp) / "ours.docx").stat().st_size
    print(f"rows: {args.rows:,}")
    print(f"render_overview (lxml row clones): {ours:7.2f} s  ({size / 1e6:.1f} MB)")
    print(f"naive python-docx add_row/cell.text: {naive:7.2f} s")
    print(f"ratio naive/ours: {naive / ours:.1f}x")
    ok = ours < 3 and naive / ours >= 10
    print("goal (ours < 3 s and >= 10x faster):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
