"""The Word templates are the source; these tests check their contract with the renderers.

Whoever keeps the house style edits ``include/templates/*.docx`` in Word, so nothing here
compares a template's bytes. A template must ask for exactly the placeholders its renderer
fills (``letter_context`` and ``overview_context``, the one list of them, which README
shows); the overview's prepared tables must name the columns of ``OVERVIEW_COLUMNS``; both
must render to documents Word and LibreOffice open; titles and marks come from ``labels``;
and a sentence added in Word must reach the next document.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from tests.conftest import ROOT
from tests.unit.report_frames import (
    KENMERK,
    LETTER_DATE,
    PERIOD,
    QUARANTINE,
    render_both,
    report_frame,
    require_tools,
)
from wijkopvolging.documents import convert_to_pdf, letter, render_letter, render_overview
from wijkopvolging.documents.overview import (
    OVERVIEW_COLUMNS,
    overview_context,
    overview_text_tables,
)
from wijkopvolging.documents.package import (
    LETTER_TEMPLATE,
    OVERVIEW_TEMPLATE,
    TemplateError,
    import_docxtpl,
    jinja_environment,
    template_path,
    templates_dir,
)
from wijkopvolging.labels import (
    CONCEPT_MARK,
    KIND_LABELS_PLURAL,
    LETTER_TITLE,
    OVERVIEW_TITLE,
    REVISED_MARK,
    concept_title,
    letter_title,
    overview_title,
)
from wijkopvolging.model import ADVIES, KINDS, VRAAG
from wijkopvolging.safe_text import clean_report

# What the griffie types into a template in Word, and what the document then shows.
SENTENCE = "De griffie voegde deze zin in Word toe, over {{ period_label }}."
SENTENCE_SHOWN = "De griffie voegde deze zin in Word toe, over september–oktober 2026."


def letter_placeholders() -> set[str]:
    """The placeholders the letter's renderer fills (through the module, so a test can
    replace ``letter_context``)."""
    template = import_docxtpl().DocxTemplate(template_path(LETTER_TEMPLATE))
    return set(letter.letter_context(
        template, clean_report(report_frame()), PERIOD, kenmerk=KENMERK,
        letter_date=LETTER_DATE, quarantine_by_reason=QUARANTINE))


def overview_placeholders(wijk: str | None = None) -> set[str]:
    """The placeholders the overview's renderer fills."""
    return set(overview_context(PERIOD, overview_text_tables(report_frame()), wijk=wijk,
                                kenmerk=KENMERK))


FILLED = {LETTER_TEMPLATE: letter_placeholders, OVERVIEW_TEMPLATE: overview_placeholders}


def contract_problems(path: Path, filled: set[str]) -> list[str]:
    """What breaks the contract between the template at ``path`` and a renderer that
    fills ``filled``: what the template asks for (body, headers and footers, as docxtpl
    sees them after joining Word's runs) that is not filled, and what is filled but
    unused."""
    asked = import_docxtpl().DocxTemplate(path).get_undeclared_template_variables(
        jinja_environment())
    return ([f"{path.name} asks for {{{{ {name} }}}}, which the renderer does not fill"
             for name in sorted(asked - filled)]
            + [f"the renderer fills {name}, which {path.name} does not use"
               for name in sorted(filled - asked)])


def copied_templates(tmp_path: Path) -> Path:
    """A project home holding a copy of the templates (``WIJKOPVOLGING_HOME``)."""
    home = tmp_path / "home"
    shutil.copytree(templates_dir(), home / "include" / "templates")
    return home


def all_text(path: Path) -> list[str]:
    """Every paragraph's text of a .docx: body, table cells and page headers."""
    document = Document(path)
    texts = [p.text for p in document.paragraphs]
    texts += [p.text for table in document.tables for row in table.rows
              for cell in row.cells for p in cell.paragraphs]
    texts += [p.text for section in document.sections for p in section.header.paragraphs]
    return texts


# --------------------------------------------------------------------------- the contract


@pytest.mark.parametrize("name", [LETTER_TEMPLATE, OVERVIEW_TEMPLATE])
def test_each_template_asks_for_exactly_the_placeholders_its_renderer_fills(name):
    assert contract_problems(template_path(name), FILLED[name]()) == []


def test_an_afschrift_fills_the_same_placeholders_as_the_councils_overview():
    assert overview_placeholders("Tarwewijk") == overview_placeholders()


def test_a_placeholder_added_in_word_breaks_the_contract_and_stops_the_render(
        tmp_path, monkeypatch):
    home = copied_templates(tmp_path)
    path = home / "include" / "templates" / LETTER_TEMPLATE
    document = Document(path)
    document.add_paragraph("Zie ook {{ bijlage_nummer }}.")
    document.save(path)

    assert contract_problems(path, letter_placeholders()) == [
        f"{LETTER_TEMPLATE} asks for {{{{ bijlage_nummer }}}}, which the renderer does not fill"]
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(home))
    with pytest.raises(TemplateError) as error:
        render_both(tmp_path)
    message = str(error.value)
    assert str(path) in message and "'bijlage_nummer' is undefined" in message
    assert "Zie ook {{ bijlage_nummer }}." in message and "\n" not in message


def test_a_placeholder_removed_in_word_breaks_the_contract(tmp_path):
    path = copied_templates(tmp_path) / "include" / "templates" / LETTER_TEMPLATE
    document = Document(path)
    heading = next(p for p in document.paragraphs if p.text == "{{ title }}")
    heading.runs[0].text = "Stand van zaken"
    document.save(path)

    assert contract_problems(path, letter_placeholders()) == [
        f"the renderer fills title, which {LETTER_TEMPLATE} does not use"]


def test_a_placeholder_the_renderer_no_longer_fills_breaks_the_contract_and_the_render(
        tmp_path, monkeypatch):
    full = letter.letter_context

    def without_kenmerk(*args, **kwargs):
        context = full(*args, **kwargs)
        del context["kenmerk"]
        return context

    monkeypatch.setattr(letter, "letter_context", without_kenmerk)
    assert contract_problems(template_path(LETTER_TEMPLATE), letter_placeholders()) == [
        f"{LETTER_TEMPLATE} asks for {{{{ kenmerk }}}}, which the renderer does not fill"]
    with pytest.raises(TemplateError, match="'kenmerk' is undefined"):
        render_both(tmp_path)


def test_the_overview_tables_name_the_columns_of_their_kind_in_order():
    document = Document(template_path(OVERVIEW_TEMPLATE))
    assert len(document.tables) == len(KINDS)
    for kind, table in zip(KINDS, document.tables, strict=True):
        fields = [f"[{column.field}]" for column in OVERVIEW_COLUMNS[kind]]
        assert [cell.text for cell in table.rows[0].cells] == fields, kind  # header row
        assert [cell.text for cell in table.rows[-1].cells] == fields, kind  # sample row
    markers = [p.text for p in document.paragraphs if re.fullmatch(r"\[\w+\]", p.text)]
    assert markers == ["[soort]", "[gebied]"] * len(KINDS)


def test_the_overview_shows_the_kinds_and_column_headers_of_the_code(tmp_path):
    _, overview = render_both(tmp_path)
    document = Document(overview)
    kinds = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert kinds == [KIND_LABELS_PLURAL[kind] for kind in KINDS]
    # Per gebied one table: Charlois, Delfshaven, Noord; then Feijenoord, Hoogvliet, Noord.
    for kind, table in zip([VRAAG] * 3 + [ADVIES] * 3, document.tables, strict=True):
        assert [c.text for c in table.rows[0].cells] == [
            column.header for column in OVERVIEW_COLUMNS[kind]]
    assert not [text for text in all_text(overview) if re.search(r"\[\w+\]|\{\{|\{%", text)]


# --------------------------------------------------------------------------- titles and marks


def _template_text(name: str) -> str:
    """The text of every part of a template (body, headers, footers), tags removed."""
    with zipfile.ZipFile(template_path(name)) as archive:
        xml = "".join(archive.read(part).decode("utf-8") for part in archive.namelist()
                      if part.startswith("word/") and part.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)


@pytest.mark.parametrize("name", [LETTER_TEMPLATE, OVERVIEW_TEMPLATE])
def test_no_title_or_mark_is_typed_into_a_template(name):
    text = _template_text(name)
    for typed in (LETTER_TITLE, OVERVIEW_TITLE, REVISED_MARK, CONCEPT_MARK):
        assert typed not in text, f"{name} holds {typed!r}: use its placeholder"


def test_the_documents_show_the_titles_and_marks_from_labels(tmp_path):
    report = report_frame()
    letter_path = render_letter(
        report, PERIOD, kenmerk=KENMERK, letter_date=LETTER_DATE,
        quarantine_by_reason=QUARANTINE, revised=True, concept=True,
        path=tmp_path / "letter.docx")
    overview = render_overview(report, PERIOD, revised=True, path=tmp_path / "overview.docx")
    afschrift = render_overview(report, PERIOD, wijk="Tarwewijk", kenmerk=KENMERK,
                                path=tmp_path / "afschrift.docx")

    document = Document(letter_path)
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        letter_title(PERIOD)]
    header = [p.text for p in document.sections[0].header.paragraphs]
    assert header[0] == CONCEPT_MARK
    assert f"Ons kenmerk: {KENMERK} {REVISED_MARK}" in header
    assert f"1. {overview_title(PERIOD)}" in document.paragraphs[-1].text
    assert document.core_properties.title == concept_title(letter_title(PERIOD, revised=True))

    document = Document(overview)
    assert document.paragraphs[0].text == overview_title(PERIOD)
    assert document.sections[0].header.paragraphs[0].text.startswith(
        f"Bijlage: {overview_title(PERIOD)} {REVISED_MARK}\t")
    assert document.core_properties.title == overview_title(PERIOD, revised=True)

    document = Document(afschrift)
    assert document.paragraphs[0].text == overview_title(PERIOD, wijk="Tarwewijk")
    assert document.core_properties.title == overview_title(PERIOD, wijk="Tarwewijk")


# --------------------------------------------------------------------------- README


def readme_placeholders() -> dict[str, set[str]]:
    """Per template, the placeholders README's table lists (a ✓ in its column)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("The placeholders a template may use", 1)[1].split("\n\n", 2)[1]
    listed: dict[str, set[str]] = {LETTER_TEMPLATE: set(), OVERVIEW_TEMPLATE: set()}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not cells[0].startswith("`"):
            continue  # the header and the line under it
        name = cells[0].strip("`")
        for template, mark in zip((LETTER_TEMPLATE, OVERVIEW_TEMPLATE), cells[1:3],
                                  strict=True):
            if mark == "✓":
                listed[template].add(name)
    return listed


def test_readme_lists_exactly_the_placeholders_of_each_template():
    listed = readme_placeholders()
    assert listed[LETTER_TEMPLATE] == letter_placeholders()
    assert listed[OVERVIEW_TEMPLATE] == overview_placeholders()


# --------------------------------------------------------------------------- the griffie's edit


def _add_sentence(path: Path, before: str) -> None:
    """Insert ``SENTENCE`` as a new paragraph before the one starting with ``before``,
    the way Word saves an added paragraph (python-docx)."""
    document = Document(path)
    anchor = next(p for p in document.paragraphs if p.text.startswith(before))
    anchor.insert_paragraph_before(SENTENCE)
    document.save(path)


def _edited_documents(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    home = copied_templates(tmp_path)
    folder = home / "include" / "templates"
    _add_sentence(folder / LETTER_TEMPLATE, "Op welke gronden deze brief?")
    _add_sentence(folder / OVERVIEW_TEMPLATE, "Peildatum: {{ peildatum }}")
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(home))
    out = tmp_path / "out"
    out.mkdir()
    return render_both(out)


def test_a_sentence_added_to_a_template_in_word_appears_in_the_next_documents(
        tmp_path, monkeypatch):
    for path in render_both(tmp_path):  # the committed templates do not have it
        assert SENTENCE_SHOWN not in all_text(path)
    letter_path, overview = _edited_documents(tmp_path, monkeypatch)

    texts = [p.text for p in Document(letter_path).paragraphs]
    at = texts.index(SENTENCE_SHOWN)
    assert texts[at - 1] == "Geachte leden van de raad," and texts[at + 1] == (
        "Op welke gronden deze brief?")
    assert SENTENCE_SHOWN in all_text(overview)


@pytest.mark.libreoffice
def test_the_edited_templates_render_to_pdfs_with_the_sentence(tmp_path, monkeypatch):
    require_tools("soffice", "pdftotext")
    documents = _edited_documents(tmp_path, monkeypatch)
    pdfs = convert_to_pdf(documents, tmp_path / "pdf")
    assert len(pdfs) == 2
    for pdf in pdfs:
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                       capture_output=True, text=True).stdout.split())
        assert SENTENCE_SHOWN in text, pdf.name


@pytest.mark.parametrize(("typed", "said"), [
    ("{{ total.beantwoord }}", "has no attribute 'beantwoord'"),
    ("{{ period_label }", "heeft een fout in een {{ }}- of {% %}-code"),
])
def test_a_mistyped_placeholder_stops_the_render_naming_template_and_text(
        tmp_path, monkeypatch, typed, said):
    home = copied_templates(tmp_path)
    path = home / "include" / "templates" / LETTER_TEMPLATE
    document = Document(path)
    document.add_paragraph(f"Beantwoord: {typed} vragen.")
    document.save(path)
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(home))
    with pytest.raises(TemplateError) as error:
        render_both(tmp_path)
    message = str(error.value)
    assert message.startswith(f"Word-sjabloon {path} ") and said in message
    assert "\n" not in message
