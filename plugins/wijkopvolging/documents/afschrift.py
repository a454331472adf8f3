"""The afschrift per wijkraad: the council's overview, the rows of one wijk only.

``<period folder>/wijkraden/<wijk-slug>.docx`` (+ ``.pdf``) for every wijk with items in
the overview; a wijk without items gets none. Each is the overview template rendered with
that wijk (``overview.render_overview(wijk=...)``): the same rows, numbers, Dutch labels,
accessibility and deterministic bytes as the council's overview, with a short cover text
for the gebiedsorganisatie to send it on. The privacy gate ran before any document is
written, so these hold no personal data either. All PDFs come from one LibreOffice call
(starting LibreOffice costs more than converting a small document).

``manifest.json`` in the folder lists per wijk its file names and checksums; delivery
(``wijkopvolging.wijkraden``) reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

from wijkopvolging.atomic import file_sha256, write_atomic
from wijkopvolging.documents.overview import (
    overview_items,
    overview_text_tables,
    render_overview,
)
from wijkopvolging.layout import MANIFEST, SetLayout, afschrift_in
from wijkopvolging.periods import Period


def wijken_in_overview(report, *, items: dict | None = None) -> dict[str, tuple[str, int]]:
    """Per wijk with items in the overview (as the overview spells it): its gebied and
    number of rows, sorted by wijk. ``items``: the report's ``overview_items`` when
    already made."""
    out: dict[str, tuple[str, int]] = {}
    for kind_items in (overview_items(report) if items is None else items).values():
        for item in kind_items:
            gebied, count = out.get(item.wijk, (item.gebied, 0))
            out[item.wijk] = (gebied, count + 1)
    return dict(sorted(out.items(), key=lambda kv: (kv[0].casefold(), kv[0])))


def render_afschriften(report, period: Period, *, folder: Path | str, kenmerk: str,
                       revised: bool = False, items: dict | None = None,
                       rows: dict | None = None) -> list[Path]:
    """Render one Word afschrift per wijk with items into ``folder``; returns the paths.
    (PDFs: ``convert_to_pdf`` on all of them at once, into the same folder.) ``items``
    and ``rows``: the report's ``overview_items`` and ``overview_text_tables`` when
    already made."""
    from wijkopvolging.signalering import slugify

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = overview_text_tables(report) if rows is None else rows  # once, not per wijk
    items = overview_items(report) if items is None else items
    return [render_overview(report, period, path=afschrift_in(folder, slugify(wijk)),
                            revised=revised, wijk=wijk, kenmerk=kenmerk, rows=rows)
            for wijk in wijken_in_overview(report, items=items)]


def write_afschrift_manifest(report, period: Period, *, folder: Path | str, kenmerk: str,
                             revised: bool = False, items: dict | None = None) -> dict:
    """List per wijk its afschrift files in ``folder`` (the Word file and, when made, the
    PDF) with checksums in ``manifest.json``; returns the manifest."""
    from wijkopvolging.signalering import slugify

    folder = Path(folder)
    entries = []
    for wijk, (gebied, count) in wijken_in_overview(report, items=items).items():
        slug = slugify(wijk)
        word = afschrift_in(folder, slug)
        files = [p for p in (word, SetLayout.pdf_of(word)) if p.is_file()]
        entries.append({"wijk": wijk, "gebied": gebied, "slug": slug, "items": count,
                        "files": {p.name: file_sha256(p) for p in files}})
    manifest = {"period": period.slug, "kenmerk": kenmerk, "revised": revised,
                "afschriften": entries}
    write_atomic(folder / MANIFEST,
                 json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest
