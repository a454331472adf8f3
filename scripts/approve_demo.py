"""The demo's college: answer a waiting rapportage run's approval through Airflow's REST API.

    python scripts/approve_demo.py --besluitdatum 2026-11-08 --kenmerk demo-2026-09_2026-10

`make run` drives the DAGs with `airflow dags test`, which keeps a run alive while its
human-in-the-loop task waits and runs on once an answer is recorded in the metadata
database. This script is that answer: it serves Airflow's own API in-process (the same
FastAPI application and the same ``PATCH .../hitlDetails`` endpoint the UI uses, on the
same metadata database, no port opened), waits until the run asks, and approves it as
user ``make-run-demo``. Like a person, that user may answer only as a member of the
approver role (``approval.approver_role``): the script makes it once, in that role, with a
password nobody knows, and signs its token in-process. It refuses unless the configuration
says ``approval.demo_approval: true``: a production configuration never approves by
itself, and has no demo user.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

RAPPORTAGE = "wijkopvolging_rapportage"
TASK = "college_approval"
DEMO_USER = "make-run-demo"


class InProcessApi:
    """Airflow's public REST API (v2), served in this process for one user of ``role``."""

    def __init__(self, user: str, role: str):
        # Tokens are made and checked here only; a fresh secret keeps them from working
        # anywhere else.
        os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
        # The project's auth manager and roles, also when the Makefile's settings are absent
        # (pytest called directly): the API served here is the one a person would meet.
        os.environ.setdefault("AIRFLOW__CORE__AUTH_MANAGER",
                              "wijkopvolging.auth_manager.WijkopvolgingAuthManager")
        os.environ.setdefault("AIRFLOW__FAB__CUSTOM_ROLES",
                              (ROOT / "include/config/airflow-roles.json").read_text())
        from airflow.api_fastapi.app import create_app, get_auth_manager
        from fastapi.testclient import TestClient

        self.client = TestClient(create_app())
        auth_manager = get_auth_manager()
        token = auth_manager.generate_jwt(demo_user(auth_manager, user, role))
        self.headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, **kwargs) -> dict:
        response = self.client.request(method, f"/api/v2{path}", headers=self.headers,
                                       **kwargs)
        if not response.is_success:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()


def demo_user(auth_manager, username: str, role: str):
    """The demo's approver in Airflow's user database: made once, as a member of ``role``
    (added to it when it is not), with a random password nobody keeps."""
    with auth_manager.flask_app.app_context():
        security = auth_manager.security_manager
        approvers = security.find_role(role)
        if approvers is None:
            sys.exit(f"De rol {role!r} (approval.approver_role) bestaat niet in Airflow; "
                     f"zie include/config/airflow-roles.json.")
        user = security.find_user(username=username)
        if user is None:
            user = security.add_user(username, "Demo", "make run",
                                     f"{username}@example.invalid", approvers,
                                     password=secrets.token_urlsafe(32))
        elif approvers not in user.roles:
            user.roles.append(approvers)
            security.update_user(user)
        return user


def waiting_request(api: InProcessApi, logical_date: dt.datetime | None = None,
                    dag_id: str = RAPPORTAGE) -> dict | None:
    """The newest unanswered approval request of ``dag_id`` (of the run at
    ``logical_date`` when given: never an older run someone left waiting), if any."""
    found = api("GET", f"/dags/{dag_id}/dagRuns/~/hitlDetails",
                params={"task_id": TASK, "response_received": False})
    waiting = [d for d in found["hitl_details"]
               if d["task_instance"]["state"] == "awaiting_input"
               and (logical_date is None or d["task_instance"]["logical_date"]
                    and dt.datetime.fromisoformat(d["task_instance"]["logical_date"])
                    == logical_date)]
    return max(waiting, key=lambda d: d["created_at"]) if waiting else None


def approve(api: InProcessApi, request: dict, *, besluitdatum: str, kenmerk: str,
            toelichting: str) -> dict:
    """Answer ``request`` with an approval (PATCH, as the UI's Required actions does)."""
    ti = request["task_instance"]
    return api("PATCH", f"/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/"
                        f"{ti['task_id']}/{ti['map_index']}/hitlDetails",
               json={"chosen_options": ["Goedgekeurd"],
                     "params_input": {"besluitdatum": besluitdatum, "kenmerk": kenmerk,
                                      "toelichting": toelichting}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--besluitdatum", required=True, help="date of the college decision")
    parser.add_argument("--kenmerk", required=True)
    parser.add_argument("--logical-date", type=dt.datetime.fromisoformat,
                        help="answer only the run at this logical date (ISO, with offset)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait")
    args = parser.parse_args()

    from wijkopvolging.config import load_config

    config = load_config()
    if not config.approval.demo_approval:
        sys.exit(f"{config.path}: approval.demo_approval staat niet aan; deze configuratie "
                 f"keurt niet zelf goed. Het college besluit in Airflow (Required actions).")
    api = InProcessApi(DEMO_USER, config.approval.approver_role)
    deadline = time.monotonic() + args.timeout
    while (request := waiting_request(api, args.logical_date)) is None:
        if time.monotonic() > deadline:
            sys.exit(f"no approval request of {RAPPORTAGE} within {args.timeout:.0f} s")
        time.sleep(2)
    approve(api, request, besluitdatum=args.besluitdatum, kenmerk=args.kenmerk,
            toelichting="Demo: goedgekeurd door make run, niet door het college.")
    print(f"Demo-goedkeuring gegeven voor run {request['task_instance']['dag_run_id']}: "
          f"besluitdatum {args.besluitdatum}, kenmerk {args.kenmerk} "
          f"(gebruiker {DEMO_USER})", flush=True)


if __name__ == "__main__":
    main()
