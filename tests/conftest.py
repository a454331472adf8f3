"""Shared fixtures: an isolated warehouse/output per test, and service availability."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"

# `make test` exports these; set them too when pytest is called directly, before any
# test imports Airflow, so tests never touch ~/airflow.
for _name, _value in {
    "AIRFLOW_HOME": str(ROOT / ".airflow"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "WIJKOPVOLGING_HOME": str(ROOT),
}.items():
    os.environ.setdefault(_name, _value)


def require(condition: bool, reason: str) -> None:
    """Skip when a server or tool is absent; under CI=true it must be there, so fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def isolated_project(tmp_path, monkeypatch):
    """Warehouse, output and GX folder in tmp_path; the repository's config otherwise."""
    monkeypatch.setenv("WIJKOPVOLGING_WAREHOUSE_URL", f"sqlite:///{tmp_path}/warehouse.sqlite")
    monkeypatch.setenv("WIJKOPVOLGING_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("WIJKOPVOLGING_GX_DIR", str(tmp_path / "gx"))
    return tmp_path
