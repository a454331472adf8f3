"""PDF versions of the documents for publication in the RIS, made by LibreOffice.

Exported as tagged PDF/A-2b with the PDF/UA flag, so the headings, table headers and
the chart's alt text reach screen readers. Each call uses its own throw-away
LibreOffice profile: two conversions at once otherwise fight over one profile and one
of them silently produces nothing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 300
INSTALL_HINT = (
    "install LibreOffice Writer to make PDFs (Debian/Ubuntu: "
    "`apt-get install libreoffice-writer-nogui`)"
)
# writer_pdf_Export options as JSON (LibreOffice 7.4+): PDF/A-2b, PDF/UA, tagged. The
# viewer shows the document title (from the .docx core properties) instead of the file
# name, as PDF/UA asks; said explicitly so it does not hang on PDF/UA's side effects.
PDF_EXPORT_OPTIONS = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "PDFUACompliance": {"type": "boolean", "value": "true"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "ExportBookmarks": {"type": "boolean", "value": "true"},
    "DisplayPDFDocumentTitle": {"type": "boolean", "value": "true"},
}
CONVERT_TO = "pdf:writer_pdf_Export:" + json.dumps(PDF_EXPORT_OPTIONS, separators=(",", ":"))


# A set goes out whole (Word and PDF) or not at all: the ledger compares the Word files
# only, so PDFs made later would never follow a set delivered without them.
NOT_DELIVERED = (
    "er is niets geleverd: een set gaat alleen compleet, met PDF's, de deur uit. Start de "
    "taak opnieuw zodra LibreOffice werkt, of zet documents.pdf op false (of "
    "WIJKOPVOLGING_PDF=false) om de Word-documenten zonder PDF's te leveren")


class PdfConversionError(RuntimeError):
    """LibreOffice hung, crashed or left a PDF out. Not an expected error: a retry may
    well succeed; the message says what to do if it does not."""


def soffice_path() -> str | None:
    """The LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(
    docx_paths: Iterable[Path | str], outdir: Path | str, *, timeout: float = TIMEOUT_SECONDS
) -> list[Path]:
    """Convert .docx files to PDF in ``outdir`` with LibreOffice (headless); returns the
    PDF paths in the order given.

    When LibreOffice is not installed this logs a warning saying how to install it and
    returns ``[]`` (the Word documents are the deliverable; the PDF is a convenience).
    Raises ``PdfConversionError`` when LibreOffice fails, times out or leaves a PDF out.
    """
    sources = [Path(p).resolve() for p in docx_paths]
    if not sources:
        return []
    soffice = soffice_path()
    if soffice is None:
        log.warning("LibreOffice (soffice) not found, so no PDFs were made: %s", INSTALL_HINT)
        return []
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    targets = [outdir / f"{source.stem}.pdf" for source in sources]
    for target in targets:
        target.unlink(missing_ok=True)  # so a stale PDF never passes for a fresh one

    with tempfile.TemporaryDirectory(prefix="wijkopvolging-lo-") as profile:
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
            "--nolockcheck",
            "--convert-to", CONVERT_TO,
            "--outdir", str(outdir),
            *map(str, sources),
        ]
        # Own process group: on a timeout the whole LibreOffice tree is stopped, not
        # only the soffice wrapper script; and whatever of it outlives the wrapper (a
        # crashed wrapper leaves soffice.bin behind) is stopped before its profile goes.
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(process.pid)
            process.communicate()
            raise PdfConversionError(
                f"LibreOffice was niet binnen {timeout:g} s klaar met {len(sources)} "
                f"document(en) (documents.pdf_timeout_seconds) en is gestopt; {NOT_DELIVERED}"
            ) from None
        finally:
            _stop_group(process.pid)

    missing = [t.name for t in targets if not t.is_file() or t.stat().st_size == 0]
    if process.returncode != 0 or missing:
        raise PdfConversionError(
            f"LibreOffice stopte met code {process.returncode} en maakte "
            f"{', '.join(missing) or 'alle PDF’s'} niet in {outdir} "
            f"({(stderr or stdout).strip()[-800:]}); {NOT_DELIVERED}"
        )
    log.info("converted %d document(s) to PDF in %s", len(targets), outdir)
    return targets


def _stop_group(pgid: int) -> None:
    """Kill every process left in LibreOffice's process group (none: nothing to do)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
