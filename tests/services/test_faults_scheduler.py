"""The scheduler killed (SIGKILL) in the middle of a rapportage run and started again,
made for real on the session's Airflow (PostgreSQL metadata, api-server, dag-processor)
with a LocalExecutor scheduler whose tasks mail through a local SMTP server.

The kill comes at a moment the test knows: while `deliver_wijkraden` is sending the
afschriften, the SMTP server holds the third one at RCPT TO, so the task is in the middle
of its work (two afschriften sent and recorded, one in flight). The whole process group
goes, the scheduler and the task processes its executor started, as when their machine or
container dies. docs/reliability.md lists what happens.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.services.conftest import Inbox, free_port, running_smtp_server
from wijkopvolging.warehouse import open_warehouse

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
PERIODE = "2026-09"
SLUG = "2026-09_2026-10"
GRIFFIE = "griffie@example.org"
HELD_AFSCHRIFT = 3  # the afschrift in flight when the scheduler is killed
# The restarted scheduler finds the dead one's tasks at once: a scheduler whose heartbeat
# is older than this counts as dead, and its tasks are reset and run again.
RESTART_SETTINGS = {"AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "15",
                    "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "5"}
DEADLINE = 300  # for each wait; a run takes about a minute on two busy cores


@dataclass
class HoldingInbox(Inbox):
    """An inbox that holds the ``HELD_AFSCHRIFT``-th afschrift's RCPT TO until released
    (then answers 451: the client that asked is gone by then)."""

    afschriften: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address,  # noqa: N802
                          rcpt_options):
        if address.startswith("wijkraad."):
            self.afschriften += 1
            if self.afschriften == HELD_AFSCHRIFT:
                self.held.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
                return "451 4.3.0 try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@pytest.fixture
def project(tmp_path, closing_ingest_postgres):
    with closing_ingest_postgres.copy(tmp_path / "project") as project:
        yield project


@pytest.fixture
def inbox():
    with running_smtp_server(HoldingInbox("127.0.0.1", free_port())) as inbox:
        try:
            yield inbox
        finally:
            inbox.release.set()


def wait_until(condition, what: str, cluster, run_id: str) -> None:
    """Poll ``condition`` (answering the college's approval meanwhile) until it holds."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        cluster.assert_running()
        cluster.approve_demo_requests(RAPPORTAGE, [run_id])
        state = cluster.api("GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}")["state"]
        assert state in ("queued", "running"), f"run {state} before {what}\n" + cluster.logs_tail(
            RAPPORTAGE, [run_id])
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE} s\n" + \
            cluster.logs_tail(RAPPORTAGE, [run_id])
        time.sleep(1)


def test_a_scheduler_killed_mid_run_and_started_again_completes_the_run_and_mails_once(
        airflow_cluster, project, inbox):
    cluster = airflow_cluster
    env = {"AIRFLOW_CONN_SMTP_GRIFFIE": f"smtp://{inbox.host}:{inbox.port}?disable_ssl=true"
                                        "&disable_tls=true&timeout=120&retry_limit=0"}
    with cluster.scheduler("LocalExecutor", project, env=env):
        cluster.set_paused(RAPPORTAGE, False)
        try:
            run_id = cluster.trigger(RAPPORTAGE, conf={"periode": PERIODE})
            wait_until(inbox.held.is_set, "afschrift in flight", cluster, run_id)

            cluster.kill("scheduler")
            inbox.release.set()
            cluster.start_scheduler("LocalExecutor", project, env={**env, **RESTART_SETTINGS})
            states = cluster.wait_for_runs(RAPPORTAGE, [run_id], DEADLINE)
        finally:
            cluster.set_paused(RAPPORTAGE, True)

    assert states == {run_id: "success"}
    instances = {ti["task_id"]: ti for ti in cluster.api(
        "GET", f"/dags/{RAPPORTAGE}/dagRuns/{run_id}/taskInstances")["task_instances"]}
    assert instances["deliver_wijkraden"]["try_number"] == 2  # the killed try, then one
    assert instances["deliver"]["try_number"] == 1  # done before the kill: not again

    received = Counter(address for _, to in inbox.envelopes for address in to)
    afschriften = {a: n for a, n in received.items() if a.startswith("wijkraad.")}
    assert received[GRIFFIE] == 1
    assert set(afschriften.values()) == {1}, "an afschrift went out twice"
    with open_warehouse(project.warehouse_url) as warehouse:
        griffie = warehouse.deliveries_of(SLUG, "email")
        ledger = warehouse.deliveries_of(f"wijkraden/{SLUG}")
    assert len(griffie) == 1
    assert len(ledger) == len(afschriften) > HELD_AFSCHRIFT
