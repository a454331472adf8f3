"""The afschrift per wijkraad: the council's rows of one wijk, accessible and
deterministic; a wijk without items gets none."""

from __future__ import annotations

import json

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.conftest import ROOT
from tests.unit.report_frames import KENMERK, PERIOD, ROWS, render_both, report_frame
from wijkopvolging.config import WijkradenConfig
from wijkopvolging.documents.afschrift import (
    render_afschriften,
    wijken_in_overview,
    write_afschrift_manifest,
)
from wijkopvolging.layout import AFSCHRIFTEN, MANIFEST
from wijkopvolging.wijkraden import afschrift_addresses

# Tarwewijk twice, so an afschrift with more than one row.
AFSCHRIFT_ROWS = ROWS + [
    ("advies", "Charlois", "Tarwewijk", "Advies over het Millinxpark", "Achbar",
     "2026-09-20", "open_binnen_termijn", None, False),
]


@pytest.fixture(scope="module")
def afschriften(tmp_path_factory):
    folder = tmp_path_factory.mktemp(AFSCHRIFTEN)
    report = report_frame(AFSCHRIFT_ROWS)
    paths = render_afschriften(report, PERIOD, folder=folder, kenmerk=KENMERK)
    manifest = write_afschrift_manifest(report, PERIOD, folder=folder, kenmerk=KENMERK)
    return report, folder, paths, manifest


def table_rows(path):
    return [[cell.text for cell in row.cells]
            for table in Document(path).tables for row in table.rows[1:]]


def test_one_afschrift_per_wijk_with_items_and_none_for_others(afschriften):
    report, folder, paths, manifest = afschriften
    wijken = sorted({row[2] for row in AFSCHRIFT_ROWS})
    assert [p.name for p in paths] == [
        "afrikaanderwijk.docx", "blijdorp-bergpolder-liskwartier.docx",
        "bospolder-spangen-tussendijken.docx", "heijplaat.docx", "hoogvliet.docx",
        "katendrecht-wilhelminapier.docx", "mathenesse.docx", "oude-noorden.docx",
        "pendrecht-zuidwijk.docx", "tarwewijk.docx"]
    assert [e["wijk"] for e in manifest["afschriften"]] == wijken
    assert not (folder / "pernis.docx").exists()
    tarwewijk = next(e for e in manifest["afschriften"] if e["wijk"] == "Tarwewijk")
    assert (tarwewijk["gebied"], tarwewijk["items"]) == ("Charlois", 2)
    assert json.loads((folder / MANIFEST).read_text()) == manifest


def test_afschrift_has_the_councils_rows_of_its_wijk_only(afschriften, tmp_path):
    report, folder, _, _ = afschriften
    _, council = render_both(tmp_path, report)
    council_rows = table_rows(council)
    for wijk in wijken_in_overview(report):
        slug = wijk.lower().replace(" ", "-")
        rows = table_rows(folder / f"{slug}.docx")
        assert rows == [r for r in council_rows if r[1] == wijk]  # same numbers too
    assert len(table_rows(folder / "tarwewijk.docx")) == 2


def test_afschrift_cover_text_names_wijk_gebied_and_kenmerk(afschriften):
    _, folder, _, _ = afschriften
    document = Document(folder / "tarwewijk.docx")
    text = "\n".join(p.text for p in document.paragraphs)
    title = next(p.text for p in document.paragraphs if p.style.name == "Heading 1")
    assert title.endswith("september–oktober 2026, wijk Tarwewijk")
    assert "Afschrift voor de wijkraad Tarwewijk, gebied Charlois." in text
    assert "gebiedsorganisatie" in text and KENMERK in text
    assert document.core_properties.title.endswith("september–oktober 2026, wijk Tarwewijk")


def test_afschrift_is_accessible_like_the_overview(afschriften):
    _, folder, _, _ = afschriften
    document = Document(folder / "tarwewijk.docx")
    assert {"Heading 1", "Heading 2", "Heading 3"} <= {p.style.name for p in
                                                       document.paragraphs}
    for table in document.tables:
        assert table.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    lang = document.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "nl-NL"


def test_same_report_gives_identical_afschriften(afschriften, tmp_path):
    report, folder, paths, _ = afschriften
    again = render_afschriften(report, PERIOD, folder=tmp_path, kenmerk=KENMERK)
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_council_overview_has_no_afschrift_cover_text(tmp_path):
    _, council = render_both(tmp_path, report_frame())
    text = "\n".join(p.text for p in Document(council).paragraphs)
    assert "Afschrift" not in text and "gebiedsorganisatie" not in text


def test_addresses_per_wijk_win_over_the_pattern():
    settings = WijkradenConfig(
        afschrift_address="wijkraad.{slug}@example.org",
        afschrift={"Pernis": ("gebied.pernis@example.org", "x@example.org")})
    assert afschrift_addresses(settings, "Pernis", "pernis") == (
        "gebied.pernis@example.org", "x@example.org")
    assert afschrift_addresses(settings, "Tarwewijk", "tarwewijk") == (
        "wijkraad.tarwewijk@example.org",)
    assert afschrift_addresses(WijkradenConfig(), "Tarwewijk", "tarwewijk") == ()


def test_wijkraden_addresses_are_read_and_checked_from_the_configuration(tmp_path):
    from wijkopvolging.config import ConfigError, load_config

    config = load_config()
    assert config.wijkraden.afschrift_address == "wijkraad.{slug}@example.org"
    text = (ROOT / "include" / "config" / "wijkopvolging.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "wijkopvolging.yaml"
    wrong.write_text(text.replace('afschrift_address: "wijkraad.{slug}@example.org"',
                                  'afschrift_address: "wijkraad.{naam}@example.org"'),
                     encoding="utf-8")
    with pytest.raises(ConfigError, match="wijkraden.afschrift_address"):
        load_config(wrong)
