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

from airflow.sdk import CronDataIntervalTimetable, dag, task_group

from wijkopvolging.airflow_support import (
    RETRY_WITH_BACKOFF,
    notify_operations,
    source_connection_url,
    source_zgw_connection,
    step_task,
)
from wijkopvolging.assets import WAREHOUSE_ITEMS
from wijkopvolging.pipeline import INGEST
from wijkopvolging.schedules import INGEST_CRON, TIMEZONE

SOURCE_TASK = RETRY_WITH_BACKOFF  # a source that is down: 30 s, 1 min, 2 min …


@dag(
    dag_id=INGEST.dag_id,
    schedule=CronDataIntervalTimetable(INGEST_CRON, timezone=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["wijkopvolging"],
    default_args={"owner": "wijkopvolging", "retries": 1,
                  "on_failure_callback": notify_operations},
)
def wijkopvolging_ingest():
    # Each task is a step of wijkopvolging.pipeline.INGEST (its order, its label in a
    # failure); step_task reads the settings and logs the outcome.

    @step_task(INGEST)
    def list_sources(config) -> list[str]:
        """The configured source names; one mapped task each from here on."""
        return [source.name for source in config.sources]

    @step_task(INGEST, **SOURCE_TASK)
    def extract(config, source_name: str, run_id=None, data_interval_start=None,
                data_interval_end=None) -> dict:
        """Read one source into staging, for this run's data interval."""
        from wijkopvolging.ingest import extract_source

        source = config.source(source_name)
        return extract_source(
            config, source_name, run_id=run_id, data_interval_start=data_interval_start,
            data_interval_end=data_interval_end, connection_url=source_connection_url(source),
            zgw_connection=source_zgw_connection(source))

    @step_task(INGEST)
    def validate(config, extracted: dict, run_id=None, data_interval_end=None) -> dict:
        """Check the staged records against the rules; errors go to quarantine."""
        from wijkopvolging.ingest import validate_source

        return validate_source(config, extracted["source"], run_id=run_id,
                               data_interval_end=data_interval_end)

    @step_task(INGEST, outlets=[WAREHOUSE_ITEMS])
    def load(config, validated: dict, run_id=None, data_interval_end=None) -> dict:
        """Store new and changed items as versions; reconcile the counts."""
        from wijkopvolging.ingest import load_source

        return load_source(config, validated["source"], run_id=run_id,
                           data_interval_end=data_interval_end)

    @step_task(INGEST)
    def steward_report(config, loaded: list[dict], run_id=None,
                       data_interval_end=None) -> dict:
        """Write the steward report and the run manifest; log where they are."""
        from wijkopvolging.ingest import write_ingest_report

        return write_ingest_report(config, run_id=run_id, data_interval_end=data_interval_end)

    # One mapped group per source: its validate and load wait for its own extract only,
    # so a source that is down (or refused) stops its own steps, not the others' loads.
    @task_group(group_id="bron", prefix_group_id=False)
    def one_source(source_name: str):
        """Extract, validate and load one source."""
        return load(validate(extract(source_name)))

    steward_report(one_source.expand(source_name=list_sources()))


wijkopvolging_ingest()
