"""Validation of extracts and snapshots (first cut: required fields and kinds only).

Interface kept stable for the DAGs:
- ``validate_extract(items, *, source, reference, interval_end, settings, run_id, gx_dir)``
  returns a findings table (``model.FINDING_COLUMNS``), one row per record per broken rule.
- ``write_steward_report(findings, runs, out_dir) -> dict[str, Path]``.
"""

from __future__ import annotations

import pandas as pd

from wijkopvolging.model import ERROR, FINDING_COLUMNS, KINDS, REQUIRED_FIELDS


def validate_extract(items: pd.DataFrame, *, source: str, reference, interval_end, settings,
                     run_id: str = "", gx_dir=None) -> pd.DataFrame:
    """Check one source's canonical items; returns the findings."""
    rows = []
    for field in REQUIRED_FIELDS:
        missing = items[field].isna()
        for index in items.index[missing]:
            rows.append(_finding(items, index, "verplicht_veld", field, None,
                                 f"{field} ontbreekt"))
    bad_kind = items["kind"].notna() & ~items["kind"].isin(KINDS)
    for index in items.index[bad_kind]:
        rows.append(_finding(items, index, "onbekende_soort", "kind", items.at[index, "kind"],
                             "soort is geen vraag of advies"))
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def _finding(items, index, rule, column, value, message) -> dict:
    return {
        "row_no": int(items.at[index, "row_no"]),
        "source_record_id": items.at[index, "source_record_id"],
        "rule": rule, "column": column, "value": value, "severity": ERROR, "message": message,
    }


def write_steward_report(findings: pd.DataFrame, runs: pd.DataFrame, out_dir) -> dict:
    """A compact HTML and CSV report of this run's findings for data stewards."""
    from pathlib import Path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "validatierapport.csv"
    findings.to_csv(csv_path, index=False, sep=";", encoding="utf-8-sig")
    html_path = out_dir / "validatierapport.html"
    html_path.write_text(
        "<!doctype html><html lang='nl'><meta charset='utf-8'><title>Validatierapport</title>"
        + runs.to_html(index=False) + findings.to_html(index=False) + "</html>",
        encoding="utf-8")
    return {"html": html_path, "csv": csv_path}


class PublicationBlocked(Exception):
    """A record in the period's snapshot would publish personal data."""


def publication_gate(report: pd.DataFrame) -> None:
    """First cut: no privacy detectors yet (the full gate comes with the GX suites)."""


RULE_TITLES = {
    "verplicht_veld": "Verplicht veld ontbreekt",
    "onbekende_soort": "Onbekende soort",
    "onleesbare_waarde": "Onleesbare waarde",
}


def rule_title(rule: str) -> str:
    """The Dutch title of a rule, for the letter and the steward report."""
    return RULE_TITLES.get(rule, rule)
