"""The rapportage DAG's human step: Airflow's own human-in-the-loop operator asking the
college's decision on the concept (see ``wijkopvolging.approval`` for what it means).

On Airflow 3.3 the task waits in the ``awaiting_input`` state; the secretariat answers in
the UI (Required actions) or through the REST API (``PATCH .../hitlDetails``). The wait
has two stages, each a HITL timeout that the scheduler enforces:

1. ``approval.reminder_after_days`` after the concept: a reminder to ``approval.to``, and
   the task waits again;
2. ``approval.timeout_days`` after the concept: the task fails with a Dutch message, so
   the DAG's failure callback alerts operations. Nothing reaches the griffie.

An answer that fails the checks (a date in the future or before the period's end, an
approval without kenmerk) is refused: the task logs (and mails the secretariat) why, asks
again and keeps waiting until the same deadline.
"""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException, TaskAwaitingInput

from wijkopvolging.approval import (
    DATE_FIELD,
    KENMERK_FIELD,
    NOTE_FIELD,
    OPTIONS,
    AnswerRefused,
    approvers,
    check_answer,
    request_body,
)

log = logging.getLogger(__name__)

REMINDER, TIMEOUT = "reminder", "timeout"  # the two stages of the wait


def _form() -> dict[str, Param]:
    # Every field may stay empty in the form: which ones an answer needs depends on the
    # outcome (an approval: date and kenmerk; a rejection: the reason), and
    # wijkopvolging.approval.check_answer refuses an answer that lacks them. Airflow's form
    # marks a field required unless its type allows null.
    return {
        DATE_FIELD: Param(None, type=["null", "string"], format="date", source="task",
                          title="Datum collegebesluit",
                          description="De datum waarop het college besloot (JJJJ-MM-DD); "
                                      "verplicht bij goedkeuring."),
        KENMERK_FIELD: Param(None, type=["null", "string"], source="task", title="Kenmerk",
                             description="Het kenmerk dat het college aan de brief gaf; "
                                         "verplicht bij goedkeuring."),
        NOTE_FIELD: Param(None, type=["null", "string"], source="task", title="Toelichting",
                          description="Bij afwijzing de reden (verplicht); bij goedkeuring "
                                      "een eventuele opmerking."),
    }


class CollegeApprovalOperator(HITLOperator):
    """Ask the college's decision on the concept made by ``concept_task_id`` (whose XCom
    names the period and the concept folder); returns the decision (``to_xcom``)."""

    def __init__(self, *, concept_task_id: str, **kwargs) -> None:
        from airflow.sdk.definitions.param import ParamsDict

        # Airflow passes the DAG's params in; the operator keeps only the form's (task) ones.
        params = kwargs.pop("params", None)
        params = params if isinstance(params, ParamsDict) else ParamsDict(params or {})
        params.update(_form())
        super().__init__(subject="Besluit van het college over de raadsinformatiebrief",
                         options=list(OPTIONS), multiple=False, params=params, **kwargs)
        self.concept_task_id = concept_task_id

    # -- the question

    def _concept(self, context) -> tuple[Any, dict, Any]:
        from wijkopvolging.airflow_support import fail_clearly, load_settings
        from wijkopvolging.periods import Period
        from wijkopvolging.pipeline import RAPPORTAGE

        concept = context["ti"].xcom_pull(task_ids=self.concept_task_id)
        with fail_clearly(RAPPORTAGE.step(self.task_id).label):
            return load_settings(), concept, Period.parse(concept["period"])

    def execute(self, context):
        config, concept, period = self._concept(context)
        log.info("concept van periode %s staat in %s; wacht op het besluit van het college",
                 period.label, concept["folder"])
        self._wait(context, config, concept, period, REMINDER,
                   timedelta(days=config.approval.reminder_after_days))

    def _wait(self, context, config, concept: dict, period, stage: str,
              timeout: timedelta) -> None:
        """Ask (again), clearing an earlier answer, and park the task.

        Airflow stores the request's subject, body and assignees when the task instance
        first asks and keeps them when it asks again (after a refused answer or the
        reminder); they are still made here, from the configuration, for every ask, so no
        path asks without its assignees."""
        from airflow.sdk.execution_time.hitl import upsert_hitl_detail

        self.subject = f"Besluit van het college: raadsinformatiebrief {period.label}"
        self.body = request_body(period, concept["folder"],
                                 timeout_days=config.approval.timeout_days,
                                 approver_role=config.approval.approver_role)
        # Only the secretariat's role may answer; Airflow's API refuses anyone else (403).
        self.assigned_users = approvers(config.approval.approver_role)
        upsert_hitl_detail(ti_id=context["task_instance"].id, options=self.options,
                           subject=self.subject, body=self.body, defaults=None,
                           multiple=False, params=self.serialized_params,
                           assigned_users=self.assigned_users)
        deadline = dt.datetime.now(dt.UTC) + timeout
        raise TaskAwaitingInput(method_name="execute_complete",
                                kwargs={"stage": stage, "deadline": deadline.isoformat()},
                                timeout=timeout)

    # -- the answer

    def execute_complete(self, context, event: dict[str, Any], stage: str = REMINDER,
                         deadline: str | None = None):
        config, concept, period = self._concept(context)
        if "error" in event:
            if event.get("error_type") != "timeout":
                from wijkopvolging.pipeline import RAPPORTAGE

                raise AirflowFailException(
                    f"{RAPPORTAGE.step(self.task_id).label}: {event['error']}")
            if stage == REMINDER:
                self._remind(config, period, concept)
                left = config.approval.timeout_days - config.approval.reminder_after_days
                self._wait(context, config, concept, period, TIMEOUT, timedelta(days=left))
            raise AirflowFailException(
                f"Geen besluit van het college over {period.label} binnen "
                f"{config.approval.timeout_days:g} dagen na het concept ({concept['folder']}); "
                f"er is niets naar de griffie gestuurd. Zodra het besluit er is: wis de taak "
                f"'{self.task_id}' van deze run (Clear), dan wordt het opnieuw gevraagd.")
        user = event.get("responded_by_user") or {}
        responded_at = event["responded_at"]
        if isinstance(responded_at, str):
            responded_at = dt.datetime.fromisoformat(responded_at)
        from wijkopvolging.periods import AMSTERDAM

        try:
            decision = check_answer(
                period, list(event.get("chosen_options") or []),
                dict(event.get("params_input") or {}),
                responded_by=user.get("name") or user.get("id") or "onbekend",
                responded_at=responded_at,
                today=dt.datetime.now(AMSTERDAM).date())
        except AnswerRefused as refused:
            log.error("%s Het besluit wordt opnieuw gevraagd.", refused)
            self._tell_secretariat(config, period, str(refused))
            until = dt.datetime.fromisoformat(deadline) if deadline else None
            left = (until - dt.datetime.now(dt.UTC)) if until else timedelta(
                days=config.approval.reminder_after_days)
            self._wait(context, config, concept, period, stage,
                       max(left, timedelta(seconds=1)))
        from wijkopvolging.delivery import concept_folder, record_college_decision

        record_college_decision(config, decision, run_id=context["run_id"],
                                concept=concept_folder(config, period))
        if decision.approved:
            log.info("periode %s: %s", period.label, decision.summary())
        else:
            log.warning("periode %s: %s. Er gaat niets naar de griffie.", period.label,
                        decision.summary())
        return decision.to_xcom()

    # -- mail to the secretariat

    def _remind(self, config, period, concept: dict) -> None:
        self._tell_secretariat(
            config, period,
            f"Herinnering: het college heeft nog niet besloten over het concept van de "
            f"raadsinformatiebrief over {period.label} ({concept['folder']}). Zonder "
            f"besluit binnen {config.approval.timeout_days:g} dagen na het concept krijgt "
            f"beheer een melding.", subject="Herinnering: besluit college gevraagd")

    def _tell_secretariat(self, config, period, text: str, *,
                          subject: str = "Besluit college niet verwerkt") -> None:
        """Mail ``text`` to ``approval.to`` when the SMTP connection exists; always log."""
        import html

        from wijkopvolging.mail import Mail, MailNotSent, send_mail, smtp_connection_configured

        log.warning("%s", text)
        conn_id = config.delivery.smtp_conn_id
        if not config.approval.to or not smtp_connection_configured(conn_id):
            return
        mail = Mail(to=config.approval.to, from_email=config.delivery.from_email,
                    subject=f"{subject}: raadsinformatiebrief {period.label}",
                    html=f'<html lang="nl"><body><p>{html.escape(text)}</p>'
                         "<p>Vul het besluit in Airflow in bij <em>Required actions</em>.</p>"
                         "<p>wijkopvolging (automatisch verstuurd)</p></body></html>",
                    headers={"X-Wijkopvolging-Periode": period.slug})
        try:
            send_mail(mail, conn_id)
        except MailNotSent as exc:  # the wait goes on; the log has the message
            log.error("bericht aan het secretariaat niet verstuurd: %s", exc)
