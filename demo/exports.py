"""Demo exports for the file source: what a gebied office drops in the exports folder.

``write_demo_exports(folder, until, seed)`` writes

- ``vragen-uit-de-wijk-charlois.xlsx``: the Vragen uit de Wijk the Charlois office keeps in
  Excel, as such lists look: a hidden sheet of pick lists first, a title row above the
  header, Dutch headers, extra columns nobody maps, dates as real dates, as text
  (``12-03-2024``, ``12 maart 2024``) and one as a bare Excel serial, one unreadable date
  (``z.s.m.``), a notes sheet and formatted empty rows at the end. A few rows are items the
  registration system (the SQL demo, ``demo.generate``) also holds, spelled a little
  differently, so duplicate detection has something real to find.
- ``ongevraagde-adviezen-charlois.csv``: ongevraagde adviezen as Excel saves a "CSV
  (gescheiden door lijstscheidingsteken)" on a Dutch Windows: semicolons, cp1252.

Same seed and ``until``, same files. The ids (``CH-…``, ``ADV-CH-…``) differ from the SQL
demo's numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from wijkopvolging.reference import ReferenceData

GEBIED = "Charlois"
EXCEL_NAME = "vragen-uit-de-wijk-charlois.xlsx"
CSV_NAME = "ongevraagde-adviezen-charlois.csv"
SHEET = "Vragen uit de Wijk"
EXCEL_HEADER = ("Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder",
                "Datum beantwoord", "Behandelaar", "Opmerking")
CSV_HEADER = ("Kenmerk", "Soort", "Datum ontvangst", "Wijk", "Onderwerp", "Wethouder",
              "Datum antwoord", "Datum tussenbericht", "Verlenging (dagen)")
MONTHS = 12  # the list covers the last year
DUPLICATES = 3  # rows that the registration system also holds

_MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
            "september", "oktober", "november", "december")
_VRAGEN = (
    "Onderhoud van de stoep aan de {straat}",
    "Zwerfafval rond de containers op de {straat}",
    "Verkeersdrempels bij de school aan de {straat}",
    "Speelplek voor jonge kinderen bij de {straat}",
    "Verlichting van de onderdoorgang bij de {straat}",
    "Bomen kappen en herplanten op de {straat}",
    "Parkeren van bedrijfsbusjes op de {straat}",
    "Openingstijden van het wijkcentrum",
    "Overlast van scooters op het plein",
    "Vervolg op de schouw van de {straat}",
)
_ADVIEZEN = (
    "Advies over de coördinatie van het wijkcafé",
    "Advies over het groenplan voor de {straat}",
    "Advies over de herinrichting van het Zuidplein",
    "Advies over veiligheid rond het station Zuid",
    "Advies over de jaaragenda en het wijkakkoord",
)
_STRATEN = ("Dorpsweg", "Wolphaertsbocht", "Boergoensevliet", "Mijnsherenlaan",
            "Pleinweg", "Slinge", "Katendrechtse Lagedijk", "Zuiderparkweg")
_BEHANDELAARS = ("Wijk MT", "Gebiedsorganisatie Charlois", "Stadsbeheer", "Staf wethouder")


def _dutch_long(day: dt.date) -> str:
    return f"{day.day} {_MAANDEN[day.month - 1]} {day.year}"


def _answer(rng: random.Random, raised: dt.date, until: dt.date, late_share: float
            ) -> dt.date | None:
    delay = rng.randint(10, 40) if rng.random() > late_share else rng.randint(45, 110)
    answered = raised + dt.timedelta(days=delay)
    return answered if answered <= until else None


def _vragen(rng: random.Random, until: dt.date, wijken: list[str], reference) -> list[dict]:
    rows = []
    start = until - dt.timedelta(days=30 * MONTHS)
    for n in range(1, 3 * MONTHS + 1):
        raised = start + dt.timedelta(days=rng.randrange((until - start).days))
        wijk = rng.choice(wijken)
        rows.append({
            "id": f"CH-{raised.year}-{n:03d}", "raised": raised, "wijk": wijk,
            "onderwerp": rng.choice(_VRAGEN).format(straat=rng.choice(_STRATEN)),
            "wethouder": reference.wijkwethouder(wijk, raised),
            "answered": _answer(rng, raised, until, 0.2),
            "behandelaar": rng.choice(_BEHANDELAARS),
            "opmerking": rng.choice((None, None, "besproken in Wijk MT", "wacht op cluster")),
        })
    return rows


def _also_in_registration_system(seed: int, until: dt.date, wijken: list[str],
                                 reference) -> list[dict]:
    """A few SQL-demo Vragen uit de Wijk of this gebied, as the office typed them again."""
    from demo.registrations import SOORT, generate

    start = until - dt.timedelta(days=30 * MONTHS)
    picked = [r for r in generate(seed=seed, until=until, broken=False, reference=reference)
              if r.soort == SOORT["vraag"] and r.wijk in wijken
              and start <= r.datum_ingediend <= until][:DUPLICATES]
    return [{
        "id": f"CH-{r.datum_ingediend.year}-{900 + n:03d}", "raised": r.datum_ingediend,
        "wijk": r.wijk, "onderwerp": r.onderwerp.lower() + ".",  # retyped, same item
        "wethouder": r.wethouder, "answered": r.datum_antwoord,
        "behandelaar": "Gebiedsorganisatie Charlois",
        "opmerking": f"ook in registratiesysteem (nr {r.id})",
    } for n, r in enumerate(picked, 1)]


def _write_excel(path: Path, rows: list[dict], until: dt.date, wijken: list[str]) -> None:
    import openpyxl
    from openpyxl.styles import Border, Font, Side

    book = openpyxl.Workbook()
    lists = book.active
    lists.title = "Keuzelijsten"  # hidden pick lists, as offices keep them: comes first
    for wijk in wijken:
        lists.append([wijk])
    lists.sheet_state = "hidden"

    ws = book.create_sheet(SHEET)
    ws.append([f"Vragen uit de Wijk – gebied {GEBIED}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"Export uit de gebiedslijst, bijgewerkt tot {until:%d-%m-%Y}"])
    ws.append([])
    ws.append(list(EXCEL_HEADER))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    still_open = [n for n, row in enumerate(rows) if row["answered"] is None]
    unreadable_row = still_open[0] if still_open else None
    for n, row in enumerate(rows):
        raised, answered = row["raised"], row["answered"]
        # How dates really come in: mostly date cells, some typed as text, one serial.
        if n % 7 == 3:
            raised_cell = _dutch_long(raised)
        elif n % 11 == 5:
            raised_cell = f"{raised:%d-%m-%Y}"
        elif n == 8:
            raised_cell = (raised - dt.date(1899, 12, 30)).days
        else:
            raised_cell = raised
        answered_cell = answered
        if n == unreadable_row:
            answered_cell = "z.s.m."  # unreadable: this record goes to quarantine
        ws.append([row["id"], raised_cell, row["wijk"], row["onderwerp"], row["wethouder"],
                   answered_cell, row["behandelaar"], row["opmerking"]])
        for column in (2, 6):
            cell = ws.cell(ws.max_row, column)
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD-MM-YYYY"
    thin = Border(bottom=Side(style="thin", color="BBBBBB"))
    last = ws.max_row
    for extra in range(1, 31):  # formatted empty rows, as a template leaves them
        for column in range(1, len(EXCEL_HEADER) + 1):
            ws.cell(last + extra, column).border = thin
    for column, width in zip("ABCDEFGH", (14, 16, 30, 60, 16, 16, 28, 30), strict=True):
        ws.column_dimensions[column].width = width

    notes = book.create_sheet("Toelichting")
    for line in ("Toelichting bij de lijst",
                 "Termijn: zes weken na het werkbezoek, tenzij anders afgesproken.",
                 "Kolom Opmerking is intern en gaat niet naar de raad."):
        notes.append([line])
    book.active = book.index(ws)
    book.save(path)


def _write_csv(path: Path, rng: random.Random, until: dt.date, wijken: list[str],
               reference) -> None:
    lines = [";".join(CSV_HEADER)]
    start = until - dt.timedelta(days=30 * MONTHS)
    for n in range(1, 9):
        received = start + dt.timedelta(days=rng.randrange((until - start).days))
        wijk = rng.choice(wijken)
        answered = _answer(rng, received, until, 0.4)
        tussenbericht = None
        if (answered is None or (answered - received).days > 42) and rng.random() < 0.7:
            tussenbericht = received + dt.timedelta(days=rng.randint(30, 41))
            tussenbericht = tussenbericht if tussenbericht <= until else None
        extension = rng.choice(("", "", "", "14"))
        lines.append(";".join([
            f"ADV-CH-{received.year}-{n:02d}", "Ongevraagd advies", f"{received:%d-%m-%Y}",
            wijk, rng.choice(_ADVIEZEN).format(straat=rng.choice(_STRATEN)),
            reference.wijkwethouder(wijk, received) or "",
            f"{answered:%d-%m-%Y}" if answered else "",
            f"{tussenbericht:%d-%m-%Y}" if tussenbericht else "", extension]))
    lines += [";" * (len(CSV_HEADER) - 1)] * 2  # Excel saves empty rows it once touched
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def write_demo_exports(folder: str | Path, until: dt.date | None = None, seed: int = 2024,
                       reference: ReferenceData | None = None) -> list[Path]:
    """(Re)write the demo exports in ``folder`` up to ``until``; returns their paths."""
    until = until or dt.date.today()
    reference = reference or ReferenceData.load()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wijken = sorted(w for w in reference.wijk_names if reference.gebied_of(w) == GEBIED)
    rng = random.Random(f"wijkopvolging-demo-exports-{seed}-{until.isoformat()}")
    rows = _vragen(rng, until, wijken, reference)
    rows += _also_in_registration_system(seed, until, wijken, reference)
    rows.sort(key=lambda r: (r["raised"], r["id"]))
    excel, text = folder / EXCEL_NAME, folder / CSV_NAME
    _write_excel(excel, rows, until, wijken)
    _write_csv(text, random.Random(f"wijkopvolging-demo-csv-{seed}-{until.isoformat()}"),
               until, wijken, reference)
    return [excel, text]
