"""The demo's drop folder with hostile files beside its exports, through the pipeline's
own steps as `make run` takes them (ingest, report, publications, weekly lists), in
process: it ends well, the steward report names every refused row and file, and none
of the outputs runs anything from the data.

The demo itself stays as documented (its counts are checked by tests/e2e); the hostile
files go into a copy of its sources in a temporary folder.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile_exports import billion_laughs, workbook_bytes
from tests.inert_checks import csv_formulas, formula_cells, html_elements, word_texts
from wijkopvolging.approval import CollegeDecision
from wijkopvolging.layout import MANIFEST, OPEN_DATA_CSV, SIGNALERING
from wijkopvolging.periods import Period
from wijkopvolging.schedules import ingest_at, signalering_at

PERIOD = Period.starting(2026, 9)
HEADER = ["Kenmerk", "Soort", "Datum ontvangst", "Wijk", "Onderwerp", "Wethouder",
          "Datum antwoord", "Datum tussenbericht", "Verlenging (dagen)"]
FORMULA = '=HYPERLINK("http://voorbeeld.nl";"klik hier") voor info'
MARKUP = "<script>alert('x')</script> bij de Maashaven"
TEMPLATE = "Vraag over {{ x }} en {% if y %} in Tarwewijk"
# Loaded and published: shown as typed, never acting.
PUBLISHED = {"HOST-FORMULE": FORMULA, "HOST-MARKUP": MARKUP, "HOST-TEMPLATE": TEMPLATE,
             "HOST-STUUR": "Regel een\x0bregel twee\x01 met stuurtekens"}
# Refused, each by its Dutch rule title: (file, row Excel shows, rule title).
REFUSED_ROWS = {
    "HOST-ABSURD": ("vijandig.csv", 6, "Waarde buiten de grenzen"),
    "HOST-NEGATIEF": ("vijandig.csv", 7, "Waarde buiten de grenzen"),
    "HOST-DECENNIA": ("vijandig.csv", 8, "Waarde buiten de grenzen"),
    "HOST-TELEFOON": ("vijandig.csv", 9, "Persoonsgegevens in openbare tekst"),
    "HOST-WIJK": ("vijandig.csv", 10, "Onbekende wijk"),
    "HOST-FORMULECEL": ("formulecel.xlsx, blad 'Sheet'", 2, "Verplicht veld ontbreekt"),
}
REFUSED_FILES = ("bom.xlsx", "kapot.xlsx")


def hostile_rows() -> list[list[str]]:
    row = ["", "Vraag uit de Wijk", "10-09-2026", "Tarwewijk", "", "Kasmi", "", "", ""]
    rows = []
    for record_id, title in PUBLISHED.items():
        rows.append([record_id, *row[1:4], title, *row[5:]])
    for record_id, extension in (("HOST-ABSURD", "99999999999999999999"),
                                 ("HOST-NEGATIEF", "-400"), ("HOST-DECENNIA", "3000000")):
        rows.append([record_id, *row[1:4], "Verlenging zonder einde", *row[5:8], extension])
    rows.append(["HOST-TELEFOON", *row[1:4], "Bewoner bellen op 06 91 23 45 67", *row[5:]])
    rows.append(["HOST-WIJK", *row[1:3], "<b>Atlantis</b>", "Onbekende wijk", *row[5:]])
    return rows


def semicolon_csv(rows: list[list[str]]) -> str:
    """As Excel saves a CSV on a Dutch Windows: semicolons, quotes where needed."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows])
    return buffer.getvalue()


def hostile_files(folder: Path) -> None:
    """Beside the demo's exports: a cp1252 CSV of hostile rows, the same rows once more in
    UTF-16 (ids of its own), a workbook with a formula for a title, a billion-laughs
    workbook and a truncated one."""
    (folder / "vijandig.csv").write_bytes(semicolon_csv(hostile_rows()).encode("cp1252"))
    again = [[f"U16-{r[0]}", *r[1:]] for r in hostile_rows() if r[0] in PUBLISHED]
    (folder / "utf16.csv").write_bytes(codecs.BOM_UTF16_LE
                                       + semicolon_csv(again).encode("utf-16-le"))
    (folder / "formulecel.xlsx").write_bytes(workbook_bytes([
        ["Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder"],
        ["HOST-FORMULECEL", "10-09-2026", "Tarwewijk", "=CONCATENATE(\"a\";\"b\")", "Kasmi"]]))
    (folder / "bom.xlsx").write_bytes(billion_laughs(
        [["Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder"],
         ["BOM-1", "10-09-2026", "Tarwewijk", "Bankjes op het plein", "Kasmi"]],
        marker="Bankjes op het plein"))
    (folder / "kapot.xlsx").write_bytes(workbook_bytes([["Nr."], ["1"]])[:600])


def demo_config(tmp_path: Path):
    """The repository's configuration with every source, store and output in tmp_path."""
    from wijkopvolging.config import load_config

    text = (ROOT / "include" / "config" / "wijkopvolging.yaml").read_text(encoding="utf-8")
    for old, new in (("sqlite:///.data/warehouse.sqlite", f"sqlite:///{tmp_path}/w.sqlite"),
                     ("sqlite:///.data/demo_source.sqlite", f"sqlite:///{tmp_path}/demo.sqlite"),
                     ("folder: .data/exports", f"folder: {tmp_path}/exports"),
                     ("output_dir: output", f"output_dir: {tmp_path}/output"),
                     ("gx_dir: .gx", f"gx_dir: {tmp_path}/gx")):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "wijkopvolging.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, monkeypatch_module):
    """Demo sources plus hostile files, then the pipeline's steps for september–oktober
    2026 as `make run` runs them (without PDFs: LibreOffice renders the same .docx)."""
    import wijkopvolging.documents
    from demo.exports import write_demo_exports
    from demo.registrations import fill_demo_source
    from wijkopvolging import pipeline, rapportage
    from wijkopvolging.signalering import make_week_lists

    tmp_path = tmp_path_factory.mktemp("hostile-folder")
    for name, value in (("WAREHOUSE_URL", f"sqlite:///{tmp_path}/w.sqlite"),
                        ("OUTPUT_DIR", str(tmp_path / "output")),
                        ("GX_DIR", str(tmp_path / "gx")), ("DATA_DOCS", "true")):
        monkeypatch_module.setenv(f"WIJKOPVOLGING_{name}", value)
    monkeypatch_module.setattr(wijkopvolging.documents, "convert_to_pdf", lambda docs, out: [])
    config = demo_config(tmp_path)
    fill_demo_source(config.source("registratiesysteem").options["url"],
                     until=PERIOD.peildatum)
    write_demo_exports(tmp_path / "exports", until=PERIOD.peildatum)
    hostile_files(tmp_path / "exports")

    steward = pipeline.ingest(config, run_id="hostile_ingest",
                              data_interval_end=ingest_at(PERIOD.end))["report"]
    report_id = "hostile_report"
    pipeline.report_checks(config, PERIOD, run_id=report_id)
    approved = CollegeDecision(
        period=PERIOD.slug, approved=True, decided_on=dt.date(2026, 11, 10),
        kenmerk="26bb004711", note="", responded_by="secretariaat",
        responded_at=dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC))
    documents = rapportage.write_documents(
        config, PERIOD, run_id=report_id, folder=tmp_path / "set", decision=approved)
    monday = PERIOD.end + dt.timedelta(days=(7 - PERIOD.end.weekday()) % 7)
    lists = make_week_lists(config, monday, as_of=signalering_at(monday))
    return {"steward": steward, "documents": documents, "lists": lists,
            "folder": tmp_path, "ingest_manifest": Path(steward["html"]).parent}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_ingest_ends_well_and_every_source_adds_up(pipeline):
    manifest = json.loads((pipeline["ingest_manifest"] / MANIFEST).read_text())
    assert manifest["reconciled"] is True
    exports = next(s for s in manifest["sources"] if s["source"] == "gebiedslijsten")
    assert exports["quarantined"] >= len(REFUSED_ROWS)


def test_the_steward_report_names_every_refused_row_and_file(pipeline):
    with Path(pipeline["steward"]["csv"]).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    refused = {(r["bronnummer"], r["bestand"], r["rij"], r["regelnaam"]) for r in rows
               if r["status"] == "in quarantaine"}
    for record_id, (where, row, title) in REFUSED_ROWS.items():
        assert (record_id, where, str(row), title) in refused, record_id
    files = {r["waarde"]: r["melding"] for r in rows if r["regel"] == "bestand_onleesbaar"}
    assert set(files) == set(REFUSED_FILES)
    assert "XML-bom" in files["bom.xlsx"]
    html = Path(pipeline["steward"]["html"]).read_text(encoding="utf-8")
    for name in REFUSED_FILES:
        assert name in html
    for record_id in REFUSED_ROWS:
        assert record_id in html


def test_no_absurd_extension_became_a_deadline(pipeline):
    from docx import Document

    overview = Path(pipeline["documents"]["overview"])
    text = " ".join(cell.text for table in Document(overview).tables
                    for row in table.rows for cell in row.cells)
    assert "Verlenging zonder einde" not in text  # refused, so not in the overview
    years = {int(y) for y in re.findall(r"\d{2}-\d{2}-(\d{4})", text)}
    assert years <= set(range(2022, 2028)), years


def test_none_of_the_outputs_runs_anything_from_the_data(pipeline):
    documents, folder = pipeline["documents"], pipeline["folder"]
    overview = word_texts(Path(documents["overview"]))
    for title in (FORMULA, MARKUP, TEMPLATE):
        assert title in overview, title
    word_texts(Path(documents["letter"]))
    for afschrift in Path(documents["afschriften"]).glob("*.docx"):
        word_texts(afschrift)
    assert formula_cells(Path(documents["spreadsheet"])) == []
    for sheet in (folder / "output" / SIGNALERING).rglob("*.xlsx"):
        assert formula_cells(sheet) == [], sheet
    assert csv_formulas(Path(documents["open_data"]) / OPEN_DATA_CSV) == []
    assert csv_formulas(Path(pipeline["steward"]["csv"]), delimiter=";",
                        encoding="utf-8-sig") == []
    page = html_elements(Path(documents["webpage"]).read_text(encoding="utf-8"))
    assert len(page.scripts) == 1 and "alert" not in page.scripts[0]
    assert page.handlers == []
    steward = html_elements(Path(pipeline["steward"]["html"]).read_text(encoding="utf-8"))
    assert steward.scripts == [] and steward.handlers == []
    pages = list((folder / "gx").rglob("validations/**/*.html"))
    assert pages, "no Data Docs pages were published"
    for docs in pages:
        found = html_elements(docs.read_text(encoding="utf-8"))
        assert not any("alert" in h for h in found.handlers), docs
        assert not any("alert" in s for s in found.scripts), docs
