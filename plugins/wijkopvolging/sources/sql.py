"""SQL source: a configured table or query, read through SQLAlchemy with bound parameters."""

from __future__ import annotations

from wijkopvolging.model import naive_utc
from wijkopvolging.sources import Extract, SourceError, SourceUnavailable


def extract_sql(source, *, data_interval_start, data_interval_end,
                connection_url: str | None = None, bounds=None) -> Extract:
    """Read a SQL source for one data interval and map it to canonical items.

    The query may use the bound parameters ``:data_interval_start`` and
    ``:data_interval_end`` (naive UTC datetimes), never string formatting. ``bounds``:
    the settings a record's days must keep (``sources.mapping.to_canonical``).
    """
    import pandas as pd
    import sqlalchemy as sa

    from wijkopvolging.sources.mapping import to_canonical

    url = connection_url or source.options.get("url")
    if not url:
        raise SourceError(f"source {source.name!r}: no connection URL (set 'url' or 'conn_id')")
    if source.options.get("query"):
        statement = sa.text(source.options["query"])
    else:
        columns = ", ".join(f'"{c}"' for c in source.mapping)
        statement = sa.text(f'SELECT {columns} FROM "{source.options["table"]}"')
    params = {
        "data_interval_start": naive_utc(data_interval_start),
        "data_interval_end": naive_utc(data_interval_end),
    }
    params = {k: v for k, v in params.items() if f":{k}" in str(statement)}
    engine = sa.create_engine(url)
    try:
        try:
            conn = engine.connect()
        except sa.exc.SQLAlchemyError as exc:  # a database that is down: retries may help
            raise SourceUnavailable(f"source {source.name!r}: cannot connect: "
                                    f"{_reason(exc)}") from None
        with conn:
            raw = pd.read_sql_query(statement, conn, params=params)
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        cause = exc.__cause__ if isinstance(exc, pd.errors.DatabaseError) else exc
        raise SourceError(f"source {source.name!r}: query failed: {_reason(cause)}") from None
    finally:
        engine.dispose()
    return to_canonical(raw, source, bounds=bounds)


def _reason(exc: BaseException) -> str:
    """The driver's own first line (SQLAlchemy wraps it in a long text)."""
    return str(getattr(exc, "orig", exc)).splitlines()[0]
