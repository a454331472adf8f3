"""The canonical item: the one shape every source is mapped to.

Every source (SQL table, Excel export, ZGW case system) is turned into a table with
exactly these columns; validation, the warehouse, timeliness and the documents all
read this shape and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

VRAAG = "vraag"  # a Vraag uit de Wijk, raised during a formal werkbezoek
ADVIES = "advies"  # an ongevraagd advies from a wijkraad
KINDS = (VRAAG, ADVIES)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "str", "date" or "int"
    required: bool
    public: bool  # may reach the public overview in the RIS
    description: str


# The canonical fields, in order. A source mapping may only name these.
FIELDS: tuple[Field, ...] = (
    Field("source_record_id", "str", True, False, "the record's id in its source system"),
    Field("kind", "str", True, True, "'vraag' (Vraag uit de Wijk) or 'advies' (ongevraagd advies)"),
    Field("wijk", "str", True, True, "the wijk (or dorp) the item comes from"),
    Field("onderwerp", "str", True, True, "the public title of the question or advice"),
    Field("date_raised", "date", True, True, "date of the werkbezoek, or date the advice came in"),
    Field("wethouder", "str", True, True, "the responsible wethouder"),
    Field("agreed_deadline", "date", False, True, "an agreed answer date replacing the term"),
    Field("agreed_term_days", "int", False, False, "an agreed term in days replacing 42"),
    Field("extension_days", "int", False, False, "a verlenging in days, added to the term"),
    Field("date_answered", "date", False, True, "date the answer was sent"),
    Field("date_tussenbericht", "date", False, True, "date of the (first) tussenbericht"),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
DATE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "date")
INT_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "int")
STR_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "str")
# Free-text fields that can reach the public overview: the privacy gate checks these.
PUBLIC_TEXT_FIELDS: tuple[str, ...] = ("onderwerp", "wijk", "wethouder")

# Columns every extract carries besides the canonical fields.
ID = "item_id"  # "<source>:<source_record_id>", unique across sources
SOURCE = "source"  # the configured source name
ITEM_COLUMNS: tuple[str, ...] = (ID, SOURCE, *FIELD_NAMES)

# Where a record sits in its source, as the steward finds it there: the export file (and
# sheet) and the spreadsheet row. Empty for a database or API record, whose key is its
# source_record_id. Extracts carry them from staging to quarantine; items do not keep them.
LOCATION_COLUMNS: tuple[str, ...] = ("source_file", "source_row")


def naive_utc(moment):
    """A moment as a plain naive UTC ``datetime``, the way the databases store and compare
    timestamps. Airflow hands out pendulum ``DateTime`` objects, which SQLite's driver
    refuses to bind: the result is always a plain ``datetime.datetime``."""
    import datetime as dt

    if moment is None:
        return None
    if not isinstance(moment, dt.datetime):
        return moment  # a date stays a date
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return dt.datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                       moment.second, moment.microsecond)


def item_id(source: str, source_record_id: str) -> str:
    """The warehouse-wide id of a record: its source name and its id there."""
    return f"{source}:{source_record_id}"


def coerce_items(frame):
    """Give an extract the canonical dtypes: ``str`` text, ``datetime64[us]`` dates
    (midnight, NaT when missing), nullable ``Int64`` for agreed_term_days and plain
    ``int64`` extension_days (0 when missing).

    Expects values that are already parsed (sources do the parsing and quarantine what
    they cannot parse); this only settles the dtypes so every later step sees one shape.
    """
    import pandas as pd

    out = frame.reindex(columns=list(ITEM_COLUMNS)).copy()
    for name in (ID, SOURCE, *STR_FIELDS):
        out[name] = out[name].astype("str").where(out[name].notna())
    for name in DATE_FIELDS:
        out[name] = pd.to_datetime(out[name]).astype("datetime64[us]").dt.normalize()
    out["agreed_term_days"] = pd.to_numeric(out["agreed_term_days"]).astype("Int64")
    out["extension_days"] = pd.to_numeric(out["extension_days"]).fillna(0).astype("int64")
    return out.reset_index(drop=True)


# A finding: one record breaking one rule. Errors send the record to quarantine;
# warnings flag it and keep it. ``row_no`` is the record's position in its extract (the
# key within one run); ``source_file``/``source_row`` are where the steward finds it.
FINDING_COLUMNS: tuple[str, ...] = (
    "row_no", *LOCATION_COLUMNS, "source_record_id", "rule", "column", "value", "severity",
    "message",
)
ERROR = "error"
WARNING = "warning"


def empty_findings():
    """A findings table with no rows and the right columns."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype="object") for name in FINDING_COLUMNS})
