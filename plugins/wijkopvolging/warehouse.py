"""The warehouse: every ingest's version of every item, quarantine, runs and reports.

Items are kept as versions (``valid_from`` = the ingest's data interval end, UTC), so a
report for a past period is made as of its peildatum from history, not from today's data.
SQLite by default; PostgreSQL (or any SQLAlchemy database) by URL.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.config import ensure_sqlite_folder
from wijkopvolging.errors import ExpectedError
from wijkopvolging.model import (
    DATE_FIELDS,
    FIELD_NAMES,
    FINDING_COLUMNS,
    ID,
    ITEM_COLUMNS,
    SOURCE,
    naive_utc,
)

metadata = sa.MetaData()


def _item_columns() -> list[sa.Column]:
    types = {"date": sa.Date, "int": sa.Integer, "str": sa.Text}
    from wijkopvolging.model import FIELDS

    columns = [sa.Column(ID, sa.String(200)), sa.Column(SOURCE, sa.String(100))]
    columns += [sa.Column(f.name, types[f.type]) for f in FIELDS]
    return columns


staging_items = sa.Table(
    "staging_items", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("row_no", sa.Integer, nullable=False),
    *_item_columns(),
    sa.Index("ix_staging_run_source", "run_id", "source"),
)

item_versions = sa.Table(
    "item_versions", metadata,
    *_item_columns(),
    sa.Column("valid_from", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.PrimaryKeyConstraint(ID, "valid_from"),
    sa.Index("ix_versions_source_valid_from", "source", "valid_from"),
)

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("row_no", sa.Integer),
    sa.Column("source_record_id", sa.Text),
    sa.Column("rule", sa.String(60), nullable=False),
    sa.Column("column", sa.String(60)),
    sa.Column("value", sa.Text),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("detected_at", sa.DateTime, nullable=False),
    sa.Index("ix_quarantine_run_source", "run_id", "source"),
)

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

report_items = sa.Table(
    "report_items", metadata,
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    *_item_columns(),
    sa.Column("gebied", sa.Text),
    sa.Column("deadline", sa.Date),
    sa.Column("status", sa.String(30)),
    sa.Column("days_over", sa.Integer),
    sa.Column("tussenbericht_sent", sa.Boolean),
    sa.Index("ix_report_items_run", "run_id"),
)


# One row per e-mail (or other channel) delivery of a period's documents to the griffie.
# ``content_sha256`` fingerprints the Word documents as rendered *without* the
# "herziene versie" mark, so a re-run of an unchanged period matches the delivery even
# after a revised one; ``files`` holds the sha256 of every file actually attached.
deliveries = sa.Table(
    "deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(120), nullable=False),  # a period slug, or a signalering week
    sa.Column("channel", sa.String(120), nullable=False),  # "email", or "email:<recipient>"
    sa.Column("delivered_at", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("recipients", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("kenmerk", sa.String(100)),
    sa.Column("revised", sa.Boolean, nullable=False),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("files", sa.Text, nullable=False),  # JSON: {file name: sha256}
    sa.Index("ix_deliveries_period", "period", "channel", "delivered_at"),
)


class ReconciliationError(ExpectedError):
    """Extracted records do not equal loaded plus quarantined: something was lost."""


def content_hash(items: pd.DataFrame) -> pd.Series:
    """A stable fingerprint of each item's canonical fields: changed content, new version."""
    hashed = pd.util.hash_pandas_object(items[list(FIELD_NAMES)], index=False)
    return hashed.map(lambda h: f"{h:016x}")


class Warehouse:
    """The warehouse database behind a SQLAlchemy URL."""

    def __init__(self, url: str):
        self.url = url
        self.engine = sa.create_engine(url)
        if url.startswith("sqlite"):
            ensure_sqlite_folder(url)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)

    def create(self) -> Warehouse:
        """Create missing tables (idempotent)."""
        metadata.create_all(self.engine)
        return self

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def begin(self):
        with self.engine.begin() as conn:
            yield conn

    # -- staging -------------------------------------------------------------------
    def write_staging(self, run_id: str, source: str, items: pd.DataFrame) -> None:
        """Replace this run's staged extract of one source (so a retry starts clean)."""
        with self.begin() as conn:
            conn.execute(staging_items.delete().where(
                staging_items.c.run_id == run_id, staging_items.c.source == source))
            frame = items.reindex(columns=["row_no", *ITEM_COLUMNS]).assign(run_id=run_id)
            _insert(conn, staging_items, frame)

    def read_staging(self, run_id: str, source: str) -> pd.DataFrame:
        from wijkopvolging.model import coerce_items

        query = sa.select(staging_items).where(
            staging_items.c.run_id == run_id, staging_items.c.source == source
        ).order_by(staging_items.c.row_no)
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(query, conn)
        items = coerce_items(frame)
        items.insert(0, "row_no", frame["row_no"].astype("int64"))
        return items

    def clear_staging(self, run_id: str, source: str) -> None:
        with self.begin() as conn:
            conn.execute(staging_items.delete().where(
                staging_items.c.run_id == run_id, staging_items.c.source == source))

    # -- quarantine ------------------------------------------------------------------
    def write_findings(self, run_id: str, source: str, as_of: dt.datetime,
                       findings: pd.DataFrame, detected_at: dt.datetime) -> None:
        """Replace this run's findings for one source."""
        with self.begin() as conn:
            conn.execute(quarantine.delete().where(
                quarantine.c.run_id == run_id, quarantine.c.source == source))
            frame = findings.reindex(columns=list(FINDING_COLUMNS)).assign(
                run_id=run_id, source=source, as_of=naive_utc(as_of),
                detected_at=naive_utc(detected_at))
            frame["value"] = frame["value"].astype("object").where(frame["value"].notna())
            _insert(conn, quarantine, frame)

    def findings_as_of(self, as_of: dt.datetime) -> pd.DataFrame:
        """Each source's findings from its latest ingest at or before ``as_of``.

        A record fixed at the source leaves quarantine with the next ingest, because only
        the latest run of each source counts.
        """
        latest = self._latest_runs(as_of)
        query = sa.select(quarantine).join(
            latest, sa.and_(quarantine.c.run_id == latest.c.run_id,
                            quarantine.c.source == latest.c.source))
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(quarantine.c.source, quarantine.c.row_no),
                                     conn)

    def findings_of_run(self, run_id: str) -> pd.DataFrame:
        query = sa.select(quarantine).where(quarantine.c.run_id == run_id)
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(quarantine.c.source, quarantine.c.row_no),
                                     conn)

    # -- versions ----------------------------------------------------------------------
    def load_versions(self, run_id: str, source: str, as_of: dt.datetime, valid: pd.DataFrame,
                      *, full_extract: bool, keep_ids: set[str] | frozenset = frozenset()
                      ) -> dict[str, int]:
        """Store a version for every item that is new or changed since the version current
        at ``as_of``; with a full extract, items no longer in the source get a deletion
        version (except ``keep_ids``: quarantined records keep their last good version).
        Re-running the same ingest replaces its own versions.
        """
        as_of = naive_utc(as_of)
        items = valid.reindex(columns=list(ITEM_COLUMNS)).copy()
        items["content_hash"] = content_hash(items) if len(items) else pd.Series(dtype="str")
        with self.begin() as conn:
            conn.execute(item_versions.delete().where(
                item_versions.c.source == source, item_versions.c.valid_from == as_of))
            current = self._current_hashes(conn, source, as_of)
            previous = current.set_index(ID)
            known = items[ID].isin(previous.index)
            prior_hash = items[ID].map(previous["content_hash"])
            prior_deleted = items[ID].map(previous["deleted"]).fillna(False).astype(bool)
            fresh = ~known | prior_deleted | (prior_hash != items["content_hash"])
            new = items[fresh].assign(valid_from=as_of, run_id=run_id, deleted=False)
            _insert(conn, item_versions, new)
            deleted = 0
            if full_extract:
                alive = previous[~previous["deleted"].astype(bool)]
                gone_ids = set(alive.index) - set(items[ID]) - set(keep_ids)
                if gone_ids:
                    gone = self._versions_at(conn, sorted(gone_ids), as_of)
                    gone = gone.assign(valid_from=as_of, run_id=run_id, deleted=True)
                    _insert(conn, item_versions, gone)
                    deleted = len(gone)
        return {
            "new": int((fresh & (~known | prior_deleted)).sum()),
            "changed": int((fresh & known & ~prior_deleted).sum()),
            "unchanged": int((~fresh).sum()),
            "deleted": deleted,
        }

    def _current_hashes(self, conn, source: str, as_of: dt.datetime) -> pd.DataFrame:
        latest = (
            sa.select(item_versions.c[ID], sa.func.max(item_versions.c.valid_from).label("vf"))
            .where(item_versions.c.source == source, item_versions.c.valid_from <= as_of)
            .group_by(item_versions.c[ID]).subquery()
        )
        query = sa.select(item_versions.c[ID], item_versions.c.content_hash,
                          item_versions.c.deleted).join(
            latest, sa.and_(item_versions.c[ID] == latest.c[ID],
                            item_versions.c.valid_from == latest.c.vf))
        return pd.read_sql_query(query, conn)

    def _versions_at(self, conn, ids: list[str], as_of: dt.datetime) -> pd.DataFrame:
        frame = self._snapshot_query(conn, as_of, include_deleted=True)
        return frame[frame[ID].isin(ids)].drop(columns=["valid_from", "run_id", "deleted"])

    def _snapshot_query(self, conn, as_of: dt.datetime, include_deleted=False) -> pd.DataFrame:
        latest = (
            sa.select(item_versions.c[ID], sa.func.max(item_versions.c.valid_from).label("vf"))
            .where(item_versions.c.valid_from <= as_of)
            .group_by(item_versions.c[ID]).subquery()
        )
        query = sa.select(item_versions).join(
            latest, sa.and_(item_versions.c[ID] == latest.c[ID],
                            item_versions.c.valid_from == latest.c.vf))
        if not include_deleted:
            query = query.where(item_versions.c.deleted.is_(False))
        return pd.read_sql_query(query.order_by(item_versions.c[ID]), conn)

    def snapshot(self, as_of: dt.datetime) -> pd.DataFrame:
        """Every item as the warehouse knew it at ``as_of`` (deleted ones left out)."""
        from wijkopvolging.model import coerce_items

        with self.engine.connect() as conn:
            frame = self._snapshot_query(conn, naive_utc(as_of))
        return coerce_items(frame)

    # -- runs --------------------------------------------------------------------------
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

    def _latest_runs(self, as_of: dt.datetime):
        """Per source, the run id of its latest ingest at or before ``as_of``."""
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

    def reconciliation_as_of(self, as_of: dt.datetime) -> pd.DataFrame:
        """Per source, the counts of its latest ingest at or before ``as_of``."""
        latest = self._latest_runs(as_of)
        query = sa.select(ingest_runs).join(
            latest, sa.and_(ingest_runs.c.run_id == latest.c.run_id,
                            ingest_runs.c.source == latest.c.source))
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(ingest_runs.c.source), conn)

    def runs_of(self, run_id: str) -> pd.DataFrame:
        query = sa.select(ingest_runs).where(ingest_runs.c.run_id == run_id)
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(ingest_runs.c.source), conn)

    # -- report ------------------------------------------------------------------------
    def write_report_items(self, run_id: str, period_slug: str, frame: pd.DataFrame) -> None:
        """Replace the report table of one report run."""
        columns = [c.name for c in report_items.columns]
        with self.begin() as conn:
            conn.execute(report_items.delete().where(report_items.c.run_id == run_id))
            out = frame.reindex(columns=columns).assign(run_id=run_id, period=period_slug)
            _insert(conn, report_items, out)

    def read_report_items(self, run_id: str) -> pd.DataFrame:
        from wijkopvolging.model import coerce_items

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


    # -- deliveries --------------------------------------------------------------------
    def record_delivery(self, *, period_slug: str, channel: str, delivered_at: dt.datetime,
                        run_id: str, recipients: list[str] | tuple[str, ...], subject: str,
                        kenmerk: str | None, revised: bool, content_sha256: str,
                        files: dict[str, str]) -> None:
        """Note that a period's documents went out (call only after the send succeeded)."""
        with self.begin() as conn:
            conn.execute(deliveries.insert().values(
                period=period_slug, channel=channel, delivered_at=naive_utc(delivered_at),
                run_id=run_id, recipients=", ".join(recipients), subject=subject,
                kenmerk=kenmerk, revised=bool(revised), content_sha256=content_sha256,
                files=json.dumps(dict(sorted(files.items())))))

    def deliveries_of(self, period_slug: str, channel: str | None = None) -> list[dict]:
        """Every delivery of one period, oldest first; ``files`` as a dict."""
        query = sa.select(deliveries).where(deliveries.c.period == period_slug)
        if channel:
            query = query.where(deliveries.c.channel == channel)
        query = query.order_by(deliveries.c.delivered_at, deliveries.c.id)
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:
            row["files"] = json.loads(row["files"])
            row["recipients"] = [r for r in row["recipients"].split(", ") if r]
        return rows

    def last_delivery(self, period_slug: str, channel: str) -> dict | None:
        """The latest delivery of one period through ``channel``, or None."""
        rows = self.deliveries_of(period_slug, channel)
        return rows[-1] if rows else None


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets a report read while an ingest writes; the timeout rides out short locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _insert(conn, table: sa.Table, frame: pd.DataFrame, chunk: int = 10_000) -> None:
    """Insert a DataFrame through SQLAlchemy Core (executemany), NaN/NaT as NULL."""
    if frame.empty:
        return
    names = [c.name for c in table.columns if c.name in frame.columns]
    out = frame[names].astype("object").where(frame[names].notna(), None)
    for name in names:
        if name in DATE_FIELDS or name == "deadline":
            out[name] = [v.date() if v is not None and hasattr(v, "date") else v
                         for v in out[name]]
    records = out.to_dict("records")
    for start in range(0, len(records), chunk):
        conn.execute(table.insert(), records[start:start + chunk])
