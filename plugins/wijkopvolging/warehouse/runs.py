"""Ingest runs: per run and source, the reconciliation (extracted = loaded + quarantined)
and the change counts. The latest run of a source at or before a moment decides which
quarantine and which counts describe that moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.errors import ExpectedError
from wijkopvolging.model import naive_utc
from wijkopvolging.warehouse.schema import metadata

ingest_runs = sa.Table(
    "ingest_runs", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("extracted", sa.Integer, nullable=False),
    sa.Column("loaded", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Integer, nullable=False),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Integer, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=False),
    sa.PrimaryKeyConstraint("run_id", "source"),
)


class ReconciliationError(ExpectedError):
    """Extracted records do not equal loaded plus quarantined: something was lost."""


def latest_runs(as_of: dt.datetime):
    """Subquery: per source, the run id of its latest ingest at or before ``as_of``."""
    as_of = naive_utc(as_of)
    last = (
        sa.select(ingest_runs.c.source, sa.func.max(ingest_runs.c.as_of).label("as_of"))
        .where(ingest_runs.c.as_of <= as_of).group_by(ingest_runs.c.source).subquery()
    )
    return (
        sa.select(ingest_runs.c.source, sa.func.max(ingest_runs.c.run_id).label("run_id"))
        .join(last, sa.and_(ingest_runs.c.source == last.c.source,
                            ingest_runs.c.as_of == last.c.as_of))
        .group_by(ingest_runs.c.source).subquery()
    )


class RunStore:
    """The ingest runs' part of the warehouse."""

    engine: sa.Engine
    begin: Callable[[], AbstractContextManager[sa.Connection]]  # Warehouse.begin

    def record_ingest_run(self, run_id: str, source: str, as_of: dt.datetime, *,
                          extracted: int, loaded: int, quarantined: int, warnings: int,
                          new: int, changed: int, deleted: int,
                          finished_at: dt.datetime) -> None:
        """Store one source's reconciliation; refuse it when records went missing."""
        if extracted != loaded + quarantined:
            raise ReconciliationError(
                f"source {source!r}, run {run_id}: extracted {extracted} records, but loaded "
                f"{loaded} + quarantined {quarantined} = {loaded + quarantined}"
            )
        with self.begin() as conn:
            conn.execute(ingest_runs.delete().where(
                ingest_runs.c.run_id == run_id, ingest_runs.c.source == source))
            conn.execute(ingest_runs.insert().values(
                run_id=run_id, source=source, as_of=naive_utc(as_of), extracted=extracted,
                loaded=loaded, quarantined=quarantined, warnings=warnings, new=new,
                changed=changed, deleted=deleted, finished_at=naive_utc(finished_at)))

    def reconciliation_as_of(self, as_of: dt.datetime) -> pd.DataFrame:
        """Per source, the counts of its latest ingest at or before ``as_of``."""
        latest = latest_runs(as_of)
        query = sa.select(ingest_runs).join(
            latest, sa.and_(ingest_runs.c.run_id == latest.c.run_id,
                            ingest_runs.c.source == latest.c.source))
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(ingest_runs.c.source), conn)

    def first_ingest(self) -> dt.datetime | None:
        """The moment (naive UTC) of the oldest ingest run, or ``None`` when there is none:
        the warehouse knows nothing from before it."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.min(ingest_runs.c.as_of))).scalar()

    def runs_of(self, run_id: str) -> pd.DataFrame:
        """Every source's counts of one ingest run."""
        query = sa.select(ingest_runs).where(ingest_runs.c.run_id == run_id)
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(ingest_runs.c.source), conn)
