"""Checks that an output holds data only as data: nothing from a source became a formula,
an HTML element or script, a Word element, or broke the XML (``tests/unit/
test_outputs_inert.py``, ``test_hostile_folder.py``)."""

from __future__ import annotations

import csv
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
from lxml import etree

# What makes a spreadsheet program take a CSV cell for a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def word_texts(path: Path) -> list[str]:
    """The texts of a .docx body, one per ``w:t``; the XML must parse and hold no
    character XML 1.0 forbids."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml")
    assert not _XML_ILLEGAL.search(xml.decode("utf-8")), path
    return [t.text or "" for t in etree.fromstring(xml).iter(f"{W}t")]


def formula_cells(path: Path) -> list[str]:
    """Every formula in a workbook (its cell), by what openpyxl and the sheet XML say."""
    with zipfile.ZipFile(path) as archive:
        xml = [archive.read(n).decode() for n in archive.namelist()
               if n.startswith("xl/worksheets/")]
    book = openpyxl.load_workbook(path)
    found = [f"{ws.title}!{cell.coordinate}" for ws in book.worksheets
             for row in ws.iter_rows() for cell in row if cell.data_type == "f"]
    return found + [f"<f> in {path.name}" for part in xml if re.search(r"<f[ >]", part)]


def csv_formulas(path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """Every CSV cell a spreadsheet program would take for a formula."""
    with path.open(encoding=encoding, newline="") as handle:
        return [v for row in csv.reader(handle, delimiter=delimiter) for v in row
                if v.startswith(FORMULA_START)]


class Elements(HTMLParser):
    """Every start tag, every event handler attribute and the text of every script."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.handlers: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        self.handlers += [value or "" for name, value in attrs if name.startswith("on")]

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def html_elements(text: str) -> Elements:
    parser = Elements()
    parser.feed(text)
    return parser
