"""The letter and the overview: content, accessibility, determinism and PDF text."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from tests.unit.report_frames import (
    HOSTILE_QUARANTINE,
    HOSTILE_ROWS,
    LONG_TITLE,
    PERIOD,
    ROWS,
    render_both,
    report_frame,
    require_tools,
)
from wijkopvolging.documents import convert_to_pdf
from wijkopvolging.labels import REVISED_MARK


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """The normal pair, a revised pair and a pair with hostile titles."""
    root = tmp_path_factory.mktemp("documents")
    for name in ("normal", "revised", "hostile"):
        (root / name).mkdir()
    return {
        "normal": render_both(root / "normal"),
        "revised": render_both(root / "revised", revised=True),
        "hostile": render_both(
            root / "hostile", report_frame(ROWS + HOSTILE_ROWS), quarantine=HOSTILE_QUARANTINE
        ),
    }


@pytest.fixture(scope="module")
def pdf_text(documents, tmp_path_factory):
    """PDF text (pdftotext) of every rendered document, keyed like ``documents``; all six
    converted by one LibreOffice call, as the pipeline converts a set."""
    import shutil

    require_tools("soffice", "pdftotext")
    sources, outdir = tmp_path_factory.mktemp("docx"), tmp_path_factory.mktemp("pdf")
    copies = {name: [shutil.copy(path, sources / f"{name}-{path.name}") for path in pair]
              for name, pair in documents.items()}
    pdfs = convert_to_pdf([copy for pair in copies.values() for copy in pair], outdir)
    assert [p.name for p in pdfs] == [f"{Path(c).stem}.pdf" for pair in copies.values()
                                      for c in pair]
    texts, paths = {}, {}
    for index, name in enumerate(copies):
        paths[name] = pdfs[2 * index:2 * index + 2]
        texts[name] = tuple(
            subprocess.run(["pdftotext", str(p), "-"], check=True, capture_output=True,
                           text=True).stdout
            for p in paths[name]
        )
    texts["pdf_paths"] = paths
    return texts


def docx_text(path: Path) -> str:
    """All paragraph and table-cell text of a .docx, one block per line."""
    document = Document(path)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- PDF text


@pytest.mark.libreoffice
def test_letter_pdf_has_sections_period_and_figures(pdf_text):
    letter, _ = pdf_text["normal"]
    flat = " ".join(letter.split())
    for heading in (
        "Op welke gronden deze brief?",
        "Relatie met het coalitieakkoord/collegewerkprogramma/eerder aangenomen moties en "
        "gedane toezeggingen",
        "Toelichting",
        "Financiële en juridische consequenties/aspecten",
        "Burgemeester en wethouders van Rotterdam,",
        "Bijlagen:",
    ):
        assert heading in flat
    assert "Aan de gemeenteraad" in flat
    subject = "Stand van zaken Vragen uit de Wijk en ongevraagde adviezen, september–oktober 2026"
    assert squash(subject) in squash(flat)  # the heading wraps after the en dash
    assert "Datum: 17 november 2026" in flat
    assert "Ons kenmerk: 26bb004711" in flat
    assert "Blad: 1/3" in flat and "Blad: 3/3" in flat  # page numbers are fields
    assert "Ontwikkeling over de laatste perioden" in flat
    assert "alleen deze periode in plaats van 6" in flat  # no trend given: this one only
    assert "in totaal 10 vragen en adviezen: 6 Vragen uit de Wijk en 4 ongevraagde adviezen" in flat
    assert "zijn er 5 beantwoord, waarvan 3 op tijd (60%)" in flat
    assert "3 open binnen de termijn en 2 open met een verlopen termijn" in flat
    assert "quarantaine: 3" in flat
    assert "Persoonsgegevens in het onderwerp: 2" in flat
    assert "1. Overzicht Vragen uit de Wijk en ongevraagde adviezen, september–oktober 2026" in flat
    assert "Herziene versie" not in flat


@pytest.mark.libreoffice
def test_overview_pdf_lists_sample_row_and_period(pdf_text):
    _, overview = pdf_text["normal"]
    flat = " ".join(overview.split())
    assert "Overzicht Vragen uit de Wijk en ongevraagde adviezen, september–oktober 2026" in flat
    assert "Peildatum: 31 oktober 2026" in flat
    for text in ("Vragen uit de Wijk", "Ongevraagde adviezen", "Charlois", "Hoogvliet",
                 "Verlichting in het Millinxpark na 22.00 uur", "20-08-2026", "25-09-2026",
                 "Beantwoord, op tijd", "Open, termijn verlopen", "Tussen"):
        assert text in flat
    assert "Blad: 1/" in flat


@pytest.mark.libreoffice
def test_pdf_is_tagged_pdf_a2_with_pdf_ua_flag(pdf_text):
    import pikepdf

    letter, overview = pdf_text["pdf_paths"]["normal"]
    for path, title in ((letter, "Stand van zaken"), (overview, "Overzicht Vragen uit de Wijk")):
        with pikepdf.open(path) as pdf:
            assert "/StructTreeRoot" in pdf.Root
            assert bool(pdf.Root.MarkInfo.Marked)
            assert str(pdf.Root.Lang) == "nl-NL"
            meta = pdf.open_metadata()
            assert meta.get("pdfaid:part") == "2"
            assert meta.get("pdfuaid:part") == "1"
            assert str(pdf.docinfo.get("/Title")).startswith(title)


@pytest.mark.libreoffice
def test_hostile_titles_appear_literally_in_the_pdf(pdf_text):
    letter, overview = pdf_text["hostile"]
    flat = " ".join(overview.split())
    assert "{{ x }}" in flat and "{% if y %}" in flat
    assert "<w:p> & <b>vet</b>" in flat
    assert "Regel een regel twee met NUL" in flat
    # Wrapped over many lines and split over two pages (other cells' text in between
    # in the extracted text), never cut: every repetition and the end are there.
    assert overview.count("Herinrichting") == LONG_TITLE.count("Herinrichting")
    assert "groen EINDE-TITEL" in flat
    letter_flat = " ".join(letter.split())
    assert "Achbar & Co" in letter_flat
    assert "Onbekende <wijk> & gebied {{ reden }}: 1" in letter_flat


@pytest.mark.libreoffice
def test_revised_documents_say_herziene_versie(pdf_text):
    letter, overview = pdf_text["revised"]
    assert "Herziene versie" in letter and REVISED_MARK in letter
    assert "Herziene versie" in overview


# --------------------------------------------------------------------------- .docx content


def test_hostile_titles_render_literally_cleaned_and_uncut(documents):
    letter, overview = documents["hostile"]
    text = docx_text(overview)
    assert "Vraag over {{ x }} en {% if y %} in de wijk" in text
    assert "Bewoners melden <w:p> & <b>vet</b> bij de Maashaven" in text
    assert "Regel een regel twee met NUL" in text
    assert LONG_TITLE in text
    assert not re.search("[\x00-\x08\x0b\x0c]", text)
    letter_text = docx_text(letter)
    assert "Achbar & Co" in letter_text
    assert "Onbekende <wijk> & gebied {{ reden }}: 1" in letter_text


def test_overview_shows_answer_date_only_for_answered_items(documents):
    # Groenonderhoud Zwaanshals: open at the peildatum, answered 3 November afterwards.
    _, overview = documents["normal"]
    rows = [
        [cell.text for cell in row.cells]
        for table in Document(overview).tables for row in table.rows
    ]
    row = next(r for r in rows if "Groenonderhoud Zwaanshals" in r)
    assert "03-11-2026" not in row
    assert row[-2:] == ["Open, binnen termijn", "—"]


def test_overview_groups_items_per_gebied_sorted_by_wijk(documents):
    _, overview = documents["normal"]
    document = Document(overview)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    assert headings == ["Charlois", "Delfshaven", "Noord", "Feijenoord", "Hoogvliet", "Noord"]
    charlois = [row.cells[1].text for row in document.tables[0].rows[1:]]
    assert charlois == ["Heijplaat", "Pendrecht-Zuidwijk", "Tarwewijk"]
    numbers = [row.cells[0].text for table in document.tables[:3] for row in table.rows[1:]]
    assert numbers == [str(n) for n in range(1, 7)]


def test_overview_says_so_when_a_kind_has_no_items(tmp_path):
    report = report_frame([r for r in ROWS if r[0] == "vraag"])
    _, overview = render_both(tmp_path, report)
    text = docx_text(overview)
    assert "Er staan geen ongevraagde adviezen in dit overzicht." in text
    assert "Er staan geen Vragen uit de Wijk" not in text
    assert "[gebied]" not in text and "[onderwerp]" not in text


def test_letter_without_quarantine_says_all_records_passed(tmp_path):
    letter, _ = render_both(tmp_path, quarantine={})
    text = docx_text(letter)
    assert "er staan geen records in quarantaine" in text
    assert "Per reden" not in text


# --------------------------------------------------------------------------- accessibility


def test_header_rows_are_marked_as_repeating_table_headers(documents):
    for path in documents["normal"]:
        for table in Document(path).tables:
            first = table.rows[0]._tr
            assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
            assert all(
                row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None
                for row in table.rows[1:]
            )


def test_styles_declare_dutch_in_rpr_default(documents):
    for path in documents["normal"]:
        styles = Document(path).styles.element
        lang = styles.find(
            f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}"
        )
        assert lang.get(qn("w:val")) == "nl-NL"


def test_documents_use_real_heading_styles(documents):
    letter, overview = documents["normal"]
    for path, expected in ((letter, {"Heading 1", "Heading 2", "Heading 3"}),
                           (overview, {"Heading 1", "Heading 2", "Heading 3"})):
        names = {p.style.name for p in Document(path).paragraphs}
        assert expected <= names


def test_chart_has_alt_text_with_the_figures(documents):
    letter, _ = documents["normal"]
    doc_prs = list(Document(letter).element.body.iter(qn("wp:docPr")))
    assert len(doc_prs) == 1
    alt = doc_prs[0].get("descr")
    assert "Achbar: 67% (2 van 3)" in alt
    assert "Zeegers: 0% (0 van 1)" in alt
    assert "Kasmi" not in alt  # nothing answered: no bar, said in words instead


def test_core_properties_are_set(documents):
    letter, overview = documents["normal"]
    props = Document(letter).core_properties
    assert props.title == (
        "Stand van zaken Vragen uit de Wijk en ongevraagde adviezen, september–oktober 2026"
    )
    assert props.subject == "Raadsinformatiebrief 26bb004711"
    assert props.author == "Gemeente Rotterdam"
    assert props.language == "nl-NL"
    assert props.created == props.modified == dt.datetime(2026, 10, 31, tzinfo=dt.UTC)
    assert props.last_modified_by == "Gemeente Rotterdam"
    assert props.keywords.startswith("Vragen uit de Wijk")
    assert props.revision == 1
    props = Document(overview).core_properties
    assert props.title.startswith("Overzicht Vragen uit de Wijk en ongevraagde adviezen")
    assert props.author == "Gemeente Rotterdam" and props.language == "nl-NL"
    assert props.subject


def test_pages_are_a4_and_the_overview_landscape(documents):
    letter, overview = documents["normal"]
    section = Document(letter).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    section = Document(overview).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert section.orientation == 1  # WD_ORIENT.LANDSCAPE


def test_page_numbers_are_word_fields(documents):
    for path in documents["normal"]:
        header = Document(path).sections[0].header._element
        instructions = " ".join(t.text for t in header.iter(qn("w:instrText")))
        assert "PAGE" in instructions and "NUMPAGES" in instructions


# --------------------------------------------------------------------------- determinism


def test_repeated_render_gives_identical_bytes(documents, tmp_path):
    again = render_both(tmp_path)
    for first, second in zip(documents["normal"], again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_zip_entries_carry_the_peildatum(documents):
    with zipfile.ZipFile(documents["normal"][0]) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 10, 31, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"


def test_chart_png_is_deterministic():
    from wijkopvolging.documents.chart import on_time_chart_png
    from wijkopvolging.figures import compute_figures

    rows = compute_figures(report_frame(), PERIOD).by_wethouder
    first, second = on_time_chart_png(rows), on_time_chart_png(rows)
    assert first == second and first.startswith(b"\x89PNG")
    assert b"Software" not in first


# --------------------------------------------------------------------------- PDF helper


def test_convert_to_pdf_without_libreoffice_warns_and_returns_nothing(
    documents, tmp_path, monkeypatch, caplog
):
    from wijkopvolging.documents import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with caplog.at_level("WARNING"):
        assert convert_to_pdf(documents["normal"], tmp_path) == []
    assert "apt-get install libreoffice-writer-nogui" in caplog.text
    assert not list(tmp_path.iterdir())


def test_short_rows_stay_on_one_page_and_long_titles_may_break(documents):
    _, overview = documents["hostile"]
    can_split = {}
    for table in Document(overview).tables:
        for row in table.rows[1:]:
            whole = row._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
            can_split[row.cells[2].text[:40]] = not whole
    assert can_split[LONG_TITLE[:40]] is True  # LibreOffice would cut a non-splitting row
    assert can_split["Verlichting in het Millinxpark na 22.00 "] is False


# --------------------------------------------------------------------------- column-wise text

TEXTS = ["  twee  spaties ", "regel\x0btwee\r\nen\tdrie", "NUL\x00weg", None, float("nan"),
         42, "", "A & B <c>", "private \ue000 use", "\u2028lijn\u2029"]


def test_cleaning_a_column_at_once_equals_cleaning_value_by_value():
    from wijkopvolging.safe_text import clean_text, clean_texts

    assert clean_texts(TEXTS) == [clean_text(value) for value in TEXTS]
    assert clean_texts([v for v in TEXTS if v != "private \ue000 use"]) == [
        clean_text(v) for v in TEXTS if v != "private \ue000 use"]
    assert clean_texts([]) == []


def test_titles_holding_the_join_character_still_render_escaped(tmp_path):
    rows = [("vraag", "Noord", "Oude Noorden", "Rare \ue000 tekens & <w:t> in de titel",
             "Kasmi", "2026-09-15", "open_binnen_termijn", None, False), *ROWS[:2]]
    _, overview = render_both(tmp_path, report_frame(rows))
    assert "Rare \ue000 tekens & <w:t> in de titel" in docx_text(overview)
