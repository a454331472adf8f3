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
import re
import zipfile
from functools import cache
from pathlib import Path
from xml.sax.saxutils import unescape

from wijkopvolging.atomic import write_atomic
from wijkopvolging.config import project_root
from wijkopvolging.errors import ExpectedError
from wijkopvolging.labels import CONCEPT_MARK

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

    # StrictUndefined: a placeholder the renderer does not fill (a typo made in Word)
    # stops the render instead of leaving a blank in the letter.
    return CompiledOnce(autoescape=True, undefined=jinja2.StrictUndefined)


class TemplateMissing(ExpectedError, FileNotFoundError):
    """A Word template is not where the documents expect it; restore it."""


class TemplateError(ExpectedError, ValueError):
    """A Word template asks for a placeholder the renderer does not fill, has broken
    Jinja syntax, or lacks the overview's prepared tables."""


def render_template(template, context: dict, name: str) -> None:
    """Fill the docxtpl ``template`` (the Word template ``name``) with ``context``, with
    escaping on; a placeholder or tag the template should not have is a ``TemplateError``
    naming it and the paragraph it stands in."""
    import jinja2

    try:
        template.render(context, jinja_env=jinja_environment(), autoescape=True)
    except jinja2.TemplateError as exc:
        if isinstance(exc, jinja2.UndefinedError):
            what = f"vraagt om iets wat het programma niet invult ({exc.message})"
            missing = re.search(r"'(\w+)' is undefined|has no attribute '(\w+)'", exc.message)
            near = (_paragraph_asking(template.template_file, missing[1] or missing[2])
                    if missing else "")
        else:
            what = f"heeft een fout in een {{{{ }}}}- of {{% %}}-code ({exc.message})"
            near = " ".join(line.strip() for line in getattr(exc, "docx_context", ())
                            if line.strip())[:200]
        raise TemplateError(
            f"Word-sjabloon {templates_dir() / name} {what}"
            + (f", in de tekst: {near}" if near else "")
            + f"; de velden die het mag gebruiken: {', '.join(sorted(context))} "
            "(README, 'The Word templates'). Herstel het sjabloon in Word."
        ) from None


def _paragraph_asking(docx_path, name: str) -> str:
    """The text around the first ``{{ }}`` or ``{% %}`` code naming ``name`` in a Word
    file's paragraphs (body, headers, footers); empty when none does."""
    code = re.compile(r"\{[{%][^}]*\b" + re.escape(name) + r"\b")
    with zipfile.ZipFile(docx_path) as archive:
        for part in archive.namelist():
            if not re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", part):
                continue
            for paragraph in re.findall(r"<w:p[ >].*?</w:p>", archive.read(part).decode(),
                                        flags=re.DOTALL):
                text = unescape("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>",
                                                   paragraph)))
                found = code.search(text)
                if found:
                    start, end = max(found.start() - 60, 0), found.end() + 60
                    return (("…" if start else "") + text[start:end]
                            + ("…" if end < len(text) else ""))
    return ""


def templates_dir() -> Path:
    """``include/templates`` in the project (``WIJKOPVOLGING_HOME`` moves the root)."""
    return project_root() / "include" / "templates"


def template_path(name: str) -> Path:
    """The path of a Word template; a clear error when it is missing."""
    path = templates_dir() / name
    if not path.is_file():
        raise TemplateMissing(
            f"Word-sjabloon {path} ontbreekt; zet het terug uit de repository "
            "(git checkout include/templates) of zet WIJKOPVOLGING_HOME op de checkout"
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
