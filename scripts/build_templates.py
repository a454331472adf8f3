"""Build the Word templates in include/templates/ from code, reproducibly.

    python scripts/build_templates.py            # (re)write both templates
    python scripts/build_templates.py --check    # exit 1 when a committed one is stale

The templates are built with python-docx so every change shows up in review, and they
are committed as .docx so the griffie can open them in Word and change the wording
(the Jinja tags ``{{ ... }}`` and ``{%p ... %}`` must stay). Saving is deterministic:
building twice gives the same bytes, and a test checks the committed files match.

- ``raadsinformatiebrief.docx``: the letter, rendered by docxtpl
  (``wijkopvolging.documents.letter``).
- ``bijlage-overzicht.docx``: the overview, landscape. docxtpl fills the period fields;
  then ``wijkopvolging.documents.overview`` clones the ``[gebied]`` heading and the two
  prepared tables (header row + one sample row whose cells name their field in
  brackets, e.g. ``[onderwerp]``) once per gebied and once per item. The columns come
  from ``wijkopvolging.documents.overview.OVERVIEW_COLUMNS``, which the spreadsheet
  version of the overview uses too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from docx import Document  # noqa: E402
from docx.enum.section import WD_ORIENT  # noqa: E402
from docx.enum.style import WD_STYLE_TYPE  # noqa: E402
from docx.enum.text import WD_TAB_ALIGNMENT  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt, RGBColor  # noqa: E402

from wijkopvolging.documents.overview import OVERVIEW_COLUMNS  # noqa: E402
from wijkopvolging.documents.package import (  # noqa: E402
    LANGUAGE,
    LETTER_TEMPLATE,
    OVERVIEW_TEMPLATE,
    ZIP_EPOCH,
    save_docx,
    set_core_properties,
)
from wijkopvolging.model import ADVIES, VRAAG  # noqa: E402

FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
THUMBNAIL_RELTYPE = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
)

# --------------------------------------------------------------------------- basics


def _new_document(*, landscape: bool, body_pt: float):
    """A blank document: A4, Dutch, Arial, black headings, no thumbnail."""
    doc = Document()
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == THUMBNAIL_RELTYPE:  # a preview of python-docx's blank page
            del package.rels[rid]

    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(1.5)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(1.5)
        section.header_distance = Cm(0.8)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
        section.top_margin, section.bottom_margin = Cm(3.5), Cm(2.0)
        section.header_distance = Cm(1.0)
    section.footer_distance = Cm(0.8)

    _set_doc_defaults(doc, body_pt)
    _set_settings(doc)
    _style_headings(doc, body_pt)
    set_core_properties(
        doc, title="", subject="", moment=ZIP_EPOCH, keywords="", identifier=""
    )
    return doc


def _set_doc_defaults(doc, body_pt: float) -> None:
    """Language nl-NL and the font in the styles' rPrDefault, so all text inherits it
    (spell checking and screen readers read the language from here)."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(int(body_pt * 2)))
    size_cs = OxmlElement("w:szCs")
    size_cs.set(qn("w:val"), str(int(body_pt * 2)))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.extend([fonts, size, size_cs, lang])

    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "264")


def _set_settings(doc) -> None:
    """Dutch decimal comma and list separator; no preview picture."""
    settings = doc.settings.element
    for tag, attrs in (
        ("w:themeFontLang", {"w:val": LANGUAGE, "w:eastAsia": LANGUAGE}),
        ("w:decimalSymbol", {"w:val": ","}),
        ("w:listSeparator", {"w:val": ";"}),
    ):
        element = settings.find(qn(tag))
        for key, value in attrs.items():
            element.set(qn(key), value)
    preview = settings.find(qn("w:savePreviewPicture"))
    if preview is not None:
        settings.remove(preview)


def _plain_run_props(style, *, size_pt=None, bold=None) -> None:
    """Drop theme fonts and theme colours from a style: Arial, black."""
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:rFonts", "w:color"):
        for element in rpr.findall(qn(tag)):
            rpr.remove(element)
    style.font.name = FONT
    style.font.color.rgb = RGBColor(0, 0, 0)
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    if bold is not None:
        style.font.bold = bold


def _style_headings(doc, body_pt: float) -> None:
    sizes = {"Heading 1": body_pt + 3, "Heading 2": body_pt + 1, "Heading 3": body_pt}
    for name, size in sizes.items():
        style = doc.styles[name]
        _plain_run_props(style, size_pt=size, bold=True)
        _plain_run_props(doc.styles[f"{name} Char"], size_pt=size, bold=True)
        style.paragraph_format.space_before = Pt(14 if name == "Heading 1" else 12)
        style.paragraph_format.space_after = Pt(4)
    caption = doc.styles["Caption"]
    _plain_run_props(caption, size_pt=body_pt - 1, bold=True)
    caption.hidden = False
    caption.unhide_when_used = False
    caption.quick_style = True
    caption.paragraph_format.keep_with_next = True
    for name in ("Header", "Footer"):
        _plain_run_props(doc.styles[name], size_pt=8)
        # The built-in tab stops (centre 8.25 cm, right 16.5 cm) suit portrait Letter
        # only; each header paragraph sets its own.
        tabs = doc.styles[name].element.get_or_add_pPr().find(qn("w:tabs"))
        if tabs is not None:
            tabs.getparent().remove(tabs)

    revised = doc.styles.add_style("Herziene versie", WD_STYLE_TYPE.PARAGRAPH)
    revised.base_style = doc.styles["Normal"]
    revised.quick_style = True
    revised.font.bold = True
    revised.font.size = Pt(body_pt + 2)
    revised.paragraph_format.space_after = Pt(10)
    _box(revised.element.get_or_add_pPr())

    cell = doc.styles.add_style("Tabeltekst", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = doc.styles["Normal"]
    cell.quick_style = True
    cell.font.size = Pt(body_pt if body_pt < 10 else body_pt - 1)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0
    head = doc.styles.add_style("Tabelkop", WD_STYLE_TYPE.PARAGRAPH)
    head.base_style = cell
    head.quick_style = True
    head.font.bold = True


def _box(ppr) -> None:
    """A single border around the paragraph: 'Herziene versie' stands out in print and
    in grey scale without relying on colour."""
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "12")
        line.set(qn("w:space"), "4")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    # pBdr comes before spacing/ind/jc in CT_PPr's sequence: insert it early.
    anchor = None
    for tag in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"):
        anchor = ppr.find(qn(tag))
        if anchor is not None:
            break
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


def _add_field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) as begin/instr/separate/result/end runs."""

    def run_with(child):
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} \\* MERGEFORMAT "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(shown)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _add_page_numbers(paragraph) -> None:
    """``Blad: 3/8`` as in the source letter, with live PAGE and NUMPAGES fields."""
    paragraph.add_run("Blad: ")
    _add_field(paragraph, "PAGE", "1")
    paragraph.add_run("/")
    _add_field(paragraph, "NUMPAGES", "1")


def _tag(doc, text: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag (``{%p ... %}``); docxtpl
    removes the whole paragraph when rendering."""
    doc.add_paragraph(text)


# --------------------------------------------------------------------------- tables


def _set_widths(table, widths_cm) -> None:
    """Fixed layout with explicit grid and cell widths: Word and LibreOffice then agree
    on the column widths instead of sizing to content."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(sum(int(Cm(w).twips) for w in widths_cm)))
    width.set(qn("w:type"), "dxa")
    existing = tbl_pr.find(qn("w:tblW"))
    if existing is not None:
        tbl_pr.remove(existing)
    style = tbl_pr.find(qn("w:tblStyle"))
    style.addnext(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    look = tbl_pr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(layout)
    else:
        tbl_pr.append(layout)
    # A little air above and below the text, so rows do not touch the borders.
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 28), ("left", 85), ("bottom", 28), ("right", 85)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    layout.addnext(margins)
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(int(Cm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(w)


def _describe_table(table, caption: str, description: str) -> None:
    """Table alt text (Word 2010+ ``tblCaption``/``tblDescription``), last in tblPr."""
    tbl_pr = table._tbl.tblPr
    for tag, value in (("w:tblCaption", caption), ("w:tblDescription", description)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        tbl_pr.append(element)


def _mark_header_row(row) -> None:
    """Repeat the row on every page and tell assistive technology it is a header."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


def _fill_row(row, texts, style: str) -> None:
    for cell, text in zip(row.cells, texts, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.style = style
        paragraph.add_run(text)


def _table(doc, header, widths_cm, *, caption: str, description: str):
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    _fill_row(table.rows[0], header, "Tabelkop")
    _mark_header_row(table.rows[0])
    _describe_table(table, caption, description)
    return table


def _loop_table(doc, header, cells, widths_cm, *, loop: str, caption: str, description: str):
    """A letter table whose body row repeats with docxtpl's ``{%tr for %}``."""
    table = _table(doc, header, widths_cm, caption=caption, description=description)
    n = len(header)
    _fill_row(table.add_row(), [f"{{%tr for {loop} %}}"] + [""] * (n - 1), "Tabeltekst")
    _fill_row(table.add_row(), cells, "Tabeltekst")
    _fill_row(table.add_row(), ["{%tr endfor %}"] + [""] * (n - 1), "Tabeltekst")
    _set_widths(table, widths_cm)
    return table


# --------------------------------------------------------------------------- letter


def build_letter():
    """The raadsinformatiebrief, with the source letter's sections and fixed wording."""
    doc = _new_document(landscape=False, body_pt=10)
    header = doc.sections[0].header
    lines = header.paragraphs[0]
    lines.style = doc.styles["Header"]
    _add_page_numbers(lines)
    header.add_paragraph("Datum: {{ letter_date }}", style="Header")
    header.add_paragraph(
        "Ons kenmerk: {{ kenmerk }}{% if revised %} (herziene versie){% endif %}",
        style="Header",
    )

    _tag(doc, "{%p if revised %}")
    doc.add_paragraph(
        "Herziene versie. Deze brief vervangt de eerder verzonden raadsinformatiebrief "
        "over {{ period_label }}.",
        style="Herziene versie",
    )
    _tag(doc, "{%p endif %}")

    doc.add_paragraph("Aan de gemeenteraad")
    doc.add_paragraph("Onderwerp:")
    doc.add_heading(
        "Stand van zaken Vragen uit de Wijk en ongevraagde adviezen, {{ period_label }}",
        level=1,
    )
    doc.add_paragraph("Geachte leden van de raad,")

    doc.add_heading("Op welke gronden deze brief?", level=2)
    doc.add_paragraph(
        "Op 17 juni 2021 heeft uw raad, bij de bespreking van het raadsvoorstel "
        "'Wijk aan Zet', de motie 'Toezeggingen op een transparante wijze opgevolgd' "
        "(21bb8234) en de motie 'Meer gewicht aan zienswijze wijkraad' (21bb8228) "
        "aangenomen. Naar aanleiding daarvan is afgesproken dat uw raad eens per twee "
        "maanden via het raadsinformatiesysteem (RIS) een afschrift ontvangt van de stand "
        "van zaken van de Vragen uit de Wijk en de ongevraagde adviezen van de wijkraden, "
        "met een begeleidende raadsinformatiebrief. Deze werkwijze is afgestemd met de "
        "griffie."
    )
    doc.add_paragraph(
        "Met deze brief ontvangt u het afschrift over {{ period_label }}, met als "
        "peildatum {{ peildatum }}."
    )

    doc.add_heading(
        "Relatie met het coalitieakkoord/collegewerkprogramma/eerder aangenomen moties "
        "en gedane toezeggingen",
        level=2,
    )
    for line in (
        "Wijk aan Zet",
        "Wijkwethouderschap",
        "Motie 'Toezeggingen op een transparante wijze opgevolgd' (21bb8234)",
        "Motie 'Meer gewicht aan zienswijze wijkraad' (21bb8228)",
    ):
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("Toelichting", level=2)
    doc.add_paragraph(
        "Vragen uit de Wijk worden gesteld tijdens formele werkbezoeken van leden van het "
        "college; ongevraagde adviezen ontvangt het college van de wijkraden. De "
        "reactietermijn is zes weken, tenzij anders is afgesproken. Het overzicht in de "
        "bijlage gaat niet in op de inhoud van de afhandeling, maar laat zien welke vragen "
        "en adviezen er spelen, welke wethouder verantwoordelijk is en of zij op tijd zijn "
        "afgehandeld. Het bevat alle vragen en adviezen die op de peildatum nog open "
        "stonden en alle vragen en adviezen die in de periode zijn beantwoord."
    )
    doc.add_heading("Cijfers over {{ period_label }}", level=3)
    doc.add_paragraph(
        "Het overzicht bevat in totaal {{ total.items }} vragen en adviezen: "
        "{{ vraag.items }} Vragen uit de Wijk en {{ advies.items }} ongevraagde adviezen. "
        "In de periode zijn er {{ total.answered }} beantwoord, waarvan "
        "{{ total.answered_on_time }} op tijd ({{ total.on_time_pct }}). Op de peildatum "
        "stonden er {{ total.open_within_term }} open binnen de termijn en "
        "{{ total.open_overdue }} open met een verlopen termijn."
    )
    doc.add_paragraph(
        "Vragen uit de Wijk: in de periode beantwoord {{ vraag.answered }}, waarvan "
        "{{ vraag.answered_on_time }} op tijd ({{ vraag.on_time_pct }}); op de peildatum "
        "open binnen de termijn {{ vraag.open_within_term }} en open met een verlopen "
        "termijn {{ vraag.open_overdue }}."
    )
    doc.add_paragraph(
        "Ongevraagde adviezen: in de periode beantwoord {{ advies.answered }}, waarvan "
        "{{ advies.answered_on_time }} op tijd ({{ advies.on_time_pct }}); op de peildatum "
        "open binnen de termijn {{ advies.open_within_term }} en open met een verlopen "
        "termijn {{ advies.open_overdue }}. Aantal ongevraagde adviezen waarover een "
        "tussenbericht aan de wijkraad is verstuurd: {{ advies.tussenbericht_sent }}."
    )
    doc.add_paragraph("Tabel 1. Stand van zaken per soort, {{ period_label }}", style="Caption")
    _loop_table(
        doc,
        ["Soort", "In overzicht", "Beantwoord in periode", "Waarvan op tijd",
         "Open, binnen termijn", "Open, termijn verlopen"],
        ["{{ k.label }}", "{{ k.items }}", "{{ k.answered }}",
         "{{ k.answered_on_time }} ({{ k.on_time_pct }})", "{{ k.open_within_term }}",
         "{{ k.open_overdue }}"],
        [4.1, 2.2, 2.6, 2.6, 2.5, 2.5],
        loop="k in kinds",
        caption="Stand van zaken per soort",
        description="Aantallen in het overzicht, beantwoord en open, per soort en in totaal.",
    )

    doc.add_heading("Per wethouder", level=3)
    doc.add_paragraph(
        "De tabel laat per wethouder zien hoeveel vragen en adviezen op de peildatum open "
        "stonden, bij hoeveel daarvan de termijn is verlopen en welk deel van de in de "
        "periode beantwoorde vragen en adviezen op tijd is beantwoord (— als er in de "
        "periode niets is beantwoord)."
    )
    doc.add_paragraph("Tabel 2. Stand van zaken per wethouder, {{ period_label }}", style="Caption")
    _loop_table(
        doc,
        ["Wethouder", "Open", "Waarvan termijn verlopen", "Beantwoord in periode",
         "Op tijd beantwoord"],
        ["{{ w.wethouder }}", "{{ w.open }}", "{{ w.overdue }}", "{{ w.answered }}",
         "{{ w.on_time_pct }}"],
        [5.5, 2.2, 3.0, 3.0, 2.8],
        loop="w in wethouders",
        caption="Stand van zaken per wethouder",
        description="Per wethouder: open, waarvan termijn verlopen, beantwoord in de "
        "periode en het aandeel op tijd beantwoord.",
    )
    _tag(doc, "{%p if chart %}")
    doc.add_paragraph("{{ chart }}")
    doc.add_paragraph(
        "Figuur 1. Aandeel op tijd beantwoord per wethouder, {{ period_label }}",
        style="Caption",
    )
    _tag(doc, "{%p endif %}")

    doc.add_heading("Ontwikkeling over de laatste perioden", level=3)
    doc.add_paragraph(
        "Om te laten zien of de opvolging verbetert, staan hieronder per periode het "
        "aantal beantwoorde vragen en adviezen, het deel daarvan dat op tijd is "
        "beantwoord, het aantal dat op de peildatum open stond met een verlopen termijn en "
        "het aantal ongevraagde adviezen met een tussenbericht. {{ trend_note }} "
        "{{ trend_as_reported }}"
    )
    doc.add_paragraph("Tabel 3. Ontwikkeling per periode, oudste eerst", style="Caption")
    _loop_table(
        doc,
        ["Periode", "Beantwoord in periode", "Waarvan op tijd", "Open, termijn verlopen",
         "Adviezen met tussenbericht"],
        ["{{ t.label }}", "{{ t.answered }}",
         "{{ t.answered_on_time }} ({{ t.on_time_pct }})", "{{ t.open_overdue }}",
         "{{ t.advies_tussenbericht }}"],
        [4.5, 3.0, 3.0, 3.0, 3.0],
        loop="t in trend",
        caption="Ontwikkeling per periode",
        description="Per periode, oudste eerst: beantwoord, waarvan op tijd, open met "
        "verlopen termijn op de peildatum en adviezen met tussenbericht.",
    )
    _tag(doc, "{%p if trend_chart %}")
    doc.add_paragraph("{{ trend_chart }}")
    doc.add_paragraph(
        "Figuur 2. Ontwikkeling per periode; de cijfers staan in tabel 3",
        style="Caption",
    )
    _tag(doc, "{%p endif %}")

    doc.add_heading("Niet in het overzicht: records in quarantaine", level=3)
    _tag(doc, "{%p if quarantine_total %}")
    doc.add_paragraph(
        "Aantal records uit de bronsystemen in quarantaine: {{ quarantine_total }}. Deze "
        "records voldeden niet aan de controles en zijn daarom niet in het overzicht "
        "opgenomen. De gegevensbeheerders herstellen ze in het bronsysteem; daarna komen ze "
        "in een volgend overzicht. Per reden:"
    )
    _tag(doc, "{%p for q in quarantine %}")
    doc.add_paragraph("{{ q.reason }}: {{ q.count }}", style="List Bullet")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p else %}")
    doc.add_paragraph(
        "Alle records uit de bronsystemen voldeden aan de controles; er staan geen records "
        "in quarantaine."
    )
    _tag(doc, "{%p endif %}")

    doc.add_heading("Financiële en juridische consequenties/aspecten", level=2)
    doc.add_paragraph(
        "Er zijn geen financiële consequenties. De werkwijze valt binnen de bestaande "
        "beleidskaders en wet- en regelgeving, waaronder de Verordening op de wijkraden "
        "2022. Het overzicht bevat geen persoonsgegevens."
    )

    closing = doc.add_paragraph("Burgemeester en wethouders van Rotterdam,")
    closing.paragraph_format.space_before = Pt(18)
    closing.paragraph_format.space_after = Pt(36)
    closing.paragraph_format.keep_with_next = True
    signatures = doc.add_paragraph("De secretaris,\tDe burgemeester,")
    signatures.paragraph_format.tab_stops.add_tab_stop(Cm(8), WD_TAB_ALIGNMENT.LEFT)
    signatures.paragraph_format.space_after = Pt(24)
    signatures.paragraph_format.keep_with_next = True

    # One paragraph with a line break: the label can never end up alone on a page.
    attachments = doc.add_paragraph("Bijlagen:")
    attachments.add_run().add_break()
    attachments.add_run(
        "1. Overzicht Vragen uit de Wijk en ongevraagde adviezen, {{ period_label }}"
    )
    return doc


# --------------------------------------------------------------------------- overview


def _overview_table(doc, columns, *, kind_label: str):
    table = _table(
        doc,
        [column.header for column in columns],
        [column.width_cm for column in columns],
        caption=kind_label,
        description=f"{kind_label}: per vraag of advies de wijk, het onderwerp, de "
        "wethouder, de data en of het op tijd is beantwoord.",
    )
    _fill_row(table.add_row(), [f"[{column.field}]" for column in columns], "Tabeltekst")
    _set_widths(table, [column.width_cm for column in columns])
    return table


def build_overview():
    """The bijlage: landscape, one prepared table per kind under a ``[gebied]`` heading."""
    doc = _new_document(landscape=True, body_pt=8.5)
    section = doc.sections[0]
    usable = section.page_width - section.left_margin - section.right_margin
    line = section.header.paragraphs[0]
    line.style = doc.styles["Header"]
    line.paragraph_format.tab_stops.add_tab_stop(usable, WD_TAB_ALIGNMENT.RIGHT)
    line.add_run(
        "{% if wijk %}Afschrift voor de wijkraad {{ wijk }}{% else %}Bijlage{% endif %}: "
        "Overzicht Vragen uit de Wijk en ongevraagde adviezen, {{ period_label }}"
        "{% if revised %} (herziene versie){% endif %}\t"
    )
    _add_page_numbers(line)

    doc.add_heading(
        "Overzicht Vragen uit de Wijk en ongevraagde adviezen, {{ period_label }}"
        "{% if wijk %}, wijk {{ wijk }}{% endif %}", level=1
    )
    _tag(doc, "{%p if wijk %}")
    doc.add_paragraph(
        "Afschrift voor de wijkraad {{ wijk }}, gebied {{ gebied }}. Aan de "
        "gebiedsorganisatie: dit afschrift bevat dezelfde regels als het overzicht bij de "
        "raadsinformatiebrief over {{ period_label }} (ons kenmerk {{ kenmerk }}), alleen "
        "voor de wijk {{ wijk }}; de nummers zijn die van het overzicht voor de raad. Wilt "
        "u het doorsturen aan de wijkraad? Het overzicht bevat geen persoonsgegevens en is "
        "openbaar, net als de raadsinformatiebrief in het RIS."
    )
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if revised %}")
    doc.add_paragraph(
        "Herziene versie. Dit overzicht vervangt het eerder verzonden overzicht over "
        "{{ period_label }}.",
        style="Herziene versie",
    )
    _tag(doc, "{%p endif %}")
    doc.add_paragraph(
        "Peildatum: {{ peildatum }}. Dit overzicht hoort bij de raadsinformatiebrief over "
        "{{ period_label }}. Het bevat alle Vragen uit de Wijk en ongevraagde adviezen die "
        "op de peildatum open stonden en alle die in de periode zijn beantwoord, per gebied "
        "en wijk. De reactietermijn is zes weken, tenzij anders is afgesproken; de uiterste "
        "datum houdt rekening met afgesproken termijnen en verlengingen."
    )
    doc.add_paragraph(
        "Status: ‘{{ status.op_tijd }}’ of ‘{{ status.te_laat }}’ als het antwoord "
        "uiterlijk op de peildatum is verstuurd; ‘{{ status.open_binnen_termijn }}’ of "
        "‘{{ status.open_verlopen }}’ als er op de peildatum nog geen antwoord was. "
        "Op tijd: ja, nee, of — als dat nog niet vaststaat."
    )

    for kind_label, columns, count, empty in (
        ("Vragen uit de Wijk", OVERVIEW_COLUMNS[VRAAG], "n_vraag", "Vragen uit de Wijk"),
        ("Ongevraagde adviezen", OVERVIEW_COLUMNS[ADVIES], "n_advies", "ongevraagde adviezen"),
    ):
        doc.add_heading(kind_label, level=2)
        _tag(doc, f"{{%p if not {count} %}}")
        doc.add_paragraph(f"Er staan geen {empty} in dit overzicht.")
        _tag(doc, "{%p endif %}")
        doc.add_heading("[gebied]", level=3)
        _overview_table(doc, columns, kind_label=kind_label)
    # Word needs a paragraph after a final table; keep it tiny.
    last = doc.add_paragraph()
    last.paragraph_format.space_after = Pt(0)
    return doc


# --------------------------------------------------------------------------- main


def build(outdir: Path) -> list[Path]:
    """Write both templates into ``outdir``; returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    return [
        save_docx(build_letter(), outdir / LETTER_TEMPLATE),
        save_docx(build_overview(), outdir / OVERVIEW_TEMPLATE),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=ROOT / "include" / "templates")
    parser.add_argument("--check", action="store_true",
                        help="only compare with the committed templates; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            stale = [
                path.name for path in build(Path(tmp))
                if path.read_bytes() != (args.outdir / path.name).read_bytes()
                if (args.outdir / path.name).exists()
            ] + [
                name for name in (LETTER_TEMPLATE, OVERVIEW_TEMPLATE)
                if not (args.outdir / name).exists()
            ]
        if stale:
            print(f"stale template(s) in {args.outdir}: {', '.join(stale)}; "
                  "run python scripts/build_templates.py", file=sys.stderr)
            return 1
        return 0
    for path in build(args.outdir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
