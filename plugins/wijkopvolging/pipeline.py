"""The pipeline's step order, for running it in one process: `make run`'s history, the
benchmarks and the tests call these instead of writing the order out again. The DAG files
run the same step functions as Airflow tasks.
"""

from __future__ import annotations

import datetime as dt

from wijkopvolging.config import Config


def ingest(config: Config, *, run_id: str, data_interval_end: dt.datetime,
           data_interval_start: dt.datetime | None = None) -> dict:
    """The ingest DAG's steps for every source, in order (extract → validate → load), then
    the steward report, as of ``data_interval_end``. Sources read their URL from the
    configuration here (an Airflow connection is not looked up). Returns the loads'
    counts per source and the report's paths."""
    from wijkopvolging.ingest import (
        extract_source,
        load_source,
        validate_source,
        write_ingest_report,
    )

    start = data_interval_start or data_interval_end - dt.timedelta(days=1)
    loaded = {}
    for source in config.sources:
        extract_source(config, source.name, run_id=run_id, data_interval_start=start,
                       data_interval_end=data_interval_end)
        validate_source(config, source.name, run_id=run_id,
                        data_interval_end=data_interval_end)
        loaded[source.name] = load_source(config, source.name, run_id=run_id,
                                          data_interval_end=data_interval_end)
    report = write_ingest_report(config, run_id=run_id, data_interval_end=data_interval_end)
    return {"loaded": loaded, "report": report}


def report_checks(config: Config, period, *, run_id: str,
                  known_at: dt.datetime | None = None) -> dict:
    """The rapportage DAG's steps before any document: snapshot, publication gate,
    timeliness. Returns their outcomes by step."""
    from wijkopvolging.rapportage import (
        check_publication_gate,
        compute_timeliness,
        take_snapshot,
    )

    return {"snapshot": take_snapshot(config, period, run_id=run_id, known_at=known_at),
            "publication_gate": check_publication_gate(config, period, run_id=run_id),
            "timeliness": compute_timeliness(config, period, run_id=run_id)}


def report_to_griffie(config: Config, period, *, run_id: str, decision,
                      force: bool = False) -> dict:
    """The rapportage DAG's steps for a period the college approved (``decision``, as
    the approval task hands it on: ``CollegeDecision.to_xcom()``), in order: the checks,
    the final set and its delivery to the griffie (drop folder; e-mail when the SMTP
    connection exists). The concept and the
    wait for the college are left out: the decision is given. Returns the delivery."""
    from wijkopvolging.delivery import deliver_to_griffie
    from wijkopvolging.rapportage import render_for_delivery

    report_checks(config, period, run_id=run_id)
    rendered = render_for_delivery(config, period, run_id=run_id, decision=decision,
                                   with_revision=force)
    return deliver_to_griffie(config, period, rendered["set"], run_id=run_id,
                              revised_set=rendered["revised_set"], force=force)
