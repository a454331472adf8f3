"""The public overview as open data: CSV, JSON and a Frictionless Data Package, in the
set's open data folder (names: ``wijkopvolging.layout``):

- the CSV: UTF-8, comma-separated, a header row, ISO dates (``2026-03-01``);
  a text starting with ``= + - @`` (or an apostrophe) has an apostrophe in front, so a
  spreadsheet program never runs it as a formula (``safe_text.csv_text``; README, "Open data");
- the JSON: the same rows as an array of objects (``null`` for a missing date),
  every text exactly as in the overview;
  in the package as a JSON data resource (Frictionless reads JSON tables only with an
  extra), described as having the CSV's schema;
- the data package: the Data Package describing both, with a Table Schema (types,
  Dutch titles and descriptions, the allowed status values), licence CC0-1.0, the period
  and the peildatum.

The rows are the Word overview's and the spreadsheet's (``overview.overview_items``: same
selection, order, numbering and Dutch labels); only the kind becomes a column, and dates
are written as ISO dates instead of ``01-03-2026``. Every file is written atomically and
is byte-identical for the same report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path

from wijkopvolging.atomic import write_atomic
from wijkopvolging.documents.overview import OverviewItem, overview_items
from wijkopvolging.labels import (
    KIND_LABELS,
    NO_VALUE,
    ON_TIME_LABELS,
    STATUS_LABELS,
    YES_NO,
    overview_title,
)
from wijkopvolging.layout import DATA_PACKAGE, OPEN_DATA_CSV, OPEN_DATA_JSON
from wijkopvolging.model import KINDS
from wijkopvolging.periods import Period
from wijkopvolging.safe_text import csv_text

LICENSE = {
    "name": "CC0-1.0",
    "path": "https://creativecommons.org/publicdomain/zero/1.0/",
    "title": "Creative Commons Zero v1.0 Universal",
}

# (name, type, title, description, allowed values or None): one place for the columns.
FIELDS: tuple[tuple[str, str, str, str, tuple[str, ...] | None], ...] = (
    ("soort", "string", "Soort",
     "Vraag uit de Wijk (gesteld tijdens een werkbezoek) of ongevraagd advies van een "
     "wijkraad.", tuple(KIND_LABELS[k] for k in KINDS)),
    ("nr", "integer", "Nr.", "Volgnummer binnen de soort, zoals in het overzicht bij de "
     "raadsinformatiebrief.", None),
    ("gebied", "string", "Gebied", "Het gebied waartoe de wijk behoort.", None),
    ("wijk", "string", "Wijk", "De wijk (wijkraad of dorpsraad).", None),
    ("onderwerp", "string", "Onderwerp", "Het onderwerp van de vraag of het advies.", None),
    ("datum_gesteld", "date", "Datum gesteld of ontvangen",
     "Datum van het werkbezoek (vraag) of van ontvangst (advies); begin van de termijn.",
     None),
    ("wethouder", "string", "Wethouder", "De verantwoordelijke wethouder.", None),
    ("uiterste_datum", "date", "Uiterste datum",
     "Laatste dag van de termijn: zes weken, tenzij anders afgesproken.", None),
    ("datum_beantwoord", "date", "Datum beantwoord",
     "Datum van het antwoord; leeg als er op de peildatum nog geen antwoord was.", None),
    ("status", "string", "Status", "De stand op de peildatum.",
     tuple(STATUS_LABELS.values())),
    ("op_tijd", "string", "Op tijd",
     "ja, nee, of — als dat op de peildatum nog niet vaststaat.",
     tuple(dict.fromkeys(ON_TIME_LABELS.values()))),
    ("tussenbericht", "string", "Tussenbericht",
     "Voor adviezen: of de wijkraad een tussenbericht kreeg; — voor vragen.",
     (*YES_NO.values(), NO_VALUE)),
)
FIELD_NAMES = tuple(name for name, *_ in FIELDS)


def public_rows(report, *, items: dict[str, list[OverviewItem]] | None = None
                ) -> list[dict[str, str | int | dt.date | None]]:
    """The overview's rows as open data: kind first, then the overview's columns, in
    the overview's order (all vragen, then all adviezen). ``items``: the report's
    ``overview_items`` when already made."""
    items = overview_items(report) if items is None else items
    return [_record(item) for kind_items in items.values() for item in kind_items]


def _record(item: OverviewItem) -> dict:
    record = {"soort": KIND_LABELS[item.kind]}
    for name in FIELD_NAMES[1:]:
        record[name] = item.value(name)
    return record


def _iso(value) -> str | int | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def csv_bytes(rows: Iterable[dict]) -> bytes:
    """The rows as UTF-8 CSV (comma, ``\\r\\n`` line ends as RFC 4180, ISO dates, an empty
    field for a missing date, texts through ``csv_text``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELD_NAMES)
    for row in rows:
        writer.writerow(["" if row[n] is None else csv_text(_iso(row[n])) for n in FIELD_NAMES])
    return buffer.getvalue().encode("utf-8")


def json_bytes(rows: Iterable[dict]) -> bytes:
    """The rows as a UTF-8 JSON array of objects (ISO dates, ``null`` when missing)."""
    data = [{n: _iso(row[n]) for n in FIELD_NAMES} for row in rows]
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def table_schema() -> dict:
    """The Frictionless Table Schema of the rows."""
    fields = []
    for name, type_, title, description, allowed in FIELDS:
        field = {"name": name, "type": type_, "title": title, "description": description}
        constraints = {}
        if name in ("soort", "nr", "wijk", "onderwerp", "status", "op_tijd"):
            constraints["required"] = True
        if allowed:
            constraints["enum"] = list(allowed)
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


CSV_NOTE = ("Een tekst die begint met =, +, - of @ (of met een apostrof) staat hier met een "
            "apostrof ervoor, zodat een spreadsheetprogramma er nooit een formule van maakt; "
            f"zonder die ene apostrof is het de tekst uit het overzicht. {OPEN_DATA_JSON} heeft "
            "elke tekst precies zoals in het overzicht.")


def data_package(period: Period, *, rows: int, revised: bool = False) -> dict:
    """The data package for a period's open data."""
    schema = table_schema()
    return {
        "name": f"wijkopvolging-overzicht-{period.slug.replace('_', '-')}",
        "title": overview_title(period, revised=revised),
        "description": (
            "Alle Vragen uit de Wijk en ongevraagde adviezen van de Rotterdamse wijkraden "
            "die op de peildatum open stonden en alle die in de periode zijn beantwoord, "
            "met de verantwoordelijke wethouder en of ze op tijd zijn beantwoord. Dezelfde "
            "regels als het overzicht bij de raadsinformatiebrief. Zonder persoonsgegevens."),
        "language": "nl",
        "licenses": [LICENSE],
        "publisher": "Gemeente Rotterdam",
        "periode": {"van": period.start.isoformat(), "tot_en_met": period.peildatum.isoformat(),
                    "label": period.label},
        "peildatum": period.peildatum.isoformat(),
        "herziene_versie": bool(revised),
        "resources": [
            {"name": "overzicht", "path": OPEN_DATA_CSV, "profile": "tabular-data-resource",
             "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
             "title": "Overzicht (CSV)", "rows": rows, "description": CSV_NOTE,
             "dialect": {"delimiter": ",", "header": True}, "schema": schema},
            # Frictionless reads JSON tables only with an extra (ijson); as a data
            # resource it is checked as JSON, and the tests compare its rows with the CSV.
            {"name": "overzicht-json", "path": OPEN_DATA_JSON, "profile": "data-resource",
             "format": "json", "mediatype": "application/json", "encoding": "utf-8",
             "title": "Overzicht (JSON)",
             "description": f"Dezelfde rijen als {OPEN_DATA_CSV}, als lijst van objecten "
                            f"met de velden en typen van het schema van {OPEN_DATA_CSV}."},
        ],
    }


def write_open_data(report, period: Period, *, folder: Path | str, revised: bool = False,
                    items: dict[str, list[OverviewItem]] | None = None) -> list[Path]:
    """Write the period's open data into ``folder`` (a set's open data folder): the CSV,
    the JSON and the data package, each atomically. Returns the three paths."""
    folder = Path(folder)
    rows = public_rows(report, items=items)
    package = data_package(period, rows=len(rows), revised=revised)
    return [
        write_atomic(folder / OPEN_DATA_CSV, csv_bytes(rows)),
        write_atomic(folder / OPEN_DATA_JSON, json_bytes(rows)),
        write_atomic(folder / DATA_PACKAGE,
                     (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode()),
    ]
