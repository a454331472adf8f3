"""Validate a source's extract or a period's snapshot; gate publication on personal data.

Both validations run the same way: precompute the checks (``checks.py``), let GX
evaluate the suite (``suite.py``) in an isolated context, map its failures back to
findings (``findings.py``) and publish the result to the Data Docs site in ``gx_dir``
(``gx_runner.py``). Validation only judges: it never changes a record. (Old wijk names
are accepted here; rewriting them to the current name belongs to the source mapping.)
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import pandas as pd

from wijkopvolging.config import Settings
from wijkopvolging.errors import ExpectedError
from wijkopvolging.model import ERROR, LOCATION_COLUMNS, PUBLIC_TEXT_FIELDS
from wijkopvolging.validation import privacy
from wijkopvolging.validation.checks import build_check_frame, local_date
from wijkopvolging.validation.rules import rule
from wijkopvolging.validation.suite import EXTRACT, SNAPSHOT

log = logging.getLogger(__name__)


class PublicationBlocked(ExpectedError):
    """The period's overview holds personal data: it may not go to the public RIS."""


def validate_extract(items: pd.DataFrame, *, source: str, reference, interval_end,
                     settings: Settings | None, run_id: str = "", gx_dir: str | Path | None = None,
                     timings: dict[str, float] | None = None) -> pd.DataFrame:
    """Check one source's canonical items; returns the findings (``model.FINDING_COLUMNS``).

    ``interval_end`` is the run's data interval end: a record raised after its date (in
    Amsterdam) is in the future. ``settings`` is the config's ``settings`` section
    (``earliest_date``, ``term_days``; ``None``: the defaults). With ``gx_dir``, the
    result is added to the Data Docs site there. ``row_no`` in the findings is the
    items' ``row_no`` column (the record's position in its extract) when present, else
    the position in ``items``.
    ``timings``, when given, receives the seconds spent per step.
    """
    return _validate(
        items, kind=EXTRACT, asset=f"extract_{source}", key="source_record_id",
        date_limit=local_date(interval_end), limit_label="het einde van de verwerkte periode",
        run_time=interval_end, reference=reference, settings=settings,
        run_name=f"{run_id or 'handmatig'}_{source}", gx_dir=gx_dir, timings=timings,
    )


def validate_snapshot(report: pd.DataFrame, *, reference, peildatum, settings: Settings | None,
                      run_id: str = "", gx_dir: str | Path | None = None,
                      timings: dict[str, float] | None = None) -> pd.DataFrame:
    """Check the items of a period's overview with the same rules as an extract, item ids
    unique across sources and no date of indiening after the peildatum.

    Returns findings (``model.FINDING_COLUMNS`` plus ``source``); ``row_no`` is the
    position in ``report``. Privacy hits are findings here; ``publication_gate`` is what
    stops the documents.
    """
    peil = local_date(peildatum)
    findings = _validate(
        report, kind=SNAPSHOT, asset="snapshot", key="item_id", date_limit=peil,
        limit_label="de peildatum",
        run_time=dt.datetime.combine(peil, dt.time(), tzinfo=dt.UTC),
        reference=reference, settings=settings, run_name=f"{run_id or 'handmatig'}_snapshot",
        gx_dir=gx_dir, timings=timings, positions=True,
    )
    sources = report["source"].reset_index(drop=True) if "source" in report else None
    findings["source"] = (sources.iloc[findings["row_no"].astype(int)].to_numpy()
                          if sources is not None and len(findings) else None)
    return findings


def _validate(items: pd.DataFrame, *, kind: str, asset: str, key: str, date_limit: dt.date,
              limit_label: str, run_time, reference, settings, run_name: str,
              gx_dir, timings, positions: bool = False) -> pd.DataFrame:
    from wijkopvolging.validation.findings import findings_from_result
    from wijkopvolging.validation.gx_runner import publish, run_suite

    timings = {} if timings is None else timings
    items = items.reset_index(drop=True)
    started = time.perf_counter()
    checked = build_check_frame(items, reference=reference, date_limit=date_limit,
                                limit_label=limit_label, settings=settings, key=key)
    timings["precompute"] = time.perf_counter() - started

    started = time.perf_counter()
    if not isinstance(run_time, dt.datetime):
        run_time = dt.datetime.combine(local_date(run_time), dt.time(), tzinfo=dt.UTC)
    result_key, result = run_suite(checked.frame, kind=kind, asset=asset, run_name=run_name,
                                   run_time=run_time)
    timings["gx_run"] = time.perf_counter() - started

    started = time.perf_counter()
    record_ids = items["source_record_id"] if "source_record_id" in items else pd.Series(
        None, index=items.index, dtype="object")
    if "row_no" in items and not positions:
        row_numbers = items["row_no"]
    else:
        row_numbers = pd.Series(range(len(items)), index=items.index)
    locations = items.reindex(columns=list(LOCATION_COLUMNS))
    findings = findings_from_result(result, checked, record_ids, row_numbers, locations)
    timings["findings"] = time.perf_counter() - started

    started = time.perf_counter()
    if gx_dir is not None:
        publish(gx_dir, kind=kind, key=result_key, result=result)
    timings["data_docs"] = time.perf_counter() - started
    log.info("validated %s (%d records): %d findings in %.1f s", asset, len(items),
             len(findings), sum(timings.values()))
    return findings


def publication_gate(report: pd.DataFrame) -> None:
    """Raise ``PublicationBlocked`` if any item of the overview holds personal data in a
    field that is published. The message names how many records, the rule and the
    records' ids (source and source id), never the data itself."""
    blocked: dict[str, list[str]] = {}
    report = report.reset_index(drop=True)
    for field in PUBLIC_TEXT_FIELDS:
        if field not in report:
            continue
        for row, hits in privacy.scan_column(report[field]).items():
            record = _record_name(report, row)
            kinds = blocked.setdefault(record, [])
            kinds += [f"{field}: {hit.kind}" for hit in hits if f"{field}: {hit.kind}" not in kinds]
    if not blocked:
        return
    persoonsgegevens = rule("persoonsgegevens")
    shown = sorted(blocked)[:20]
    listing = "; ".join(f"{record} ({', '.join(blocked[record])})" for record in shown)
    more = f" en {len(blocked) - len(shown)} andere" if len(blocked) > len(shown) else ""
    raise PublicationBlocked(
        f"Publicatie geblokkeerd: {len(blocked)} record(s) in het overzicht bevatten "
        f"persoonsgegevens (regel persoonsgegevens: {persoonsgegevens.description}) "
        f"Bronrecords: {listing}{more}. {persoonsgegevens.fix} Draai daarna de ingest en "
        "de rapportage opnieuw."
    )


def _record_name(report: pd.DataFrame, row: int) -> str:
    if "item_id" in report and pd.notna(report.at[row, "item_id"]):
        return str(report.at[row, "item_id"])
    source = report.at[row, "source"] if "source" in report else None
    record = report.at[row, "source_record_id"] if "source_record_id" in report else None
    if pd.notna(record):
        return f"{source}:{record}" if pd.notna(source) else str(record)
    return f"rij {row}"


def quarantined_rows(findings: pd.DataFrame) -> set[int]:
    """The ``row_no`` of every record with an error finding (they are not loaded)."""
    errors = findings[findings["severity"] == ERROR]
    return set(errors["row_no"].dropna().astype(int))
