"""Report items: one report run's selection of a period's items, with the timeliness
columns the later steps add (deadline, status, days over, tussenbericht), and the moments
its snapshot was taken at (valid time and recorded time)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import ID, coerce_items, naive_utc
from wijkopvolging.warehouse.schema import insert_frame, item_columns, metadata

report_items = sa.Table(
    "report_items", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    *item_columns(),
    sa.Column("gebied", sa.Text),
    sa.Column("deadline", sa.Date),
    sa.Column("status", sa.String(30)),
    sa.Column("days_over", sa.Integer),
    sa.Column("tussenbericht_sent", sa.Boolean),
    sa.Index("ix_report_items_run", "run_id"),
)

# Per report run: as of which moment the sources were read (the period's end), and as of
# which recorded moment the warehouse answered (so the report can be made again as it was).
report_snapshots = sa.Table(
    "report_snapshots", metadata,
    sa.Column("run_id", sa.String(250), primary_key=True),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("known_at", sa.DateTime),  # NULL: the warehouse held no load yet
)


class ReportStore:
    """The report table's part of the warehouse."""

    engine: sa.Engine

    def write_report_items(self, run_id: str, period_slug: str, frame: pd.DataFrame) -> None:
        """Replace the report table of one report run."""
        columns = [c.name for c in report_items.columns]
        with self.engine.begin() as conn:
            conn.execute(report_items.delete().where(report_items.c.run_id == run_id))
            out = frame.reindex(columns=columns).assign(run_id=run_id, period=period_slug)
            insert_frame(conn, report_items, out)

    def read_report_items(self, run_id: str) -> pd.DataFrame:
        """One report run's items, typed as the timeliness step left them."""
        query = sa.select(report_items).where(report_items.c.run_id == run_id)
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(query.order_by(report_items.c[ID]), conn)
        items = coerce_items(frame)
        items["gebied"] = frame["gebied"].astype("str")
        if len(frame):
            items["deadline"] = pd.to_datetime(frame["deadline"]).astype("datetime64[us]")
        else:
            items["deadline"] = pd.Series(dtype="datetime64[us]")
        items["status"] = frame["status"].astype("str")
        items["days_over"] = frame["days_over"].fillna(0).astype("int64")
        items["tussenbericht_sent"] = frame["tussenbericht_sent"].fillna(False).astype(bool)
        return items

    def record_report_snapshot(self, run_id: str, period_slug: str, as_of: dt.datetime,
                               known_at: dt.datetime | None) -> None:
        """Note the two moments one report run's snapshot was taken at."""
        with self.engine.begin() as conn:
            conn.execute(report_snapshots.delete().where(report_snapshots.c.run_id == run_id))
            conn.execute(report_snapshots.insert().values(
                run_id=run_id, period=period_slug, as_of=naive_utc(as_of),
                known_at=naive_utc(known_at) if known_at else None))

    def report_snapshot(self, run_id: str) -> dict | None:
        """The moments of one report run's snapshot (UTC, naive), or None."""
        query = sa.select(report_snapshots).where(report_snapshots.c.run_id == run_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None
