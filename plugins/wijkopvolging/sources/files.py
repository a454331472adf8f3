"""File source: a drop folder of Excel (.xlsx) and CSV exports, as offices really make them.

Each file is sniffed by its content, not its name: an Excel workbook (read with openpyxl in
read-only mode; the configured ``sheet`` or else the first visible one) or a CSV in UTF-8
(with or without BOM), UTF-16 or cp1252, separated by ``;``, ``,``, tab or ``|``. The header
row is found by matching the configured headers and aliases (case, spacing and punctuation
do not matter), so title rows above it, extra columns and empty rows do no harm.

Processed once: every file content (checksum of its bytes plus the parse settings) is parsed
once; its records and findings are kept in the warehouse ledger (``sources.ledger``).

- ``full_extract: true`` (the default): the source's extract is the union of the newest
  content of every file now in the folder; unchanged files come from the ledger without
  being parsed again. A record removed from a file, or a file removed from the folder, is
  deleted in the warehouse.
- ``full_extract: false``: only new or changed files are extracted; nothing is ever deleted.

A file that cannot be read (not a spreadsheet, password-protected, a required column
missing, the configured sheet missing) is quarantined whole: one ``bestand_onleesbaar``
finding naming the file, and the records of its last readable version stay in quarantine
(they keep their last good version instead of being deleted). The other files carry on.

Record ids: the mapped id column, or ``<file stem>#<row>`` (the spreadsheet row number)
when the file has none or the cell is empty. An id column must be unique across the folder:
keep one file per list and replace it by a newer export, rather than adding one next to it.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wijkopvolging.model import (
    ERROR,
    FINDING_COLUMNS,
    ITEM_COLUMNS,
    LOCATION_COLUMNS,
    REQUIRED_FIELDS,
    item_id,
)
from wijkopvolging.sources import Extract, SourceError
from wijkopvolging.sources.mapping import FILE_UNREADABLE

if TYPE_CHECKING:
    from wijkopvolging.config import SourceConfig
    from wijkopvolging.sources.ledger import SourceLedger

DEFAULT_PATTERNS = ("*.xlsx", "*.xlsm", "*.xls", "*.csv")
HEADER_SEARCH_ROWS = 20
# Bump when parsing changes, so the ledger parses every file again.
PARSER_VERSION = "2"

_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE2 compound file: .xls or encrypted .xlsx
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")  # stream of an encrypted OOXML file
_DELIMITERS = (";", ",", "\t", "|")


class FileUnreadable(Exception):
    """One file cannot be read as configured; the message says why, in Dutch."""


@dataclass
class Table:
    """The rows of one sheet (or CSV) with their spreadsheet row numbers (1-based)."""

    sheet: str | None
    rows: list[tuple[int, tuple]]


@dataclass
class ParsedFile:
    name: str
    readable: bool
    items: pd.DataFrame  # canonical columns plus row_no within the file
    findings: pd.DataFrame
    reason: str | None = None


def normalise_header(text: Any) -> str:
    """A header as compared: case, spacing and punctuation do not count."""
    return re.sub(r"[\W_]+", "", str(text)).casefold() if text is not None else ""


def accepted_headers(source: SourceConfig) -> dict[str, str]:
    """Normalised header -> canonical field, from ``mapping`` and ``aliases``."""
    accepted = {normalise_header(header): field for header, field in source.mapping.items()}
    for field, aliases in (source.options.get("aliases") or {}).items():
        for alias in aliases:
            accepted.setdefault(normalise_header(alias), field)
    return accepted


def required_in_file(source: SourceConfig) -> tuple[str, ...]:
    """Canonical fields every file must have a column for (ids fall back to the row)."""
    defaults = source.options.get("defaults") or {}
    return tuple(f for f in REQUIRED_FIELDS if f != "source_record_id" and f not in defaults)


# -- the folder -------------------------------------------------------------------------------
def export_files(folder: Path, patterns=DEFAULT_PATTERNS) -> list[Path]:
    """The files in the drop folder to read, sorted; Excel's lock files are skipped."""
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in folder.glob(pattern) if p.is_file())
    return sorted(p for p in found
                  if not p.name.startswith(("~$", ".~lock", ".")))


def extract_files(source: SourceConfig, *, ledger: SourceLedger | None = None,
                  folder: str | Path | None = None) -> Extract:
    """Read the drop folder of a ``file`` source into canonical items.

    Without a ledger every file is parsed (tests, benchmarks, a one-off read); with one,
    unchanged files come from the warehouse and only new or changed files are parsed.
    """
    folder = Path(folder or source.options["folder"])
    if not folder.is_dir():
        raise SourceError(f"source {source.name!r}: folder {str(folder)!r} does not exist; "
                          "create it or correct 'folder' in the configuration")
    settings = _settings_fingerprint(source)
    parts: list[ParsedFile] = []
    for path in export_files(folder, source.options.get("patterns") or DEFAULT_PATTERNS):
        data = path.read_bytes()
        fingerprint = hashlib.sha256(data + settings).hexdigest()
        if ledger is None:
            parts.append(parse_export(path, source, data=data))
            continue
        if not source.full_extract and ledger.already_loaded(path.name, fingerprint):
            continue  # loaded by an earlier ingest; absent records are not deletions here
        cached = ledger.parsed_file(path.name, fingerprint)
        if cached is not None:
            ledger.touch_file(path.name, fingerprint)
            part = ParsedFile(path.name, cached["readable"], cached["items"],
                              cached["findings"], cached["reason"])
        else:
            part = parse_export(path, source, data=data)
            ledger.remember_file(path.name, fingerprint, size=len(data), readable=part.readable,
                                 items=part.items, findings=part.findings, reason=part.reason)
        if not part.readable:
            part = _keep_last_readable(part, ledger.last_readable(path.name))
        parts.append(part)
    return _union(source.name, parts)


def _keep_last_readable(part: ParsedFile, previous: dict | None) -> ParsedFile:
    """An unreadable file's earlier records go to quarantine instead of being deleted."""
    if previous is None:
        return part
    items = previous["items"]
    located = items.reindex(columns=["row_no", *LOCATION_COLUMNS, "source_record_id"])
    rows = [{
        "row_no": row_no, "source_file": where, "source_row": row,
        "source_record_id": record_id, "rule": FILE_UNREADABLE,
        "column": None, "value": part.name, "severity": ERROR,
        "message": f"{part.name}: {part.reason}; dit record blijft op de laatst gelezen "
                   "versie staan tot het bestand weer leesbaar is",
    } for row_no, where, row, record_id in located.itertuples(index=False)]
    findings = pd.concat([part.findings, pd.DataFrame(rows, columns=list(FINDING_COLUMNS))],
                         ignore_index=True)
    return ParsedFile(part.name, False, items, findings, part.reason)


def _union(source_name: str, parts: list[ParsedFile]) -> Extract:
    """One extract from the files' parts: row numbers run on across files."""
    from wijkopvolging.model import coerce_items, empty_findings

    items, findings, offset = [], [], 0
    for part in parts:
        part_items = coerce_items(part.items).assign(source=source_name)
        part_items.insert(0, "row_no", part.items["row_no"].astype("int64").to_numpy() + offset
                          if len(part.items) else pd.Series(dtype="int64"))
        located = part.items.reindex(columns=list(LOCATION_COLUMNS))
        part_items.insert(1, "source_file", located["source_file"].to_numpy())
        part_items.insert(2, "source_row", pd.array(located["source_row"], dtype="Int64"))
        part_findings = part.findings.reindex(columns=list(FINDING_COLUMNS)).copy()
        part_findings["row_no"] = (pd.to_numeric(part_findings["row_no"]) + offset).astype(
            "Int64").astype("object").where(part_findings["row_no"].notna(), None)
        items.append(part_items)
        findings.append(part_findings)
        offset += len(part.items)
    items = [f for f in items if len(f)]
    findings = [f for f in findings if len(f)]
    if items:
        all_items = pd.concat(items, ignore_index=True)
    else:
        all_items = coerce_items(pd.DataFrame(columns=list(ITEM_COLUMNS)))
        all_items.insert(0, "row_no", pd.Series(dtype="int64"))
        all_items.insert(1, "source_file", pd.Series(dtype="object"))
        all_items.insert(2, "source_row", pd.Series(dtype="Int64"))
    all_findings = pd.concat(findings, ignore_index=True) if findings else empty_findings()
    return Extract(source=source_name, items=all_items, findings=all_findings)


def _settings_fingerprint(source: SourceConfig) -> bytes:
    """What else decides a parse: a changed mapping or alias re-parses unchanged files."""
    keys = ("aliases", "defaults", "sheet", "header_search_rows")
    settings = {"version": PARSER_VERSION, "mapping": source.mapping, "values": source.values,
                **{k: source.options.get(k) for k in keys}}
    return json.dumps(settings, sort_keys=True, default=str).encode()


# -- one file ---------------------------------------------------------------------------------
def parse_export(path: Path, source: SourceConfig, *, data: bytes | None = None) -> ParsedFile:
    """Parse one export file; a file that cannot be read comes back quarantined whole."""
    from wijkopvolging.model import empty_findings

    data = path.read_bytes() if data is None else data
    try:
        table = read_table(path, data, sheet=source.options.get("sheet"))
        items, findings = _to_items(table, path, source)
    except FileUnreadable as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - a broken file must not stop the other files
        reason = f"kon niet worden gelezen ({type(exc).__name__}: {exc})"
    else:
        return ParsedFile(path.name, True, items, findings)
    finding = pd.DataFrame([{
        "row_no": None, "source_file": path.name, "source_row": None,
        "source_record_id": None, "rule": FILE_UNREADABLE, "column": None,
        "value": path.name, "severity": ERROR,
        "message": f"bestand {path.name} in quarantaine: {reason}",
    }], columns=list(FINDING_COLUMNS))
    empty = pd.DataFrame(columns=["row_no", *LOCATION_COLUMNS, *ITEM_COLUMNS])
    return ParsedFile(path.name, False, empty,
                      pd.concat([empty_findings(), finding], ignore_index=True), reason)


def read_table(path: Path, data: bytes, *, sheet: str | None = None) -> Table:
    """The rows of a workbook's sheet or of a CSV, recognised by content."""
    if data.startswith(_CFB_MAGIC):
        if _ENCRYPTION_INFO in data:
            raise FileUnreadable("het bestand is met een wachtwoord beveiligd (versleuteld); "
                                 "sla het op zonder wachtwoord")
        raise FileUnreadable("het bestand is een oud Excel-bestand (.xls); sla het op als "
                             "Excel-werkmap (.xlsx) of als CSV")
    if data.startswith(_ZIP_MAGIC):
        return _read_workbook(data, sheet)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise FileUnreadable("het bestand is geen Excel-werkmap (beschadigd, of een ander "
                             "bestand met de extensie " + path.suffix + ")")
    return _read_csv(data)


def _read_workbook(data: bytes, sheet: str | None) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise FileUnreadable(f"het bestand is geen leesbare Excel-werkmap ({exc})") from None
    try:
        if sheet:
            chosen = [ws for ws in book.worksheets if ws.title.strip().casefold()
                      == str(sheet).strip().casefold()]
            if not chosen:
                names = ", ".join(repr(ws.title) for ws in book.worksheets)
                raise FileUnreadable(f"het blad {sheet!r} ontbreekt (de werkmap heeft {names})")
        else:
            chosen = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
            if not chosen:
                raise FileUnreadable("de werkmap heeft geen zichtbaar werkblad")
        ws = chosen[0]
        ws.reset_dimensions()  # some exporters write a wrong size; read what is there
        rows = [(n, tuple(row)) for n, row in enumerate(ws.iter_rows(values_only=True), 1)]
        return Table(ws.title, rows)
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise FileUnreadable("het bestand is geen spreadsheet (geen Excel-werkmap en geen "
                             "tekstbestand/CSV)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel's "CSV (gescheiden door lijstscheidingsteken)" on a Dutch Windows.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """The separator that splits the most lines into the same number of fields (>1)."""
    sample = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ";", 0
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        score = counts.count(modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
        rows = [(n, tuple(row)) for n, row in enumerate(reader, 1)]
    except csv.Error as exc:
        raise FileUnreadable(f"het CSV-bestand is niet te lezen ({exc})") from None
    return Table(None, rows)


# -- from rows to items ----------------------------------------------------------------------
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(table: Table, source: SourceConfig) -> tuple[int, dict[str, int]]:
    """The index of the header row in ``table.rows`` and field -> column index.

    The first row that names every required field wins; a ``FileUnreadable`` names what
    is missing, from the row that came closest.
    """
    accepted = accepted_headers(source)
    required = required_in_file(source)
    limit = int(source.options.get("header_search_rows") or HEADER_SEARCH_ROWS)
    best: tuple[int, dict[str, int]] | None = None
    for index, (_, row) in enumerate(table.rows[:limit]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            field = accepted.get(normalise_header(cell))
            if field and field not in columns:
                columns[field] = position
        if all(f in columns for f in required):
            return index, columns
        if columns and (best is None or len(columns) > len(best[1])):
            best = (index, columns)
    wanted = {f: [h for h, g in source.mapping.items() if g == f]
              + list((source.options.get("aliases") or {}).get(f, [])) for f in required}
    if best is None:
        names = "; ".join(f"{f} ({', '.join(map(repr, h))})" for f, h in wanted.items())
        raise FileUnreadable(f"geen kopregel gevonden in de eerste {limit} rijen; verwacht "
                             f"kolommen voor {names}")
    index, columns = best
    missing = "; ".join(f"{f} ({', '.join(map(repr, wanted[f]))})"
                        for f in required if f not in columns)
    row_no, row = table.rows[index]
    present = ", ".join(repr(str(c)) for c in row if not _blank(c))
    raise FileUnreadable(f"verplichte kolom(men) ontbreken: {missing}; de kopregel (rij "
                         f"{row_no}) heeft {present}")


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _record_id(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _to_items(table: Table, path: Path, source: SourceConfig) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    from wijkopvolging.sources.mapping import to_canonical

    header_index, columns = find_header(table, source)
    header_row = table.rows[header_index][1]
    records = [(n, row) for n, row in table.rows[header_index + 1:]
               if not all(_blank(v) for v in row)]
    row_numbers = [n for n, _ in records]
    raw = pd.DataFrame({
        field: [_cell_text(row[i]) if i < len(row) else None for _, row in records]
        for field, i in columns.items()
    }, index=range(len(records)), dtype="object")
    for field, value in (source.options.get("defaults") or {}).items():
        raw[field] = raw[field].where(raw[field].notna(), value) if field in raw else value
    ids = (raw["source_record_id"].map(_record_id) if "source_record_id" in raw
           else pd.Series([None] * len(raw), dtype="object"))
    raw["source_record_id"] = [i if i is not None else f"{path.stem}#{n}"
                               for i, n in zip(ids, row_numbers, strict=True)]
    canonical = dataclasses.replace(source, mapping={c: c for c in raw.columns})
    result = to_canonical(raw, canonical)

    findings = result.findings.copy()
    where = f"{path.name}, blad {table.sheet!r}" if table.sheet else path.name
    headers = {field: str(header_row[i]).strip() for field, i in columns.items()}
    findings["message"] = [
        f"{where}, rij {row_numbers[int(r)]}, kolom {headers.get(c, c)!r}: "
        f"{m.removeprefix(f'{c}: ')}"
        for r, c, m in zip(findings["row_no"], findings["column"], findings["message"],
                           strict=True)]
    findings["source_file"] = where
    findings["source_row"] = [row_numbers[int(r)] for r in findings["row_no"]]
    items = result.items
    items["item_id"] = [item_id(source.name, i) for i in items["source_record_id"]]
    items["source_file"] = where
    items["source_row"] = [row_numbers[int(r)] for r in items["row_no"]]
    return items, findings
