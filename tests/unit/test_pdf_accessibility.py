"""The PDFs for the RIS are accessible: Dutch, a displayed title, tagged headings, table
header cells and alt text on the chart (PDF/UA through LibreOffice, see documents.pdf).

Both documents are rendered and converted once for the module: a conversion costs
seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.unit.report_frames import PERIOD, ROWS, render_both, require_tools
from wijkopvolging.documents import convert_to_pdf
from wijkopvolging.documents.overview import OVERVIEW_COLUMNS
from wijkopvolging.labels import letter_title, overview_title
from wijkopvolging.model import ADVIES, VRAAG

pytestmark = pytest.mark.libreoffice

HEADING_ROLES = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}


@dataclass
class Tagged:
    """One element of a PDF's structure tree, its role resolved to a standard type."""

    role: str  # e.g. "H1", "Table", "TH", "Figure" (no leading slash)
    alt: str | None = None
    scope: str | None = None  # a table cell's /Scope attribute: "Column", "Row", "Both"
    children: list[Tagged] = field(default_factory=list)

    def walk(self):
        """This element and every element below it, in reading order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def all(self, *roles: str) -> list[Tagged]:
        return [element for element in self.walk() if element.role in roles]


@dataclass
class PdfFacts:
    """What a screen reader or PDF viewer takes from one PDF."""

    lang: str | None
    display_doc_title: bool
    docinfo_title: str
    xmp_title: str | None
    structure: Tagged


def _standard_role(role: str, role_map: dict[str, str]) -> str:
    """Follow the /RoleMap from a custom role (e.g. a Word style name) to a standard one."""
    seen = set()
    while role in role_map and role not in seen:
        seen.add(role)
        role = role_map[role]
    return role


def _scope(attributes) -> str | None:
    import pikepdf

    owners = attributes if isinstance(attributes, pikepdf.Array) else [attributes]
    for owner in owners:
        if isinstance(owner, pikepdf.Dictionary) and "/Scope" in owner:
            return str(owner.Scope).lstrip("/")
    return None


def _tagged(kids, role_map: dict[str, str]) -> list[Tagged]:
    """The structure elements among ``/K`` kids (marked-content ids and object
    references are content, not elements)."""
    import pikepdf

    if not isinstance(kids, pikepdf.Array):
        kids = [kids]
    out = []
    for kid in kids:
        if not isinstance(kid, pikepdf.Dictionary) or "/S" not in kid:
            continue
        out.append(Tagged(
            role=_standard_role(str(kid.S).lstrip("/"), role_map),
            alt=str(kid.Alt) if "/Alt" in kid else None,
            scope=_scope(kid.A) if "/A" in kid else None,
            children=_tagged(kid.K, role_map) if "/K" in kid else [],
        ))
    return out


def read_pdf_facts(path) -> PdfFacts:
    import pikepdf

    with pikepdf.open(path) as pdf:
        root = pdf.Root
        tree = root.StructTreeRoot
        role_map = {
            str(custom).lstrip("/"): str(standard).lstrip("/")
            for custom, standard in tree.get("/RoleMap", {}).items()
        }
        preferences = root.get("/ViewerPreferences", {})
        return PdfFacts(
            lang=str(root.Lang) if "/Lang" in root else None,
            display_doc_title=bool(preferences.get("/DisplayDocTitle", False)),
            docinfo_title=str(pdf.docinfo.get("/Title", "")),
            xmp_title=pdf.open_metadata().get("dc:title"),
            structure=Tagged("StructTreeRoot", children=_tagged(tree.K, role_map)),
        )


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """The letter's and the overview's PDF facts, from one LibreOffice run."""
    require_tools("soffice")
    root = tmp_path_factory.mktemp("accessible")
    letter, overview = render_both(root)
    letter_pdf, overview_pdf = convert_to_pdf([letter, overview], root / "pdf")
    return {"letter": read_pdf_facts(letter_pdf), "overview": read_pdf_facts(overview_pdf)}


TITLES = {"letter": letter_title(PERIOD), "overview": overview_title(PERIOD)}


@pytest.mark.parametrize("document", ["letter", "overview"])
def test_pdf_declares_dutch_as_its_language(pdfs, document):
    assert pdfs[document].lang == "nl-NL"


@pytest.mark.parametrize("document", ["letter", "overview"])
def test_pdf_viewer_shows_the_document_title_not_the_file_name(pdfs, document):
    facts = pdfs[document]
    assert facts.display_doc_title is True
    assert facts.docinfo_title == TITLES[document]
    assert facts.xmp_title == TITLES[document]


@pytest.mark.parametrize("document", ["letter", "overview"])
def test_headings_are_tagged_from_h1_down_without_skipping_a_level(pdfs, document):
    headings = [e.role for e in pdfs[document].structure.walk() if e.role in HEADING_ROLES]
    assert headings[0] == "H1" and headings.count("H1") == 1
    assert {"H2", "H3"} <= set(headings)
    levels = [int(role[1:]) for role in headings]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), headings


@pytest.mark.parametrize("document", ["letter", "overview"])
def test_every_table_has_one_row_of_column_header_cells(pdfs, document):
    tables = pdfs[document].structure.all("Table")
    assert tables
    for table in tables:
        rows = table.all("TR")
        header, *body = rows
        assert header.children and all(cell.role == "TH" for cell in header.children)
        assert all(cell.scope == "Column" for cell in header.children)
        assert body and not any(cell.role == "TH" for row in body for cell in row.children)


def test_overview_header_cells_name_every_column_of_every_gebied_table(pdfs):
    gebieden = {kind: {row[1] for row in ROWS if row[0] == kind} for kind in (VRAAG, ADVIES)}
    expected = sum(len(OVERVIEW_COLUMNS[kind]) * len(gebieden[kind]) for kind in gebieden)
    assert len(pdfs["overview"].structure.all("TH")) == expected


def test_letter_chart_is_a_figure_with_the_figures_as_alt_text(pdfs):
    figures = pdfs["letter"].structure.all("Figure")
    assert len(figures) == 1
    alt = figures[0].alt
    assert alt and alt.strip()
    assert "Achbar: 67% (2 van 3)" in alt and "Zeegers: 0% (0 van 1)" in alt
