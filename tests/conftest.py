"""Shared fixtures: an isolated warehouse/output per test, service availability, states
built once per session (a warehouse after the closing ingest, Airflow's metadata
database), and how the suite is spread over pytest-xdist's workers."""

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
    # LibreOffice costs seconds per document: tests leave PDFs out (documents.pdf) unless
    # PDFs are what they are about; those set WIJKOPVOLGING_PDF=true themselves.
    "WIJKOPVOLGING_PDF": "false",
    # Likewise GX's Data Docs site (seconds per validation): tests about Data Docs turn it on.
    "WIJKOPVOLGING_DATA_DOCS": "false",
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


@pytest.fixture(scope="session")
def closing_ingest_sqlite(tmp_path_factory):
    """A SQLite warehouse (and project folder) after the ingest that closes
    September–October 2026, built once per session in this process;
    ``template.copy(folder)`` gives a test its own copy."""
    from tests.projects import closing_ingest_template

    with closing_ingest_template(tmp_path_factory.mktemp("closing-ingest"), "2026-09",
                                 postgres=False) as template:
        yield template


def private_airflow_db(folder: Path) -> dict[str, str]:
    """The environment for `airflow dags test` runs on their own copy (in ``folder``) of
    the migrated metadata database (`make test` migrates .airflow/airflow.db), so runs in
    parallel workers never share one SQLite file."""
    import sqlite3

    source = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    require(source.exists(), f"{source} missing: run `make test` (it migrates the Airflow DB)")
    target = folder / "airflow.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{target}"}


@pytest.fixture
def airflow_db(tmp_path) -> dict[str, str]:
    """A test's own copy of Airflow's metadata database (``private_airflow_db``)."""
    return private_airflow_db(tmp_path)


# ------------------------------------------------------------------ pytest-xdist

# `make test` runs two workers with --dist loadfile: each test module is one unit of work
# (its module fixtures are built once), and each worker starts its own Airflow cluster the
# first time one of its modules asks for it (a session fixture). The slowest modules go
# first, so each worker starts on one at once and the short modules fill the gaps.
SLOWEST_FIRST = (
    "tests/services/test_backfill.py",
    "tests/services/test_college_approval.py",
    "tests/services/test_operator_reissue.py",
    "tests/e2e/test_make_run.py",
    "tests/services/test_celery_executor.py",
)


def pytest_collection_modifyitems(config, items):
    """The slowest modules first (SLOWEST_FIRST), then the rest in collection order."""
    def rank(item) -> int:
        module = item.nodeid.split("::", 1)[0]
        return SLOWEST_FIRST.index(module) if module in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: the order within a rank is the collection's
