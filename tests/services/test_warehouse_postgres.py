"""The warehouse on PostgreSQL behaves as on SQLite: versions, snapshots as of a moment,
quarantine as of a moment, reconciliation, and the delivery ledger.

The SQLite behaviours live in ``tests/unit/test_warehouse.py``; its tests are collected
here again and get this module's ``warehouse`` fixture, a fresh PostgreSQL schema. The
ledger tests run on both backends.
"""

from __future__ import annotations

import datetime as dt

import pytest

import tests.unit.test_warehouse as sqlite_behaviours
import tests.unit.test_warehouse_history as history
from wijkopvolging import layout
from wijkopvolging.warehouse import open_warehouse

pytestmark = pytest.mark.postgres

# The same test functions, resolved against the PostgreSQL `warehouse` fixture below.
globals().update({name: getattr(sqlite_behaviours, name) for name in dir(sqlite_behaviours)
                  if name.startswith("test_")})
# The out-of-order cases of issue 17 (the property tests run on in-memory SQLite only).
globals().update({name: getattr(history, name) for name in dir(history)
                  if name.startswith("test_") and "warehouse" in
                  getattr(history, name).__code__.co_varnames})


@pytest.fixture
def warehouse(postgres_url):
    with open_warehouse(postgres_url) as warehouse:
        yield warehouse


@pytest.fixture(params=["sqlite", "postgresql"])
def any_warehouse(request, tmp_path):
    url = (f"sqlite:///{tmp_path}/warehouse.sqlite" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    with open_warehouse(url) as warehouse:
        yield warehouse


def test_a_warehouse_of_the_previous_release_gains_the_location_columns_on_postgresql(
        postgres_url):
    sqlite_behaviours.gains_the_location_columns(postgres_url)


def test_the_tables_live_in_the_test_schema_not_in_public(warehouse, postgres_url):
    import sqlalchemy as sa

    schema = postgres_url.rsplit("%3D", 1)[1]
    tables = set(sa.inspect(warehouse.engine).get_table_names(schema=schema))
    assert {"item_versions", "quarantine", "ingest_runs", "deliveries"} <= tables


FIRST = dt.datetime(2026, 11, 1, 6, 2, tzinfo=dt.UTC)
FILES = {layout.LETTER: "a" * 64, layout.OVERVIEW: "b" * 64}


def _deliver(warehouse, *, at, revised=False, content="c1", period="2026-09_2026-10"):
    warehouse.record_delivery(
        period_slug=period, channel="email", delivered_at=at, run_id=f"run@{at:%H%M}",
        recipients=["griffie@example.org", "raad@example.org"],
        subject="Stand van zaken … september–oktober 2026", kenmerk="WaZ/2026-09_2026-10",
        revised=revised, content_sha256=content, files=FILES)


def test_a_period_without_deliveries_has_no_last_delivery(any_warehouse):
    assert any_warehouse.last_delivery("2026-09_2026-10", "email") is None
    assert any_warehouse.deliveries_of("2026-09_2026-10") == []


def test_the_ledger_returns_what_was_sent_when_and_to_whom(any_warehouse):
    _deliver(any_warehouse, at=FIRST)
    (row,) = any_warehouse.deliveries_of("2026-09_2026-10")
    assert row["delivered_at"] == dt.datetime(2026, 11, 1, 6, 2)  # naive UTC
    assert row["recipients"] == ["griffie@example.org", "raad@example.org"]
    assert row["files"] == FILES and row["revised"] is False
    assert row["subject"] == "Stand van zaken … september–oktober 2026"


def test_the_last_delivery_is_the_latest_of_its_period_and_channel(any_warehouse):
    _deliver(any_warehouse, at=FIRST)
    _deliver(any_warehouse, at=FIRST + dt.timedelta(days=3), revised=True, content="c2")
    _deliver(any_warehouse, at=FIRST + dt.timedelta(days=9), period="2026-11_2026-12")
    last = any_warehouse.last_delivery("2026-09_2026-10", "email")
    assert (last["content_sha256"], last["revised"]) == ("c2", True)
    assert any_warehouse.last_delivery("2026-09_2026-10", "drop") is None
