"""DiWoo metadata and the sitemap for the Woo index: valid against the published DiWoo
0.9.8 and sitemaps.org schemas (tests/diwoo), the right values, beside a final or revised
set only, deterministic, and listed in the set's manifest."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from tests.diwoo import schema
from wijkopvolging import layout
from wijkopvolging.approval import CollegeDecision
from wijkopvolging.config import PublicationConfig, load_config
from wijkopvolging.documents.diwoo import (
    DIWOO_NS,
    SITEMAP_NAME,
    SITEMAP_NS,
    write_woo_index,
)
from wijkopvolging.labels import REVISED_MARK, letter_title, overview_title
from wijkopvolging.layout import SetKind, SetLayout
from wijkopvolging.periods import Period
from wijkopvolging.rapportage import (
    check_publication_gate,
    compute_timeliness,
    take_snapshot,
    write_documents,
)
from wijkopvolging.warehouse import open_warehouse

PERIOD = Period.parse("2026-09")
DECIDED = dt.date(2026, 11, 17)
KENMERK = "WaZ/2026-09_2026-10"
SETTINGS = PublicationConfig(base_url="https://www.rotterdam.nl/woo/wijkopvolging")
LETTER_PDF, OVERVIEW_PDF = (SetLayout.pdf_of(name).name
                             for name in (layout.LETTER, layout.OVERVIEW))
FILES = [layout.LETTER, layout.OVERVIEW, layout.OVERVIEW_XLSX, LETTER_PDF, OVERVIEW_PDF]
OPEN_DATA_CSV = f"{layout.OPEN_DATA}/{layout.OPEN_DATA_CSV}"
PUBLICATIONS = [f"{layout.OPEN_DATA}/{layout.DATA_PACKAGE}", OPEN_DATA_CSV,
                f"{layout.OPEN_DATA}/{layout.OPEN_DATA_JSON}", layout.WEBPAGE,
                layout.afschrift_in(layout.AFSCHRIFTEN, "Pernis").as_posix()]
# Each publication's DiWoo metadata is named after it: woo/<key>.xml.
LETTER_KEY, OVERVIEW_KEY, WEBPAGE_KEY = (layout.stem(name) for name in (
    layout.LETTER, layout.OVERVIEW, layout.WEBPAGE))
NS = {"d": DIWOO_NS, "s": SITEMAP_NS}
KERN = "https://identifier.overheid.nl/tooi/def/thes/kern/"


def _write(folder: Path, *, revised=False, settings=SETTINGS, recorded=None) -> list[str]:
    return write_woo_index(settings, PERIOD, folder=folder, kenmerk=KENMERK,
                           decided_on=DECIDED, revised=revised, files=FILES,
                           publications=PUBLICATIONS, recorded_as_of=recorded)


def woo_file(key: str) -> str:
    """The DiWoo metadata of the publication ``key``, relative to its set."""
    return f"{layout.WOO}/{key}.xml"


def _one(tree, path: str) -> etree._Element:
    (found,) = tree.xpath(path, namespaces=NS)
    return found


def test_every_publication_gets_a_diwoo_document_valid_against_the_published_schema(
        tmp_path):
    written = _write(tmp_path)
    assert written == [SITEMAP_NAME, *sorted(woo_file(key) for key in (
        LETTER_KEY, OVERVIEW_KEY, layout.OPEN_DATA, WEBPAGE_KEY))]
    for name in written:
        assert schema.errors((tmp_path / name).read_bytes()) == [], name


def test_the_letter_names_rotterdam_its_official_title_the_decision_and_its_attachment(
        tmp_path):
    _write(tmp_path)
    letter = etree.parse(tmp_path / woo_file(LETTER_KEY))
    publisher = _one(letter, "//d:publisher")
    assert publisher.get("resource") == "https://identifier.overheid.nl/tooi/id/gemeente/gm0599"
    assert publisher.text == "gemeente Rotterdam"
    assert _one(letter, "//d:officieleTitel").text == letter_title(PERIOD)
    assert _one(letter, "//d:officieleTitel").text == (
        "Stand van zaken Vragen uit de Wijk en ongevraagde adviezen, september–oktober 2026")
    category = _one(letter, "//d:informatiecategorie")
    assert category.get("resource") == KERN + "c_8c840238"
    assert category.text == "bij vertegenwoordigende organen ingekomen stukken"
    assert _one(letter, "//d:documentsoort").get("resource") == KERN + "c_7652d853"
    assert _one(letter, "//d:creatiedatum").text == "2026-11-17"
    assert _one(letter, "//d:soortHandeling").get("resource") == KERN + "c_641ecd76"
    assert _one(letter, "//d:atTime").text == "2026-11-17T00:00:00+01:00"
    assert _one(letter, "//d:identifier").text == KENMERK
    assert _one(letter, "//d:format").get("resource").endswith("/file-type/PDF")
    assert _one(letter, "//d:language").get("resource").endswith("/language/NLD")
    relation = _one(letter, "//d:documentrelatie")
    assert _one(relation, "d:role").get("resource") == KERN + "c_05f4a5f3"
    assert _one(relation, "d:relation").get("resource") == (
        f"https://www.rotterdam.nl/woo/wijkopvolging/2026-09_2026-10/{OVERVIEW_PDF}")
    assert _one(relation, "d:relation").text == overview_title(PERIOD)
    assert not letter.xpath("//d:omschrijvingen", namespaces=NS)  # nothing replaced


def test_the_sitemap_lists_each_publication_at_its_public_address_dated_by_the_decision(
        tmp_path):
    _write(tmp_path)
    sitemap = etree.parse(tmp_path / SITEMAP_NAME)
    base = "https://www.rotterdam.nl/woo/wijkopvolging/2026-09_2026-10/"
    assert sitemap.xpath("//s:url/s:loc/text()", namespaces=NS) == [
        base + LETTER_PDF, base + OVERVIEW_PDF, base + OPEN_DATA_CSV, base + layout.WEBPAGE]
    assert set(sitemap.xpath("//s:url/s:lastmod/text()", namespaces=NS)) == {"2026-11-17"}
    titles = sitemap.xpath("//s:url/d:Document//d:officieleTitel/text()", namespaces=NS)
    assert titles == [letter_title(PERIOD)] + [overview_title(PERIOD)] * 3
    # Afschriften go to the wijkraden, not to the Woo index; nor does the spreadsheet.
    assert not any(layout.AFSCHRIFTEN in loc or loc.endswith(".xlsx")
                   for loc in sitemap.xpath("//s:loc/text()", namespaces=NS))


def test_without_pdfs_the_word_documents_are_the_publications(tmp_path):
    write_woo_index(SETTINGS, PERIOD, folder=tmp_path, kenmerk=KENMERK, decided_on=DECIDED,
                    revised=False, files=FILES[:3], publications=PUBLICATIONS)
    sitemap = etree.parse(tmp_path / SITEMAP_NAME)
    locs = sitemap.xpath("//s:loc/text()", namespaces=NS)
    assert locs[0].endswith(f"/{layout.LETTER}")
    assert _one(etree.parse(tmp_path / woo_file(LETTER_KEY)),
                "//d:format").get("resource").endswith("/file-type/DOCX")
    assert schema.errors((tmp_path / SITEMAP_NAME).read_bytes()) == []


def test_a_revised_set_says_what_it_replaces_and_is_newer_for_the_harvester(tmp_path):
    _write(tmp_path, revised=True, recorded=dt.datetime(2026, 12, 2, 9, 30))
    letter = etree.parse(tmp_path / woo_file(LETTER_KEY))
    assert _one(letter, "//d:officieleTitel").text == letter_title(PERIOD, revised=True)
    assert _one(letter, "//d:officieleTitel").text.endswith(REVISED_MARK)
    replaces = _one(letter, "//d:omschrijving").text
    assert "vervangt de eerder gepubliceerde versie" in replaces
    assert KENMERK in replaces and "17 november 2026" in replaces
    sitemap = etree.parse(tmp_path / SITEMAP_NAME)
    assert set(sitemap.xpath("//s:lastmod/text()", namespaces=NS)) == {"2026-12-02"}
    assert schema.errors((tmp_path / SITEMAP_NAME).read_bytes()) == []


def test_the_same_set_gives_the_same_bytes(tmp_path):
    _write(tmp_path / "a")
    _write(tmp_path / "b")
    for name in _write(tmp_path / "c"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_alternative_informatiecategorie_is_a_setting(tmp_path):
    _write(tmp_path, settings=PublicationConfig(base_url=SETTINGS.base_url,
                                                informatiecategorie="c_db4862c3"))
    sitemap = (tmp_path / SITEMAP_NAME).read_bytes()
    categories = etree.fromstring(sitemap).xpath("//d:informatiecategorie", namespaces=NS)
    assert len(categories) == 4
    assert {(c.get("resource"), c.text) for c in categories} == {
        (KERN + "c_db4862c3", "vergaderstukken decentrale overheden")}
    assert schema.errors(sitemap) == []


def test_the_schema_check_catches_a_document_without_publisher(tmp_path):
    _write(tmp_path)
    tree = etree.parse(tmp_path / woo_file(LETTER_KEY))
    publisher = _one(tree, "//d:publisher")
    publisher.getparent().remove(publisher)
    assert any("publisher" in e for e in schema.errors(etree.tostring(tree)))
    tree = etree.parse(tmp_path / woo_file(LETTER_KEY))
    _one(tree, "//d:publisher").set("resource", "https://identifier.overheid.nl/tooi/id/x")
    assert schema.errors(etree.tostring(tree))


@pytest.fixture
def reported(isolated_project):
    """An empty but real report for September–October 2026 in a fresh warehouse."""
    config = load_config()
    moment = dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)
    with open_warehouse(config.warehouse_url) as warehouse:
        warehouse.record_ingest_run("ingest-1", "registratiesysteem", moment, extracted=0,
                                    loaded=0, quarantined=0, warnings=0, new=0, changed=0,
                                    deleted=0, finished_at=moment)
    take_snapshot(config, PERIOD, run_id="r")
    check_publication_gate(config, PERIOD, run_id="r")
    compute_timeliness(config, PERIOD, run_id="r")
    return config, isolated_project


def test_the_final_set_carries_the_woo_index_in_its_manifest_the_concept_none(reported):
    config, root = reported
    decision = CollegeDecision(
        period=PERIOD.slug, approved=True, decided_on=DECIDED, kenmerk=KENMERK, note="",
        responded_by="secretariaat", responded_at=dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC))
    final = write_documents(config, PERIOD, run_id="r", folder=root / "final",
                            decision=decision)
    manifest = json.loads(Path(final["manifest"]).read_text(encoding="utf-8"))
    for name in (SITEMAP_NAME, woo_file(LETTER_KEY), woo_file(WEBPAGE_KEY)):
        assert name in manifest["publications"], name
        assert schema.errors((root / "final" / name).read_bytes()) == []
    letter = etree.parse(root / "final" / woo_file(LETTER_KEY))
    assert _one(letter, "//d:atTime").text.startswith(DECIDED.isoformat())
    assert _one(letter, "//d:identifier").text == KENMERK

    concept = SetLayout(root).concept
    write_documents(config, PERIOD, run_id="r", folder=concept.folder, kind=SetKind.CONCEPT)
    assert not concept.sitemap.exists() and not concept.woo.exists()
    written = json.loads(concept.manifest.read_text(encoding="utf-8"))
    assert not any(layout.WOO in n or layout.SITEMAP in n for n in written["publications"])
