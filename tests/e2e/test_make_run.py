"""End to end: the demo through both DAGs with Airflow's own runner, as `make run` does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, private_airflow_db, require
from wijkopvolging import layout
from wijkopvolging.layout import SetLayout
from wijkopvolging.periods import Period

pytestmark = pytest.mark.airflow
PERIOD = Period.parse("2026-09")


def drop_folder(tmp) -> SetLayout:
    """The period's drop folder in the tmp project's output."""
    return layout.drop_folder(tmp / "output", PERIOD)


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    """One run of scripts/run_pipeline.py for September–October 2026 in a tmp project."""
    tmp = tmp_path_factory.mktemp("make-run")
    config = (ROOT / "include/config/wijkopvolging.yaml").read_text(encoding="utf-8")
    config = config.replace("sqlite:///.data/", f"sqlite:///{tmp}/")
    config = config.replace(".data/exports", str(tmp / "exports"))
    (tmp / "wijkopvolging.yaml").write_text(config, encoding="utf-8")
    env = {
        **os.environ,
        "WIJKOPVOLGING_CONFIG": str(tmp / "wijkopvolging.yaml"),
        "WIJKOPVOLGING_WAREHOUSE_URL": f"sqlite:///{tmp}/warehouse.sqlite",
        "WIJKOPVOLGING_OUTPUT_DIR": str(tmp / "output"),
        "WIJKOPVOLGING_GX_DIR": str(tmp / "gx"),
        **private_airflow_db(tmp),
        # As a user runs it: the stewards' Data Docs too (PDFs stay out: their own tests).
        "WIJKOPVOLGING_DATA_DOCS": "true",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/run_pipeline.py"), "--period", "2026-09"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return tmp, result.stdout


def printed_path(stdout: str, label: str):
    from pathlib import Path

    line = next(line for line in stdout.splitlines() if line.startswith(label))
    return Path(line.split(":", 1)[1].strip().split(",")[0])


def test_run_ends_with_the_paths_of_both_documents_and_the_validation_report(pipeline_run):
    tmp, stdout = pipeline_run
    letter = printed_path(stdout, "Raadsinformatiebrief")
    overview = printed_path(stdout, "Overzicht")
    report = printed_path(stdout, "Validatierapport")
    # Spelled out once: the names the griffie knows, so a change of the layout shows here.
    assert letter == tmp / "output/2026-09_2026-10/raadsinformatiebrief.docx"
    assert overview == tmp / "output/2026-09_2026-10/bijlage-overzicht.docx"
    for path in (letter, overview, report):
        assert path.is_file() and path.stat().st_size > 0


def test_the_demo_college_approves_through_the_api_and_the_letter_carries_its_decision(
        pipeline_run):
    from docx import Document

    tmp, stdout = pipeline_run
    drop = drop_folder(tmp)
    assert ("Demo-goedkeuring gegeven voor run manual__" in stdout
            and "besluitdatum 2026-11-08, kenmerk DEMO-2026-09_2026-10" in stdout), stdout
    header = "\n".join(p.text for p in Document(drop.letter).sections[0].header.paragraphs)
    assert "Datum: 8 november 2026" in header and "Ons kenmerk: DEMO-2026-09_2026-10" in header
    assert "CONCEPT" not in header
    concept = Document(drop.concept.letter).sections[0].header
    assert concept.paragraphs[0].text.startswith("CONCEPT")
    manifest = json.loads(drop.manifest.read_text())
    assert manifest["college"]["responded_by"] == "make-run-demo"


def test_documents_open_and_state_the_period(pipeline_run):
    from docx import Document

    tmp, _ = pipeline_run
    drop = drop_folder(tmp)
    letter_text = "\n".join(p.text for p in Document(drop.letter).paragraphs)
    assert "september–oktober 2026" in letter_text
    overview = Document(drop.overview)
    assert len(overview.tables) >= 2


def test_manifest_reconciles_extracted_with_loaded_and_quarantined(pipeline_run):
    tmp, _ = pipeline_run
    manifest = json.loads(drop_folder(tmp).manifest.read_text())
    assert manifest["peildatum"] == "2026-10-31"
    assert sum(manifest["status_counts"].values()) == manifest["items"] > 50
    for source in manifest["reconciliation"]:
        assert source["extracted"] == source["loaded"] + source["quarantined"]
    assert sum(s["quarantined"] for s in manifest["reconciliation"]) >= 6  # the demo's broken


def test_libreoffice_opens_both_documents(pipeline_run, tmp_path):
    require(shutil.which("soffice") is not None,
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    source, _ = pipeline_run
    drop = drop_folder(source)
    for document in (drop.letter, drop.overview):
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(document)],
                       check=True, capture_output=True, timeout=300)
        assert (tmp_path / SetLayout.pdf_of(document).name).stat().st_size > 1000


def test_a_month_that_does_not_start_a_period_is_refused_clearly():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/run_pipeline.py"), "--period", "2025-10"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.returncode != 0
    assert "2025-10 is geen begin van een rapportageperiode" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_demos_broken_records_reach_the_steward_report_with_their_rule(pipeline_run):
    import csv

    tmp, stdout = pipeline_run
    report = printed_path(stdout, "Validatierapport")
    with open(report.with_suffix(".csv"), encoding="utf-8-sig") as handle:
        rules = {row["bronnummer"]: row["regel"] for row in csv.DictReader(handle, delimiter=";")
                 if row["status"] == "in quarantaine"}
    assert rules["990002"] == "onbekende_wijk"
    assert rules["990003"] == "datum_voor_indiening"
    assert rules["990004"] == "persoonsgegevens"
    assert rules["990005"] == "persoonsgegevens"
    assert {rules["990001"], rules["990006"]} == {"verplicht_veld"}
    assert printed_path(stdout, "GX Data Docs").is_file()


def test_the_letter_states_the_quarantine_count_and_no_document_holds_personal_data(
        pipeline_run):
    import zipfile

    tmp, _ = pipeline_run
    drop = drop_folder(tmp)
    manifest = json.loads(drop.manifest.read_text())
    quarantined = sum(manifest["quarantine_by_reason"].values())
    letter = zipfile.ZipFile(drop.letter).read("word/document.xml")
    assert f"quarantaine: {quarantined}".encode() in letter
    for path in (drop.letter, drop.overview, drop.overview_xlsx):
        with zipfile.ZipFile(path) as document:
            text = b"".join(document.read(n) for n in document.namelist()
                            if n.endswith(".xml"))
        for personal in (b"06-12345678", b"p.dejong@example.nl", b"mevrouw Jansen"):
            assert personal not in text, (path.name, personal)


def test_letter_shows_the_trend_of_six_periods_from_the_warehouses_history(pipeline_run):
    from docx import Document

    tmp, stdout = pipeline_run
    assert "history for the trend: ingested as of the end of 5 earlier period(s)" in stdout
    assert "Trend in de brief:    6 periode(n), november–december 2025 t/m" in stdout
    drop = drop_folder(tmp)
    letter = Document(drop.letter)
    table = next(t for t in letter.tables if t.rows[0].cells[0].text == "Periode")
    assert [row.cells[0].text for row in table.rows[1:]] == [
        "november–december 2025", "januari–februari 2026", "maart–april 2026",
        "mei–juni 2026", "juli–augustus 2026", "september–oktober 2026"]
    manifest = json.loads(drop.manifest.read_text())
    assert manifest["trend"][-1]["beantwoord"] == (
        manifest["status_counts"].get("op_tijd", 0) + manifest["status_counts"].get("te_laat", 0))
    # The college decides on the same trend: the concept letter shows it too.
    concept = Document(drop.concept.letter)
    table = next(t for t in concept.tables if t.rows[0].cells[0].text == "Periode")
    assert len(table.rows) == 7
    assert json.loads(drop.concept.manifest.read_text())["trend"] == manifest["trend"]


def test_the_publications_come_from_the_approved_set_never_from_the_concept(pipeline_run):
    tmp, _ = pipeline_run
    drop = drop_folder(tmp)
    concept = json.loads(drop.concept.manifest.read_text())
    assert concept["concept"] and concept["publications"] == {}
    assert not any(path.exists() for path in (
        drop.concept.afschriften, drop.concept.open_data, drop.concept.webpage))
    final = json.loads(drop.manifest.read_text())
    kenmerk = final["college"]["kenmerk"]
    assert final["kenmerk"] == kenmerk == "DEMO-2026-09_2026-10"
    assert json.loads(drop.afschriften_manifest.read_text())["kenmerk"] == kenmerk
    assert f"ons kenmerk {kenmerk}" in drop.webpage.read_text(encoding="utf-8")
    assert {str(path.relative_to(drop.folder)) for path in (
        drop.webpage, drop.open_data / layout.DATA_PACKAGE)} <= set(final["publications"])


def test_afschriften_open_data_and_web_page_are_published_beside_the_letter(pipeline_run):
    import csv

    import frictionless

    tmp, stdout = pipeline_run
    drop = drop_folder(tmp)
    assert f"wijkraad/wijkraden in {drop.afschriften}" in stdout
    manifest = json.loads(drop.afschriften_manifest.read_text())
    docx = sorted(drop.afschriften.glob(f"*{layout.WORD}"))
    assert len(docx) == len(manifest["afschriften"]) > 30
    csv_path, _, package = layout.open_data_files(drop.open_data)
    assert printed_path(stdout, "Open data") == package
    assert frictionless.validate(str(package)).valid
    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    period = json.loads(drop.manifest.read_text())
    assert len(rows) == period["items"] == sum(e["items"] for e in manifest["afschriften"])
    page = printed_path(stdout, "Webpagina")
    assert page == drop.webpage
    html = page.read_text(encoding="utf-8")
    for personal in ("06-12345678", "p.dejong@example.nl", "mevrouw Jansen"):
        assert personal not in html and personal not in "".join(map(str, rows))


def test_the_final_set_carries_valid_diwoo_metadata_and_a_sitemap_for_the_woo_index(
        pipeline_run):
    from lxml import etree

    from tests.diwoo import schema
    from wijkopvolging.documents.diwoo import DIWOO_NS, SITEMAP_NS
    from wijkopvolging.labels import letter_title

    tmp, stdout = pipeline_run
    drop = drop_folder(tmp)
    letter_stem, overview_stem = layout.stem(layout.LETTER), layout.stem(layout.OVERVIEW)
    ns = {"d": DIWOO_NS, "s": SITEMAP_NS}
    sitemap = printed_path(stdout, "Woo-index (DiWoo)")
    assert sitemap == drop.sitemap
    final = json.loads(drop.manifest.read_text())
    assert layout.SITEMAP in final["publications"]
    for name in [n for n in final["publications"] if n.endswith(".xml")]:
        assert schema.errors((drop.folder / name).read_bytes()) == [], name  # DiWoo 0.9.8
    letter = etree.parse(drop.woo / f"{letter_stem}.xml")
    assert letter.xpath("string(//d:publisher/@resource)", namespaces=ns) == (
        "https://identifier.overheid.nl/tooi/id/gemeente/gm0599")
    assert letter.xpath("string(//d:officieleTitel)", namespaces=ns) == letter_title(PERIOD)
    decided = final["college"]["decided_on"]  # 2026-11-08, the demo college's decision
    assert letter.xpath("string(//d:documenthandeling/d:atTime)", namespaces=ns).startswith(
        decided)
    assert letter.xpath("string(//d:identifier)", namespaces=ns) == final["kenmerk"]
    tree = etree.parse(sitemap)
    locs = tree.xpath("//s:url/s:loc/text()", namespaces=ns)
    suffix = layout.PDF if SetLayout.pdf_of(layout.LETTER).name in final["files"] else layout.WORD
    assert [loc.rsplit(f"/{PERIOD.slug}/", 1)[1] for loc in locs] == [
        f"{letter_stem}{suffix}", f"{overview_stem}{suffix}",
        f"{layout.OPEN_DATA}/{layout.OPEN_DATA_CSV}", layout.WEBPAGE]
    assert set(tree.xpath("//s:lastmod/text()", namespaces=ns)) == {decided}
    assert not drop.concept.sitemap.exists() and not drop.concept.woo.exists()
    assert "Archief (ZGW Documenten API): uit (archive.documenten_api_url niet ingesteld)" in (
        stdout)
