"""The college's approval through a real Airflow: PostgreSQL metadata, api-server,
dag-processor and a LocalExecutor scheduler on 127.0.0.1, a local SMTP server for the
secretariat, the griffie and operations. Runs are triggered and answered through the
REST API, as the secretariat's answer in the UI's Required actions view is sent.

Who may answer is tested here too, on the same waiting run: only the secretariat (role
Secretariaat); operations (Op) and the admin are refused, a reader (Viewer) cannot even
start a run.

The tests run in file order on one project: a run that waits, an answer refused, who may
answer (ending with the secretariat's approval), what the approval delivers, a rejection,
then a timeout with a short configured wait."""

from __future__ import annotations

import datetime as dt
import json
import time
import zipfile

import pytest

from tests.services.airflow_processes import ADMIN, APPROVER, OPERATOR, VIEWER
from wijkopvolging import layout
from wijkopvolging.layout import drop_folder
from wijkopvolging.periods import Period

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
TASK = "college_approval"
PERIODE = "2026-09"
PERIOD = Period.parse(PERIODE)
SLUG = PERIOD.slug
GRIFFIE = "griffie@example.org"
SECRETARIAAT = "secretariaat-college@example.org"
KENMERK = "26bb004711"
BEHEER = "beheer-wijkopvolging@example.org"
CONCEPT_MARK = "CONCEPT – ter besluitvorming door het college"

@pytest.fixture(scope="module")
def inbox():
    """One local SMTP server for the whole module (the runs mail in turn)."""
    from tests.services.conftest import running_smtp_server

    with running_smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def project(tmp_path_factory, closing_ingest_postgres):
    """A warehouse holding the ingest that closes the period."""
    with closing_ingest_postgres.copy(tmp_path_factory.mktemp("approval")) as project:
        yield project


@pytest.fixture(scope="module")
def cluster(airflow_cluster, project, inbox):
    """The cluster with a scheduler whose tasks mail through the local SMTP server and
    whose HITL timeout sweep runs every 2 s."""
    cluster = airflow_cluster
    cluster.start("scheduler", "scheduler", "--skip-serve-logs", env={
        **project.env, "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW_CONN_SMTP_GRIFFIE": inbox.connection_uri,
        "AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL": "2"})
    cluster.set_paused(RAPPORTAGE, False)
    try:
        yield cluster
    finally:
        cluster.set_paused(RAPPORTAGE, True)
        cluster.stop("scheduler")


# -- helpers -----------------------------------------------------------------------------

def decision_date() -> dt.date:
    from wijkopvolging.periods import AMSTERDAM, Period

    today = dt.datetime.now(AMSTERDAM).date()
    return min(Period.parse(PERIODE).end + dt.timedelta(days=9), today)


def waiting_request(cluster, run_id: str, timeout: float = 420) -> dict:
    """The run's unanswered approval request once its task waits for input (and the
    scheduler has settled the parking: see AirflowCluster.parked)."""
    deadline = time.monotonic() + timeout
    while True:
        cluster.assert_running()
        waiting = cluster.answerable(RAPPORTAGE, run_id)
        if waiting:
            return waiting
        run = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}")
        assert run["state"] != "failed", cluster.logs_tail(RAPPORTAGE, [run_id])
        if time.monotonic() > deadline:
            raise AssertionError(f"{run_id} did not ask for approval within {timeout:.0f} s\n"
                                 + cluster.logs_tail(RAPPORTAGE, [run_id]))
        time.sleep(1)


def request_path(run_id: str) -> str:
    return f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances/{TASK}/-1/hitlDetails"


def answer_body(option: str, **fields) -> dict:
    """What the UI's Required actions view sends; a field left empty is null."""
    params = {"besluitdatum": None, "kenmerk": None, "toelichting": None, **fields}
    return {"chosen_options": [option], "params_input": params}


def answer(cluster, run_id: str, option: str, **fields) -> dict:
    """Answer the run's approval request as the secretariat does (Required actions)."""
    return cluster.answer(RAPPORTAGE, run_id, option,
                          answer_body(option, **fields)["params_input"], task_id=TASK,
                          user=APPROVER)


def succeeded(cluster, run_id: str) -> bool:
    """Whether the run ended in success; the logs' tail is printed when it did not."""
    state = finished(cluster, run_id)["state"]
    if state != "success":
        print(cluster.logs_tail(RAPPORTAGE, [run_id]))
    return state == "success"


def finished(cluster, run_id: str, timeout: float = 420) -> dict:
    """The run once it has ended, whatever its state."""
    deadline = time.monotonic() + timeout
    while True:
        cluster.assert_running()
        run = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}")
        if run["state"] in ("success", "failed"):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"{run_id} not finished within {timeout:.0f} s\n"
                                 + cluster.logs_tail(RAPPORTAGE, [run_id]))
        time.sleep(2)


def task_states(cluster, run_id: str) -> dict[str, str]:
    instances = cluster.api(
        "GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances")["task_instances"]
    return {ti["task_id"]: ti["state"] for ti in instances}


def task_log(cluster, run_id: str, task_id: str) -> str:
    folder = cluster.home / "logs" / f"dag_id={RAPPORTAGE}" / f"run_id={run_id}"
    return "\n".join(p.read_text(errors="replace")
                     for p in sorted(folder.glob(f"task_id={task_id}/**/*.log")))


def mails_to(inbox, address: str) -> list:
    return [message for message, (_, to) in zip(inbox.messages, inbox.envelopes, strict=True)
            if address in to]


def mails_to_wijkraden(inbox) -> list:
    """The afschriften: the demo configuration's pattern wijkraad.{slug}@example.org."""
    return [message for message, (_, to) in zip(inbox.messages, inbox.envelopes, strict=True)
            if any(address.startswith("wijkraad.") for address in to)]


def header_text(docx) -> str:
    with zipfile.ZipFile(docx) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                       if n.startswith("word/header"))


def ledger(project, channel: str) -> list[dict]:
    from wijkopvolging.warehouse import open_warehouse

    with open_warehouse(project.warehouse_url) as warehouse:
        return warehouse.deliveries_of(SLUG, channel)


# -- approval ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def waiting_run(cluster):
    """A re-issue started by operations (role Op), waiting for the college."""
    run_id = cluster.trigger(RAPPORTAGE, conf={"periode": PERIODE}, user=OPERATOR)
    return run_id, waiting_request(cluster, run_id)


def test_a_run_waits_for_the_college_with_the_concept_at_the_secretariat(
        cluster, project, inbox, waiting_run):
    run_id, request = waiting_run
    assert cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}")["state"] == "running"
    assert task_states(cluster, run_id)[TASK] == "awaiting_input"
    assert request["options"] == ["Goedgekeurd", "Afgewezen"]
    assert set(request["params"]) == {"besluitdatum", "kenmerk", "toelichting"}
    drop = drop_folder(project.output_dir, PERIOD)
    assert CONCEPT_MARK in header_text(drop.concept.letter)
    assert CONCEPT_MARK in header_text(drop.concept.overview)
    (mail,) = mails_to(inbox, SECRETARIAAT)
    assert mail["Subject"].startswith("Concept ter besluitvorming")
    assert {part.get_filename() for part in mail.iter_attachments()} >= {
        layout.LETTER, layout.OVERVIEW}
    assert mails_to(inbox, GRIFFIE) == []
    assert not drop.letter.exists()


def test_an_approval_without_kenmerk_is_refused_and_the_run_keeps_waiting(
        cluster, project, inbox, waiting_run):
    run_id, _request = waiting_run
    answer(cluster, run_id, "Goedgekeurd", besluitdatum=decision_date().isoformat(),
           kenmerk=" ")
    deadline = time.monotonic() + 240
    while "het kenmerk is leeg" not in task_log(cluster, run_id, TASK):
        assert time.monotonic() < deadline, cluster.logs_tail(RAPPORTAGE, [run_id])
        time.sleep(2)
    again = waiting_request(cluster, run_id)  # asked anew, unanswered
    assert again["response_received"] is False
    refused = [m for m in mails_to(inbox, SECRETARIAAT)
               if m["Subject"].startswith("Besluit college niet verwerkt")]
    assert len(refused) == 1
    assert "het kenmerk is leeg" in refused[0].get_body(("html",)).get_content()
    assert mails_to(inbox, GRIFFIE) == [] and ledger(project, "college") == []


def test_only_the_secretariat_decides_operations_and_admin_are_refused_readers_cannot_start(
        cluster, inbox, waiting_run):
    run_id, _request = waiting_run
    approval = answer_body("Goedgekeurd", besluitdatum=decision_date().isoformat(),
                           kenmerk=KENMERK, toelichting="Besluitenlijst college")
    # Operations may start and clear runs, the admin may do anything else: neither may
    # record the college's decision (the request is assigned to the role Secretariaat).
    for user in (OPERATOR, ADMIN):
        refused = cluster.request("PATCH", f"/api/v2{request_path(run_id)}", user=user,
                                  json=approval)
        assert refused.status_code == 403, (user, refused.status_code, refused.text)
        assert "is not a respondent" in refused.text, user
    # A reader may look, not act: no answer, no run.
    assert cluster.request("PATCH", f"/api/v2{request_path(run_id)}", user=VIEWER,
                           json=approval).status_code == 403
    runs_before = len(cluster.runs(RAPPORTAGE))
    started = cluster.request("POST", f"/api/v2/dags/{RAPPORTAGE}/dagRuns", user=VIEWER,
                              json={"logical_date": None, "conf": {"periode": PERIODE}})
    assert started.status_code == 403, started.text
    assert len(cluster.runs(RAPPORTAGE)) == runs_before
    request = cluster.api("GET", request_path(run_id), user=VIEWER)
    assert request["response_received"] is False
    assert request["assigned_users"] == [{"id": "role:Secretariaat", "name": "rol Secretariaat"}]
    assert "de rol **Secretariaat**" in request["body"]
    assert task_states(cluster, run_id)[TASK] == "awaiting_input"
    # The secretariat's answer is taken (what it delivers: the next test).
    taken = cluster.answer(RAPPORTAGE, run_id, "Goedgekeurd", approval["params_input"],
                           task_id=TASK, user=APPROVER)
    assert taken["responded_by"]["name"] == APPROVER
    assert cluster.api("GET", request_path(run_id), user=VIEWER)["response_received"] is True


def test_the_approval_through_the_rest_api_sends_the_final_set_once(
        cluster, project, inbox, waiting_run):
    run_id, _request = waiting_run  # approved by the secretariat in the test above
    decided = decision_date()
    assert succeeded(cluster, run_id)

    drop = drop_folder(project.output_dir, PERIOD)
    from wijkopvolging.labels import format_date_nl

    header = header_text(drop.letter)
    assert f"Datum: {format_date_nl(decided)}" in header
    assert "Ons kenmerk: 26bb004711" in header
    assert "CONCEPT" not in header and "CONCEPT" not in header_text(drop.overview)
    (mail,) = mails_to(inbox, GRIFFIE)
    assert "kenmerk 26bb004711" in mail["Subject"]
    received = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert received[layout.LETTER] == drop.letter.read_bytes()

    manifest = json.loads(drop.manifest.read_text(encoding="utf-8"))
    assert manifest["concept"] is False and manifest["letter_date"] == decided.isoformat()
    (decision,) = ledger(project, "college")
    assert decision["recipients"] == [APPROVER] and decision["kenmerk"] == KENMERK
    assert decision["subject"].startswith(f"goedgekeurd door het college op "
                                          f"{decided:%d-%m-%Y}, kenmerk 26bb004711")
    assert [row["kenmerk"] for row in ledger(project, "email")] == ["26bb004711"]
    # Then the wijkraden: each afschrift from the approved set, with the college's kenmerk.
    afschriften = json.loads(drop.afschriften_manifest.read_text())
    assert afschriften["kenmerk"] == "26bb004711"
    assert len(mails_to_wijkraden(inbox)) == len(afschriften["afschriften"]) > 0
    assert task_states(cluster, run_id)["deliver_wijkraden"] == "success"


# -- rejection -----------------------------------------------------------------------------

def test_a_rejection_sends_nothing_to_the_griffie_and_ends_the_run_successfully(
        cluster, project, inbox, waiting_run):
    manifest = drop_folder(project.output_dir, PERIOD).manifest
    before = manifest.read_bytes()
    griffie_before = len(mails_to(inbox, GRIFFIE))
    wijkraden_before = len(mails_to_wijkraden(inbox))
    run_id = cluster.trigger(RAPPORTAGE, conf={"periode": PERIODE})
    waiting_request(cluster, run_id)
    answer(cluster, run_id, "Afgewezen", toelichting="Cijfers Charlois eerst nakijken")
    assert succeeded(cluster, run_id)

    states = task_states(cluster, run_id)
    assert (states[TASK], states["documents"], states["deliver"],
            states["deliver_wijkraden"], states["archive"]) == (
        "success", "skipped", "skipped", "skipped", "skipped")
    assert len(mails_to(inbox, GRIFFIE)) == griffie_before
    assert len(mails_to_wijkraden(inbox)) == wijkraden_before
    assert manifest.read_bytes() == before
    rejection = ledger(project, "college")[-1]
    assert rejection["subject"].startswith("afgewezen door het college")
    assert rejection["subject"].endswith(": Cijfers Charlois eerst nakijken")
    assert "Cijfers Charlois eerst nakijken" in task_log(cluster, run_id, TASK)


# -- no answer -------------------------------------------------------------------------------

def test_without_an_answer_a_reminder_goes_out_and_at_the_timeout_operations_is_alerted(
        cluster, project, inbox):
    config = project.config_path.read_text(encoding="utf-8")
    short = config.replace("reminder_after_days: 3", "reminder_after_days: 0.0001").replace(
        "timeout_days: 10", "timeout_days: 0.0003")  # about 9 s and 26 s
    assert short != config
    project.config_path.write_text(short, encoding="utf-8")
    griffie_before = len(mails_to(inbox, GRIFFIE))
    try:
        run_id = cluster.trigger(RAPPORTAGE, conf={"periode": PERIODE})
        waiting_request(cluster, run_id)
        run = finished(cluster, run_id, timeout=240)
    finally:
        project.config_path.write_text(config, encoding="utf-8")

    assert run["state"] == "failed"
    assert task_states(cluster, run_id)[TASK] == "failed"
    reminders = [m for m in mails_to(inbox, SECRETARIAAT)
                 if m["Subject"].startswith("Herinnering: besluit college gevraagd")]
    assert len(reminders) == 1
    (alert,) = [m for m in mails_to(inbox, BEHEER) if TASK in m["Subject"]]
    assert "Geen besluit van het college" in alert.get_body(("html",)).get_content()
    assert len(mails_to(inbox, GRIFFIE)) == griffie_before
