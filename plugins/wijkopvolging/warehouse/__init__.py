"""The warehouse: every ingest's version of every item, quarantine, runs, report items and
the delivery ledger, in one database behind a SQLAlchemy URL.

Open it for one step and let it close itself::

    with open_warehouse(config.warehouse_url) as warehouse:
        snapshot = warehouse.snapshot(as_of)

Each module holds one kind of record and its queries: ``staging``, ``quarantine``,
``versions`` (items and snapshots), ``runs`` (reconciliation per ingest), ``reports`` and
``deliveries``; ``schema`` holds what they share.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from wijkopvolging.errors import ExpectedError
from wijkopvolging.warehouse.deliveries import DeliveryLedger, deliveries
from wijkopvolging.warehouse.quarantine import QuarantineStore, quarantine
from wijkopvolging.warehouse.reports import ReportStore, report_items
from wijkopvolging.warehouse.runs import ReconciliationError, RunStore, ingest_runs
from wijkopvolging.warehouse.schema import create_engine, metadata
from wijkopvolging.warehouse.staging import StagingStore, staging_items
from wijkopvolging.warehouse.versions import (
    VersionStore,
    content_hash,
    item_versions,
    source_loads,
)

__all__ = [
    "OutdatedWarehouse", "ReconciliationError", "Warehouse", "content_hash", "deliveries",
    "ingest_runs", "item_versions", "metadata", "open_warehouse", "quarantine",
    "report_items", "source_loads", "staging_items",
]


class OutdatedWarehouse(ExpectedError):
    """The database was made before versions carried their recorded time."""


class Warehouse(StagingStore, QuarantineStore, VersionStore, RunStore, ReportStore,
                DeliveryLedger):
    """The warehouse database behind a SQLAlchemy URL; a context manager that disposes
    its engine on leaving. Prefer ``open_warehouse``, which also creates missing tables."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url)
        self._open: sa.Connection | None = None  # the transaction() in progress

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for several writes: every write through ``begin`` inside the
        block commits at its end, or none does (an error, a dropped connection, a killed
        process). A step that is retried then finds everything or nothing of its work."""
        with self.engine.begin() as conn:
            self._open = conn
            try:
                yield
            finally:
                self._open = None

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A connection in a transaction: the one ``transaction`` holds open, else a new
        one, committed when the block ends."""
        if self._open is not None:
            yield self._open
            return
        with self.engine.begin() as conn:
            yield conn

    def create(self) -> Warehouse:
        """Create missing tables and optional columns (idempotent); refuse a database of
        the older layout."""
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            inspector = sa.inspect(conn)
            present = {table.name: {c["name"] for c in inspector.get_columns(table.name)}
                       for table in metadata.sorted_tables}
            if "recorded_at" not in present["item_versions"]:
                raise OutdatedWarehouse(
                    f"het warehouse {self.engine.url.render_as_string(hide_password=True)} "
                    "heeft nog de oude indeling (item_versions zonder recorded_at, van vóór "
                    "de registratietijd): maak een nieuw warehouse en laat de ingests "
                    "opnieuw lopen (demo: make clean)")
            _add_optional_columns(conn, present)
        return self

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *_exc) -> None:
        self.dispose()


@contextmanager
def open_warehouse(url: str) -> Iterator[Warehouse]:
    """The warehouse at ``url`` with its tables in place, closed when the block ends."""
    with Warehouse(url) as warehouse:
        yield warehouse.create()


def _add_optional_columns(conn: sa.Connection, present: dict[str, set[str]]) -> None:
    """Give a warehouse of an earlier release the nullable columns added since (such as
    where a quarantined record sits in its source); their rows simply have none."""
    quote = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.name in present[table.name] or not column.nullable:
                continue
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {quote.format_table(table)} ADD COLUMN "
                                 f"{quote.format_column(column)} {kind}"))
