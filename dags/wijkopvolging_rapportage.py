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
gebiedsorganisatie. On rejection nothing goes to the griffie or the wijkraden and the run
ends successfully. No answer: a reminder after
`approval.reminder_after_days`, a failure (alerting operations) at `approval.timeout_days`.

Trigger by hand for a re-issue: `periode` is the first month (`2025-09`); the documents
are made as of that period's end, from the warehouse's history, and go through the same
approval. A period already delivered is not sent again; if its documents changed, they
wait in `<drop folder>/niet-geleverd/` until a run with `force_delivery` sends them as a
"herziene versie". A failed task e-mails `delivery.ops_alert_to`.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from wijkopvolging.airflow_support import (
    RETRY_WITH_BACKOFF,
    announce_period,
    fail_clearly,
    load_settings,
    log_outcome,
    notify_operations,
    period_param,
)
from wijkopvolging.approval_task import CollegeApprovalOperator
from wijkopvolging.assets import PERIOD_DOCUMENTS, WAREHOUSE_ITEMS
from wijkopvolging.schedules import REPORT_CRON, TIMEZONE


@dag(
    dag_id="wijkopvolging_rapportage",
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
    @task
    def resolve_period(params=None, data_interval_start=None, data_interval_end=None) -> str:
        """The period this run reports on: the `periode` parameter or the data interval."""
        from wijkopvolging.periods import Period

        with fail_clearly("parameter 'periode'"):
            if params and params.get("periode"):
                slug = Period.parse(params["periode"]).slug
            else:
                slug = Period.from_data_interval(data_interval_start, data_interval_end).slug
        announce_period(slug)
        return slug

    @task(inlets=[WAREHOUSE_ITEMS])
    def snapshot(period: str, params=None, run_id=None) -> dict:
        """The items open at the peildatum or answered in the period, as of its end (as
        recorded at `bekend_op` when given: a delivered report made again as delivered)."""
        from wijkopvolging.periods import Period
        from wijkopvolging.rapportage import parse_known_at, take_snapshot

        announce_period(period)
        with fail_clearly("parameter 'bekend_op'"):
            known_at = parse_known_at((params or {}).get("bekend_op"))
        with fail_clearly("momentopname"):
            return log_outcome("snapshot", take_snapshot(
                load_settings(), Period.parse(period), run_id=run_id, known_at=known_at))

    @task
    def publication_gate(period: str, run_id=None) -> dict:
        """Refuse to publish if any record carries a resident's personal data."""
        from wijkopvolging.periods import Period
        from wijkopvolging.rapportage import check_publication_gate

        announce_period(period)
        with fail_clearly("publicatiecontrole"):
            return log_outcome("publication_gate", check_publication_gate(
                load_settings(), Period.parse(period), run_id=run_id))

    @task
    def timeliness(period: str, run_id=None) -> dict:
        """Deadline and status at the peildatum for every item."""
        from wijkopvolging.periods import Period
        from wijkopvolging.rapportage import compute_timeliness

        announce_period(period)
        with fail_clearly("tijdigheid"):
            return log_outcome("timeliness", compute_timeliness(
                load_settings(), Period.parse(period), run_id=run_id))

    @task
    def concept(period: str, run_id=None) -> dict:
        """The set as a concept for the college (every page marked), delivered to the
        secretariat's folder and mail; the griffie gets nothing yet."""
        from wijkopvolging.delivery import deliver_concept
        from wijkopvolging.periods import Period
        from wijkopvolging.rapportage import render_concept

        announce_period(period)
        with fail_clearly("concept voor het college"):
            config, parsed = load_settings(), Period.parse(period)
            result = deliver_concept(config, parsed,
                                     render_concept(config, parsed, run_id=run_id)["set"])
        return log_outcome("concept", result)

    college_approval = CollegeApprovalOperator(task_id="college_approval",
                                               concept_task_id="concept")

    @task(outlets=[PERIOD_DOCUMENTS])
    def documents(period: str, decision: dict, run_id=None, params=None) -> dict:
        """The final raadsinformatiebrief and overview, dated and numbered as the college
        decided, rendered into the work folder; with `force_delivery` also the set marked
        "herziene versie". Skipped (and so is delivery) when the college rejected."""
        from airflow.sdk.exceptions import AirflowSkipException

        from wijkopvolging.periods import Period
        from wijkopvolging.rapportage import CollegeRejected, render_for_delivery

        announce_period(period)
        try:
            with fail_clearly("documenten"):
                rendered = render_for_delivery(
                    load_settings(), Period.parse(period), run_id=run_id, decision=decision,
                    with_revision=bool((params or {}).get("force_delivery")))
        except CollegeRejected as rejected:
            raise AirflowSkipException(f"niets naar de griffie: {rejected}") from None
        return log_outcome("documents", rendered)

    @task(**RETRY_WITH_BACKOFF, inlets=[PERIOD_DOCUMENTS])
    def deliver(period: str, rendered: dict, run_id=None, params=None) -> dict:
        """Drop folder and e-mail to the griffie, once per set; a changed set only with
        `force_delivery`. An SMTP server that is down fails this task (and retries)."""
        from wijkopvolging.delivery import deliver_to_griffie
        from wijkopvolging.periods import Period

        announce_period(period)
        with fail_clearly("levering aan de griffie"):
            result = deliver_to_griffie(
                load_settings(), Period.parse(period), rendered["set"], run_id=run_id,
                revised_set=rendered["revised_set"],
                force=bool((params or {}).get("force_delivery")))
        return log_outcome("deliver", result)

    @task(**RETRY_WITH_BACKOFF)
    def deliver_wijkraden(period: str, run_id=None) -> dict:
        """Each wijkraad's afschrift (in the drop folder) to its gebiedsorganisatie, once
        per recipient through the delivery ledger; nothing without the SMTP connection.
        Runs after the griffie's delivery of the approved set; skipped on rejection."""
        from wijkopvolging.periods import Period
        from wijkopvolging.wijkraden import deliver_afschriften

        announce_period(period)
        with fail_clearly("levering aan de wijkraden"):
            return log_outcome("deliver_wijkraden", deliver_afschriften(
                load_settings(), Period.parse(period), run_id=run_id))

    period = resolve_period()
    checked = snapshot(period) >> publication_gate(period)
    made = concept(period)
    checked >> timeliness(period) >> made >> college_approval
    # Skipped with documents and deliver when the college rejects: only an approved set
    # that reached the drop folder goes to the wijkraden.
    deliver(period, documents(period, college_approval.output)) >> deliver_wijkraden(period)


wijkopvolging_rapportage()
