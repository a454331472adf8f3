"""What the warehouse remembers of a source between ingests: files read and the watermark.

Two tables on the warehouse's own ``metadata`` (so ``open_warehouse`` creates them once
this module is imported; ``SourceLedger`` also creates them itself, so the order of imports
does not matter):

- ``source_files``: one row per distinct content of a dropped file (checksum of its bytes
  plus a fingerprint of the source's parsing settings), with the parsed records and findings.
  A file is parsed once per content; an unchanged file is served from here.
- ``source_watermarks``: per source and ingest run, how far an incremental source has read.

An entry counts as *loaded* only when its run reached ``load_source`` (it then has a row in
``ingest_runs``): a run that failed after extracting does not move a watermark or mark a file
as done, so its retry reads the same data again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import naive_utc
from wijkopvolging.warehouse import ingest_runs, metadata

source_files = sa.Table(
    "source_files", metadata,
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # file bytes + parse settings
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),  # the run that (last) used it
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("readable", sa.Boolean, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text),  # why the file was quarantined whole
    sa.Column("payload", sa.Text),  # JSON: parsed items and findings; kept for the newest only
    sa.PrimaryKeyConstraint("source", "file_name", "fingerprint"),
)

source_watermarks = sa.Table(
    "source_watermarks", metadata,
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("watermark", sa.String(40), nullable=False),  # ISO date or timestamp
    sa.PrimaryKeyConstraint("source", "run_id"),
)

_TABLES = [ingest_runs, source_files, source_watermarks]


class SourceLedger:
    """One source's memory in the warehouse, seen from one ingest run.

    ``run_id`` and ``as_of`` (the run's data interval end) decide what counts as earlier:
    only entries of other, finished runs at or before ``as_of``.
    """

    def __init__(self, url_or_engine: str | sa.Engine, source: str, *, run_id: str,
                 as_of: dt.datetime):
        self._own_engine = isinstance(url_or_engine, str)
        if self._own_engine:
            from wijkopvolging.warehouse.schema import create_engine

            self.engine = create_engine(url_or_engine)
        else:
            self.engine = url_or_engine
        metadata.create_all(self.engine, tables=_TABLES)
        self.source = source
        self.run_id = run_id
        self.as_of = naive_utc(as_of)

    def dispose(self) -> None:
        if self._own_engine:
            self.engine.dispose()

    def _loaded(self, run_id_column):
        """SQL condition: the entry's run has finished loading this source."""
        return sa.exists().where(ingest_runs.c.run_id == run_id_column,
                                 ingest_runs.c.source == self.source)

    # -- files ---------------------------------------------------------------------------
    def parsed_file(self, file_name: str, fingerprint: str) -> dict[str, Any] | None:
        """The stored parse of this exact file content, or None when it is new or changed."""
        query = sa.select(source_files).where(
            source_files.c.source == self.source, source_files.c.file_name == file_name,
            source_files.c.fingerprint == fingerprint, source_files.c.payload.is_not(None))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _entry(row) if row else None

    def last_readable(self, file_name: str) -> dict[str, Any] | None:
        """The newest readable parse of a file (any content), to keep its records in
        quarantine when the file has become unreadable."""
        query = sa.select(source_files).where(
            source_files.c.source == self.source, source_files.c.file_name == file_name,
            source_files.c.readable.is_(True), source_files.c.payload.is_not(None),
        ).order_by(source_files.c.as_of.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _entry(row) if row else None

    def already_loaded(self, file_name: str, fingerprint: str) -> bool:
        """True when an earlier, finished ingest already loaded this exact file content."""
        query = sa.select(sa.func.count()).select_from(source_files).where(
            source_files.c.source == self.source, source_files.c.file_name == file_name,
            source_files.c.fingerprint == fingerprint, source_files.c.run_id != self.run_id,
            source_files.c.as_of <= self.as_of, self._loaded(source_files.c.run_id))
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar())

    def remember_file(self, file_name: str, fingerprint: str, *, size: int, readable: bool,
                      items: pd.DataFrame, findings: pd.DataFrame,
                      reason: str | None = None) -> None:
        """Store (or re-stamp) one file content's parse for this run. Only the newest
        content of a file keeps its payload; older ones keep their checksum row."""
        payload = json.dumps({"items": _frame_json(items), "findings": _frame_json(findings)},
                             ensure_ascii=False)
        with self.engine.begin() as conn:
            conn.execute(source_files.update().where(
                source_files.c.source == self.source, source_files.c.file_name == file_name,
                source_files.c.fingerprint != fingerprint,
                source_files.c.readable.is_(readable),
            ).values(payload=None))
            conn.execute(source_files.delete().where(
                source_files.c.source == self.source, source_files.c.file_name == file_name,
                source_files.c.fingerprint == fingerprint))
            conn.execute(source_files.insert().values(
                source=self.source, file_name=file_name, fingerprint=fingerprint, size=size,
                run_id=self.run_id, as_of=self.as_of, readable=readable, records=len(items),
                reason=reason, payload=payload))

    def touch_file(self, file_name: str, fingerprint: str) -> None:
        """Mark an unchanged file as used by this run (it is still in the folder)."""
        with self.engine.begin() as conn:
            conn.execute(source_files.update().where(
                source_files.c.source == self.source, source_files.c.file_name == file_name,
                source_files.c.fingerprint == fingerprint,
                source_files.c.as_of <= self.as_of,
            ).values(run_id=self.run_id, as_of=self.as_of))

    def files(self) -> pd.DataFrame:
        """Every file content seen for this source (without payloads): for reports."""
        columns = [c for c in source_files.c if c.name != "payload"]
        query = sa.select(*columns).where(source_files.c.source == self.source)
        with self.engine.connect() as conn:
            return pd.read_sql_query(query.order_by(source_files.c.file_name), conn)

    # -- watermark -------------------------------------------------------------------------
    def watermark(self) -> str | None:
        """The watermark of the newest finished earlier ingest, or None (read everything)."""
        query = sa.select(source_watermarks.c.watermark).where(
            source_watermarks.c.source == self.source,
            source_watermarks.c.run_id != self.run_id,
            source_watermarks.c.as_of <= self.as_of,
            self._loaded(source_watermarks.c.run_id),
        ).order_by(source_watermarks.c.as_of.desc()).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def remember_watermark(self, value: str) -> None:
        """Propose this run's watermark; it counts once the run has loaded the source."""
        with self.engine.begin() as conn:
            conn.execute(source_watermarks.delete().where(
                source_watermarks.c.source == self.source,
                source_watermarks.c.run_id == self.run_id))
            conn.execute(source_watermarks.insert().values(
                source=self.source, run_id=self.run_id, as_of=self.as_of, watermark=value))


def _frame_json(frame: pd.DataFrame) -> dict[str, Any]:
    # Column by column in plain Python: a folder of small lists stores many small frames,
    # for which converting the whole frame with pandas costs more than the rows.
    columns = [[_json_value(v) for v in frame[name].tolist()] for name in frame.columns]
    rows = zip(*columns, strict=True) if columns else ()
    return {"columns": list(frame.columns), "data": [list(row) for row in rows]}


def _json_value(value: Any) -> Any:
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _entry(row) -> dict[str, Any]:
    payload = json.loads(row["payload"])
    return {
        "readable": bool(row["readable"]),
        "reason": row["reason"],
        "items": pd.DataFrame(payload["items"]["data"], columns=payload["items"]["columns"]),
        "findings": pd.DataFrame(payload["findings"]["data"],
                                 columns=payload["findings"]["columns"]),
    }
