"""A real Airflow on this machine for the service tests: its own metadata database on the
PostgreSQL server, its own AIRFLOW_HOME, and the processes production runs (api-server,
dag-processor, scheduler, celery worker), each on 127.0.0.1 only and stopped afterwards.
Runs there are made by the scheduler, a REST trigger or a backfill; the processes work on
a ``tests.projects.Project`` given through their environment, as in production.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT, port_open, require
from tests.projects import (  # noqa: F401 (the service tests import them from here)
    POSTGRES_HOST,
    POSTGRES_PORT,
    Project,
    ingest_moment,
    postgres_url,
    scratch_database,
)

AIRFLOW = str(Path(sys.executable).parent / "airflow")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = 5  # a database number nothing else here uses
# Each cluster's broker keys carry its own prefix, so a worker of another test session (or
# one left from an interrupted run) can never take this cluster's tasks, and cleaning up
# removes this cluster's keys only.

# The cluster's people, one per role (README: "Who may do what"). The admin only adds the
# others; the tests act as ADMIN unless they say otherwise.
ADMIN, OPERATOR, APPROVER, VIEWER = "admin", "beheer", "secretariaat", "lezer"
PEOPLE = {OPERATOR: "Op", APPROVER: "Secretariaat", VIEWER: "Viewer"}

# Each Airflow process costs ~10 s to start and the machine has two cores: be patient,
# but bounded.
START_TIMEOUT = 180
STOP_TIMEOUT = 30
RAPPORTAGE = "wijkopvolging_rapportage"


# ----------------------------------------------------------------------------- servers

def require_postgres() -> None:
    """Skip (fail under CI=true) when the PostgreSQL server is not there."""
    require(port_open(POSTGRES_HOST, POSTGRES_PORT),
            f"PostgreSQL is not reachable on {POSTGRES_HOST}:{POSTGRES_PORT}; start it "
            "(user postgres, trust) to run the Airflow service tests")


def require_redis() -> None:
    """Skip (fail under CI=true) when the Redis server is not there."""
    require(port_open(REDIS_HOST, REDIS_PORT),
            f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}; start it to run the "
            "CeleryExecutor test")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delete_redis_keys(prefix: str, db: int = REDIS_DB) -> None:
    """Remove the broker keys that start with ``prefix`` (one cluster's)."""
    import redis

    with closing(redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)) as client:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file, headed by its name (for failure messages)."""
    if not path.exists():
        return f"--- {path}: (no file)"
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- {path} (last {len(text)} lines)\n" + "\n".join(text)


def _clean_environment() -> dict[str, str]:
    """os.environ without the Makefile's Airflow and wijkopvolging settings: every
    process started here gets exactly the settings written below."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "WIJKOPVOLGING_"))}


def _base_airflow_env(home: Path) -> dict[str, str]:
    return {
        **_clean_environment(),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__PARALLELISM": "2",  # two cores
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT / "plugins"),
        "WIJKOPVOLGING_HOME": str(ROOT),
        # As in production: users and roles in the metadata database (FAB), the approval
        # assigned to the Secretariaat role (see the Makefile).
        "AIRFLOW__CORE__AUTH_MANAGER": "wijkopvolging.auth_manager.WijkopvolgingAuthManager",
        "AIRFLOW__FAB__CUSTOM_ROLES": (ROOT / "include/config/airflow-roles.json").read_text(),
    }


# ----------------------------------------------------------------------------- cluster

@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path


@dataclass
class AirflowCluster:
    """Airflow's metadata on PostgreSQL plus the processes started on it."""

    home: Path
    database: str
    port: int = field(default_factory=free_port)
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.jwt_secret = secrets.token_urlsafe(32)
        self.redis_prefix = f"wijk-{secrets.token_hex(4)}-"
        self.passwords = {user: secrets.token_urlsafe(16) for user in (ADMIN, *PEOPLE)}
        self._tokens: dict[str, str] = {}
        self._answers: dict[str, int] = {}  # run id -> approval answers sent

    # --- configuration

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, executor: str = "LocalExecutor", **extra: str) -> dict[str, str]:
        """The settings every process of this cluster shares (same DB, same JWT secret)."""
        from cryptography.fernet import Fernet

        if not hasattr(self, "_fernet_key"):
            self._fernet_key = Fernet.generate_key().decode()
        return {
            **_base_airflow_env(self.home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres_url(self.database),
            **_async_metadata_setting(),
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__FERNET_KEY": self._fernet_key,
            # Tasks report to the api-server's execution API, signed with this secret.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": self.jwt_secret,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API__WORKERS": "1",
            # Runs come from the test (trigger, backfill), never from the clock: unpausing a
            # DAG must not add the latest period's scheduled run.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            # The DAG files do not change while the tests run: parse them once, not every
            # 30 s (each parse costs CPU the two cores need for the runs under test).
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": self.redis_prefix,
            # The driver named: SQLAlchemy 2.1 defaults postgresql:// to psycopg 3.
            "AIRFLOW__CELERY__RESULT_BACKEND": postgres_url(self.database,
                                                            "db+postgresql+psycopg2"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            **extra,
        }

    def airflow(self, *args: str, env: dict[str, str] | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
        """One Airflow CLI command against this cluster."""
        return subprocess.run([AIRFLOW, *args], capture_output=True, text=True,
                              env={**self.env(), **(env or {})}, cwd=ROOT, timeout=timeout)

    def migrate(self) -> None:
        result = self.airflow("db", "migrate")
        assert result.returncode == 0, f"airflow db migrate failed:\n{result.stdout[-3000:]}" \
                                       f"{result.stderr[-3000:]}"

    def create_admin(self) -> None:
        """The first user, as operations make it (docker-compose's airflow-init). Before the
        api-server starts: both would set up FAB's roles at once."""
        result = self.airflow("users", "create", "--username", ADMIN, "--role", "Admin",
                              "--firstname", "Test", "--lastname", "Admin",
                              "--email", "admin@example.invalid",
                              "--password", self.passwords[ADMIN])
        assert result.returncode == 0, f"airflow users create failed:\n{result.stdout[-3000:]}" \
                                       f"{result.stderr[-3000:]}"

    def add_people(self) -> None:
        """One user per role (PEOPLE), added by the admin through FAB's REST API."""
        for user, role in PEOPLE.items():
            response = self.request("POST", "/auth/fab/v1/users", json={
                "username": user, "email": f"{user}@example.invalid", "first_name": user,
                "last_name": "Test", "roles": [{"name": role}],
                "password": self.passwords[user]})
            assert response.ok, f"user {user}: {response.status_code} {response.text[:500]}"

    # --- processes

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Process:
        """Start ``airflow <args>`` in its own process group, output to ``<name>.log``. The
        processes that fork the tasks (scheduler, Celery worker) start with the tasks'
        libraries imported (tests/services/warm_airflow.py)."""
        assert name not in self.processes, f"{name} is already running"
        log = self.home / f"{name}.log"
        out = log.open("ab")
        command = ([sys.executable, "-m", "tests.services.warm_airflow"]
                   if args[0] in ("scheduler", "celery") else [AIRFLOW])
        popen = subprocess.Popen([*command, *args], stdout=out, stderr=subprocess.STDOUT,
                                 env={**self.env(), **(env or {})}, cwd=ROOT,
                                 start_new_session=True)
        out.close()
        self.processes[name] = process = Process(name, popen, log)
        return process

    def stop(self, name: str) -> None:
        """Stop a process and everything it started (its process group)."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.popen.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.popen.wait(timeout=wait)
                # The leader is gone; its children may not be yet.
                deadline = time.monotonic() + wait
                while _group_alive(process.popen.pid) and time.monotonic() < deadline:
                    time.sleep(0.2)
                if not _group_alive(process.popen.pid):
                    break
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    def start_api_server(self) -> None:
        self.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1")

    def start_dag_processor(self) -> None:
        self.start("dag-processor", "dag-processor")

    def start_scheduler(self, executor: str, project: Project,
                        env: dict[str, str] | None = None) -> Process:
        """Start a scheduler with ``executor``; its tasks work on ``project``; ``env``
        adds settings."""
        # The log server would listen on every interface; task logs are local files here.
        return self.start("scheduler", "scheduler", "--skip-serve-logs",
                          env={**project.env, "AIRFLOW__CORE__EXECUTOR": executor,
                               **(env or {})})

    @contextmanager
    def scheduler(self, executor: str, project: Project,
                  env: dict[str, str] | None = None) -> Iterator[None]:
        """A scheduler with ``executor``; its tasks work on ``project``. Stopped after
        (the one running then, when the block started it again)."""
        self.start_scheduler(executor, project, env)
        try:
            yield
        finally:
            self.stop("scheduler")

    def kill(self, name: str) -> None:
        """SIGKILL a process and everything it started (its process group) at once, as
        when its machine or container dies: nothing of it can clean up."""
        process = self.processes.pop(name)
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=STOP_TIMEOUT)

    @contextmanager
    def celery_worker(self, project: Project, concurrency: int = 2) -> Iterator[None]:
        """One Celery worker on the test Redis database; its tasks work on ``project``."""
        name = f"wijk-test-{secrets.token_hex(3)}@%h"
        self.start("celery-worker", "celery", "worker", "--skip-serve-logs",
                   "--concurrency", str(concurrency), "--celery-hostname", name,
                   "--without-gossip", "--without-mingle",
                   env={**project.env, "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"})
        try:
            yield
        finally:
            self.stop("celery-worker")

    def assert_running(self) -> None:
        for process in self.processes.values():
            code = process.popen.poll()
            assert code is None, f"airflow {process.name} exited with {code}\n{tail(process.log)}"

    # --- REST API (v2)

    def token(self, user: str) -> str:
        """A REST API token for ``user``, by password (POST /auth/token), as a client gets one."""
        import requests

        if user not in self._tokens:
            response = requests.post(f"{self.base_url}/auth/token", timeout=30, json={
                "username": user, "password": self.passwords[user]})
            assert response.ok, f"token for {user}: {response.status_code} {response.text}"
            self._tokens[user] = response.json()["access_token"]
        return self._tokens[user]

    def request(self, method: str, path: str, *, user: str = ADMIN, **kwargs):
        """One request to the api-server as ``user``; the response, whatever its status."""
        import requests

        return requests.request(method, f"{self.base_url}{path}", timeout=60,
                                headers={"Authorization": f"Bearer {self.token(user)}"},
                                **kwargs)

    def api(self, method: str, path: str, *, user: str = ADMIN, **kwargs):
        """The REST API (v2) as ``user``; its JSON answer, or AssertionError on an error."""
        response = self.request(method, f"/api/v2{path}", user=user, **kwargs)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:2000]}"
        return response.json()

    def wait_until_ready(self, dag_ids: tuple[str, ...], timeout: float = START_TIMEOUT) -> None:
        """Until the api-server answers healthy and the dag-processor has stored the DAGs."""
        import requests

        deadline = time.monotonic() + timeout
        while True:
            self.assert_running()
            try:
                health = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
                if health.ok and all(self._dag_known(dag_id) for dag_id in dag_ids):
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"Airflow was not ready within {timeout:.0f} s\n"
                                     + self.logs_tail())
            time.sleep(2)

    def _dag_known(self, dag_id: str) -> bool:
        import requests

        try:
            self.api("GET", f"/dags/{dag_id}")
            return True
        except (AssertionError, requests.RequestException):
            return False

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def trigger(self, dag_id: str, *, conf: dict | None = None,
                logical_date: dt.datetime | None = None, user: str = ADMIN) -> str:
        """Trigger a run through the REST API as ``user``; returns its run id."""
        body = {"logical_date": logical_date.isoformat() if logical_date else None,
                "conf": conf or {}}
        return self.api("POST", f"/dags/{dag_id}/dagRuns", json=body,
                        user=user)["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]

    def parked(self, dag_id: str, run_id: str, task_id: str = "college_approval") -> int:
        """How many times the scheduler has handled the end of the workload that parked the
        run's ``task_id`` in *awaiting input* (its "TaskInstance Finished" line). An answer
        given before that races the executor's report: the scheduler then sees a finished
        workload for a task the answer just queued again, and fails it. A person answers
        minutes or days later; a test waits for this line instead."""
        log = self.home / "scheduler.log"
        needle = f"dag_id={dag_id}, task_id={task_id}, run_id={run_id}, "
        return sum(1 for line in log.read_text(errors="replace").splitlines()
                   if "TaskInstance Finished:" in line and needle in line
                   and "state=awaiting_input" in line)

    def answerable(self, dag_id: str, run_id: str) -> dict | None:
        """The run's approval request when it waits for an answer and the scheduler has
        settled its parking (``parked``) once more than it has been answered; else None."""
        found = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/hitlDetails",
                         params={"response_received": False})["hitl_details"]
        waiting = [d for d in found if d["task_instance"]["state"] == "awaiting_input"]
        if not waiting:
            return None
        if self.parked(dag_id, run_id, waiting[0]["task_instance"]["task_id"]) <= \
                self._answers.get(run_id, 0):
            return None
        return waiting[0]

    def answer(self, dag_id: str, run_id: str, option: str, params: dict,
               task_id: str = "college_approval", user: str = APPROVER) -> dict:
        """PATCH the run's approval request as ``user`` (the secretariat by default), as
        the UI's Required actions view does."""
        self._answers[run_id] = self._answers.get(run_id, 0) + 1
        return self.api("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/"
                                 f"-1/hitlDetails", user=user,
                        json={"chosen_options": [option], "params_input": params})

    def approve_demo_requests(self, dag_id: str, run_ids: list[str]) -> None:
        """Approve the runs that wait for the college, through the REST API, with the date
        and kenmerk `make run` uses for their period (demo.college)."""
        from demo.college import demo_decision
        from wijkopvolging.periods import Period

        for run_id in run_ids:
            if self.answerable(dag_id, run_id) is None:
                continue
            run = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
            period = (Period.parse(run["conf"]["periode"]) if (run["conf"] or {}).get("periode")
                      else Period.from_data_interval(
                          dt.datetime.fromisoformat(run["data_interval_start"]),
                          dt.datetime.fromisoformat(run["data_interval_end"])))
            decided_on, kenmerk = demo_decision(period, dt.date.today())
            self.answer(dag_id, run_id, "Goedgekeurd",
                        {"besluitdatum": decided_on.isoformat(), "kenmerk": kenmerk,
                         "toelichting": "test"})

    def wait_for_runs(self, dag_id: str, run_ids: list[str], timeout: float,
                      approve: bool = False, failed_ok: bool = False) -> dict[str, str]:
        """Wait until every run has ended; AssertionError with the logs' tail when time ran
        out or (unless ``failed_ok``) a run failed. Returns run id -> state. ``approve``:
        answer the runs' college approvals as `make run` does."""
        deadline = time.monotonic() + timeout
        while True:
            self.assert_running()
            if approve:
                self.approve_demo_requests(dag_id, run_ids)
            states = {run["dag_run_id"]: run["state"] for run in self.runs(dag_id)
                      if run["dag_run_id"] in run_ids}
            failed = [run_id for run_id, state in states.items() if state == "failed"]
            if failed and not failed_ok:
                raise AssertionError(f"{dag_id} runs failed: {failed}\n"
                                     + self.logs_tail(dag_id, failed))
            if len(states) == len(run_ids) and set(states.values()) <= {"success", "failed"}:
                return states
            if time.monotonic() > deadline:
                raise AssertionError(f"{dag_id} runs not finished within {timeout:.0f} s: "
                                     f"{states}\n" + self.logs_tail(dag_id, run_ids))
            time.sleep(1)

    def reissue(self, project: Project, periods: list[str],
                timeout: float = 600) -> dict[str, str]:
        """The operator's re-issue: one rapportage run per period, triggered through the
        REST API with ``periode``, run by a LocalExecutor scheduler on ``project`` and
        approved as `make run` does, to its end (success or failure). Period -> run id."""
        with self.scheduler("LocalExecutor", project):
            self.set_paused(RAPPORTAGE, False)
            try:
                runs = {periode: self.trigger(RAPPORTAGE, conf={"periode": periode})
                        for periode in periods}
                self.wait_for_runs(RAPPORTAGE, list(runs.values()), timeout, approve=True,
                                   failed_ok=True)
            finally:
                self.set_paused(RAPPORTAGE, True)
        return runs

    def logs_tail(self, dag_id: str | None = None, run_ids: list[str] | tuple = ()) -> str:
        """The tails of the process logs and of the named runs' task logs."""
        parts = [tail(self.home / f"{name}.log")
                 for name in ("scheduler", "celery-worker", "dag-processor", "api-server")
                 if (self.home / f"{name}.log").exists()]
        if dag_id:
            for run_id in run_ids:
                folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
                parts += [tail(log, 30) for log in sorted(folder.glob("**/*.log"))]
        return "\n".join(parts)


def _async_metadata_setting() -> dict[str, str]:
    """Airflow 3.3 also opens its metadata DB with an async driver (postgresql+asyncpg),
    used only by the multi-team, task-state-store and run-wait features. Without asyncpg
    installed every Airflow process would stop at start; an empty setting turns the async
    engine off, which these tests (and this project) can do without."""
    if importlib.util.find_spec("asyncpg"):
        return {}
    return {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": ""}


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


# ----------------------------------------------------------------------------- sharing

@contextmanager
def started_airflow(tmp_path_factory) -> Iterator[AirflowCluster]:
    """A migrated cluster with api-server and dag-processor running; stopped (processes,
    then database) on leaving. The session fixture ``airflow_cluster``
    (tests/services/conftest.py) is its one user; each module adds its own scheduler."""
    require_postgres()
    started = time.monotonic()
    with scratch_database("wijk_af") as database:
        cluster = AirflowCluster(tmp_path_factory.mktemp("airflow-cluster"), database)
        try:
            cluster.migrate()
            cluster.create_admin()
            cluster.start_api_server()
            cluster.start_dag_processor()
            cluster.wait_until_ready(("wijkopvolging_ingest", "wijkopvolging_rapportage"))
            cluster.add_people()
            print(f"\n[airflow] cluster ready in {time.monotonic() - started:.0f} s "
                  f"(api-server {cluster.base_url}, database {database})")
            yield cluster
        finally:
            cluster.stop_all()
