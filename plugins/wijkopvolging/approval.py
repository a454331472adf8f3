"""The college's decision on a period's concept, before anything reaches the griffie.

A raadsinformatiebrief is a letter of the college: the letter carries the date of the
college's decision and the kenmerk the college gives it. The rapportage DAG delivers a
concept set, then waits in Airflow (a human-in-the-loop task, see
``wijkopvolging.approval_task``) for the secretariat to enter the outcome. This module
holds what that answer means, independent of Airflow: the form's fields, the checks an
answer must pass (refused with a Dutch message that says what to correct), and the
decision the rest of the run works from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from wijkopvolging.errors import ExpectedError

APPROVE = "Goedgekeurd"
REJECT = "Afgewezen"
OPTIONS = (APPROVE, REJECT)

# The form's fields (HITL params), in the order the secretariat fills them in.
DATE_FIELD = "besluitdatum"
KENMERK_FIELD = "kenmerk"
NOTE_FIELD = "toelichting"
FIELDS = (DATE_FIELD, KENMERK_FIELD, NOTE_FIELD)

LEDGER_CHANNEL = "college"  # the delivery ledger's channel for the college's decisions

# Who may answer. Airflow stores a HITL task's assignees as users ({"id", "name"}) and its
# API lets only them answer; wijkopvolging assigns a role instead, so the secretariat's
# membership is kept in one place (the role's members in Airflow's user database), not in
# every run. ``wijkopvolging.auth_manager`` reads these entries back on the server side.
ROLE_ASSIGNEE_PREFIX = "role:"


def approvers(role: str) -> list[dict[str, str]]:
    """The HITL assignees meaning "every member of Airflow role ``role``"."""
    return [{"id": f"{ROLE_ASSIGNEE_PREFIX}{role}", "name": f"rol {role}"}]


def may_answer(assignee_ids, *, user_id: str, roles) -> bool:
    """Whether a user (its id and the names of its roles) may answer a HITL task assigned
    to ``assignee_ids``: one of those users (Airflow's own rule) or a member of one of the
    assigned roles (see ``approvers``)."""
    assigned_roles = {assignee.removeprefix(ROLE_ASSIGNEE_PREFIX) for assignee in assignee_ids
                      if assignee.startswith(ROLE_ASSIGNEE_PREFIX)}
    return user_id in assignee_ids or not assigned_roles.isdisjoint(roles)


class AnswerRefused(ExpectedError):
    """An answer that cannot be used; the message (Dutch) says what to correct."""


@dataclass(frozen=True)
class CollegeDecision:
    """What the college decided on one period's concept, and who entered it when."""

    period: str  # the period's slug
    approved: bool
    decided_on: dt.date | None  # the date of the college's decision
    kenmerk: str | None  # the registration number the college gave the letter
    note: str  # the reason of a rejection, or a remark
    responded_by: str
    responded_at: dt.datetime

    def to_xcom(self) -> dict:
        """Plain values: the one form the decision travels in from the approval task
        (its XCom) to the documents (``rapportage.render_for_delivery`` reads it back,
        once) and into the manifest."""
        values = asdict(self)
        values["decided_on"] = self.decided_on.isoformat() if self.decided_on else None
        values["responded_at"] = self.responded_at.isoformat()
        return values

    @classmethod
    def from_xcom(cls, values: Mapping) -> CollegeDecision:
        """The decision as ``to_xcom`` wrote it."""
        decided_on = values.get("decided_on")
        return cls(period=values["period"], approved=bool(values["approved"]),
                   decided_on=dt.date.fromisoformat(decided_on) if decided_on else None,
                   kenmerk=values.get("kenmerk"), note=values.get("note") or "",
                   responded_by=values["responded_by"],
                   responded_at=dt.datetime.fromisoformat(values["responded_at"]))

    def summary(self) -> str:
        """One Dutch line for the log and the ledger."""
        if self.approved:
            line = (f"goedgekeurd door het college op {self.decided_on:%d-%m-%Y}, kenmerk "
                    f"{self.kenmerk}")
        else:
            line = "afgewezen door het college"
        line += f" (ingevoerd door {self.responded_by} op {self.responded_at:%d-%m-%Y %H:%M} UTC)"
        return f"{line}: {self.note}" if self.note else line


def _parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise AnswerRefused(
            f"De besluitdatum {value!r} is geen datum; vul de datum van het collegebesluit "
            f"in als JJJJ-MM-DD.") from None


def check_answer(period, chosen_options: list[str], params_input: Mapping, *,
                 responded_by: str, responded_at: dt.datetime,
                 today: dt.date) -> CollegeDecision:
    """The decision in one answer, or ``AnswerRefused`` saying (in Dutch) what is wrong.

    An approval needs the date of the college's decision and the kenmerk; the date can be
    neither in the future (``today`` is the day the answer is checked) nor before the
    period's end (the college cannot have decided on a report of a period not yet over).
    A rejection needs its reason in the note; a date, when given, is checked the same way.
    """
    if len(chosen_options) != 1 or chosen_options[0] not in OPTIONS:
        raise AnswerRefused(f"Kies één uitkomst: {APPROVE!r} of {REJECT!r}.")
    approved = chosen_options[0] == APPROVE
    decided_on = _parse_date(params_input.get(DATE_FIELD))
    kenmerk = str(params_input.get(KENMERK_FIELD) or "").strip()
    note = str(params_input.get(NOTE_FIELD) or "").strip()
    problems = []
    if approved and decided_on is None:
        problems.append("de besluitdatum ontbreekt: vul de datum van het collegebesluit in")
    if decided_on is not None and decided_on > today:
        problems.append(f"de besluitdatum {decided_on:%d-%m-%Y} ligt in de toekomst")
    if decided_on is not None and decided_on < period.end:
        problems.append(f"de besluitdatum {decided_on:%d-%m-%Y} ligt voor het einde van de "
                        f"periode {period.label} ({period.end:%d-%m-%Y})")
    if approved and not kenmerk:
        problems.append("het kenmerk is leeg: bij goedkeuring is het kenmerk van het "
                        "collegebesluit verplicht")
    if not approved and not note:
        problems.append("geef bij afwijzing de reden op in de toelichting")
    if problems:
        raise AnswerRefused("Antwoord geweigerd: " + "; ".join(problems) + ".")
    return CollegeDecision(period=period.slug, approved=approved, decided_on=decided_on,
                           kenmerk=kenmerk or None, note=note, responded_by=responded_by,
                           responded_at=responded_at)


def request_body(period, concept_folder: str, *, timeout_days: float,
                 approver_role: str) -> str:
    """The question as the secretariat reads it in Airflow (Markdown)."""
    return (
        f"Het concept van de raadsinformatiebrief over **{period.label}** (peildatum "
        f"{period.peildatum:%d-%m-%Y}) staat klaar in `{concept_folder}`, met het overzicht "
        f"als bijlage; elke pagina is gemarkeerd als concept.\n\n"
        f"Vul na het collegebesluit in:\n\n"
        f"- **{APPROVE}** of **{REJECT}**;\n"
        f"- **{DATE_FIELD}**: de datum van het collegebesluit (JJJJ-MM-DD), niet in de "
        f"toekomst en niet voor {period.end:%d-%m-%Y};\n"
        f"- **{KENMERK_FIELD}**: het kenmerk dat het college aan de brief gaf "
        f"(verplicht bij goedkeuring);\n"
        f"- **{NOTE_FIELD}**: bij afwijzing de reden, anders een eventuele opmerking.\n\n"
        f"Alleen wie in Airflow de rol **{approver_role}** heeft, kan het besluit invullen.\n\n"
        f"Bij goedkeuring wordt de brief opnieuw gemaakt met deze datum en dit kenmerk, "
        f"zonder conceptmarkering, en naar de griffie gestuurd. Bij afwijzing gaat er niets "
        f"naar de griffie. Zonder antwoord binnen {timeout_days:g} dagen krijgt beheer een "
        f"melding; de brief gaat nooit zonder goedkeuring uit."
    )
