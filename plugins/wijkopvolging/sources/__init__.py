"""Source systems: each turns its records into canonical items.

``extract(source, ...)`` dispatches on the configured type. Every extractor returns an
``Extract``: the records as canonical items (one row per source record, none dropped) and
the findings for cells it could not read, which validation turns into quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wijkopvolging.errors import ExpectedError

if TYPE_CHECKING:
    import pandas as pd

    from wijkopvolging.config import SourceConfig
    from wijkopvolging.sources.ledger import SourceLedger
    from wijkopvolging.sources.zgw import ZgwConnection
    from wijkopvolging.timeliness import TimelinessSettings


class SourceError(ExpectedError):
    """A source cannot be read as configured; the message names source and cause."""


class SourceSchemaError(SourceError):
    """A source lacks a mapped column: nothing of that source may be loaded."""


class SourceAccessDenied(SourceError):
    """A source refuses our credentials (401/403): a retry cannot fix it; the message
    names the connection to correct."""


class SourceUnavailable(Exception):
    """A source cannot be reached now (connection refused, 5xx after our own tries).
    Not an ``ExpectedError``: the task's retries may well get through later."""


@dataclass
class Extract:
    source: str
    items: pd.DataFrame  # canonical columns plus row_no
    findings: pd.DataFrame  # FINDING_COLUMNS, for unreadable cells

    @property
    def count(self) -> int:
        return len(self.items)


def extract(source: SourceConfig, *, data_interval_start, data_interval_end,
            connection_url: str | None = None, state: SourceLedger | None = None,
            zgw_connection: ZgwConnection | None = None,
            bounds: TimelinessSettings | None = None) -> Extract:
    """Read one configured source for a data interval into canonical items.

    ``state`` is the source's ledger in the warehouse (files read, watermark); without it
    a file source parses every file and a zgw source reads every zaak.
    ``zgw_connection`` carries a zgw source's base URL and credentials.
    ``bounds``: the settings whose ``max_extension_days`` and ``max_agreed_term_days``
    a record must keep (``wijkopvolging.bounds``; default: the default settings).
    """
    if source.type == "sql":
        from wijkopvolging.sources.sql import extract_sql

        return extract_sql(source, data_interval_start=data_interval_start,
                           data_interval_end=data_interval_end, connection_url=connection_url,
                           bounds=bounds)
    if source.type == "file":
        from wijkopvolging.sources.files import extract_files

        return extract_files(source, ledger=state, bounds=bounds)
    if source.type == "zgw":
        from wijkopvolging.sources.zgw import extract_zgw

        if zgw_connection is None:
            raise SourceError(f"source {source.name!r}: no Zaken API connection; the Airflow "
                              f"connection {source.options.get('conn_id')!r} was not resolved")
        return extract_zgw(source, connection=zgw_connection, ledger=state,
                           data_interval_end=data_interval_end, bounds=bounds)
    raise SourceError(f"source {source.name!r}: type {source.type!r} has no extractor yet")
