"""Item versions with two times, so an ingest that runs late cannot rewrite history.

- ``valid_from``: the moment the source said it, the ingest's data interval end (UTC,
  naive). "What did the sources say as of T" looks only at this time.
- ``recorded_at`` / ``superseded_at``: when the warehouse wrote the row, and when a later
  recording replaced it. "What did the warehouse answer at recorded moment R" (a delivered
  report, reproduced as delivered) looks at these too.

Every load of a source is kept in ``source_loads``: its valid time, whether it read the
source in full, and which records it held in quarantine. A full extract is stored as the
difference with the source's state just before it (new and changed items; a deletion
version for an item it no longer holds, unless that record is in quarantine: then its last
good version stays). An incremental load (the ZGW watermark) stores every item it read and
deletes nothing.

Because a difference depends on what came before, a load that lands before later loads of
its source (a backfill, a re-run of a failed day) re-derives the later full loads'
differences from what those loads saw, and supersedes the rows that change. So the state
as of T depends only on the loads valid at or before T, never on the order they ran in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import AbstractContextManager

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import FIELD_NAMES, ID, ITEM_COLUMNS, SOURCE, coerce_items, naive_utc
from wijkopvolging.warehouse.schema import insert_frame, item_columns, metadata

item_versions = sa.Table(
    "item_versions", metadata,
    *item_columns(),
    sa.Column("valid_from", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("superseded_at", sa.DateTime),  # NULL: part of the current answer
    sa.PrimaryKeyConstraint(ID, "valid_from", "recorded_at"),
    sa.Index("ix_versions_source_valid_from", "source", "valid_from"),
)

# One row per load of a source: what the loads were, so later ones can be re-derived.
source_loads = sa.Table(
    "source_loads", metadata,
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("valid_from", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("full_extract", sa.Boolean, nullable=False),
    sa.Column("kept", sa.Text, nullable=False),  # JSON: item ids held in quarantine
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("superseded_at", sa.DateTime),
    sa.PrimaryKeyConstraint("source", "valid_from", "recorded_at"),
)

_TICK = dt.timedelta(microseconds=1)
_ROW_KEY = [ID, "content_hash", "deleted", "run_id"]


def content_hash(items: pd.DataFrame) -> pd.Series:
    """A stable fingerprint of each item's canonical fields: changed content, new version."""
    hashed = pd.util.hash_pandas_object(items[list(FIELD_NAMES)], index=False)
    return hashed.map(lambda h: f"{h:016x}")


class VersionStore:
    """The item versions' part of the warehouse."""

    engine: sa.Engine
    begin: Callable[[], AbstractContextManager[sa.Connection]]  # Warehouse.begin

    def load_versions(self, run_id: str, source: str, as_of: dt.datetime, valid: pd.DataFrame,
                      *, full_extract: bool, keep_ids: set[str] | frozenset = frozenset()
                      ) -> dict[str, int]:
        """Record what one ingest of ``source`` saw, valid from ``as_of``.

        ``valid`` holds the records that passed validation; ``keep_ids`` the items whose
        record is in quarantine (they keep their last good version). With a full extract,
        an item in neither is deleted as of ``as_of``. Re-running the same ingest replaces
        its own versions; an ingest older than the source's latest re-derives the later
        loads. Returns the counts against the state just before ``as_of``.
        """
        valid_from = naive_utc(as_of)
        items = _hashed(valid)
        kept = sorted(set(keep_ids) - set(items[ID]))
        with self.begin() as conn:
            _lock(conn, source)
            now = _recording_moment(conn)
            later = _current_loads(conn, source, after=valid_from)
            # ``before`` reads as recorded until just now: what the later loads saw.
            before = now - _TICK
            old_state = _state(conn, source, valid_from, known_at=before)
            _record_load(conn, source, valid_from, run_id, full_extract, kept, now)
            counts = _encode(conn, source, valid_from, run_id, items, kept, full_extract, now)
            changed = not _same(old_state, _state(conn, source, valid_from))
            for load in later:
                if not changed:
                    break  # the state before this load is as it was: the rest still holds
                old = _state(conn, source, load["valid_from"], known_at=before)
                if load["full_extract"]:
                    load_kept = json.loads(load["kept"])
                    alive = old[~old["deleted"].astype(bool) & ~old[ID].isin(load_kept)]
                    _encode(conn, source, load["valid_from"], load["run_id"], alive, load_kept,
                            True, now)
                changed = not _same(old, _state(conn, source, load["valid_from"]))
        return counts

    def snapshot(self, as_of: dt.datetime, known_at: dt.datetime | None = None
                 ) -> pd.DataFrame:
        """Every item as the sources said it at ``as_of`` (deleted ones left out).

        ``known_at`` (a recorded moment, see ``last_recorded``) answers as the warehouse
        did then, before later ingests (backfills included) were recorded: a delivered
        report made again. Without it, everything recorded so far counts.
        """
        with self.engine.connect() as conn:
            frame = _state(conn, None, naive_utc(as_of),
                           known_at=naive_utc(known_at) if known_at else None)
        return coerce_items(frame[~frame["deleted"].astype(bool)])

    def last_recorded(self) -> dt.datetime | None:
        """The recorded moment of the newest load (UTC, naive), or None when empty: what a
        report made now is ``known_at``."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(source_loads.c.recorded_at))).scalar()


def _hashed(items: pd.DataFrame) -> pd.DataFrame:
    items = items.reindex(columns=list(ITEM_COLUMNS)).copy()
    items["content_hash"] = content_hash(items) if len(items) else pd.Series(dtype="str")
    return items


def _lock(conn, source: str) -> None:
    """Serialise loads of one source: each re-derives what later loads stored."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(source))))
    else:
        # A write as the first statement takes SQLite's write lock (waiting out another
        # writer with busy_timeout) before anything is read.
        conn.execute(source_loads.update().where(sa.false()).values(source=source))


def _recording_moment(conn) -> dt.datetime:
    """Now (UTC, naive), strictly after every earlier recording."""
    now = naive_utc(dt.datetime.now(dt.UTC))
    latest = conn.execute(sa.select(sa.func.max(source_loads.c.recorded_at))).scalar()
    return max(now, latest + _TICK) if latest else now


def _current_loads(conn, source: str, *, after: dt.datetime) -> list[dict]:
    query = sa.select(source_loads).where(
        source_loads.c.source == source, source_loads.c.valid_from > after,
        source_loads.c.superseded_at.is_(None)).order_by(source_loads.c.valid_from)
    return [dict(row) for row in conn.execute(query).mappings()]


def _record_load(conn, source, valid_from, run_id, full_extract, kept, now) -> None:
    conn.execute(source_loads.update().where(
        source_loads.c.source == source, source_loads.c.valid_from == valid_from,
        source_loads.c.superseded_at.is_(None)).values(superseded_at=now))
    conn.execute(source_loads.insert().values(
        source=source, valid_from=valid_from, run_id=run_id, full_extract=bool(full_extract),
        kept=json.dumps(kept), recorded_at=now))


def _encode(conn, source: str, valid_from: dt.datetime, run_id: str, items: pd.DataFrame,
            kept: list[str], full_extract: bool, now: dt.datetime) -> dict[str, int]:
    """Make the source's current rows at ``valid_from`` say what this load saw, relative to
    the (current) state just before it; rows that already say so stay untouched."""
    previous = _state(conn, source, valid_from - _TICK).set_index(ID)
    known = items[ID].isin(previous.index)
    prior_hash = items[ID].map(previous["content_hash"])
    prior_deleted = items[ID].map(previous["deleted"]).eq(True)  # NaN: no prior version
    fresh = ~known | prior_deleted | (prior_hash != items["content_hash"])
    # An incremental load stores every item it read: the next load cannot re-derive it.
    stored = items[fresh] if full_extract else items
    rows = [stored.assign(deleted=False)]
    if full_extract:
        alive = previous[~previous["deleted"].astype(bool)]
        gone = alive.loc[sorted(set(alive.index) - set(items[ID]) - set(kept))]
        rows.append(gone.reset_index().reindex(columns=stored.columns).assign(deleted=True))
    desired = pd.concat(rows, ignore_index=True).assign(valid_from=valid_from, run_id=run_id)
    desired["deleted"] = desired["deleted"].astype(bool)
    _replace_rows(conn, source, valid_from, desired, now)
    return {
        "new": int((fresh & (~known | prior_deleted)).sum()),
        "changed": int((fresh & known & ~prior_deleted).sum()),
        "unchanged": int((~fresh).sum()),
        "deleted": len(rows[1]) if full_extract else 0,
    }


def _replace_rows(conn, source, valid_from, desired: pd.DataFrame, now) -> None:
    """Supersede the current rows at ``valid_from`` that ``desired`` lacks; add the rest."""
    current = conn.execute(sa.select(*(item_versions.c[k] for k in _ROW_KEY)).where(
        item_versions.c.source == source, item_versions.c.valid_from == valid_from,
        item_versions.c.superseded_at.is_(None))).all()
    have = {(r[0], r[1], bool(r[2]), r[3]) for r in current}
    want = {(i, h, bool(d), r) for i, h, d, r in desired[_ROW_KEY].itertuples(index=False)}
    stale = sorted(have - want)
    for start in range(0, len(stale), 500):
        conn.execute(item_versions.update().where(
            item_versions.c.source == source, item_versions.c.valid_from == valid_from,
            item_versions.c.superseded_at.is_(None),
            item_versions.c[ID].in_([key[0] for key in stale[start:start + 500]]),
        ).values(superseded_at=now))
    keys = desired[_ROW_KEY].itertuples(index=False, name=None)
    add = [(i, h, bool(d), r) not in have for i, h, d, r in keys]
    insert_frame(conn, item_versions, desired[add].assign(recorded_at=now))


def _state(conn, source: str | None, as_of: dt.datetime,
           known_at: dt.datetime | None = None) -> pd.DataFrame:
    """Each item's latest version valid at ``as_of`` (deletions included), of one source or
    all, as currently recorded or as recorded at ``known_at``."""
    def visible(table):
        if known_at is None:
            return table.c.superseded_at.is_(None)
        return sa.and_(table.c.recorded_at <= known_at,
                       sa.or_(table.c.superseded_at.is_(None),
                              table.c.superseded_at > known_at))

    where = [item_versions.c.valid_from <= as_of, visible(item_versions)]
    if source is not None:
        where.append(item_versions.c[SOURCE] == source)
    latest = (
        sa.select(item_versions.c[ID], sa.func.max(item_versions.c.valid_from).label("vf"))
        .where(*where).group_by(item_versions.c[ID]).subquery()
    )
    query = sa.select(item_versions).join(
        latest, sa.and_(item_versions.c[ID] == latest.c[ID],
                        item_versions.c.valid_from == latest.c.vf)).where(visible(item_versions))
    return pd.read_sql_query(query.order_by(item_versions.c[ID]), conn)


def _same(before: pd.DataFrame, after: pd.DataFrame) -> bool:
    """Do two states hold the same living items with the same content?"""
    def alive(frame):
        frame = frame[~frame["deleted"].astype(bool)]
        return set(zip(frame[ID], frame["content_hash"], strict=True))
    return alive(before) == alive(after)
