"""Where the templates live, and saving .docx (and .xlsx) files reproducibly.

A .docx is a zip archive. python-docx stamps every entry with the current time, so the
same document saved twice differs byte for byte. ``save_docx`` rewrites the archive with
fixed entry timestamps, a stable entry order and fixed file attributes, so the same
input gives the same bytes (reviewable templates, comparable re-runs). The spreadsheet
version of the overview goes through the same ``deterministic_zip``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from functools import cache
from pathlib import Path

from wijkopvolging.atomic import write_atomic
from wijkopvolging.config import project_root
from wijkopvolging.errors import ExpectedError

AUTHOR = "Gemeente Rotterdam"
LANGUAGE = "nl-NL"
ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the earliest time a zip entry can carry
LETTER_TEMPLATE = "raadsinformatiebrief.docx"
OVERVIEW_TEMPLATE = "bijlage-overzicht.docx"


CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def import_docxtpl():
    """The docxtpl module, imported without breaking python-docx's core properties.

    docxcompose (imported by docxtpl) rebinds python-docx's global ``cp`` prefix to the
    *custom*-properties namespace. Core properties set afterwards (keywords,
    lastModifiedBy, revision) would then be written in the wrong namespace and Word
    would not see them. The prefix is put back after the import.
    """
    import docxtpl
    from docx.oxml.ns import nsmap

    nsmap["cp"] = CORE_PROPERTIES_NS
    return docxtpl


@cache
def jinja_environment():
    """The Jinja environment the Word templates render in: escaping on (docxtpl leaves it
    off unless asked), and each distinct part of a template compiled once per process:
    the afschriften render the same overview template once per wijk, and compiling its
    XML cost more than filling it."""
    import jinja2

    class CompiledOnce(jinja2.Environment):
        def __init__(self, **options):
            super().__init__(**options)
            self._compiled: dict[str, jinja2.Template] = {}

        def from_string(self, source, globals=None, template_class=None):  # noqa: A002
            if globals is not None or template_class is not None or not isinstance(
                    source, str):
                return super().from_string(source, globals, template_class)
            if source not in self._compiled:
                self._compiled[source] = super().from_string(source)
            return self._compiled[source]

    return CompiledOnce(autoescape=True)


class TemplateMissing(ExpectedError, FileNotFoundError):
    """A Word template is not where the documents expect it; build or restore it."""


def templates_dir() -> Path:
    """``include/templates`` in the project (``WIJKOPVOLGING_HOME`` moves the root)."""
    return project_root() / "include" / "templates"


def template_path(name: str) -> Path:
    """The path of a Word template; a clear error when it is missing."""
    path = templates_dir() / name
    if not path.is_file():
        raise TemplateMissing(
            f"Word template {path} is missing; build it with "
            "`python scripts/build_templates.py` (or set WIJKOPVOLGING_HOME to the checkout)"
        )
    return path


def zip_moment(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` as used for zip entries and core properties (never before
    1980, the zip format's epoch)."""
    moment = dt.datetime(day.year, day.month, day.day)
    return max(moment, ZIP_EPOCH)


def deterministic_zip(data: bytes, moment: dt.datetime = ZIP_EPOCH,
                      streamed: dict | None = None) -> bytes:
    """The zip archive ``data`` rewritten with every entry dated ``moment``, in a stable
    order ([Content_Types].xml first, then as written) and with fixed attributes.

    ``streamed`` maps an entry name to a function that turns the entry's bytes into the
    chunks to write instead (the overview's rows go in this way)."""
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute,
                 moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = source.namelist()
        names.sort(key=lambda name: name != "[Content_Types].xml")  # stable sort
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0o600 << 16
                if streamed and name in streamed:
                    with target.open(info, "w") as entry:  # level 6, as writestr's below
                        for chunk in streamed[name](source.read(name)):
                            entry.write(chunk)
                else:
                    target.writestr(info, source.read(name), compresslevel=6)
    return out.getvalue()


def set_core_properties(document, *, title: str, subject: str, moment: dt.datetime,
                        keywords: str = "", identifier: str = "", revision: int = 1) -> None:
    """Title, subject, author and language for screen readers, the RIS and the PDF;
    created/modified fixed to ``moment`` so re-renders are identical."""
    props = document.core_properties
    props.title = title
    props.subject = subject
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.language = LANGUAGE
    props.keywords = keywords
    props.identifier = identifier
    props.comments = ""
    props.category = ""
    props.revision = revision
    props.created = moment
    props.modified = moment


def save_docx(document, path: Path | str, moment: dt.datetime = ZIP_EPOCH,
              streamed: dict | None = None) -> Path:
    """Save a python-docx (or docxtpl) document reproducibly to ``path``, atomically:
    a reader never sees a half-written file. ``streamed``: see ``deterministic_zip``."""
    buffer = io.BytesIO()
    document.save(buffer)
    return write_atomic(path, deterministic_zip(buffer.getvalue(), moment, streamed))


CONCEPT_MARK = "CONCEPT – ter besluitvorming door het college, niet verspreiden"


def concept_title(title: str) -> str:
    """A document title as shown on a concept."""
    return f"Concept: {title}"


def mark_as_concept(document) -> None:
    """Put ``CONCEPT_MARK`` in bold at the top of every page header of a python-docx (or
    rendered docxtpl) document: every header part the document uses (default, first-page
    and even-page headers of every section), so each printed page and each PDF page says
    the set is not yet the college's."""
    import copy

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    # Through the relationships, not ``section.header``: docxtpl replaces the rendered
    # header parts behind python-docx's back.
    for rel in document.part.rels.values():
        if rel.reltype != RT.HEADER:
            continue
        header = rel.target_part.element
        first = header.find(qn("w:p"))
        mark = OxmlElement("w:p")
        style = first.find(qn("w:pPr") + "/" + qn("w:pStyle")) if first is not None else None
        if style is not None:
            p_pr = OxmlElement("w:pPr")
            p_pr.append(copy.deepcopy(style))
            mark.append(p_pr)
        run = OxmlElement("w:r")
        r_pr = OxmlElement("w:rPr")
        r_pr.append(OxmlElement("w:b"))
        run.append(r_pr)
        text = OxmlElement("w:t")
        text.text = CONCEPT_MARK
        run.append(text)
        mark.append(run)
        if first is not None:
            first.addprevious(mark)
        else:
            header.append(mark)
