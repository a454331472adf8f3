"""The ingest steps: extract a source, validate it, load it. One function per DAG task.

Steps hand over through the warehouse (staging and quarantine tables), not through XCom or
local files, so each may run on another worker. Each returns a small dict of counts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from wijkopvolging.config import Config
from wijkopvolging.layout import validation_folder
from wijkopvolging.model import ERROR, WARNING
from wijkopvolging.sources.mapping import EXTRACT_RULES
from wijkopvolging.warehouse import open_warehouse

log = logging.getLogger(__name__)


def extract_source(config: Config, source_name: str, *, run_id: str,
                   data_interval_start: dt.datetime, data_interval_end: dt.datetime,
                   connection_url: str | None = None, zgw_connection=None) -> dict:
    """Read one source into the warehouse's staging table; findings for unreadable cells
    and files are kept with it so validation can quarantine those records. The source's
    ledger (files already parsed, the ZGW watermark) lives in the warehouse too."""
    from wijkopvolging.sources import extract
    from wijkopvolging.sources.ledger import SourceLedger

    source = config.source(source_name)
    with open_warehouse(config.warehouse_url) as warehouse:
        ledger = SourceLedger(warehouse.engine, source_name, run_id=run_id,
                              as_of=data_interval_end)
        result = extract(source, data_interval_start=data_interval_start,
                         data_interval_end=data_interval_end, connection_url=connection_url,
                         state=ledger, zgw_connection=zgw_connection,
                         bounds=config.settings.timeliness)
        warehouse.write_staging(run_id, source_name, result.items)
        warehouse.write_findings(run_id, source_name, data_interval_end, result.findings,
                                 detected_at=data_interval_end)
    return {"source": source_name, "extracted": result.count,
            "unreadable": int(len(result.findings))}


def validate_source(config: Config, source_name: str, *, run_id: str,
                    data_interval_end: dt.datetime) -> dict:
    """Run the expectation suite on one source's staged extract; store its findings."""
    import pandas as pd

    from wijkopvolging.reference import ReferenceData
    from wijkopvolging.validation import validate_extract

    with open_warehouse(config.warehouse_url) as warehouse:
        items = warehouse.read_staging(run_id, source_name)
        parse_findings = warehouse.findings_of_run(run_id)
        # Only the extract's own findings: a retry must not count earlier results twice.
        parse_findings = parse_findings[(parse_findings["source"] == source_name)
                                        & parse_findings["rule"].isin(EXTRACT_RULES)]
        findings = validate_extract(
            items, source=source_name, reference=ReferenceData.load(),
            interval_end=data_interval_end, settings=config.settings, run_id=run_id,
            gx_dir=config.data_docs_dir,
        )
        columns = list(findings.columns)
        combined = pd.concat([parse_findings.reindex(columns=columns), findings],
                             ignore_index=True)
        warehouse.write_findings(run_id, source_name, data_interval_end, combined,
                                 detected_at=data_interval_end)
    errors = combined[combined["severity"] == ERROR]
    return {"source": source_name, "extracted": len(items),
            "quarantined": int(errors["row_no"].nunique()),
            "warnings": int((combined["severity"] == WARNING).sum())}


def load_source(config: Config, source_name: str, *, run_id: str,
                data_interval_end: dt.datetime, finished_at: dt.datetime | None = None) -> dict:
    """Load the records without error findings as new item versions; reconcile counts.

    The versions, the run's counts and the clearing of its staging commit together, so
    a load cut off anywhere (a dropped connection, a killed worker) leaves nothing and its
    retry loads everything once. A load run again after it finished (its task retried or
    cleared) finds the staging cleared and the run recorded: it returns the recorded
    counts instead of loading an empty extract, which would delete every item of the
    source.

    Raises ``ReconciliationError`` when extracted != loaded + quarantined.
    """
    source = config.source(source_name)
    with open_warehouse(config.warehouse_url) as warehouse:
        items = warehouse.read_staging(run_id, source_name)
        if items.empty:
            done = _recorded_load(warehouse, run_id, source_name)
            if done is not None:
                return done
        findings = warehouse.findings_of_run(run_id)
        findings = findings[findings["source"] == source_name]
        errors = findings[findings["severity"] == ERROR]
        bad_rows = set(errors["row_no"].dropna().astype(int))
        valid = items[~items["row_no"].isin(bad_rows)]
        # Quarantined records keep their last good version instead of being deleted.
        keep = set(items.loc[items["row_no"].isin(bad_rows), "item_id"].dropna())
        with warehouse.transaction():
            counts = warehouse.load_versions(run_id, source_name, data_interval_end, valid,
                                             full_extract=source.full_extract, keep_ids=keep)
            warehouse.record_ingest_run(
                run_id, source_name, data_interval_end,
                extracted=len(items), loaded=len(valid), quarantined=len(bad_rows),
                warnings=int((findings["severity"] == WARNING).sum()),
                new=counts["new"], changed=counts["changed"], deleted=counts["deleted"],
                finished_at=finished_at or data_interval_end,
            )
            warehouse.clear_staging(run_id, source_name)
    return {"source": source_name, "extracted": len(items), "loaded": len(valid),
            "quarantined": len(bad_rows), **counts}


def _recorded_load(warehouse, run_id: str, source_name: str) -> dict | None:
    """The counts of this run's finished load of the source, when it read any records
    (an empty extract may simply be loaded again: that changes nothing)."""
    runs = warehouse.runs_of(run_id)
    recorded = runs[(runs["source"] == source_name) & (runs["extracted"] > 0)]
    if recorded.empty:
        return None
    row = recorded.iloc[0]
    log.warning("bron %s is in run %s al geladen (%d records, %s); niets opnieuw geladen",
                source_name, run_id, row["extracted"], f"{row['finished_at']:%d-%m-%Y %H:%M}")
    return {"source": source_name, "already_loaded": True,
            **{key: int(row[key]) for key in ("extracted", "loaded", "quarantined", "new",
                                             "changed", "deleted")}}


def write_ingest_report(config: Config, *, run_id: str, data_interval_end: dt.datetime) -> dict:
    """The steward report and the run manifest (reconciliation per source)."""
    from wijkopvolging.atomic import write_atomic
    from wijkopvolging.duplicates import counted_once
    from wijkopvolging.layout import MANIFEST
    from wijkopvolging.validation import write_steward_report

    with open_warehouse(config.warehouse_url) as warehouse:
        findings = warehouse.findings_of_run(run_id)
        runs = warehouse.runs_of(run_id)
        # What each source had in quarantine before this run: fixed records show as such.
        previous = warehouse.findings_as_of(
            data_interval_end - dt.timedelta(microseconds=1))
        duplicates = counted_once(
            config, warehouse.snapshot(data_interval_end))[1]
    folder = validation_folder(config.output_dir, data_interval_end)
    paths = write_steward_report(findings, runs, folder, previous_findings=previous,
                                 gx_dir=config.gx_dir, duplicates=duplicates)
    manifest = {
        "run_id": run_id,
        "data_interval_end": data_interval_end.isoformat(),
        "sources": [
            {k: (int(v) if hasattr(v, "__int__") and k != "as_of" else str(v))
             for k, v in row.items() if k not in ("run_id", "finished_at")}
            for row in runs.to_dict("records")
        ],
        "reconciled": bool((runs["extracted"] == runs["loaded"] + runs["quarantined"]).all()),
        "steward_report": {k: str(v) for k, v in paths.items()},
    }
    write_atomic(folder / MANIFEST,
                 json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return {k: str(v) for k, v in paths.items()}
