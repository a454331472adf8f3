"""
### wijkopvolging_signalering

Every Monday at 07:00: per wijk (for its Wijk MT) and per wethouder (for their staff), the
open items whose deadline falls within the next 14 days, the overdue ones, and the advice
older than six weeks without a tussenbericht, sorted by deadline. One internal spreadsheet
per recipient in `<output>/signalering/<YYYY-MM-DD>/`, mailed once to the addresses in the
`signalering` section of the configuration. An empty list is not sent.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag

from wijkopvolging.airflow_support import RETRY_WITH_BACKOFF, notify_operations, step_task
from wijkopvolging.assets import WAREHOUSE_ITEMS, WEEK_LISTS
from wijkopvolging.pipeline import SIGNALERING
from wijkopvolging.schedules import SIGNALERING_CRON, TIMEZONE


@dag(
    dag_id=SIGNALERING.dag_id,
    schedule=CronDataIntervalTimetable(SIGNALERING_CRON, timezone=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["wijkopvolging"],
    default_args={"owner": "wijkopvolging", "retries": 0,
                  "on_failure_callback": notify_operations},
)
def wijkopvolging_signalering():
    # Each task is a step of wijkopvolging.pipeline.SIGNALERING (its order, its label in a
    # failure); step_task reads the settings and logs the outcome.

    @step_task(SIGNALERING, inlets=[WAREHOUSE_ITEMS], outlets=[WEEK_LISTS])
    def make_lists(config, data_interval_end=None) -> dict:
        """The week's lists, as of the Monday morning this run stands for."""
        from wijkopvolging.periods import AMSTERDAM
        from wijkopvolging.signalering import make_week_lists

        monday = data_interval_end.astimezone(AMSTERDAM).date()
        return make_week_lists(config, monday, as_of=data_interval_end)

    @step_task(SIGNALERING, **RETRY_WITH_BACKOFF, inlets=[WEEK_LISTS])
    def deliver(config, lists: dict, run_id=None, data_interval_end=None) -> dict:
        """Mail each list once; a second run in the same week sends nothing new."""
        from wijkopvolging.periods import AMSTERDAM
        from wijkopvolging.signalering import deliver_week_lists

        monday = data_interval_end.astimezone(AMSTERDAM).date()
        return deliver_week_lists(config, monday, run_id=run_id)

    deliver(make_lists())


wijkopvolging_signalering()
