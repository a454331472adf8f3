"""A real Airflow on this machine for the service tests: its own metadata database on the
PostgreSQL server, its own AIRFLOW_HOME, and the processes production runs (api-server,
dag-processor, scheduler, celery worker), each on 127.0.0.1 only and stopped afterwards.

Two Airflow metadata databases take part, on purpose:

* the *cluster* (PostgreSQL, ``wijk_af_<random>``): the scheduler, api-server and workers
  under test; runs there are made by the scheduler, a REST trigger or a backfill.
* the *runner* (SQLite in tmp): ``airflow dags test``, the way ``make run`` drives the DAGs,
  used to prepare the warehouse (ingests) and to make reference documents. Kept apart
  because ``dags test`` replaces any run at its logical date and a running scheduler would
  pick up the runs of an unpaused DAG it made.

A ``Project`` is one wijkopvolging installation in tmp: its configuration (the repository's,
with the demo source moved into tmp), its demo source, its warehouse database and its
output folder. Processes get a project through their environment, as in production.
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

AIRFLOW = str(Path(sys.executable).parent / "airflow")
POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN_DSN = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user=postgres dbname=test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = 5  # a database number nothing else here uses; flushed when the test ends

# The cluster's people, one per role (README: "Who may do what"). The admin only adds the
# others; the tests act as ADMIN unless they say otherwise.
ADMIN, OPERATOR, APPROVER, VIEWER = "admin", "beheer", "secretariaat", "lezer"
PEOPLE = {OPERATOR: "Op", APPROVER: "Secretariaat", VIEWER: "Viewer"}

# Each Airflow process costs ~10 s to start and the machine has two cores: be patient,
# but bounded.
START_TIMEOUT = 180
STOP_TIMEOUT = 30


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


def postgres_url(database: str, driver: str = "postgresql+psycopg2") -> str:
    return f"{driver}://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database ``<prefix>_<random>``, dropped afterwards."""
    import psycopg2

    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def flush_redis_db(db: int = REDIS_DB) -> None:
    import redis

    with closing(redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)) as client:
        client.flushdb()


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


# ----------------------------------------------------------------------------- project

def ingest_moment(period) -> dt.datetime:
    """The logical date of the ingest that closes ``period`` (on its end day), as
    scripts/run_pipeline.py runs it."""
    from wijkopvolging.schedules import ingest_at

    return ingest_at(period.end)


@dataclass
class Project:
    """One wijkopvolging installation in ``folder`` with its warehouse at ``warehouse_url``."""

    folder: Path
    warehouse_url: str

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = (ROOT / "include/config/wijkopvolging.yaml").read_text(encoding="utf-8")
        # The repository's configuration, with its local files (demo source, exports) in tmp.
        config = config.replace(".data/", f"{self.folder}/")
        self.config_path.write_text(config, encoding="utf-8")

    @property
    def config_path(self) -> Path:
        return self.folder / "wijkopvolging.yaml"

    @property
    def output_dir(self) -> Path:
        return self.folder / "output"

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to work on this project."""
        return {
            "WIJKOPVOLGING_CONFIG": str(self.config_path),
            "WIJKOPVOLGING_WAREHOUSE_URL": self.warehouse_url,
            "WIJKOPVOLGING_OUTPUT_DIR": str(self.output_dir),
            "WIJKOPVOLGING_GX_DIR": str(self.folder / "gx"),
        }

    def fill_demo_sources(self, until: dt.date) -> None:
        """(Re)fill every demo source with what it holds on ``until``, as `make run` does."""
        from wijkopvolging.config import load_config

        for source in load_config(self.config_path).sources:
            if not source.options.get("demo"):
                continue
            if source.type == "sql":
                from demo.registrations import fill_demo_source

                fill_demo_source(source.options["url"], until=until)
            elif source.type == "file":
                from demo.exports import write_demo_exports

                write_demo_exports(source.options["folder"], until=until)
            else:
                raise AssertionError(f"no demo filler for source {source.name!r} "
                                     f"of type {source.type!r}")


    def run_steps(self, script: str, timeout: int = 600) -> None:
        """Run ``script`` (Python using wijkopvolging) in a process set up for this project:
        the same step functions the DAG tasks call, without Airflow's per-run start-up."""
        result = subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, **self.env}, cwd=ROOT,
            capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@contextmanager
def postgres_project(folder: Path) -> Iterator[Project]:
    """A project whose warehouse is a fresh PostgreSQL database, as in production."""
    with scratch_database("wijk_wh") as database:
        yield Project(folder, postgres_url(database))


@contextmanager
def project_after_closing_ingest(folder: Path, periode: str,
                                 runner: DagTestRunner) -> Iterator[Project]:
    """A PostgreSQL project whose warehouse holds the ingest that closes ``periode``,
    made with `airflow dags test` as `make run` does: ready for a rapportage run."""
    from wijkopvolging.periods import Period

    period = Period.parse(periode)
    with postgres_project(folder) as project:
        project.fill_demo_sources(until=period.peildatum)
        runner.run("wijkopvolging_ingest", ingest_moment(period), project)
        yield project


# ----------------------------------------------------------------------------- runner

class DagTestRunner:
    """``airflow dags test`` with its own SQLite metadata database (see module docstring)."""

    def __init__(self, home: Path):
        self.home = home
        self.env = _base_airflow_env(home)
        home.mkdir(parents=True, exist_ok=True)
        log = home / "migrate.log"
        with log.open("w") as out:
            result = subprocess.run([AIRFLOW, "db", "migrate"], stdout=out,
                                    stderr=subprocess.STDOUT, env=self.env, cwd=ROOT,
                                    timeout=300)
        assert result.returncode == 0, f"airflow db migrate failed\n{tail(log)}"

    def run(self, dag_id: str, logical_date: dt.datetime, project: Project,
            approval: tuple[dt.date, str] | None = None) -> Path:
        """One DAG run to success, or an AssertionError showing the log's tail.
        ``approval`` (date, kenmerk): the demo's college approves the run meanwhile, as
        `make run` does (scripts/approve_demo.py, through Airflow's API)."""
        log = self.home / f"{dag_id}-{logical_date:%Y%m%dT%H%M}.log"
        env = {**self.env, **project.env}
        with log.open("w") as out:
            runner = subprocess.Popen(
                [AIRFLOW, "dags", "test", dag_id, logical_date.isoformat()],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
            try:
                if approval is not None:
                    approved = subprocess.run(
                        [sys.executable, str(ROOT / "scripts/approve_demo.py"),
                         "--besluitdatum", approval[0].isoformat(), "--kenmerk", approval[1]],
                        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
                    assert approved.returncode == 0, approved.stdout[-2000:] + tail(log)
                returncode = runner.wait(timeout=600)
            finally:
                if runner.poll() is None:
                    runner.kill()
        text = log.read_text(errors="replace")
        assert returncode == 0 and "DagRunState.FAILED" not in text, (
            f"airflow dags test {dag_id} {logical_date.isoformat()} failed\n{tail(log, 60)}")
        return log


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
        self.passwords = {user: secrets.token_urlsafe(16) for user in (ADMIN, *PEOPLE)}
        self._tokens: dict[str, str] = {}
        self._waiting_since: dict[str, float] = {}

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
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
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
        """Start ``airflow <args>`` in its own process group, output to ``<name>.log``."""
        assert name not in self.processes, f"{name} is already running"
        log = self.home / f"{name}.log"
        out = log.open("ab")
        popen = subprocess.Popen([AIRFLOW, *args], stdout=out, stderr=subprocess.STDOUT,
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

    @contextmanager
    def scheduler(self, executor: str, project: Project) -> Iterator[None]:
        """A scheduler with ``executor``; its tasks work on ``project``. Stopped after."""
        # The log server would listen on every interface; task logs are local files here.
        self.start("scheduler", "scheduler", "--skip-serve-logs",
                   env={**project.env, "AIRFLOW__CORE__EXECUTOR": executor})
        try:
            yield
        finally:
            self.stop("scheduler")

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

    def approve_demo_requests(self, dag_id: str, run_ids: list[str]) -> None:
        """Approve the runs' waiting college approvals through the REST API with the
        date and kenmerk `make run` uses for their period (scripts/run_pipeline.py)."""
        from scripts.run_pipeline import demo_decision
        from wijkopvolging.periods import Period

        found = self.api("GET", f"/dags/{dag_id}/dagRuns/~/hitlDetails",
                         params={"response_received": False})["hitl_details"]
        for request in found:
            ti = request["task_instance"]
            if ti["state"] != "awaiting_input" or ti["dag_run_id"] not in run_ids:
                continue
            # Answer only after the executor has reported the parking workload's end (a
            # few seconds); an answer inside that window races it (see test_college_approval.py).
            seen = self._waiting_since.setdefault(ti["dag_run_id"], time.monotonic())
            if time.monotonic() - seen < 12:
                continue
            run = self.api("GET", f"/dags/{dag_id}/dagRuns/{ti['dag_run_id']}")
            period = (Period.parse(run["conf"]["periode"]) if (run["conf"] or {}).get("periode")
                      else Period.from_data_interval(
                          dt.datetime.fromisoformat(run["data_interval_start"]),
                          dt.datetime.fromisoformat(run["data_interval_end"])))
            decided_on, kenmerk = demo_decision(period, dt.date.today())
            self.api("PATCH", f"/dags/{dag_id}/dagRuns/{ti['dag_run_id']}/taskInstances/"
                              f"{ti['task_id']}/{ti['map_index']}/hitlDetails",
                     user=APPROVER, json={"chosen_options": ["Goedgekeurd"],
                           "params_input": {"besluitdatum": decided_on.isoformat(),
                                            "kenmerk": kenmerk, "toelichting": "test"}})

    def wait_for_runs(self, dag_id: str, run_ids: list[str], timeout: float,
                      approve: bool = False) -> dict[str, str]:
        """Wait until every run has finished; AssertionError with the logs' tail when one
        failed or time ran out. Returns run id -> state. ``approve``: answer the runs'
        college approvals as `make run` does."""
        deadline = time.monotonic() + timeout
        while True:
            self.assert_running()
            if approve:
                self.approve_demo_requests(dag_id, run_ids)
            states = {run["dag_run_id"]: run["state"] for run in self.runs(dag_id)
                      if run["dag_run_id"] in run_ids}
            failed = [run_id for run_id, state in states.items() if state == "failed"]
            if failed:
                raise AssertionError(f"{dag_id} runs failed: {failed}\n"
                                     + self.logs_tail(dag_id, failed))
            if len(states) == len(run_ids) and set(states.values()) == {"success"}:
                return states
            if time.monotonic() > deadline:
                raise AssertionError(f"{dag_id} runs not finished within {timeout:.0f} s: "
                                     f"{states}\n" + self.logs_tail(dag_id, run_ids))
            time.sleep(3)

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

@dataclass
class SharedAirflow:
    """What several test modules share: the cluster (migrated metadata DB, api-server,
    dag-processor) and the ``dags test`` runner. Each module adds its own scheduler."""

    cluster: AirflowCluster
    runner: DagTestRunner


@contextmanager
def started_airflow(tmp_path_factory) -> Iterator[SharedAirflow]:
    """A migrated cluster with api-server and dag-processor running, plus a runner;
    stopped (processes, then database) on leaving. The session fixture
    ``airflow_services`` (tests/services/conftest.py) is its one user."""
    require_postgres()
    started = time.monotonic()
    with scratch_database("wijk_af") as database:
        cluster = AirflowCluster(tmp_path_factory.mktemp("airflow-cluster"), database)
        try:
            cluster.migrate()
            cluster.create_admin()
            cluster.start_api_server()
            cluster.start_dag_processor()
            # The runner's migrate overlaps the api-server's and dag-processor's start.
            runner = DagTestRunner(tmp_path_factory.mktemp("airflow-runner"))
            cluster.wait_until_ready(("wijkopvolging_ingest", "wijkopvolging_rapportage"))
            cluster.add_people()
            print(f"\n[airflow] cluster ready in {time.monotonic() - started:.0f} s "
                  f"(api-server {cluster.base_url}, database {database})")
            yield SharedAirflow(cluster, runner)
        finally:
            cluster.stop_all()
