"""Staging: one ingest run's raw extract of a source, handed from extract to validate to
load through the database (so each step may run on another worker)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import ITEM_COLUMNS, LOCATION_COLUMNS, coerce_items
from wijkopvolging.warehouse.schema import insert_frame, item_columns, metadata

staging_items = sa.Table(
    "staging_items", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("row_no", sa.Integer, nullable=False),
    sa.Column("source_file", sa.String(500)),
    sa.Column("source_row", sa.Integer),
    *item_columns(),
    sa.Index("ix_staging_run_source", "run_id", "source"),
)


class StagingStore:
    """The staging table's part of the warehouse."""

    engine: sa.Engine
    begin: Callable[[], AbstractContextManager[sa.Connection]]  # Warehouse.begin

    def write_staging(self, run_id: str, source: str, items: pd.DataFrame) -> None:
        """Replace this run's staged extract of one source (so a retry starts clean)."""
        with self.engine.begin() as conn:
            conn.execute(_of(run_id, source, staging_items.delete()))
            frame = items.reindex(columns=["row_no", *LOCATION_COLUMNS, *ITEM_COLUMNS]
                                  ).assign(run_id=run_id)
            insert_frame(conn, staging_items, frame)

    def read_staging(self, run_id: str, source: str) -> pd.DataFrame:
        """This run's staged extract of one source, in row order, with its ``row_no`` and
        where each record sits in the source (``model.LOCATION_COLUMNS``)."""
        query = _of(run_id, source, sa.select(staging_items)).order_by(staging_items.c.row_no)
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(query, conn)
        items = coerce_items(frame)
        items.insert(0, "row_no", frame["row_no"].astype("int64"))
        items.insert(1, "source_file", frame["source_file"].astype("object"))
        items.insert(2, "source_row", frame["source_row"].astype("Int64"))
        return items

    def clear_staging(self, run_id: str, source: str) -> None:
        """Drop this run's staged extract of one source (it has been loaded)."""
        with self.begin() as conn:
            conn.execute(_of(run_id, source, staging_items.delete()))


def _of(run_id: str, source: str, statement):
    return statement.where(staging_items.c.run_id == run_id, staging_items.c.source == source)
