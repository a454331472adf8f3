"""From a source's own columns to canonical items: renaming, value tables, parsing."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from wijkopvolging.bounds import (
    EARLIEST_DATE,
    LATEST_DATE,
    OUT_OF_BOUNDS,
    dates_out_of_bounds,
    day_bounds,
    days_out_of_bounds,
)
from wijkopvolging.model import (
    DATE_FIELDS,
    ERROR,
    FINDING_COLUMNS,
    ID,
    INT_FIELDS,
    SOURCE,
    coerce_items,
    item_id,
)
from wijkopvolging.sources import Extract, SourceSchemaError

UNREADABLE = "onleesbare_waarde"
# A whole file of a file source could not be read (sources/files.py).
FILE_UNREADABLE = "bestand_onleesbaar"
# The rules an extract itself reports (before validation), kept with the extract.
EXTRACT_RULES = (UNREADABLE, FILE_UNREADABLE, OUT_OF_BOUNDS)

_DUTCH_MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}
_NL_LONG = re.compile(r"^\s*(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})\s*$", re.IGNORECASE)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse the date notations offices use; returns (dates, unreadable mask).

    Accepts dates and datetimes, ISO ``2024-03-12`` (optionally with a time, also
    ``2024-03-12T14:30``), Dutch
    ``12-03-2024`` / ``12/03/2024`` / ``12.03.2024``, ``12 maart 2024`` and Excel serial
    numbers. Empty cells are missing, not unreadable.
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    blank = values.isna() | values.astype("str").str.strip().isin(["", "nan", "NaT", "None"])
    todo = values[~blank]
    if todo.empty:
        return out, pd.Series(False, index=values.index)

    is_temporal = todo.map(lambda v: hasattr(v, "year"))
    if is_temporal.any():
        out[todo.index[is_temporal]] = pd.to_datetime(todo[is_temporal]).dt.normalize()
    rest = todo[~is_temporal]

    numeric = pd.to_numeric(rest, errors="coerce")
    serial = numeric.notna() & numeric.between(1, 2_958_465)
    if serial.any():  # Excel's day 1 is 1900-01-01, with its 1900 leap-year bug
        out[rest.index[serial]] = (
            pd.Timestamp("1899-12-30") + pd.to_timedelta(numeric[serial].astype("int64"), "D")
        )
    text = rest[~serial].astype("str").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    # A moment, also ISO 8601's 2024-03-12T14:30 (web applications, APIs): its date.
    moment = text.str.replace(r"^(\d{4}-\d{2}-\d{2})T", r"\1 ", regex=True)
    for stamp, layout in ((moment.str.slice(0, 19), "%Y-%m-%d %H:%M:%S"),
                          (moment.str.slice(0, 16), "%Y-%m-%d %H:%M")):
        iso = iso.fillna(pd.to_datetime(stamp, format=layout, errors="coerce"))
    dutch = pd.to_datetime(text.str.replace(r"[/.]", "-", regex=True), format="%d-%m-%Y",
                           errors="coerce")
    parsed = iso.fillna(dutch)
    for index in parsed.index[parsed.isna()]:
        match = _NL_LONG.match(text[index])
        month = _DUTCH_MONTHS.get(match.group(2).lower()) if match else None
        if month:
            try:
                parsed[index] = pd.Timestamp(int(match.group(3)), month, int(match.group(1)))
            except ValueError:
                pass
    out[parsed.index] = parsed.dt.normalize()
    unreadable = pd.Series(False, index=values.index)
    unreadable[parsed.index[parsed.isna()]] = True
    return out, unreadable


def to_canonical(raw: pd.DataFrame, source, reference=None, bounds=None) -> Extract:
    """Map a source's raw records onto canonical items, keeping every record.

    A mapped column missing from the source raises ``SourceSchemaError``; a cell that
    cannot be read becomes empty and yields a finding naming record and column. Old or
    loosely spelled wijk and wethouder names become the reference data's current name;
    unknown ones stay as they are, for validation to flag.

    Numbers of days must be whole, and they and the dates must lie within
    ``wijkopvolging.bounds`` (``bounds``: the ``TimelinessSettings`` naming the policy
    limits; default: the default settings). This is checked here, before anything
    computes with them: a value out of bounds becomes empty and yields a
    ``buiten_grenzen`` finding, so the record is quarantined.
    """
    missing = [column for column in source.mapping if column not in raw.columns]
    if missing:
        raise SourceSchemaError(
            f"source {source.name!r}: mapped column(s) {', '.join(map(repr, missing))} "
            f"not found; the source has: {', '.join(map(str, raw.columns))}"
        )
    frame = raw[list(source.mapping)].rename(columns=source.mapping).reset_index(drop=True)
    findings = []
    record_ids = frame["source_record_id"] if "source_record_id" in frame else None

    for canonical, table in source.values.items():
        if canonical in frame:
            lookup = {str(k).strip().lower(): v for k, v in table.items()}
            frame[canonical] = frame[canonical].map(
                lambda v, lookup=lookup: lookup.get(str(v).strip().lower(), v)
                if pd.notna(v) else v
            )

    if reference is None:
        from wijkopvolging.reference import ReferenceData

        reference = ReferenceData.load()
    for name, canonical in (("wijk", reference.canonical_wijk),
                            ("wethouder", reference.canonical_wethouder)):
        if name in frame:
            names = {v: canonical(str(v)) or v for v in frame[name].dropna().unique()}
            frame[name] = frame[name].map(names)

    for name in DATE_FIELDS:
        if name not in frame:
            continue
        parsed, unreadable = parse_dates(frame[name])
        for row in unreadable.index[unreadable]:
            findings.append(_unreadable(row, record_ids, name, frame.at[row, name],
                                        "geen geldige datum"))
        outside = dates_out_of_bounds(parsed)
        for row in outside.index[outside]:
            findings.append(_finding(
                OUT_OF_BOUNDS, row, record_ids, name, frame.at[row, name],
                f"datum {{shown}} ligt buiten {EARLIEST_DATE:%d-%m-%Y} tot en met "
                f"{LATEST_DATE:%d-%m-%Y}"))
        frame[name] = parsed.where(~outside)
    limits = day_bounds(bounds)
    for name in INT_FIELDS:
        if name not in frame:
            continue
        numbers = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        # 2.5 days or infinity is no number of days: unreadable, not rounded.
        whole = numbers.notna() & np.isfinite(numbers) & (numbers == np.floor(numbers))
        bad = frame[name].notna() & ~whole
        for row in bad.index[bad]:
            findings.append(_unreadable(row, record_ids, name, frame.at[row, name],
                                        "geen geheel aantal dagen"))
        numbers = numbers.where(whole)
        outside = days_out_of_bounds(numbers, limits[name])
        for row in outside.index[outside]:
            findings.append(_finding(
                OUT_OF_BOUNDS, row, record_ids, name, frame.at[row, name],
                f"{{shown}} dagen ligt buiten {limits[name].describe()}"))
        frame[name] = numbers.where(~outside)

    frame[SOURCE] = source.name
    ids = frame["source_record_id"].astype("str").str.strip()
    if "source_record_id" in frame:
        ids = ids.str.replace(r"\.0$", "", regex=True).where(frame["source_record_id"].notna())
    frame["source_record_id"] = ids
    frame[ID] = [item_id(source.name, i) if isinstance(i, str) else None for i in ids]
    items = coerce_items(frame)
    items.insert(0, "row_no", range(len(items)))
    found = pd.DataFrame(findings, columns=list(FINDING_COLUMNS))
    return Extract(source=source.name, items=items, findings=found)


def _unreadable(row, record_ids, column, value, why) -> dict:
    return _finding(UNREADABLE, row, record_ids, column, value, f"{why} ({{shown}})")


# A cell is shown to stewards up to this many characters (an enormous cell stays readable).
SHOWN_CHARS = 200


def _finding(rule, row, record_ids, column, value, message) -> dict:
    """An error finding of ``rule`` for one cell; ``{shown}`` in ``message`` is the value
    as stewards see it (masked, shortened)."""
    from wijkopvolging.validation.privacy import mask_text

    record = None if record_ids is None else record_ids.iloc[row]
    shown = str(mask_text(str(value)))  # an unreadable cell may still hold personal data
    if len(shown) > SHOWN_CHARS:
        shown = shown[:SHOWN_CHARS] + "…"
    return {
        "row_no": int(row),
        "source_record_id": None if pd.isna(record) else str(record),
        "rule": rule,
        "column": column,
        "value": shown,
        "severity": ERROR,
        "message": f"{column}: {message.format(shown=shown)}",
    }
