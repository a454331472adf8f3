"""Report items: one report run's selection of a period's items, with the timeliness
columns the later steps add (deadline, status, days over, tussenbericht)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import ID, coerce_items
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
