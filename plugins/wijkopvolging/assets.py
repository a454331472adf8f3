"""The Airflow Assets of the pipeline: what the three DAGs produce and read, so Airflow's
asset view shows how data moves between them (one place for these names).

    wijkopvolging_ingest ──load──▶ warehouse items ──┬─▶ wijkopvolging_rapportage (snapshot)
                                                      │      └─documents─▶ raadsinformatiebrief
                                                      └─▶ wijkopvolging_signalering (make_lists)
                                                             └─make_lists─▶ signaleringslijsten

Producing tasks name an asset in ``outlets`` (a successful run records an asset event),
reading tasks in ``inlets`` (the UI traces lineage through them). The schedules stay
time-based; see the README ("Assets and schedules") for why. The URIs are logical: where
the warehouse and the output folder live is configuration, read at run time. Only the DAG
files import this module (it needs Airflow; the rest of the package does not).
"""

from __future__ import annotations

from airflow.sdk import Asset

GROUP = "wijkopvolging"

WAREHOUSE_ITEMS = Asset(
    name="wijkopvolging_warehouse_items", uri="wijkopvolging://warehouse/items", group=GROUP,
    extra={"beschrijving": "De items in het warehouse, als nieuwe versie na een ingest "
                           "(per bron)."})

PERIOD_DOCUMENTS = Asset(
    name="wijkopvolging_raadsinformatiebrief", uri="wijkopvolging://rapportage/documenten",
    group=GROUP,
    extra={"beschrijving": "De raadsinformatiebrief en het overzicht van een periode "
                           "(Word, PDF en spreadsheet)."})

WEEK_LISTS = Asset(
    name="wijkopvolging_signaleringslijsten", uri="wijkopvolging://signalering/weeklijsten",
    group=GROUP,
    extra={"beschrijving": "De wekelijkse signaleringslijsten per wijk en per wethouder."})
