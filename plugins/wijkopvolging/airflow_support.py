"""The few things DAG files need from Airflow-side glue: settings, connections and
errors that speak to the operator. Imports nothing heavy, so DAG files parse fast."""

from __future__ import annotations

from contextlib import contextmanager


def load_settings():
    """The configuration, read at task run time (never at DAG parse time)."""
    from wijkopvolging.config import load_config

    return load_config()


_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2",
            "mysql": "mysql+mysqldb", "mssql": "mssql+pyodbc"}


def sqlalchemy_url(conn) -> str:
    """A SQLAlchemy URL from an Airflow connection's fields.

    Airflow's own ``get_uri()`` percent-encodes a SQLite path and says ``postgres://``,
    which SQLAlchemy 2 refuses; an extra ``{"sqlalchemy_url": ...}`` wins when given.
    """
    from sqlalchemy.engine import URL

    explicit = (conn.extra_dejson or {}).get("sqlalchemy_url")
    if explicit:
        return explicit
    if conn.conn_type == "sqlite":
        # "sqlite:////abs/path.db" parses into schema; Airflow's docs put the path in host.
        path = conn.host or conn.schema or ""
        return f"sqlite:///{path}"
    url = URL.create(
        _DRIVERS.get(conn.conn_type, conn.conn_type), username=conn.login or None,
        password=conn.password or None, host=conn.host or None, port=conn.port or None,
        database=conn.schema or None)
    return url.render_as_string(hide_password=False)


def source_connection_url(source) -> str | None:
    """A source's database URL from its Airflow connection, when it names one."""
    conn_id = source.options.get("conn_id")
    if not conn_id:
        return None
    from airflow.sdk import BaseHook

    return sqlalchemy_url(BaseHook.get_connection(conn_id))


@contextmanager
def fail_clearly(what: str):
    """Turn trouble a retry cannot fix (bad config, a missing column, lost records,
    personal data, a bad parameter) into a one-line task failure without retries, naming
    ``what``. Other errors (a source that is down) keep their retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from wijkopvolging.config import ConfigError
    from wijkopvolging.sources import SourceSchemaError
    from wijkopvolging.validation import PublicationBlocked
    from wijkopvolging.warehouse import ReconciliationError

    try:
        yield
    except (ConfigError, SourceSchemaError, ReconciliationError, PublicationBlocked,
            ValueError) as exc:
        raise AirflowFailException(f"{what}: {exc}") from None
