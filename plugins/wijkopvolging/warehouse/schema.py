"""What every warehouse table shares: the metadata, the item columns, the engine, inserts.

SQLite by default (WAL, so a report reads while an ingest writes); PostgreSQL or any
SQLAlchemy database by URL.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from wijkopvolging.config import ensure_sqlite_folder
from wijkopvolging.model import DATE_FIELDS, FIELDS, ID, SOURCE

metadata = sa.MetaData()


def item_columns() -> list[sa.Column]:
    """Fresh columns for the canonical item fields (a Column belongs to one table)."""
    types = {"date": sa.Date, "int": sa.Integer, "str": sa.Text}
    columns = [sa.Column(ID, sa.String(200)), sa.Column(SOURCE, sa.String(100))]
    columns += [sa.Column(f.name, types[f.type]) for f in FIELDS]
    return columns


def create_engine(url: str) -> sa.Engine:
    """An engine for the warehouse URL; SQLite gets its folder and its pragmas."""
    engine = sa.create_engine(url)
    if url.startswith("sqlite"):
        ensure_sqlite_folder(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets a report read while an ingest writes; the timeout rides out short locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_frame(conn, table: sa.Table, frame: pd.DataFrame, chunk: int = 10_000) -> None:
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
