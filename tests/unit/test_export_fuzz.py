"""Generated bad input: drop folders of export files as offices (and worse) make them,
read by the ingest's own steps into a real SQLite warehouse.

Hypothesis draws, per example, a folder of about 130 files; each file is made from its
own seed with the variations real exports have: header spellings and aliases, title
rows, extra columns and column orders, every date notation (ISO with and without a time,
``12-03-2024``, ``1/3/2024``, ``12.03.2024``, ``12 maart 2024``, Excel serials and date
cells), CSV in cp1252, UTF-8 with and without BOM and UTF-16, separated by ``;``, ``,``,
tab or ``|``; texts with control and XML-illegal characters, bidi marks, markup, template
syntax and formulas, empty and enormous cells; records broken in the ways the rules know,
and files that cannot be read at all. For every folder:

- the ingest runs without a traceback, and extracted = loaded + quarantined;
- every record the generator made good is loaded, with the dates, numbers and title it
  was given; every record it broke is quarantined under exactly the rules it broke, each
  rule with a Dutch title; every unreadable file is quarantined by name.

In the suite: a fixed seed and ``SUITE_EXAMPLES`` folders (over 1,000 files). ``make
fuzz`` runs ``WIJKOPVOLGING_FUZZ_EXAMPLES`` folders with fresh seeds and prints how to
reproduce a failure. The steps are the ingest's own (``wijkopvolging.ingest``: the file
source with its ledger, the rules through GX, the load into SQLite); only the Data Docs
site is not written per folder (``without_data_docs``). A failure names the file, its
seed (``export_file(seed, number)`` makes it again) and the record.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.hostile_exports import (
    HEADERS,
    INGEST_AT,
    billion_laughs,
    file_source_config,
    ingest,
    without_data_docs,
)
from wijkopvolging.model import ERROR
from wijkopvolging.reference import ReferenceData
from wijkopvolging.validation.rules import RULES, TITLES

SUITE_EXAMPLES = 8
FILES_PER_FOLDER = (125, 135)
FUZZ_EXAMPLES = int(os.environ.get("WIJKOPVOLGING_FUZZ_EXAMPLES", "0"))
FUZZ = FUZZ_EXAMPLES > 0  # `make fuzz`: more folders, fresh seeds

REFERENCE = ReferenceData.load()
WIJKEN = sorted(REFERENCE.wijk_names)
LAST_DAY = dt.date(2026, 10, 31)  # the ingest runs on 1 November 2026
FIRST_DAY = dt.date(2022, 6, 1)  # the college took office
WETHOUDERS = ("Zeegers", "Kasmi", "Simons", "Versnel")
DATE_FIELDS = ("date_raised", "agreed_deadline", "date_answered", "date_tussenbericht")
OPTIONAL = ("source_record_id", "kind", "agreed_deadline", "agreed_term_days",
            "extension_days", "date_answered", "date_tussenbericht")
REQUIRED = ("date_raised", "wijk", "onderwerp", "wethouder")
MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")
MND = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

# What a title may hold: words, and what must never act in an output. No digits or @:
# a title the privacy gate stops is a fault of its own below.
WORDS = ("Bankjes", "op", "het", "plein", "verlichting", "fietspad", "Café-terras",
         "coördinatie", "zwerfafval", "bij", "de", "school", "Kralingse", "overlast",
         "scooters", "’s avonds", "groen", "parkeren", "“wijkcafé”", "à la carte", "één",
         "speelplek", "Noordereiland", "€ veel", "½ uur", "niet", "meer")
HOSTILE = ('=HYPERLINK("http://voorbeeld.nl";"klik")', "+SUM(A1:A2)",
           "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "<script>alert('x')</script>",
           "<w:p><w:r><w:t>ingevoegd</w:t></w:r></w:p>", "{{ zeven }}",
           "{% if x %}ja{% endif %}", "]]>", "&amp; &lt;b&gt;", "'; DROP TABLE items; --",
           "#N/A", "NULL", "None", "nan", "TRUE", "\"aanhalingstekens\"", "a;b,c|d\te")
CONTROL = ("\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\u0085", "\ufffe")
UNICODE_ONLY = ("\u202eomgekeerd\u202c", "\u200f", "\u2066iso\u2069", "\ufeff", "\u2028",
                "日本", "😀")
ENORMOUS = 5_000  # characters: more than an onderwerp may have, less than a cell holds


@dataclass
class Record:
    """One data row of a file and what the ingest must make of it."""

    cells: dict[str, object]  # canonical field -> the value written in its column
    extras: dict[str, str] = field(default_factory=dict)  # unmapped columns
    faults: set[str] = field(default_factory=set)  # the rules it breaks (empty: loads)
    dates: dict[str, dt.date | None] = field(default_factory=dict)  # as loaded
    numbers: dict[str, int | None] = field(default_factory=dict)
    onderwerp: str | None = None  # as loaded: the title without its outer white space
    kind: str = "vraag"
    row: int = 0  # the spreadsheet row, set when the file is written
    record_id: str = ""  # as the warehouse keys it, set when the file is written
    file: str = ""


@dataclass
class ExportFile:
    name: str
    records: list[Record]
    readable: bool = True
    seed: int = 0


# -- values -----------------------------------------------------------------------------------
def some_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def date_cell(rng: random.Random, day: dt.date, xlsx: bool) -> object:
    """``day`` in a notation an export may use."""
    serial = (day - dt.date(1899, 12, 30)).days
    notations = [day.isoformat(), f"{day:%Y-%m-%d} 14:30:00", f"{day:%Y-%m-%d}T09:15",
                 f"{day:%d-%m-%Y}", f"{day.day}-{day.month}-{day.year}", f"{day:%d/%m/%Y}",
                 f"{day.day}/{day.month}/{day.year}", f"{day:%d.%m.%Y}",
                 f"{day.day} {MAANDEN[day.month - 1]} {day.year}",
                 f"{day.day} {MND[day.month - 1]}. {day.year}",
                 f"{day.day} {MAANDEN[day.month - 1].upper()} {day.year}", str(serial)]
    if xlsx:
        notations += [dt.datetime(day.year, day.month, day.day),
                      dt.datetime(day.year, day.month, day.day, 16, 45), serial,
                      float(serial) + 0.5]
    return rng.choice(notations)


def days_cell(rng: random.Random, days: int, xlsx: bool) -> object:
    options = [str(days), f" {days} "]
    if xlsx:
        options += [days, float(days)]
    return rng.choice(options)


def title(rng: random.Random, alphabet: str) -> str:
    """A title of 5 to 2,000 characters after stripping, with hostile parts."""
    parts = [rng.choice(WORDS) for _ in range(rng.randint(2, 8))]
    for _ in range(rng.randint(0, 3)):
        parts.insert(rng.randint(0, len(parts)), rng.choice(HOSTILE))
    if alphabet != "cp1252":
        for _ in range(rng.randint(0, 2)):
            parts.insert(rng.randint(0, len(parts)), rng.choice(UNICODE_ONLY))
    if alphabet == "text":  # a CSV keeps control characters; a workbook cannot hold them
        for _ in range(rng.randint(0, 2)):
            parts.insert(rng.randint(0, len(parts)), rng.choice(CONTROL))
        if rng.random() < 0.1:
            parts.insert(1, rng.choice(("\n", "\r\n")))  # a line break in a quoted cell
    text = " ".join(parts)
    if alphabet == "cp1252":
        text = text.encode("cp1252", errors="ignore").decode("cp1252")
    if rng.random() < 0.2:  # white space around it, a vertical tab from Excel in a CSV
        before = ("  ", "\t", " \x0b") if alphabet == "text" else ("  ", "\t")
        text = rng.choice(before) + text + rng.choice(("  ", " ", "\t"))
    stripped = text.strip()
    if not 5 <= len(stripped) <= 2000:
        return title(rng, alphabet)
    return text


# -- records ----------------------------------------------------------------------------------
FAULTS = ("date_unreadable", "days_out_of_bounds", "days_not_whole", "date_out_of_window",
          "missing", "unknown_wijk", "unknown_wethouder", "not_in_office", "future",
          "too_early", "before_raised", "title_length", "personal_data", "note_row",
          "formula_cell", "unknown_kind", "duplicate")


def good_record(rng: random.Random, fields: set[str], xlsx: bool, alphabet: str) -> Record:
    raised = some_date(rng, FIRST_DAY, LAST_DAY)
    wethouder = rng.choice([w for w in WETHOUDERS if REFERENCE.wethouder_in_office(w, raised)])
    wijk = rng.choice(WIJKEN)
    onderwerp = title(rng, alphabet)
    record = Record(cells={
        "date_raised": date_cell(rng, raised, xlsx),
        "wijk": rng.choice((wijk, wijk.upper(), f" {wijk} ")),
        "onderwerp": onderwerp,
        "wethouder": rng.choice((wethouder, wethouder.lower())),
    }, dates={f: None for f in DATE_FIELDS} | {"date_raised": raised},
        numbers={"agreed_term_days": None, "extension_days": 0}, onderwerp=onderwerp.strip())
    if "kind" in fields:
        written, record.kind = rng.choice((("Vraag uit de Wijk", "vraag"),
                                           ("Ongevraagd advies", "advies"), ("advies", "advies"),
                                           (" ongevraagd ADVIES ", "advies"), ("", "vraag")))
        record.cells["kind"] = written
    for name in ("date_answered", "date_tussenbericht", "agreed_deadline"):
        if name in fields and rng.random() < 0.5:
            last = raised + dt.timedelta(days=300) if name == "agreed_deadline" else LAST_DAY
            day = some_date(rng, raised, last)
            record.cells[name], record.dates[name] = date_cell(rng, day, xlsx), day
    for name, high in (("agreed_term_days", 365), ("extension_days", 180)):
        if name in fields and rng.random() < 0.5:
            days = rng.choice((0, 14, 28, rng.randint(0, high), high))
            record.cells[name], record.numbers[name] = days_cell(rng, days, xlsx), days
    return record


def break_record(rng: random.Random, record: Record, fields: set[str], extras: list[str],
                 xlsx: bool) -> None:
    """Give ``record`` one fault the rules must catch (or none the file cannot carry)."""
    fault = rng.choice(FAULTS)
    raised = record.dates["date_raised"]
    if fault == "date_unreadable":
        name = rng.choice([f for f in DATE_FIELDS if f in fields or f == "date_raised"])
        record.cells[name] = rng.choice(("z.s.m.", "31-02-2024", "2024-13-01",
                                         "12 maand 2024", "volgt", "12-3-24", "?"))
        record.faults = ({"onleesbare_waarde", "verplicht_veld"} if name == "date_raised"
                         else {"onleesbare_waarde"})
    elif fault == "days_out_of_bounds" and {"extension_days", "agreed_term_days"} & fields:
        name = rng.choice(sorted({"extension_days", "agreed_term_days"} & fields))
        high = 180 if name == "extension_days" else 365
        value = rng.choice((-1, -400, high + 1, 3_000_000, "99999999999999999999", 10**30))
        record.cells[name] = (float(value) if xlsx and isinstance(value, int)
                              and abs(value) > 2**53 else value)
        record.faults = {"buiten_grenzen"}
    elif fault == "days_not_whole" and {"extension_days", "agreed_term_days"} & fields:
        name = rng.choice(sorted({"extension_days", "agreed_term_days"} & fields))
        record.cells[name] = rng.choice(("2.5", "14 dagen", "1,5", "veertien", "-", "n.v.t."))
        record.faults = {"onleesbare_waarde"}
    elif fault == "date_out_of_window":
        optional = [f for f in DATE_FIELDS[1:] if f in fields]
        if optional and rng.random() < 0.7:
            record.cells[rng.choice(optional)] = rng.choice(
                ("01-01-2450", "9999-12-31", "2958465") + ((dt.datetime(2300, 1, 1),)
                                                           if xlsx else ()))
            record.faults = {"buiten_grenzen"}
        else:
            record.cells["date_raised"] = rng.choice(("31-12-1899", "1066-10-14", "0024-03-12"))
            record.faults = {"buiten_grenzen", "verplicht_veld"}
    elif fault == "missing":
        record.cells[rng.choice(REQUIRED)] = rng.choice(("", "   ", None))
        record.faults = {"verplicht_veld"}
    elif fault == "unknown_wijk":
        record.cells["wijk"] = rng.choice(("Atlantis", "Wijk onbekend", "<b>Pernis</b>"))
        record.faults = {"onbekende_wijk"}
    elif fault == "unknown_wethouder":
        record.cells["wethouder"] = rng.choice(("Pietersen", "=Pietersen", "Burgemeester"))
        record.faults = {"onbekende_wethouder"}
    elif fault == "not_in_office":
        day = some_date(rng, dt.date(2026, 6, 1), LAST_DAY)
        record.cells["date_raised"], record.cells["wethouder"] = date_cell(rng, day, xlsx), "Simons"
        record.faults = {"wethouder_niet_in_functie"} | _later_dates_before(record, day)
    elif fault == "future":
        day = some_date(rng, dt.date(2026, 11, 2), dt.date(2199, 12, 31))
        record.cells["date_raised"], record.cells["wethouder"] = date_cell(rng, day, xlsx), "Kasmi"
        record.faults = {"datum_in_toekomst"} | _later_dates_before(record, day)
    elif fault == "too_early":
        day = some_date(rng, dt.date(1900, 1, 1), dt.date(2022, 2, 28))
        record.cells["date_raised"] = date_cell(rng, day, xlsx)
        record.faults = {"datum_te_vroeg", "wethouder_niet_in_functie"}
    elif fault == "before_raised" and raised > FIRST_DAY:
        name = rng.choice([f for f in DATE_FIELDS[1:] if f in fields] or [None])
        if name is None:
            return
        record.cells[name] = date_cell(rng, some_date(rng, dt.date(2022, 3, 1),
                                                      raised - dt.timedelta(days=1)), xlsx)
        record.faults = {"datum_voor_indiening"}
    elif fault == "title_length":
        record.cells["onderwerp"] = rng.choice(("?", "zie", " mail ", "x" * 2001,
                                                " ".join(["lang"] * (ENORMOUS // 5))))
        record.faults = {"onderwerp_lengte"}
    elif fault == "personal_data":
        record.cells["onderwerp"] = str(record.cells["onderwerp"]) + rng.choice(
            (", bel 06 91234567", " (bewoner: 06-12345678)", ", mail jan.jansen@example.nl",
             " bereikbaar op +31 6 9876 5432", " op 0031-(0)6-91234567"))
        record.faults = {"persoonsgegevens"}
    elif fault == "note_row" and extras:
        record.cells = {}  # a note below the list, in a column nobody maps
        record.extras = {extras[0]: "Let op: lijst bijgewerkt tot en met oktober"}
        record.faults = {"verplicht_veld"}
    elif fault == "formula_cell" and xlsx:
        record.cells[rng.choice(("wijk", "onderwerp"))] = rng.choice(
            ('=CONCATENATE("Per";"nis")', "=1+1", "=A1"))
        record.faults = {"verplicht_veld"}  # a formula has no value saved by openpyxl
    elif fault == "unknown_kind" and "kind" in fields:
        record.cells["kind"] = rng.choice(("klacht", "<script>vraag</script>"))
        record.faults = {"onbekende_soort"}
    elif fault == "duplicate":
        record.faults = {"dubbel_id"}  # the file gives it another record's id


def _later_dates_before(record: Record, day: dt.date) -> set[str]:
    """A new date of indiening can put the other dates before it."""
    return ({"datum_voor_indiening"}
            if any(d is not None and d < day for f, d in record.dates.items()
                   if f != "date_raised") else set())


# -- files ------------------------------------------------------------------------------------
BROKEN = ("binary", "truncated", "no_header", "missing_column", "bomb", "text_as_xlsx",
          "old_xls", "empty")


def export_file(seed: int, number: int) -> tuple[str, bytes, ExportFile]:
    """The file of ``seed``: its name, its bytes and what the ingest must make of it."""
    rng = random.Random(seed)
    stem = f"lijst-{number:03d}-{rng.choice(('charlois', 'delfshaven', 'noord', 'zuid'))}"
    if rng.random() < 0.06:
        return _broken_file(rng, stem, seed)
    xlsx = rng.random() < 0.25
    encoding = None if xlsx else rng.choice(("cp1252", "utf-8", "utf-8-sig", "utf-16",
                                             "utf-16-be"))
    alphabet = "workbook" if xlsx else ("cp1252" if encoding == "cp1252" else "text")
    fields = set(REQUIRED) | {f for f in OPTIONAL if rng.random() < 0.6}
    extras = ["Opmerking", "Behandelaar"][:rng.randint(0, 2)]
    if encoding == "cp1252":
        extras.append("Opmerking café")  # an accent, so the bytes are not valid UTF-8
    fault_share = rng.choice((0.0, 0.2, 0.5))
    records = []
    for _ in range(rng.choice((0, 1, 3, 5, 8))):
        record = good_record(rng, fields, xlsx, alphabet)
        if rng.random() < fault_share:
            break_record(rng, record, fields, extras, xlsx)
        records.append(record)
    header = {f: _header_variant(rng, rng.choice(HEADERS[f])) for f in sorted(fields)}
    columns = sorted([*fields, *extras])
    rng.shuffle(columns)
    titles = rng.choice(([], [["Overzicht Vragen uit de Wijk"]],
                         [["Overzicht Vragen uit de Wijk"], [], ["Export van oktober"]]))
    rows: list[list] = [*titles, [header.get(c, c) for c in columns]]
    ids = _ids(rng, records, "source_record_id" in fields, number)
    for record, record_id in zip(records, ids, strict=True):
        if rng.random() < 0.1:
            rows.append([""] * len(columns) if rng.random() < 0.5 else [])  # an empty row
        if "source_record_id" in fields:
            record.cells["source_record_id"] = record_id
        rows.append([record.cells.get(c, record.extras.get(c, "")) for c in columns])
        record.row = len(rows)
        record.record_id = (str(record_id).strip() if record_id not in (None, "")
                            else f"{stem}#{record.row}")
    if rng.random() < 0.3:
        rows += [[""] * len(columns)] * rng.randint(1, 3)  # rows Excel once touched
    name = f"{stem}.xlsx" if xlsx else f"{stem}.csv"
    data = _xlsx(rng, rows) if xlsx else _csv(rng, rows, encoding)
    for record in records:
        record.file = f"{name} (seed {seed})"
    return name, data, ExportFile(name, records, seed=seed)


def _header_variant(rng: random.Random, header: str) -> str:
    """The header as someone typed it: case, spaces and punctuation do not count."""
    return rng.choice((header, header.upper(), header.lower(), f"  {header} ",
                       header.replace(" ", "_"), f"{header}:", header.replace(" ", "  "),
                       f"* {header}"))


def _ids(rng: random.Random, records: list[Record], has_column: bool, number: int) -> list:
    """Each record's id cell; a record whose fault is ``dubbel_id`` gets an earlier one's,
    and every record sharing its id with another then breaks that rule."""
    ids: list = []
    for n, record in enumerate(records):
        wants_duplicate = "dubbel_id" in record.faults
        record.faults.discard("dubbel_id")
        taken = [i for i in ids if i not in (None, "")]
        if not has_column:
            ids.append(None)
        elif wants_duplicate and taken:
            ids.append(rng.choice(taken))
        else:
            ids.append(rng.choice((f"CH-{number}-{n}", f"vraag {number}/{n} =x", "",
                                   int(f"{number + 1}{n:03d}"), f"{number + 1}{n:03d}")))
    shared = Counter(str(i).strip() for i in ids if i not in (None, ""))
    for record, record_id in zip(records, ids, strict=True):
        if record_id not in (None, "") and shared[str(record_id).strip()] > 1:
            record.faults.add("dubbel_id")
    return ids


def _csv(rng: random.Random, rows: list[list], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=rng.choice((";", ",", "\t", "|")),
                        lineterminator=rng.choice(("\r\n", "\n")))
    writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    text = buffer.getvalue()
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


def _xlsx(rng: random.Random, rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if rng.random() < 0.2:  # pick lists on a hidden first sheet
        sheet.title, sheet.sheet_state = "Keuzelijsten", "hidden"
        sheet.append(["Pernis", "Hoogvliet"])
        sheet = book.create_sheet("Vragen uit de Wijk")
        book.active = 1
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value in (None, ""):
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("=") and not _is_formula(value):
                cell.data_type = "s"  # text that looks like a formula stays text
    if rng.random() < 0.2:
        book.create_sheet("Toelichting").append(["Dit blad is geen lijst"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _is_formula(value: str) -> bool:
    return value in ('=CONCATENATE("Per";"nis")', "=1+1", "=A1")


def _broken_file(rng: random.Random, stem: str, seed: int) -> tuple[str, bytes, ExportFile]:
    kind = rng.choice(BROKEN)
    good = [["Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder"],
            ["B-1", "12-03-2024", "Pernis", "Bankjes op het plein", "Zeegers"]]
    if kind == "binary":
        name, data = f"{stem}.csv", b"%PDF-1.7\x00\x01" + rng.randbytes(200)
    elif kind == "truncated":
        name, data = f"{stem}.xlsx", _xlsx(rng, good)[:700]
    elif kind == "no_header":
        name, data = f"{stem}.csv", b"Naam;Adres\r\nJan;Dorpsweg\r\n"
    elif kind == "missing_column":
        name, data = f"{stem}.csv", (b"Nr.;Datum werkbezoek;Wijk;Onderwerp\r\n"
                                     b"B-1;12-03-2024;Pernis;Bankjes\r\n")
    elif kind == "bomb":
        name, data = f"{stem}.xlsx", billion_laughs(good, marker="Bankjes op het plein")
    elif kind == "text_as_xlsx":
        name, data = f"{stem}.xlsx", b"Nr.;Wijk\r\nB-1;Pernis\r\n"
    elif kind == "old_xls":
        name, data = f"{stem}.xls", bytes.fromhex("D0CF11E0A1B11AE1") + rng.randbytes(512)
    else:
        name, data = f"{stem}.csv", b""
    return name, data, ExportFile(name, [], readable=False, seed=seed)


# -- the property -----------------------------------------------------------------------------
def check_folder(seeds: list[int], written: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "exports"
        folder.mkdir()
        files = []
        for number, seed in enumerate(seeds):
            name, data, expected = export_file(seed, number)
            (folder / name).write_bytes(data)
            files.append(expected)
        written.append(len(files))
        result = ingest(without_data_docs(file_source_config(Path(tmp), folder)))
        _check_counts(result, files)
        _check_files(result, files)
        _check_records(result, [r for f in files if f.readable for r in f.records])


def _check_counts(result, files: list[ExportFile]) -> None:
    run = result.run
    made = sum(len(f.records) for f in files if f.readable)
    assert run["extracted"] == made, (run, made)
    assert run["extracted"] == run["loaded"] + run["quarantined"], run


def _check_files(result, files: list[ExportFile]) -> None:
    refused = result.findings[result.findings["rule"] == "bestand_onleesbaar"]
    unreadable = {f.name: f.seed for f in files if not f.readable}
    assert sorted(refused["value"]) == sorted(unreadable), (
        f"expected unreadable {unreadable}, found {refused[['value', 'message']].to_string()}")
    for message, name in zip(refused["message"], refused["value"], strict=True):
        assert message.startswith(f"bestand {name} in quarantaine: "), message


def _check_records(result, records: list[Record]) -> None:
    errors = result.findings[result.findings["severity"] == ERROR]
    rules: dict[tuple[str, int], set[str]] = {}  # by file and row: ids may be shared
    for where, row, rule in zip(errors["source_file"], errors["source_row"], errors["rule"],
                                strict=True):
        if pd.notna(row):
            rules.setdefault((where.split(", blad ")[0], int(row)), set()).add(rule)
    names = {record.file: record.file.split(" (seed")[0] for record in records}
    for rule in set(result.findings["rule"]):
        assert rule in RULES and TITLES[rule] != rule, rule  # every rule has a Dutch title
    loaded = result.items.set_index("source_record_id")
    assert loaded.index.is_unique
    for record in records:
        shown = f"{record.file}, rij {record.row} ({record.record_id}): {record.cells}"
        found = rules.get((names[record.file], record.row))
        if record.faults:
            assert found == record.faults, f"{shown}: expected {record.faults}, found {found}"
            assert "dubbel_id" in found or record.record_id not in loaded.index, shown
            continue
        assert found is None, f"{shown}: quarantined under {found}"
        item = loaded.loc[record.record_id]
        for name, day in record.dates.items():
            got = item[name]
            assert (pd.isna(got) if day is None else got == pd.Timestamp(day)), (
                f"{shown}: {name} {got} instead of {day}")
        for name, days in record.numbers.items():
            got = item[name]
            assert (pd.isna(got) if days is None else got == days), f"{shown}: {name} {got}"
        assert item["onderwerp"] == record.onderwerp, shown
        assert item["kind"] == record.kind, shown


FOLDERS = st.lists(st.integers(min_value=0, max_value=2**32 - 1),
                   min_size=FILES_PER_FOLDER[0], max_size=FILES_PER_FOLDER[1])


def test_generated_export_folders_load_or_quarantine_every_record_without_a_traceback():
    written: list[int] = []

    # No shrinking: a failure already names its file, seed and record, and shrinking a
    # folder of 130 files takes many minutes.
    @settings(max_examples=FUZZ_EXAMPLES if FUZZ else SUITE_EXAMPLES, derandomize=not FUZZ,
              database=None, deadline=None, print_blob=True,
              phases=[Phase.explicit, Phase.reuse, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seeds=FOLDERS)
    def folders(seeds):
        check_folder(seeds, written)

    folders()
    if not FUZZ:  # the suite's run alone reads over 1,000 files
        assert sum(written) >= 1000, sum(written)
    assert INGEST_AT.date() == LAST_DAY + dt.timedelta(days=1)
