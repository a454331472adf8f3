"""Benchmark (not a test): a 50,000-row Excel export through the file source.

    python scripts/bench_file_source.py [--rows 50000] [--budget 60]

Writes one .xlsx like an office export (title row, Dutch headers, an extra column, dates as
date cells and as Dutch text) to a temporary folder, then times the extract: reading the
workbook (openpyxl, read-only) and mapping it to canonical items. Exits non-zero when it
takes longer than the budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from wijkopvolging.config import load_config  # noqa: E402
from wijkopvolging.sources.files import extract_files  # noqa: E402

HEADER = ["Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder", "Datum beantwoord",
          "Behandelaar"]
WIJKEN = [("Pernis", "Zeegers"), ("Hoogvliet", "Kasmi"), ("Heijplaat", "Buijt"),
          ("Tarwewijk", "Simons")]


def write_export(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(7)
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Vragen uit de Wijk")
    ws.append(["Vragen uit de Wijk – benchmark"])
    ws.append([])
    ws.append(HEADER)
    start = dt.date(2023, 1, 1)
    for n in range(1, rows + 1):
        raised = start + dt.timedelta(days=rng.randrange(900))
        wijk, wethouder = rng.choice(WIJKEN)
        answered = raised + dt.timedelta(days=rng.randint(5, 80))
        ws.append([
            f"B-{n:06d}",
            raised if n % 5 else f"{raised:%d-%m-%Y}",
            wijk, f"Onderwerp nummer {n} over de buitenruimte", wethouder,
            answered if n % 3 else None, "Wijk MT",
        ])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed")
    args = parser.parse_args()
    source = load_config().source("gebiedslijsten")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "benchmark.xlsx"
        started = time.perf_counter()
        write_export(path, args.rows)
        written = time.perf_counter() - started
        started = time.perf_counter()
        result = extract_files(source, folder=folder)
        took = time.perf_counter() - started
    assert result.count == args.rows, (result.count, args.rows)
    print(f"wrote {args.rows:,} rows ({path.name}) in {written:.1f} s")
    print(f"extract + mapping: {args.rows:,} rows in {took:.1f} s "
          f"({args.rows / took:,.0f} rows/s; {len(result.findings)} findings); "
          f"budget {args.budget:.0f} s")
    if took > args.budget:
        sys.exit(f"too slow: {took:.1f} s > {args.budget:.0f} s")


if __name__ == "__main__":
    main()
