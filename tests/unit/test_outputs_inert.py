"""Nothing in the data acts: titles and ids that look like formulas, markup, template
syntax, or hold XML-illegal characters, through every output the pipeline writes (Word,
spreadsheets, open data CSV and JSON, the web page, the steward report and GX Data
Docs). Each output's neutralising lives in ``wijkopvolging.safe_text``."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.inert_checks import csv_formulas, formula_cells, html_elements, word_texts
from tests.unit.report_frames import KENMERK, LETTER_DATE, PERIOD, ROWS, report_frame
from wijkopvolging.documents import render_letter, render_overview, write_overview_xlsx
from wijkopvolging.documents.afschrift import render_afschriften
from wijkopvolging.documents.opendata import write_open_data
from wijkopvolging.documents.signalering_xlsx import write_signalering_xlsx
from wijkopvolging.documents.webpage import SCRIPT, write_webpage
from wijkopvolging.layout import SetLayout
from wijkopvolging.safe_text import clean_text, csv_original
from wijkopvolging.trend import Trend, trend_point

# What residents write and staff pass on, and what someone with write access to a drop
# folder might try. Each must come out shown as typed (XML-illegal characters removed).
FORMULAS = ('=HYPERLINK("http://voorbeeld.nl","klik hier")', "+SUM(1+1) voor de stoep",
            "-2+3+cmd|' /C calc'!A0", "@SUM(A1) bankjes")
MARKUP = ("<script>alert('x')</script> bij de brug",
          "<w:p><w:r><w:t>ingevoegd</w:t></w:r></w:p> in de tekst",
          "<img src=x onerror=alert(1)> verlichting", "]]> &amp; &lt;b&gt; in het park")
TEMPLATES = ("{{ zeven }} en {% if x %}ja{% endif %} in de wijk", "${jndi:ldap://x} plein")
ILLEGAL = ("Regel\x0bmet\x01stuurtekens\ufffe en meer",)
APOSTROPHE = ("'s Avonds overlast op het plein",)
HOSTILE = FORMULAS + MARKUP + TEMPLATES + ILLEGAL + APOSTROPHE


def hostile_report() -> pd.DataFrame:
    rows = [(kind, gebied, wijk, title, wethouder, raised, status, answered, tb)
            for (kind, gebied, wijk, _, wethouder, raised, status, answered, tb), title
            in zip(ROWS * 2, HOSTILE, strict=False)]
    report = report_frame(rows)
    report["source_record_id"] = ["=1+1", "<b>id</b>", *report["source_record_id"][2:]]
    return report


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("outputs")
    made = SetLayout(folder)
    report = hostile_report()
    trend = Trend(period=PERIOD, points=(trend_point(report, PERIOD),))
    out = {
        "letter": render_letter(report, PERIOD, kenmerk=KENMERK, letter_date=LETTER_DATE,
                                quarantine_by_reason={"Onbekende <wijk> {{ x }}": 1},
                                path=made.letter),
        "overview": render_overview(report, PERIOD, path=made.overview),
        "xlsx": write_overview_xlsx(report, PERIOD, path=made.overview_xlsx),
        "webpage": write_webpage(report, PERIOD, path=made.webpage, trend=trend,
                                 kenmerk=KENMERK),
        "signalering": write_signalering_xlsx(
            report.assign(signal_label="=Termijn verloopt", days_left=3),
            title="Signalering", monday=dt.date(2026, 11, 2), path=folder / "lijst.xlsx"),
    }
    out["afschrift"] = render_afschriften(report, PERIOD, folder=made.afschriften,
                                          kenmerk=KENMERK)[0]
    out["csv"], out["json"], _ = write_open_data(report, PERIOD, folder=made.open_data)
    return out


def shown(title: str) -> str:
    """A title as every output shows it: XML-illegal characters gone, breaks a space."""
    return clean_text(title)


# -- Word -------------------------------------------------------------------------------------
@pytest.mark.parametrize("document", ["overview", "afschrift"])
def test_word_shows_markup_formulas_and_template_syntax_as_typed(outputs, document):
    texts = word_texts(outputs[document])  # parses, and holds no XML-illegal character
    joined = " ".join(texts)
    titles = HOSTILE if document == "overview" else [
        t for t in HOSTILE if shown(t) in joined]
    assert titles, "the afschrift holds the rows of one wijk"
    for title in titles:
        assert shown(title) in texts, title  # one cell, the whole title, nothing rendered
    assert "ingevoegd" not in texts  # the markup made no paragraph of its own


def test_the_letter_shows_template_syntax_and_markup_from_the_data_as_typed(outputs):
    texts = word_texts(outputs["letter"])
    assert "Onbekende <wijk> {{ x }}" in " ".join(texts)


# -- spreadsheets -----------------------------------------------------------------------------
@pytest.mark.parametrize("sheet", ["xlsx", "signalering"])
def test_no_spreadsheet_cell_is_a_formula_and_texts_are_kept(outputs, sheet):
    assert formula_cells(outputs[sheet]) == []
    book = openpyxl.load_workbook(outputs[sheet])
    cells = [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]
    values = {c.value: c for c in cells if isinstance(c.value, str)}
    for title in FORMULAS:
        assert values[shown(title)].quotePrefix, title  # stays text when edited in Excel


# -- open data --------------------------------------------------------------------------------
def test_no_open_data_csv_cell_starts_like_a_formula_and_json_keeps_the_exact_text(outputs):
    assert csv_formulas(outputs["csv"]) == []
    with outputs["csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert {r["onderwerp"] for r in records} >= {shown(t) for t in HOSTILE}
    # The CSV is the JSON but for one apostrophe before a text that would run.
    for row, record in zip(rows, records, strict=True):
        assert csv_original(row["onderwerp"]) == record["onderwerp"]
    assert {row["onderwerp"] for row in rows} >= {"'" + t for t in FORMULAS + APOSTROPHE}


# -- HTML -------------------------------------------------------------------------------------
def test_the_web_page_shows_markup_from_the_data_as_text(outputs):
    page = outputs["webpage"].read_text(encoding="utf-8")
    found = html_elements(page)
    assert found.scripts == [SCRIPT]  # its own script only
    assert "img" not in dict(found.tags) and found.handlers == []
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_the_steward_report_shows_values_as_text_and_its_csv_runs_nothing(tmp_path):
    from wijkopvolging.validation import write_steward_report

    findings = pd.DataFrame([{
        "source": "gebiedslijsten", "row_no": n, "source_file": "lijst.csv",
        "source_row": n + 2, "source_record_id": title[:12], "rule": "onbekende_wijk",
        "column": "wijk", "value": title, "severity": "error",
        "message": f"wijk '{title}' staat niet in wijken.yaml"}
        for n, title in enumerate(HOSTILE)])
    paths = write_steward_report(findings, pd.DataFrame(), tmp_path, gx_dir=tmp_path / "gx")
    found = html_elements(paths["html"].read_text(encoding="utf-8"))
    assert found.scripts == [] and "img" not in dict(found.tags)
    assert csv_formulas(paths["csv"], delimiter=";", encoding="utf-8-sig") == []
    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [csv_original(row["waarde"]) for row in rows] == list(HOSTILE)


def test_gx_data_docs_show_values_from_the_sources_as_text(tmp_path):
    from wijkopvolging.model import coerce_items
    from wijkopvolging.reference import ReferenceData
    from wijkopvolging.validation import validate_extract

    items = coerce_items(pd.DataFrame([
        {"item_id": f"x:{n}", "source": "x", "source_record_id": record_id, "kind": kind,
         "wijk": "Pernis", "onderwerp": "Bankjes op het plein", "wethouder": "Zeegers",
         "date_raised": "2024-03-12"}
        for n, (record_id, kind) in enumerate([
            ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>"),
            ("<img src=x onerror=alert(1)>", "{{ 7*7 }}"),
            ("=1+1", "vraag")])]))
    validate_extract(items, source="x", reference=ReferenceData.load(),
                     interval_end=dt.datetime(2024, 5, 1, tzinfo=dt.UTC), settings=None,
                     gx_dir=tmp_path)
    pages = list((tmp_path / "gx" / "uncommitted" / "data_docs").rglob("*.html"))
    result = next(p for p in pages if "/validations/" in str(p)).read_text(encoding="utf-8")
    found = html_elements(result)  # GX's own page has a logo and buttons; nothing from the data
    assert not any("alert" in handler for handler in found.handlers)
    assert not any("alert(2)" in script for script in found.scripts)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in result  # shown, as the steward typed
