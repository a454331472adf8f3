"""The Word documents for the griffie and their PDFs.

- ``render_letter``: the raadsinformatiebrief (docxtpl template with the wording);
- ``render_overview``: the bijlage with every item, per kind, gebied and wijk;
- ``write_overview_xlsx``: the same rows as a spreadsheet, for sorting and filtering;
- ``convert_to_pdf``: tagged PDF/A-2 versions for the RIS, through LibreOffice.

The Word templates in ``include/templates`` are the source: whoever keeps the house style
edits them in Word; ``letter_context`` and ``overview_context`` list the placeholders they
may use.
"""

from wijkopvolging.documents.letter import render_letter
from wijkopvolging.documents.overview import render_overview
from wijkopvolging.documents.overview_xlsx import write_overview_xlsx
from wijkopvolging.documents.pdf import convert_to_pdf

__all__ = ["convert_to_pdf", "render_letter", "render_overview", "write_overview_xlsx"]
