"""Validation of extracts and snapshots, the publication gate and the steward report.

Public API (the DAGs and ``ingest.py`` use only these):

- ``validate_extract(items, *, source, reference, interval_end, settings, run_id, gx_dir)``
  returns the findings of one source's extract (``model.FINDING_COLUMNS``), one row per
  record per broken rule; errors send the record to quarantine, warnings keep it.
- ``validate_snapshot(report, *, reference, peildatum, settings, run_id, gx_dir)``: the
  same rules on a period's overview.
- ``publication_gate(report)`` raises ``PublicationBlocked`` when the overview holds
  personal data.
- ``write_steward_report(findings, runs, out_dir, *, previous_findings=None, gx_dir=None)``
  writes the Dutch HTML and CSV report for data stewards.
- ``RULES``: the rule catalogue (id, severity, Dutch description and fix hint).

Importing this package is cheap: Great Expectations is imported only when a validation
runs.
"""

from __future__ import annotations

from wijkopvolging.validation.gx_runner import data_docs_index
from wijkopvolging.validation.report import write_steward_report
from wijkopvolging.validation.rules import RULES, Rule, rule_title
from wijkopvolging.validation.validate import (
    PublicationBlocked,
    publication_gate,
    quarantined_rows,
    validate_extract,
    validate_snapshot,
)

__all__ = [
    "RULES",
    "PublicationBlocked",
    "Rule",
    "data_docs_index",
    "publication_gate",
    "quarantined_rows",
    "rule_title",
    "validate_extract",
    "validate_snapshot",
    "write_steward_report",
]
