"""Source systems: each turns its records into canonical items.

``extract(source, ...)`` dispatches on the configured type. Every extractor returns an
``Extract``: the records as canonical items (one row per source record, none dropped) and
the findings for cells it could not read, which validation turns into quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from wijkopvolging.config import SourceConfig


class SourceError(Exception):
    """A source cannot be read as configured; the message names source and cause."""


class SourceSchemaError(SourceError):
    """A source lacks a mapped column: nothing of that source may be loaded."""


@dataclass
class Extract:
    source: str
    items: pd.DataFrame  # canonical columns plus row_no
    findings: pd.DataFrame  # FINDING_COLUMNS, for unreadable cells

    @property
    def count(self) -> int:
        return len(self.items)


def extract(source: SourceConfig, *, data_interval_start, data_interval_end,
            connection_url: str | None = None, state: dict[str, Any] | None = None) -> Extract:
    """Read one configured source for a data interval into canonical items."""
    if source.type == "sql":
        from wijkopvolging.sources.sql import extract_sql

        return extract_sql(source, data_interval_start=data_interval_start,
                           data_interval_end=data_interval_end, connection_url=connection_url)
    raise SourceError(f"source {source.name!r}: type {source.type!r} has no extractor yet")
