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


class PdfConversionError(RuntimeError):
    """LibreOffice ran but did not produce every PDF it was asked for."""


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
        # only the soffice wrapper script.
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(
                f"LibreOffice did not finish converting {len(sources)} document(s) within "
                f"{timeout:.0f} s; try again, or convert fewer documents at once"
            ) from None

    missing = [t.name for t in targets if not t.is_file() or t.stat().st_size == 0]
    if process.returncode != 0 or missing:
        raise PdfConversionError(
            f"LibreOffice (exit {process.returncode}) did not make "
            f"{', '.join(missing) or 'all PDFs'} in {outdir}: {(stderr or stdout).strip()[-800:]}"
        )
    log.info("converted %d document(s) to PDF in %s", len(targets), outdir)
    return targets
