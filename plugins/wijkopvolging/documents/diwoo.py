"""The final set's publications for the Woo index: DiWoo metadata and a sitemap.

Under the Wet open overheid the national Woo index harvests what a government body
publishes through sitemaps carrying DiWoo metadata (standaarden.overheid.nl/diwoo, version
0.9.8). Beside every final (or revised) set, never beside the college's concept:

- ``woo/<publication>.xml``: one ``diwoo:Document`` per publication (the letter, the
  overview, the open data and the web page);
- ``sitemap.xml``: a sitemaps.org ``urlset`` with, per publication, its public address
  (``publication.base_url`` / period / file), ``lastmod`` and the same ``diwoo:Document``.

Each document names the publisher (gemeente Rotterdam, TOOI ``gm0599``, also
verantwoordelijke), the official title exactly as the documents read (``labels``), the
informatiecategorie (``publication.informatiecategorie``), the documentsoort, the
creatiedatum and a documenthandeling "vaststelling" at the college's decision date, the
language, the format, the kenmerk as identifier and aggregatiekenmerk; the letter "heeft
bijlage" the overview. A revised set keeps the title's "(herziene versie)" mark and says
in its omschrijving which version it replaces.

Deterministic like the documents: dates come from the college's decision (and, for a
revised set's ``lastmod``, the moment the warehouse answered as of), never from the clock.

========================  ====================================================  ==========
publication               file (PDF when made, else Word)                       soort
========================  ====================================================  ==========
raadsinformatiebrief      ``raadsinformatiebrief.pdf``                          brief
bijlage-overzicht         ``bijlage-overzicht.pdf``                             voortgangsrapport
open-data                 ``open-data/overzicht.csv``                           voortgangsrapport
overzicht (web page)      ``overzicht.html``                                    voortgangsrapport
========================  ====================================================  ==========
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wijkopvolging import layout
from wijkopvolging.atomic import write_atomic
from wijkopvolging.labels import format_date_nl, letter_title, overview_title
from wijkopvolging.periods import AMSTERDAM, Period

DIWOO_NS = "https://standaarden.overheid.nl/diwoo/metadata/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DIWOO_VERSION = "0.9.8"
KERN = "https://identifier.overheid.nl/tooi/def/thes/kern/"
PUBLISHER = ("https://identifier.overheid.nl/tooi/id/gemeente/gm0599", "gemeente Rotterdam")
INFORMATIECATEGORIEEN = {  # the two that fit a college letter to the council
    "c_8c840238": "bij vertegenwoordigende organen ingekomen stukken",
    "c_db4862c3": "vergaderstukken decentrale overheden",
}
DEFAULT_INFORMATIECATEGORIE = "c_8c840238"
BRIEF = ("c_7652d853", "brief")
VOORTGANGSRAPPORT = ("c_cccba364", "voortgangsrapport")
VASTSTELLING = ("c_641ecd76", "vaststelling")
HEEFT_BIJLAGE = ("c_05f4a5f3", "heeft bijlage")
LANGUAGE = ("http://publications.europa.eu/resource/authority/language/NLD", "Nederlands")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FORMATS = {".pdf": ("PDF", "PDF"), ".docx": ("DOCX", "Word DOCX"),
           ".html": ("HTML", "HTML"), ".csv": ("CSV", "CSV")}

WOO_FOLDER, SITEMAP_NAME = layout.WOO, layout.SITEMAP


@dataclass(frozen=True)
class Publication:
    """One publication of the set, as the Woo index sees it."""

    key: str  # names its metadata file: woo/<key>.xml
    path: str  # relative to the set folder, with forward slashes
    title: str  # the official title, exactly as the document reads
    documentsoort: tuple[str, str]  # (TOOI concept id, label)
    attachments: tuple[str, ...] = ()  # keys of the publications it "heeft bijlage"


def _preferred(names: Iterable[str], stem: str) -> str | None:
    """The PDF of ``stem`` when the set has one, else its Word file."""
    names = set(names)
    for suffix in (layout.PDF, layout.WORD):
        if f"{stem}{suffix}" in names:
            return f"{stem}{suffix}"
    return None


def set_publications(period: Period, *, files: Iterable[str], publications: Iterable[str],
                     revised: bool, letter: str = layout.stem(layout.LETTER),
                     overview: str = layout.stem(layout.OVERVIEW),
                     open_data: str = f"{layout.OPEN_DATA}/{layout.OPEN_DATA_CSV}",
                     webpage: str = layout.WEBPAGE) -> list[Publication]:
    """The set's publications for the Woo index, in a fixed order: the letter, the
    overview, the open data and the web page (each only when the set holds it)."""
    files, publications = list(files), set(publications)
    found = []
    letter_file = _preferred(files, letter)
    overview_file = _preferred(files, overview)
    overview_text = overview_title(period, revised=revised)
    if letter_file:
        found.append(Publication(letter, letter_file, letter_title(period, revised=revised),
                                 BRIEF, attachments=(overview,) if overview_file else ()))
    if overview_file:
        found.append(Publication(overview, overview_file, overview_text, VOORTGANGSRAPPORT))
    if open_data in publications:
        found.append(Publication(layout.OPEN_DATA, open_data, overview_text, VOORTGANGSRAPPORT))
    if webpage in publications:
        found.append(Publication(PurePosixPath(webpage).stem, webpage, overview_text,
                                 VOORTGANGSRAPPORT))
    return found


def public_url(base_url: str, period: Period, path: str) -> str:
    """Where the Woo index finds a file of the set: ``<base>/<period slug>/<path>``."""
    return f"{base_url.rstrip('/')}/{period.slug}/{path}"


def decision_moment(day: dt.date) -> str:
    """The college's decision date as the xs:dateTime DiWoo wants (midnight, Amsterdam)."""
    return dt.datetime.combine(day, dt.time(0), AMSTERDAM).isoformat()


def diwoo_document(publication: Publication, *, period: Period, base_url: str,
                   kenmerk: str, decided_on: dt.date, informatiecategorie: str,
                   revised: bool, related: dict[str, Publication]):
    """One ``diwoo:Document`` (an lxml element) for ``publication``."""
    from lxml import etree

    def el(parent, name, text=None, resource=None):
        child = etree.SubElement(parent, f"{{{DIWOO_NS}}}{name}")
        if resource is not None:
            child.set("resource", resource)
        if text is not None:
            child.text = text
        return child

    document = etree.Element(f"{{{DIWOO_NS}}}Document", nsmap={"diwoo": DIWOO_NS})
    diwoo = el(document, "DiWoo")
    el(el(diwoo, "identifiers"), "identifier", kenmerk)
    el(diwoo, "publisher", PUBLISHER[1], PUBLISHER[0])
    el(diwoo, "verantwoordelijke", PUBLISHER[1], PUBLISHER[0])
    el(el(diwoo, "titelcollectie"), "officieleTitel", publication.title)
    if revised:
        el(el(diwoo, "omschrijvingen"), "omschrijving",
           f"Herziene versie: vervangt de eerder gepubliceerde versie van dit document "
           f"(kenmerk {kenmerk}, vastgesteld door het college op "
           f"{format_date_nl(decided_on)}) op hetzelfde adres.")
    classification = el(diwoo, "classificatiecollectie")
    el(el(classification, "informatiecategorieen"), "informatiecategorie",
       INFORMATIECATEGORIEEN[informatiecategorie], KERN + informatiecategorie)
    el(el(classification, "documentsoorten"), "documentsoort",
       publication.documentsoort[1], KERN + publication.documentsoort[0])
    el(diwoo, "creatiedatum", decided_on.isoformat())
    el(diwoo, "language", LANGUAGE[1], LANGUAGE[0])
    code, label = FORMATS[PurePosixPath(publication.path).suffix]
    el(diwoo, "format", label, FILE_TYPE + code)
    el(diwoo, "aggregatiekenmerk", kenmerk)
    handeling = el(el(diwoo, "documenthandelingen"), "documenthandeling")
    el(handeling, "soortHandeling", VASTSTELLING[1], KERN + VASTSTELLING[0])
    el(handeling, "atTime", decision_moment(decided_on))
    el(handeling, "wasAssociatedWith", PUBLISHER[1], PUBLISHER[0])
    attachments = [related[key] for key in publication.attachments if key in related]
    if attachments:
        relations = el(diwoo, "documentrelaties")
        for attachment in attachments:
            relation = el(relations, "documentrelatie")
            el(relation, "role", HEEFT_BIJLAGE[1], KERN + HEEFT_BIJLAGE[0])
            el(relation, "relation", attachment.title,
               public_url(base_url, period, attachment.path))
    return document


def write_woo_index(settings, period: Period, *, folder: Path, kenmerk: str,
                    decided_on: dt.date, revised: bool, files: Iterable[str],
                    publications: Iterable[str],
                    recorded_as_of: dt.datetime | None = None) -> list[str]:
    """Write ``woo/<publication>.xml`` and ``sitemap.xml`` for the final set in
    ``folder`` (``settings``: the ``publication`` section). Returns the written paths
    relative to ``folder``, sorted, for the manifest's publications. ``lastmod`` is the
    decision date; a revised set's is the later of that and ``recorded_as_of``'s date
    (the correction's data), so a harvester sees that it changed."""
    from lxml import etree

    folder = Path(folder)
    found = set_publications(period, files=files, publications=publications,
                             revised=revised)
    related = {p.key: p for p in found}
    lastmod = decided_on
    if revised and recorded_as_of is not None:
        lastmod = max(lastmod, recorded_as_of.date())
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset",
                           nsmap={None: SITEMAP_NS, "diwoo": DIWOO_NS})
    written = []
    for publication in found:
        document = diwoo_document(
            publication, period=period, base_url=settings.base_url, kenmerk=kenmerk,
            decided_on=decided_on, informatiecategorie=settings.informatiecategorie,
            revised=revised, related=related)
        name = f"{WOO_FOLDER}/{publication.key}.xml"
        write_atomic(folder / name, _xml(document))
        written.append(name)
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = public_url(
            settings.base_url, period, publication.path)
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod.isoformat()
        url.append(document)
    write_atomic(folder / SITEMAP_NAME, _xml(urlset))
    written.append(SITEMAP_NAME)
    return sorted(written)


def _xml(element) -> bytes:
    from lxml import etree

    return etree.tostring(element, xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
