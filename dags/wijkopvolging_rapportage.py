"""
### wijkopvolging_rapportage

Every two months, after a period ends (January–February, March–April, …): take the
period's items from the warehouse as of its end, stop if any would publish personal data,
compute for each whether it was answered on time, and render the raadsinformatiebrief (with
the trend over the last six periods) and its overview (Word and PDF) as a **concept** for
the college: marked "concept" on every page, in `<output>/<YYYY-MM>_<YYYY-MM>/concept/`
and mailed to `approval.to`. The concept holds no publications yet.

The run then **waits for the college's decision** (task `college_approval`, state
*awaiting input*): the secretariat answers under *Required actions* with the outcome, the
date of the college decision and the kenmerk. Only members of the Airflow role
`Secretariaat` (`approval.approver_role`) can answer; anyone else's answer is refused.
On approval the final set is rendered from the same snapshot with that date and kenmerk,
with the publications beside it (the open data, the web page and an afschrift per
wijkraad), and delivered to the griffie: the drop folder and, when the Airflow connection
`smtp_griffie` exists, e-mail; then each wijkraad's afschrift goes to its
gebiedsorganisatie, and (task `archive`, when `archive.documenten_api_url` is set) each
Word and PDF document the griffie received is stored in the ZGW Documenten API. The final
set carries its DiWoo metadata and `sitemap.xml` for the Woo index. On rejection nothing
goes to the griffie, the wijkraden or the archive and the run ends successfully. No
answer: a reminder after `approval.reminder_after_days`, a failure (alerting operations)
at `approval.timeout_days`.

Trigger by hand for a re-issue: `periode` is the first month (`2025-09`); the documents
are made as of that period's end, from the warehouse's history, and go through the same
approval. A period already delivered is not sent again; if its documents changed, they
wait in `<drop folder>/niet-geleverd/` until a run with `force_delivery` sends them as a
"herziene versie". A failed task e-mails `delivery.ops_alert_to`.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, Param, chain, dag

from wijkopvolging.airflow_support import (
    RETRY_WITH_BACKOFF,
    announce_period,
    fail_clearly,
    notify_operations,
    period_param,
    step_task,
)
from wijkopvolging.approval_task import CollegeApprovalOperator
from wijkopvolging.assets import PERIOD_DOCUMENTS, WAREHOUSE_ITEMS
from wijkopvolging.pipeline import RAPPORTAGE
from wijkopvolging.schedules import REPORT_CRON, TIMEZONE


@dag(
    dag_id=RAPPORTAGE.dag_id,
    schedule=CronDataIntervalTimetable(REPORT_CRON, timezone=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["wijkopvolging"],
    default_args={"owner": "wijkopvolging", "retries": 0,
                  "on_failure_callback": notify_operations},
    params={
        "periode": period_param(),
        "force_delivery": Param(False, type="boolean", title="Opnieuw leveren",
                                description="Ook leveren als deze periode al geleverd is: "
                                            "dan als herziene versie."),
        "bekend_op": Param(None, type=["null", "string"], title="Zoals bekend op",
                           description="Maak het rapport zoals het warehouse het kende op "
                                       "dit moment: recorded_as_of uit het manifest van de "
                                       "levering. Leeg: alles wat nu bekend is."),
    },
)
def wijkopvolging_rapportage():
    # Each task is a step of wijkopvolging.pipeline.RAPPORTAGE (its order, its label in a
    # failure); step_task reads the settings, parses the period and logs the outcome.

    @step_task(RAPPORTAGE)
    def resolve_period(params=None, data_interval_start=None, data_interval_end=None) -> str:
        """The period this run reports on: the `periode` parameter or the data interval."""
        from wijkopvolging.periods import Period

        if params and params.get("periode"):
            slug = Period.parse(params["periode"]).slug
        else:
            slug = Period.from_data_interval(data_interval_start, data_interval_end).slug
        announce_period(slug)
        return slug

    @step_task(RAPPORTAGE, inlets=[WAREHOUSE_ITEMS])
    def snapshot(config, period, params=None, run_id=None) -> dict:
        """The items open at the peildatum or answered in the period, as of its end (as
        recorded at `bekend_op` when given: a delivered report made again as delivered)."""
        from wijkopvolging.rapportage import parse_known_at, take_snapshot

        with fail_clearly("parameter 'bekend_op'"):
            known_at = parse_known_at((params or {}).get("bekend_op"))
        return take_snapshot(config, period, run_id=run_id, known_at=known_at)

    @step_task(RAPPORTAGE)
    def publication_gate(config, period, run_id=None) -> dict:
        """Refuse to publish if any record carries a resident's personal data."""
        from wijkopvolging.rapportage import check_publication_gate

        return check_publication_gate(config, period, run_id=run_id)

    @step_task(RAPPORTAGE)
    def timeliness(config, period, run_id=None) -> dict:
        """Deadline and status at the peildatum for every item."""
        from wijkopvolging.rapportage import compute_timeliness

        return compute_timeliness(config, period, run_id=run_id)

    @step_task(RAPPORTAGE, **RETRY_WITH_BACKOFF)
    def concept(config, period, run_id=None) -> dict:
        """The set as a concept for the college (every page marked), delivered to the
        secretariat's folder and mail, once per run; the griffie gets nothing yet. An SMTP
        server that is down fails this task (and retries)."""
        from wijkopvolging.delivery import deliver_concept
        from wijkopvolging.rapportage import render_concept

        return deliver_concept(config, period,
                               render_concept(config, period, run_id=run_id)["set"],
                               run_id=run_id)

    college_approval = CollegeApprovalOperator(task_id="college_approval",
                                               concept_task_id="concept")

    @step_task(RAPPORTAGE, outlets=[PERIOD_DOCUMENTS])
    def documents(config, period, decision: dict, run_id=None, params=None) -> dict:
        """The final raadsinformatiebrief and overview, dated and numbered as the college
        decided, rendered into the work folder; with `force_delivery` also the set marked
        "herziene versie". Skipped (and so is delivery) when the college rejected."""
        from airflow.sdk.exceptions import AirflowSkipException

        from wijkopvolging.rapportage import CollegeRejected, render_for_delivery

        try:
            return render_for_delivery(
                config, period, run_id=run_id, decision=decision,
                with_revision=bool((params or {}).get("force_delivery")))
        except CollegeRejected as rejected:
            raise AirflowSkipException(f"niets naar de griffie: {rejected}") from None

    @step_task(RAPPORTAGE, **RETRY_WITH_BACKOFF, inlets=[PERIOD_DOCUMENTS])
    def deliver(config, period, rendered: dict, run_id=None, params=None) -> dict:
        """Drop folder and e-mail to the griffie, once per set; a changed set only with
        `force_delivery`. An SMTP server that is down fails this task (and retries)."""
        from wijkopvolging.delivery import deliver_to_griffie

        return deliver_to_griffie(config, period, rendered["set"], run_id=run_id,
                                  revised_set=rendered["revised_set"],
                                  force=bool((params or {}).get("force_delivery")))

    @step_task(RAPPORTAGE, **RETRY_WITH_BACKOFF)
    def deliver_wijkraden(config, period, run_id=None) -> dict:
        """Each wijkraad's afschrift (in the drop folder) to its gebiedsorganisatie, once
        per recipient through the delivery ledger; nothing without the SMTP connection.
        Runs after the griffie's delivery of the approved set; skipped on rejection."""
        from wijkopvolging.wijkraden import deliver_afschriften

        return deliver_afschriften(config, period, run_id=run_id)

    @step_task(RAPPORTAGE, **RETRY_WITH_BACKOFF)
    def archive(config, period, run_id=None) -> dict:
        """Each document the griffie received (Word and PDF) stored in the ZGW Documenten
        API, once through the delivery ledger (a revised set as new versions). Off, with
        one log line, while `archive.documenten_api_url` is not set; skipped on
        rejection. A Documenten API that is down fails this task (and retries); the
        griffie's delivery is never touched."""
        from wijkopvolging.archive import archive_set

        return archive_set(config, period, run_id=run_id)

    period = resolve_period()
    chain(snapshot(period), publication_gate(period), timeliness(period), concept(period),
          college_approval)
    # The college's answer decides: a rejection skips documents, deliver, the wijkraden
    # and the archive (only an approved set that reached the griffie goes further).
    delivered = deliver(period, documents(period, college_approval.output))
    delivered >> [deliver_wijkraden(period), archive(period)]


wijkopvolging_rapportage()
