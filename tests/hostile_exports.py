"""Hostile export files and a drop-folder source to read them with, for the tests of bad
input (``tests/unit/test_hostile_input.py``, ``test_export_fuzz.py``,
``test_hostile_folder.py``).

``file_source_config`` writes a configuration with one file source over a folder, the
warehouse, output and GX folder in a temporary folder; ``ingest`` runs the ingest's own
steps (``wijkopvolging.ingest``) on it. The workbook builders make what an office
computer, or someone with write access to the drop folder, can put there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import textwrap
import zipfile
from pathlib import Path

import openpyxl

# The file source of the tests: every canonical field has a header, and the aliases of
# the demo configuration.
SOURCE = "gebiedslijsten"
MAPPING = {
    "Nr.": "source_record_id",
    "Soort": "kind",
    "Datum werkbezoek": "date_raised",
    "Wijk": "wijk",
    "Onderwerp": "onderwerp",
    "Wethouder": "wethouder",
    "Afgesproken datum": "agreed_deadline",
    "Afgesproken termijn (dagen)": "agreed_term_days",
    "Verlenging (dagen)": "extension_days",
    "Datum beantwoord": "date_answered",
    "Datum tussenbericht": "date_tussenbericht",
}
ALIASES = {
    "source_record_id": ["Kenmerk", "Nummer", "Volgnummer"],
    "date_raised": ["Datum ontvangst", "Datum ingediend", "Datum bezoek"],
    "date_answered": ["Datum antwoord", "Beantwoord op"],
    "onderwerp": ["Vraag", "Titel"],
}
HEADERS = {field: [header, *ALIASES.get(field, [])] for header, field in MAPPING.items()}

# The ingest moment of the tests: everything up to 31 October 2026 is in the past.
INGEST_AT = dt.datetime(2026, 11, 1, 5, 0, tzinfo=dt.UTC)


def file_source_config(tmp_path: Path, folder: Path, *, settings: str = ""):
    """A loaded configuration with one file source over ``folder`` and everything else in
    ``tmp_path``; ``settings``: extra lines for the ``settings`` section."""
    from wijkopvolging.config import load_config

    mapping = "\n".join(f"      {header!r}: {field}" for header, field in MAPPING.items())
    aliases = "\n".join(f"      {field}: {headers!r}" for field, headers in ALIASES.items())
    extra = textwrap.indent(textwrap.dedent(settings).strip(), "  ") if settings else ""
    text = f"""\
warehouse:
  url: sqlite:///{tmp_path}/warehouse.sqlite
output_dir: {tmp_path}/output
gx_dir: {tmp_path}/gx
settings:
  term_days: 42
{extra}
sources:
  {SOURCE}:
    type: file
    folder: {folder}
    patterns: ["*.xlsx", "*.xlsm", "*.xls", "*.csv"]
    mapping:
{mapping}
    aliases:
{aliases}
    defaults:
      kind: vraag
    values:
      kind:
        Vraag uit de Wijk: vraag
        Ongevraagd advies: advies
"""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "wijkopvolging.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def without_data_docs(config):
    """The configuration without a Data Docs folder: validation runs the same suite and
    rules, and only skips writing the result to the Data Docs site (seconds per run)."""
    from wijkopvolging.config import ValidationConfig

    return dataclasses.replace(config, validation=ValidationConfig(data_docs=False))


@dataclasses.dataclass
class Ingested:
    """What one ingest of the file source left in the warehouse."""

    run: dict  # extracted, loaded, quarantined, ...
    findings: object  # pandas.DataFrame: this run's findings
    items: object  # pandas.DataFrame: the items as of the ingest (loaded)


def ingest(config, *, run_id: str = "test_ingest", at: dt.datetime = INGEST_AT) -> Ingested:
    """Extract, validate and load the file source with the ingest's own steps."""
    from wijkopvolging.pipeline import ingest_source
    from wijkopvolging.warehouse import open_warehouse

    ingest_source(config, SOURCE, run_id=run_id, data_interval_end=at)
    with open_warehouse(config.warehouse_url) as warehouse:
        runs = warehouse.runs_of(run_id)
        findings = warehouse.findings_of_run(run_id)
        items = warehouse.snapshot(at)
    (run,) = runs.to_dict("records")
    return Ingested(run=run, findings=findings, items=items)


# -- workbooks ---------------------------------------------------------------------------------
def workbook_bytes(rows: list[list]) -> bytes:
    """A plain workbook with ``rows`` on its first sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Nine levels of ten: &lol9; expands to a thousand million "lol"s.
_LAUGHS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{n} "{("&lol" + ("" if n == 1 else str(n - 1)) + ";") * 10}">'
                     for n in range(1, 10))
           + "]>")


def billion_laughs(rows: list[list], *, part: str = "xl/worksheets/sheet1.xml",
                   marker: str | None = None, padding: int = 0) -> bytes:
    """A workbook of ``rows`` whose ``part`` declares the billion laughs; ``marker`` (a
    text in that part) is replaced by the entity that expands to them; ``padding``
    characters of an XML comment stand before the declaration."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                text = data.decode("utf-8")
                if text.startswith("<?xml"):
                    text = text.split("?>", 1)[1]
                if marker:
                    assert marker in text, (marker, part)
                    text = text.replace(marker, "&lol9;")
                head, dtd = _LAUGHS.split("\n", 1)
                comment = f"\n<!--{' ' * padding}-->\n" if padding else "\n"
                data = (head + comment + dtd + text).encode("utf-8")
            archive.writestr(info, data)
    return out.getvalue()


def zip_bomb(rows: list[list], *, unpacked_mb: int) -> bytes:
    """A workbook of ``rows`` with an extra part of ``unpacked_mb`` megabytes of spaces
    (which deflate to almost nothing)."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info.filename))
        with archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
            block = b" " * 2**20
            for _ in range(unpacked_mb):
                part.write(block)
    return out.getvalue()
