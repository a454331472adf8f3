"""The few things DAG files need from Airflow-side glue: settings, connections and
errors that speak to the operator. Imports nothing heavy, so DAG files parse fast."""

from __future__ import annotations

from contextlib import contextmanager


def load_settings():
    """The configuration, read at task run time (never at DAG parse time)."""
    from wijkopvolging.config import load_config

    return load_config()


def sqlalchemy_url(airflow_uri: str) -> str:
    """Airflow writes ``postgres://``; SQLAlchemy 2 wants ``postgresql://``."""
    if airflow_uri.startswith("postgres://"):
        return "postgresql://" + airflow_uri.removeprefix("postgres://")
    return airflow_uri


def source_connection_url(source) -> str | None:
    """A source's database URL from its Airflow connection, when it names one."""
    conn_id = source.options.get("conn_id")
    if not conn_id:
        return None
    from airflow.sdk import BaseHook

    return sqlalchemy_url(BaseHook.get_connection(conn_id).get_uri())


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
