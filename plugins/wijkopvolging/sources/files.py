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
missing, the configured sheet missing, XML that declares entities, a zip that unpacks to
more than ``MAX_UNPACKED_BYTES``) is quarantined whole: one ``bestand_onleesbaar``
finding naming the file, and the records of its last readable version stay in quarantine
(they keep their last good version instead of being deleted). The other files carry on.
Anyone in a gebied office can write to the folder: workbooks are read only when openpyxl
runs with defusedxml (``require_defused_xml``).

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
import itertools
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
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
    from wijkopvolging.timeliness import TimelinessSettings

DEFAULT_PATTERNS = ("*.xlsx", "*.xlsm", "*.xls", "*.csv")
# A workbook is a zip of XML files; one that unpacks to more than this is a zip bomb.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
HEADER_SEARCH_ROWS = 20
# Bump when parsing changes, so the ledger parses every file again.
PARSER_VERSION = "3"

_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE2 compound file: .xls or encrypted .xlsx
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")  # stream of an encrypted OOXML file
_DELIMITERS = (";", ",", "\t", "|")
_SNIFF_RECORDS = 50  # the first records decide the separator
_SNIFF_CHARS = 256 * 1024


class FileUnreadable(Exception):
    """One file cannot be read as configured; the message says why, in Dutch."""


class UnsafeWorkbookReader(SourceError):
    """openpyxl would parse workbooks without defusedxml: no workbook is read."""


XML_REFUSED = ("het bestand bevat XML met een DTD of entiteiten (mogelijk een 'XML-bom' of "
               "een verwijzing naar een ander bestand) en wordt daarom niet gelezen; open "
               "het in Excel en sla het opnieuw op als Excel-werkmap (.xlsx)")


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
                  folder: str | Path | None = None,
                  bounds: TimelinessSettings | None = None) -> Extract:
    """Read the drop folder of a ``file`` source into canonical items.

    Without a ledger every file is parsed (tests, benchmarks, a one-off read); with one,
    unchanged files come from the warehouse and only new or changed files are parsed.
    ``bounds``: the settings a record's days must keep (``sources.mapping.to_canonical``).
    """
    folder = Path(folder or source.options["folder"])
    if not folder.is_dir():
        raise SourceError(f"source {source.name!r}: folder {str(folder)!r} does not exist; "
                          "create it or correct 'folder' in the configuration")
    settings = _settings_fingerprint(source, bounds)
    parts: list[ParsedFile | None] = []
    to_parse: list[tuple[int, Path, bytes, str]] = []  # (place in parts, path, data, checksum)
    for path in export_files(folder, source.options.get("patterns") or DEFAULT_PATTERNS):
        data = path.read_bytes()
        fingerprint = hashlib.sha256(data + settings).hexdigest()
        if ledger is not None:
            if not source.full_extract and ledger.already_loaded(path.name, fingerprint):
                continue  # loaded by an earlier ingest; absent records are not deletions here
            cached = ledger.parsed_file(path.name, fingerprint)
            if cached is not None:
                ledger.touch_file(path.name, fingerprint)
                parts.append(_with_last_readable(ParsedFile(
                    path.name, cached["readable"], cached["items"], cached["findings"],
                    cached["reason"]), ledger))
                continue
        to_parse.append((len(parts), path, data, fingerprint))
        parts.append(None)
    parsed = parse_exports([(path, data) for _, path, data, _ in to_parse], source,
                           bounds=bounds)
    for (place, path, data, fingerprint), part in zip(to_parse, parsed, strict=True):
        if ledger is not None:
            ledger.remember_file(path.name, fingerprint, size=len(data), readable=part.readable,
                                 items=part.items, findings=part.findings, reason=part.reason)
            part = _with_last_readable(part, ledger)
        parts[place] = part
    return _union(source.name, parts)


def _with_last_readable(part: ParsedFile, ledger: SourceLedger) -> ParsedFile:
    return part if part.readable else _keep_last_readable(
        part, ledger.last_readable(part.name))


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
    """One extract from the files' parts: row numbers run on across files. Concatenated
    first and made canonical once (a folder of many small lists would otherwise pay
    pandas' costs per file)."""
    from wijkopvolging.model import coerce_items, empty_findings

    sizes = np.array([len(part.items) for part in parts], dtype="int64")
    offsets = np.cumsum(sizes) - sizes
    located = ["row_no", *LOCATION_COLUMNS, *ITEM_COLUMNS]
    frames = [part.items.reindex(columns=located) for part in parts if len(part.items)]
    raw = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame(columns=located))
    all_items = coerce_items(raw).assign(source=source_name)
    all_items.insert(0, "row_no", (pd.to_numeric(raw["row_no"]).to_numpy(dtype="int64")
                                   + np.repeat(offsets, sizes)))
    all_items.insert(1, "source_file", raw["source_file"].to_numpy(dtype=object))
    all_items.insert(2, "source_row", pd.array(pd.to_numeric(raw["source_row"]),
                                               dtype="Int64"))

    shifts, findings = [], []
    for part, offset in zip(parts, offsets, strict=True):
        if len(part.findings):
            findings.append(part.findings.reindex(columns=list(FINDING_COLUMNS)))
            shifts.append(np.full(len(part.findings), offset))
    if not findings:
        return Extract(source=source_name, items=all_items, findings=empty_findings())
    all_findings = pd.concat(findings, ignore_index=True)
    row_no = pd.to_numeric(all_findings["row_no"]) + np.concatenate(shifts)
    all_findings["row_no"] = row_no.astype("Int64").astype("object").where(row_no.notna(), None)
    return Extract(source=source_name, items=all_items, findings=all_findings)


def _settings_fingerprint(source: SourceConfig, bounds: TimelinessSettings | None) -> bytes:
    """What else decides a parse: a changed mapping, alias or bound re-parses unchanged
    files."""
    from wijkopvolging.bounds import day_bounds

    keys = ("aliases", "defaults", "sheet", "header_search_rows")
    settings = {"version": PARSER_VERSION, "mapping": source.mapping, "values": source.values,
                "bounds": {f: (b.low, b.high) for f, b in day_bounds(bounds).items()},
                **{k: source.options.get(k) for k in keys}}
    return json.dumps(settings, sort_keys=True, default=str).encode()


# -- the files -------------------------------------------------------------------------------
def parse_export(path: Path, source: SourceConfig, *, data: bytes | None = None,
                 bounds: TimelinessSettings | None = None) -> ParsedFile:
    """Parse one export file; a file that cannot be read comes back quarantined whole."""
    data = path.read_bytes() if data is None else data
    return parse_exports([(path, data)], source, bounds=bounds)[0]


@dataclass
class _Records:
    """A readable file's records before mapping: cells by canonical field, ids filled."""

    name: str
    where: str  # the file (and sheet) as the steward finds it
    raw: pd.DataFrame
    row_numbers: list[int]  # the spreadsheet row of each record
    headers: dict[str, str]  # canonical field -> the header as the file spells it


def parse_exports(files: list[tuple[Path, bytes]], source: SourceConfig, *,
                  bounds: TimelinessSettings | None = None) -> list[ParsedFile]:
    """Parse export files (path and content), in order; a file that cannot be read comes
    back quarantined whole. The records of all readable files are mapped to canonical
    items together: per file, the mapping's fixed costs would outweigh a small list's
    records many times. Should that fail, each file is mapped on its own, so one file's
    trouble stays that file's."""
    read: list[ParsedFile | _Records] = []
    for path, data in files:
        try:
            read.append(_records(read_table(path, data, sheet=source.options.get("sheet")),
                                 path, source))
        except FileUnreadable as exc:
            read.append(_unreadable_file(path.name, str(exc)))
        except SourceError:
            raise  # the source as a whole cannot be read safely: no file is
        except Exception as exc:  # noqa: BLE001 - a broken file must not stop the other files
            read.append(_unreadable_file(path.name, _failure(exc)))
    readable = [r for r in read if isinstance(r, _Records)]
    try:
        mapped = iter(_mapped(readable, source, bounds))
    except SourceError:
        raise
    except Exception:  # noqa: BLE001 - find the file it was, by mapping each alone
        mapped = iter([_mapped_alone(records, source, bounds) for records in readable])
    return [next(mapped) if isinstance(r, _Records) else r for r in read]


def _failure(exc: Exception) -> str:
    return f"kon niet worden gelezen ({type(exc).__name__}: {exc})"


def _unreadable_file(name: str, reason: str) -> ParsedFile:
    from wijkopvolging.model import empty_findings

    finding = pd.DataFrame([{
        "row_no": None, "source_file": name, "source_row": None,
        "source_record_id": None, "rule": FILE_UNREADABLE, "column": None,
        "value": name, "severity": ERROR,
        "message": f"bestand {name} in quarantaine: {reason}",
    }], columns=list(FINDING_COLUMNS))
    empty = pd.DataFrame(columns=["row_no", *LOCATION_COLUMNS, *ITEM_COLUMNS])
    return ParsedFile(name, False, empty,
                      pd.concat([empty_findings(), finding], ignore_index=True), reason)


def _mapped_alone(records: _Records, source: SourceConfig, bounds) -> ParsedFile:
    try:
        return _mapped([records], source, bounds)[0]
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - this file, not the others
        return _unreadable_file(records.name, _failure(exc))


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


def require_defused_xml() -> None:
    """openpyxl refuses XML entities and DTDs (the billion laughs, external entities) only
    when defusedxml is installed and ``OPENPYXL_DEFUSEDXML`` is not ``False``; the drop
    folder is writable by anyone in a gebied office, so without that nothing is read."""
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise UnsafeWorkbookReader(
            "Excel-werkmappen worden niet gelezen: openpyxl draait zonder defusedxml en zou "
            "een 'XML-bom' in een werkmap uitpakken. Installeer de omgeving opnieuw uit "
            "requirements.lock (defusedxml) en zet OPENPYXL_DEFUSEDXML niet op False.")


# A DTD (where entities are declared) can only stand before an XML part's root element.
_DTD_MARKERS = tuple(marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY")
                     for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_PROLOG_BYTES = 64 * 1024


def _check_archive(data: bytes) -> None:
    """Refuse a workbook that unpacks to more than ``MAX_UNPACKED_BYTES`` or whose XML
    declares a DTD: Excel never writes one, and entities are how an XML bomb works. (The
    parts openpyxl parses with defusedxml would refuse it too; this names it for every
    part and before any parsing.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise FileUnreadable(
                    f"de werkmap pakt uit tot {unpacked // 2**20} MB (meer dan "
                    f"{MAX_UNPACKED_BYTES // 2**20} MB: mogelijk een 'zip-bom') en wordt niet "
                    "gelezen; bewaar de lijst als kleinere werkmap of als CSV")
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with archive.open(info) as part:
                        prolog = part.read(_PROLOG_BYTES)
                    if any(marker in prolog for marker in _DTD_MARKERS):
                        raise FileUnreadable(f"{XML_REFUSED} (onderdeel {info.filename})")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise FileUnreadable(f"het bestand is geen leesbare Excel-werkmap ({exc})") from None


def _read_workbook(data: bytes, sheet: str | None) -> Table:
    from defusedxml import DefusedXmlException

    require_defused_xml()
    _check_archive(data)
    try:
        return _workbook_rows(data, sheet)
    except Exception as exc:
        if _caused_by(exc, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise FileUnreadable(XML_REFUSED) from None
        raise


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _workbook_rows(data: bytes, sheet: str | None) -> Table:
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
    """The separator that splits the most records into the same number of fields (>1);
    between two that do so equally often, the one giving more fields. Records as the CSV
    reader sees them: a quoted line break stays inside its cell, and a vertical tab or
    form feed in a title (Excel's line break in a cell) ends no line."""
    head = text[:_SNIFF_CHARS]
    best, best_score = ";", (0, 0)
    for delimiter in _DELIMITERS:
        counts: list[int] = []
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        try:
            for row in itertools.islice(reader, _SNIFF_RECORDS):
                if len(row) > 1:
                    counts.append(len(row))
        except csv.Error:  # the sample may end inside a quoted cell
            pass
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        score = (counts.count(modal), modal)
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


def _records(table: Table, path: Path, source: SourceConfig) -> _Records:
    """The table's records below its header, by canonical field, blank rows left out;
    a record without an id gets ``<file stem>#<row>``."""
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
    # A list, not Series.map: pandas would make the missing ids NaN ("nan" as an id).
    ids = ([_record_id(v) for v in raw["source_record_id"]] if "source_record_id" in raw
           else [None] * len(raw))
    raw["source_record_id"] = [i if i is not None else f"{path.stem}#{n}"
                               for i, n in zip(ids, row_numbers, strict=True)]
    where = f"{path.name}, blad {table.sheet!r}" if table.sheet else path.name
    headers = {field: str(header_row[i]).strip() for field, i in columns.items()}
    return _Records(path.name, where, raw, row_numbers, headers)


def _mapped(files: list[_Records], source: SourceConfig, bounds) -> list[ParsedFile]:
    """The files' records as canonical items, mapped in one go and handed back per file
    with their findings located (file, row Excel shows, header as the file spells it)."""
    from wijkopvolging.sources.mapping import to_canonical

    if not files:
        return []
    raw = pd.concat([f.raw for f in files], ignore_index=True)
    canonical = dataclasses.replace(source, mapping={c: c for c in raw.columns})
    result = to_canonical(raw, canonical, bounds=bounds)
    offsets = np.cumsum([0, *(len(f.raw) for f in files)])
    owner = np.searchsorted(offsets, result.findings["row_no"].to_numpy(dtype="int64"),
                            side="right") - 1
    out = []
    for number, records in enumerate(files):
        low, high = int(offsets[number]), int(offsets[number + 1])
        rows = records.row_numbers
        findings = result.findings[owner == number].reset_index(drop=True)
        findings["row_no"] = findings["row_no"].astype("int64") - low
        findings["message"] = [
            f"{records.where}, rij {rows[r]}, kolom {records.headers.get(c, c)!r}: "
            f"{m.removeprefix(f'{c}: ')}"
            for r, c, m in zip(findings["row_no"], findings["column"], findings["message"],
                               strict=True)]
        findings["source_file"] = records.where
        findings["source_row"] = [rows[r] for r in findings["row_no"]]
        items = result.items.iloc[low:high].reset_index(drop=True)
        items["row_no"] = range(high - low)
        items["item_id"] = [item_id(source.name, i) for i in items["source_record_id"]]
        items["source_file"] = records.where
        items["source_row"] = rows
        out.append(ParsedFile(records.name, True, items, findings))
    return out
