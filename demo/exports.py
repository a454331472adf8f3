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

Same seed and ``until``, same files. As a real export, an item keeps its id (``CH-…``,
``ADV-CH-…``, numbered per month slot, unlike the SQL demo's numbers) whatever ``until``
the files are made for: every row draws from its own seeded generator, so a later
``until`` only adds rows, settles answers and drops what the office removed (a few rows are
deleted some weeks after they were entered) or what fell out of the last year.
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
PER_MONTH = 3  # Vragen uit de Wijk a month
REMOVED_SHARE = 0.1  # rows the office deletes some weeks later (entered twice, withdrawn)
DUPLICATE_SHARE = 0.06  # the registration system's Charlois questions the office retyped

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


def _answer(rng: random.Random, raised: dt.date, late_share: float) -> dt.date:
    """The day the item is (or will be) answered; an export shows it once it has passed."""
    delay = rng.randint(10, 40) if rng.random() > late_share else rng.randint(45, 110)
    return raised + dt.timedelta(days=delay)


def _by(day: dt.date | None, until: dt.date) -> dt.date | None:
    return day if day is not None and day <= until else None


def _months(start: dt.date, until: dt.date) -> list[dt.date]:
    """The first days of the months from ``start``'s to ``until``'s."""
    months, month = [], start.replace(day=1)
    while month <= until:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _in_month(rng: random.Random, month: dt.date) -> dt.date:
    days = ((month + dt.timedelta(days=32)).replace(day=1) - month).days
    return month + dt.timedelta(days=rng.randrange(days))


def _vragen(seed: int, until: dt.date, wijken: list[str], reference) -> list[dict]:
    rows = []
    start = until - dt.timedelta(days=30 * MONTHS)
    for month in _months(start, until):
        for slot in range(PER_MONTH):
            # One generator per row, drawn in full before ``until`` is looked at.
            rng = random.Random(f"wijkopvolging-demo-exports-{seed}-{month:%Y-%m}-{slot}")
            raised = _in_month(rng, month)
            wijk = rng.choice(wijken)
            row = {
                "id": f"CH-{month.year}-{(month.month - 1) * PER_MONTH + slot + 1:03d}",
                "raised": raised, "wijk": wijk,
                "onderwerp": rng.choice(_VRAGEN).format(straat=rng.choice(_STRATEN)),
                "wethouder": reference.wijkwethouder(wijk, raised),
                "answered": _by(_answer(rng, raised, 0.2), until),
                "behandelaar": rng.choice(_BEHANDELAARS),
                "opmerking": rng.choice((None, None, "besproken in Wijk MT", "wacht op cluster")),
            }
            removed = (raised + dt.timedelta(days=rng.randint(20, 75))
                       if rng.random() < REMOVED_SHARE else None)
            if not start <= raised <= until or (removed and removed <= until):
                continue
            if removed:  # a row that will be deleted is never answered
                row.update(answered=None, opmerking="dubbel ingevoerd?")
            rows.append(row)
    return rows


def _also_in_registration_system(seed: int, until: dt.date, wijken: list[str],
                                 reference) -> list[dict]:
    """Some SQL-demo Vragen uit de Wijk of this gebied, as the office typed them again."""
    from demo.registrations import SOORT, generate

    start = until - dt.timedelta(days=30 * MONTHS)
    picked = [r for r in generate(seed=seed, until=until, broken=False, reference=reference)
              if r.soort == SOORT["vraag"] and r.wijk in wijken
              and start <= r.datum_ingediend <= until
              and random.Random(f"wijkopvolging-demo-retyped-{seed}-{r.id}").random()
              < DUPLICATE_SHARE]
    rows = []
    for r in picked:
        # Numbered after the registration's month and serial: the same whatever ``until``.
        month, serial = divmod(r.id % 10_000_000, 100_000)
        rows.append({
            "id": f"CH-{r.datum_ingediend.year}-9{month:02d}{serial:02d}",
            "raised": r.datum_ingediend,
            "wijk": r.wijk, "onderwerp": r.onderwerp.lower() + ".",  # retyped, same item
            "wethouder": r.wethouder, "answered": r.datum_antwoord,
            "behandelaar": "Gebiedsorganisatie Charlois",
            "opmerking": f"ook in registratiesysteem (nr {r.id})",
        })
    return rows


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


def _write_csv(path: Path, seed: int, until: dt.date, wijken: list[str], reference) -> None:
    lines = [";".join(CSV_HEADER)]
    start = until - dt.timedelta(days=30 * MONTHS)
    for month in _months(start, until):
        rng = random.Random(f"wijkopvolging-demo-csv-{seed}-{month:%Y-%m}")
        if rng.random() >= 2 / 3:  # about eight adviezen a year
            continue
        received = _in_month(rng, month)
        wijk = rng.choice(wijken)
        answer = _answer(rng, received, 0.4)
        tussenbericht = None
        if rng.random() < 0.7 and (answer - received).days > 42:  # a slow answer: interim
            tussenbericht = received + dt.timedelta(days=rng.randint(30, 41))
        extension = rng.choice(("", "", "", "14"))
        onderwerp = rng.choice(_ADVIEZEN).format(straat=rng.choice(_STRATEN))
        if not start <= received <= until:
            continue
        answered, tussenbericht = _by(answer, until), _by(tussenbericht, until)
        lines.append(";".join([
            f"ADV-CH-{month.year}-{month.month:02d}", "Ongevraagd advies",
            f"{received:%d-%m-%Y}", wijk, onderwerp,
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
    rows = _vragen(seed, until, wijken, reference)
    rows += _also_in_registration_system(seed, until, wijken, reference)
    rows.sort(key=lambda r: (r["raised"], r["id"]))
    excel, text = folder / EXCEL_NAME, folder / CSV_NAME
    _write_excel(excel, rows, until, wijken)
    _write_csv(text, seed, until, wijken, reference)
    return [excel, text]
