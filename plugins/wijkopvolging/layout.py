"""Where a run's files go, by name: the one module that spells the output folder's layout.

::

    <output>/
      <YYYY-MM>_<YYYY-MM>/            a period's drop folder: the set the griffie received
        raadsinformatiebrief.docx      the letter (+ .pdf)
        bijlage-overzicht.docx         the overview (+ .pdf)
        bijlage-overzicht.xlsx         the same rows, for sorting and filtering
        overzicht.html                 the same rows as an accessible web page
        open-data/                     overzicht.csv, overzicht.json, datapackage.json
        wijkraden/                     per wijk <wijk-slug>.docx (+ .pdf), manifest.json
        manifest.json                  the set's checksums, written last
        concept/                       the college's concept (a set without publications)
        niet-geleverd/                 a changed set held back from the griffie
      .werk/<YYYY-MM>_<YYYY-MM>/      where a run renders its sets for delivery: the final
                                       set, herzien/ (marked "herziene versie"), concept/
      validatie/<YYYY-MM-DD>/         an ingest's steward report and manifest
      signalering/<YYYY-MM-DD>/       a week's lists (the Monday), one per recipient

The steps, delivery, the manifest and ``make run``'s summary read these names; no other
module spells them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from wijkopvolging.periods import AMSTERDAM

MANIFEST = "manifest.json"  # a folder's checksums, written last

# -- a period's set
LETTER = "raadsinformatiebrief.docx"
OVERVIEW = "bijlage-overzicht.docx"
OVERVIEW_XLSX = "bijlage-overzicht.xlsx"  # the same rows, for sorting and filtering
WEBPAGE = "overzicht.html"  # the same rows as an accessible web page
OPEN_DATA = "open-data"  # the same rows as CSV, JSON and a data package
OPEN_DATA_CSV = "overzicht.csv"
OPEN_DATA_JSON = "overzicht.json"
DATA_PACKAGE = "datapackage.json"
AFSCHRIFTEN = "wijkraden"  # per wijk its rows, for the wijkraad
WORD, PDF = ".docx", ".pdf"
WOO = "woo"  # the DiWoo metadata, one file per publication (documents.diwoo)
SITEMAP = "sitemap.xml"  # the Woo index's sitemap of the set's publications

# -- beside and before a period's set
CONCEPT = "concept"  # the college's concept, marked "concept" on every page
REVISED = "herzien"  # the same set marked as revised, next to the final one
NOT_DELIVERED = "niet-geleverd"  # a changed set that was not sent
WORK = ".werk"  # where a run renders its sets for delivery

# -- an ingest's and a week's folders
VALIDATION = "validatie"
VALIDATION_HTML = "validatierapport.html"
VALIDATION_CSV = "validatierapport.csv"
DUPLICATES_CSV = "dubbele-registraties.csv"
SIGNALERING = "signalering"


class SetKind(Enum):
    """What a rendered set is: the college's concept (every page marked, no date or
    kenmerk yet, no publications), the final set the college approved, or that set
    marked as revised (a corrected re-issue). One value instead of flags, so a revised
    concept cannot be asked for."""

    CONCEPT = "concept"
    FINAL = "final"
    REVISED = "revised"

    @property
    def concept(self) -> bool:
        """Every page marked as the college's concept."""
        return self is SetKind.CONCEPT

    @property
    def revised(self) -> bool:
        """Every document marked as a revised version."""
        return self is SetKind.REVISED

    @property
    def publishes(self) -> bool:
        """Whether the publications (open data, web page, afschriften) go beside it:
        only a set the college approved is public."""
        return self is not SetKind.CONCEPT


@dataclass(frozen=True)
class SetLayout:
    """The paths of one set in ``folder`` (a drop folder, a work folder, ``concept/``)."""

    folder: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", Path(self.folder))

    @property
    def letter(self) -> Path:
        return self.folder / LETTER

    @property
    def overview(self) -> Path:
        return self.folder / OVERVIEW

    @property
    def overview_xlsx(self) -> Path:
        return self.folder / OVERVIEW_XLSX

    @property
    def webpage(self) -> Path:
        return self.folder / WEBPAGE

    @property
    def open_data(self) -> Path:
        return self.folder / OPEN_DATA

    @property
    def afschriften(self) -> Path:
        return self.folder / AFSCHRIFTEN

    @property
    def afschriften_manifest(self) -> Path:
        return self.afschriften / MANIFEST

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    @property
    def woo(self) -> Path:
        return self.folder / WOO

    @property
    def sitemap(self) -> Path:
        return self.folder / SITEMAP

    def afschrift_of(self, wijk_slug: str) -> Path:
        """The Word afschrift of the wijk with ``wijk_slug``."""
        return afschrift_in(self.afschriften, wijk_slug)

    @staticmethod
    def pdf_of(document: Path | str) -> Path:
        """The PDF of a Word document, beside it."""
        return Path(document).with_suffix(PDF)

    @property
    def concept(self) -> SetLayout:
        """The college's concept, inside a drop folder."""
        return SetLayout(self.folder / CONCEPT)

    @property
    def not_delivered(self) -> SetLayout:
        """A changed set held back from the griffie, inside a drop folder."""
        return SetLayout(self.folder / NOT_DELIVERED)


def stem(name: str) -> str:
    """A file name without its suffix: ``raadsinformatiebrief`` for the letter."""
    return Path(name).stem


def afschrift_in(folder: Path | str, wijk_slug: str) -> Path:
    """The Word afschrift of the wijk with ``wijk_slug`` in an afschriften ``folder``."""
    return Path(folder) / f"{wijk_slug}{WORD}"


def open_data_files(folder: Path | str) -> tuple[Path, Path, Path]:
    """The open data in ``folder`` (a set's ``open-data``): CSV, JSON, data package."""
    folder = Path(folder)
    return folder / OPEN_DATA_CSV, folder / OPEN_DATA_JSON, folder / DATA_PACKAGE


def drop_folder(output_dir: Path | str, period) -> SetLayout:
    """A period's drop folder: ``<output>/<YYYY-MM>_<YYYY-MM>/``."""
    return SetLayout(Path(output_dir) / period.slug)


def work_folder(output_dir: Path | str, period) -> Path:
    """Where a run renders a period's sets for delivery: ``<output>/.werk/<slug>/``."""
    return Path(output_dir) / WORK / period.slug


def work_set(output_dir: Path | str, period, kind: SetKind) -> SetLayout:
    """Where a run renders a period's set of ``kind``: the work folder itself for the
    final set, ``herzien/`` and ``concept/`` inside it for the others."""
    folder = work_folder(output_dir, period)
    sub = {SetKind.CONCEPT: CONCEPT, SetKind.REVISED: REVISED}.get(kind)
    return SetLayout(folder / sub if sub else folder)


def validation_folder(output_dir: Path | str, as_of: dt.datetime) -> Path:
    """Where an ingest's steward report and manifest go: ``<output>/validatie/<date>``
    (the Amsterdam date of ``as_of``)."""
    local = as_of.astimezone(AMSTERDAM) if as_of.tzinfo else as_of
    return Path(output_dir) / VALIDATION / f"{local:%Y-%m-%d}"


def week_folder(output_dir: Path | str, monday: dt.date) -> Path:
    """Where a week's lists go: ``<output>/signalering/<YYYY-MM-DD>/`` (the Monday)."""
    return Path(output_dir) / SIGNALERING / f"{monday:%Y-%m-%d}"


def week_list(folder: Path | str, recipient_slug: str) -> Path:
    """One recipient's list in a week folder."""
    return Path(folder) / f"{recipient_slug}.xlsx"
