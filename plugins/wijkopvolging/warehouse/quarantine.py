"""Quarantine: the findings of each ingest run per source, errors (the record is held
back) and warnings. Only the latest run of a source counts for a moment, so a record
fixed at the source leaves quarantine with the next ingest."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import FINDING_COLUMNS, naive_utc
from wijkopvolging.warehouse.runs import latest_runs
from wijkopvolging.warehouse.schema import insert_frame, metadata

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("row_no", sa.Integer),
    sa.Column("source_file", sa.String(500)),
    sa.Column("source_row", sa.Integer),
    sa.Column("source_record_id", sa.Text),
    sa.Column("rule", sa.String(60), nullable=False),
    sa.Column("column", sa.String(60)),
    sa.Column("value", sa.Text),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("detected_at", sa.DateTime, nullable=False),
    sa.Index("ix_quarantine_run_source", "run_id", "source"),
)


class QuarantineStore:
    """The quarantine table's part of the warehouse."""

    engine: sa.Engine

    def write_findings(self, run_id: str, source: str, as_of: dt.datetime,
                       findings: pd.DataFrame, detected_at: dt.datetime) -> None:
        """Replace this run's findings for one source."""
        with self.engine.begin() as conn:
            conn.execute(quarantine.delete().where(
                quarantine.c.run_id == run_id, quarantine.c.source == source))
            frame = findings.reindex(columns=list(FINDING_COLUMNS)).assign(
                run_id=run_id, source=source, as_of=naive_utc(as_of),
                detected_at=naive_utc(detected_at))
            frame["value"] = frame["value"].astype("object").where(frame["value"].notna())
            frame["source_row"] = pd.to_numeric(frame["source_row"]).astype("Int64")
            insert_frame(conn, quarantine, frame)

    def findings_as_of(self, as_of: dt.datetime) -> pd.DataFrame:
        """Each source's findings from its latest ingest at or before ``as_of``.

        A record fixed at the source leaves quarantine with the next ingest, because only
        the latest run of each source counts.
        """
        latest = latest_runs(as_of)
        query = sa.select(quarantine).join(
            latest, sa.and_(quarantine.c.run_id == latest.c.run_id,
                            quarantine.c.source == latest.c.source))
        return self._read(query)

    def findings_of_run(self, run_id: str) -> pd.DataFrame:
        """Every source's findings of one ingest run."""
        return self._read(sa.select(quarantine).where(quarantine.c.run_id == run_id))

    def _read(self, query) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(quarantine.c.source, quarantine.c.row_no),
                                     conn)
