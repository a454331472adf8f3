"""Benchmark: validate 100,000 canonical records and show where the time goes.

    .venv/bin/python scripts/bench_validation.py [--records 100000] [--gx-dir .bench/gx]

Generates the demo registrations (``demo.registrations``, scaled up, with its broken
records), maps them as the demo source does, and runs ``validate_extract`` once with a
Data Docs folder. Prints the total and the steps: importing Great Expectations (once per
process), precomputing the checks, the GX run, mapping findings and the Data Docs update.
The target is under 30 seconds for 100,000 records on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))  # the demo sources (demo/), outside the package

TARGET_SECONDS = 30.0


def canonical_demo_items(records: int, until: dt.date):
    """About ``records`` demo registrations as canonical items (with ``row_no``)."""
    import pandas as pd

    from demo import registrations as demo
    from wijkopvolging.model import coerce_items, item_id
    from wijkopvolging.reference import ReferenceData

    reference = ReferenceData.load()
    scale = records / (45 * 24)  # about 45 items a month at scale 1; a little extra
    raw = pd.DataFrame([r.__dict__ for r in demo.generate(until=until, scale=scale,
                                                           reference=reference)])
    broken = raw["id"].between(990_001, 990_999)  # demo's broken records: keep them all
    raw = pd.concat([raw[~broken].head(records - int(broken.sum())), raw[broken]])
    kinds = {label: kind for kind, label in demo.SOORT.items()}
    items = pd.DataFrame({
        "source_record_id": raw["id"].astype("str"),
        "kind": raw["soort"].map(kinds),
        "wijk": raw["wijk"], "onderwerp": raw["onderwerp"],
        "date_raised": raw["datum_ingediend"], "wethouder": raw["wethouder"],
        "agreed_deadline": raw["afgesproken_datum"],
        "agreed_term_days": raw["afgesproken_termijn_dagen"],
        "extension_days": raw["verlenging_dagen"],
        "date_answered": raw["datum_antwoord"], "date_tussenbericht": raw["datum_tussenbericht"],
    })
    items["source"] = "demo"
    items["item_id"] = [item_id("demo", i) for i in items["source_record_id"]]
    items = coerce_items(items)
    items.insert(0, "row_no", range(len(items)))
    return items, reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--gx-dir", type=Path, default=None,
                        help="Data Docs folder (default: a temporary folder)")
    parser.add_argument("--dirty", action="store_true",
                        help="worst case: every record breaks two rules (unknown wijk, "
                             "answer before indiening)")
    args = parser.parse_args(argv)
    until = dt.date(2024, 3, 12)
    import pandas as pd

    started = time.perf_counter()
    items, reference = canonical_demo_items(args.records, until)
    generated = time.perf_counter() - started
    print(f"generated {len(items):,} records in {generated:.1f} s (not counted)")
    if args.dirty:
        items["wijk"] = "Rotterdam-Zuid"
        items["date_answered"] = items["date_raised"] - pd.Timedelta(days=1)

    from wijkopvolging.validation import validate_extract

    started = time.perf_counter()
    import great_expectations  # noqa: F401  (timed on its own: paid once per worker process)

    import_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        gx_dir = args.gx_dir or Path(tmp) / "gx"
        timings: dict[str, float] = {}
        started = time.perf_counter()
        findings = validate_extract(
            items, source="demo", reference=reference,
            interval_end=dt.datetime(2024, 3, 12, tzinfo=dt.UTC), settings=None,
            run_id="bench", gx_dir=gx_dir, timings=timings)
        total = time.perf_counter() - started

    print(f"findings: {len(findings):,} "
          f"({findings['rule'].value_counts().to_dict() if len(findings) else {}})")
    print(f"import great_expectations  {import_seconds:6.2f} s  (once per process)")
    for step, seconds in timings.items():
        print(f"{step:<26} {seconds:6.2f} s")
    print(f"validate_extract total     {total:6.2f} s  for {len(items):,} records")
    overall = total + import_seconds
    verdict = "OK" if overall < TARGET_SECONDS else "TOO SLOW"
    print(f"with import                {overall:6.2f} s  (target < {TARGET_SECONDS:.0f} s: "
          f"{verdict})")
    return 0 if overall < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
