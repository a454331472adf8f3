"""Item versions: every ingest's version of every item, and the snapshot as of a moment.

A version is valid from its ingest's data interval end (UTC, naive); a full extract that
no longer holds an item gives it a deletion version. The snapshot as of T takes each
item's latest version valid at T.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.model import FIELD_NAMES, ID, ITEM_COLUMNS, coerce_items, naive_utc
from wijkopvolging.warehouse.schema import insert_frame, item_columns, metadata

item_versions = sa.Table(
    "item_versions", metadata,
    *item_columns(),
    sa.Column("valid_from", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.String(250), nullable=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.PrimaryKeyConstraint(ID, "valid_from"),
    sa.Index("ix_versions_source_valid_from", "source", "valid_from"),
)


def content_hash(items: pd.DataFrame) -> pd.Series:
    """A stable fingerprint of each item's canonical fields: changed content, new version."""
    hashed = pd.util.hash_pandas_object(items[list(FIELD_NAMES)], index=False)
    return hashed.map(lambda h: f"{h:016x}")


class VersionStore:
    """The item versions' part of the warehouse."""

    engine: sa.Engine

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
        with self.engine.begin() as conn:
            conn.execute(item_versions.delete().where(
                item_versions.c.source == source, item_versions.c.valid_from == as_of))
            current = _current_hashes(conn, source, as_of)
            previous = current.set_index(ID)
            known = items[ID].isin(previous.index)
            prior_hash = items[ID].map(previous["content_hash"])
            prior_deleted = items[ID].map(previous["deleted"]).fillna(False).astype(bool)
            fresh = ~known | prior_deleted | (prior_hash != items["content_hash"])
            new = items[fresh].assign(valid_from=as_of, run_id=run_id, deleted=False)
            insert_frame(conn, item_versions, new)
            deleted = 0
            if full_extract:
                alive = previous[~previous["deleted"].astype(bool)]
                gone_ids = set(alive.index) - set(items[ID]) - set(keep_ids)
                if gone_ids:
                    gone = _versions_at(conn, sorted(gone_ids), as_of)
                    gone = gone.assign(valid_from=as_of, run_id=run_id, deleted=True)
                    insert_frame(conn, item_versions, gone)
                    deleted = len(gone)
        return {
            "new": int((fresh & (~known | prior_deleted)).sum()),
            "changed": int((fresh & known & ~prior_deleted).sum()),
            "unchanged": int((~fresh).sum()),
            "deleted": deleted,
        }

    def snapshot(self, as_of: dt.datetime) -> pd.DataFrame:
        """Every item as the warehouse knew it at ``as_of`` (deleted ones left out)."""
        with self.engine.connect() as conn:
            frame = _snapshot_query(conn, naive_utc(as_of))
        return coerce_items(frame)


def _current_hashes(conn, source: str, as_of: dt.datetime) -> pd.DataFrame:
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


def _versions_at(conn, ids: list[str], as_of: dt.datetime) -> pd.DataFrame:
    frame = _snapshot_query(conn, as_of, include_deleted=True)
    return frame[frame[ID].isin(ids)].drop(columns=["valid_from", "run_id", "deleted"])


def _snapshot_query(conn, as_of: dt.datetime, include_deleted=False) -> pd.DataFrame:
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
