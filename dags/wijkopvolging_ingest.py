"""
### wijkopvolging_ingest

Every morning: read every configured source system (the registration database, Excel
exports, the ZGW case system), check each record against the rules, and load the good
ones into the warehouse as a new version. Records that break a rule go to quarantine with
the reason; the steward report lists them. Extracted = loaded + quarantined, per source,
or the run fails.

Configuration: `include/config/wijkopvolging.yaml` (or `WIJKOPVOLGING_CONFIG`).
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task, task_group

from wijkopvolging.airflow_support import (
    RETRY_WITH_BACKOFF,
    fail_clearly,
    load_settings,
    log_outcome,
    notify_operations,
    source_connection_url,
    source_zgw_connection,
)
from wijkopvolging.assets import WAREHOUSE_ITEMS
from wijkopvolging.schedules import INGEST_CRON, TIMEZONE

SOURCE_TASK = RETRY_WITH_BACKOFF  # a source that is down: 30 s, 1 min, 2 min …


@dag(
    dag_id="wijkopvolging_ingest",
    schedule=CronDataIntervalTimetable(INGEST_CRON, timezone=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["wijkopvolging"],
    default_args={"owner": "wijkopvolging", "retries": 1,
                  "on_failure_callback": notify_operations},
)
def wijkopvolging_ingest():
    @task
    def list_sources() -> list[str]:
        """The configured source names; one mapped task each from here on."""
        with fail_clearly("configuratie"):
            return log_outcome("list_sources",
                               [source.name for source in load_settings().sources])

    @task(**SOURCE_TASK)
    def extract(source_name: str, run_id=None, data_interval_start=None,
                data_interval_end=None) -> dict:
        """Read one source into staging, for this run's data interval."""
        from wijkopvolging.ingest import extract_source

        with fail_clearly(f"source {source_name!r}"):
            config = load_settings()
            source = config.source(source_name)
            return log_outcome(f"extract {source_name}", extract_source(
                config, source_name, run_id=run_id,
                data_interval_start=data_interval_start, data_interval_end=data_interval_end,
                connection_url=source_connection_url(source),
                zgw_connection=source_zgw_connection(source)))

    @task
    def validate(extracted: dict, run_id=None, data_interval_end=None) -> dict:
        """Check the staged records against the rules; errors go to quarantine."""
        from wijkopvolging.ingest import validate_source

        with fail_clearly(f"source {extracted['source']!r}"):
            return log_outcome(f"validate {extracted['source']}", validate_source(
                load_settings(), extracted["source"], run_id=run_id,
                data_interval_end=data_interval_end))

    @task(outlets=[WAREHOUSE_ITEMS])
    def load(validated: dict, run_id=None, data_interval_end=None) -> dict:
        """Store new and changed items as versions; reconcile the counts."""
        from wijkopvolging.ingest import load_source

        with fail_clearly(f"source {validated['source']!r}"):
            return log_outcome(f"load {validated['source']}", load_source(
                load_settings(), validated["source"], run_id=run_id,
                data_interval_end=data_interval_end))

    @task
    def steward_report(loaded: list[dict], run_id=None, data_interval_end=None) -> dict:
        """Write the steward report and the run manifest; log where they are."""
        from wijkopvolging.ingest import write_ingest_report

        with fail_clearly("validatierapport"):
            return log_outcome("steward_report", write_ingest_report(
                load_settings(), run_id=run_id, data_interval_end=data_interval_end))

    # One mapped group per source: its validate and load wait for its own extract only,
    # so a source that is down (or refused) stops its own steps, not the others' loads.
    @task_group(group_id="bron", prefix_group_id=False)
    def one_source(source_name: str):
        """Extract, validate and load one source."""
        return load(validate(extract(source_name)))

    steward_report(one_source.expand(source_name=list_sources()))


wijkopvolging_ingest()
