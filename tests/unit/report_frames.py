"""The report frames the document tests render: a normal period, hostile titles, and
the helpers that render both documents and skip when LibreOffice is missing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from tests.conftest import require
from wijkopvolging.documents import render_letter, render_overview
from wijkopvolging.layout import SetLayout
from wijkopvolging.periods import Period

PERIOD = Period.starting(2026, 9)  # september–oktober 2026, peildatum 31 oktober 2026
KENMERK = "26bb004711"
LETTER_DATE = dt.date(2026, 11, 17)
QUARANTINE = {"Persoonsgegevens in het onderwerp": 2, "Datum gesteld ontbreekt": 1}

# (kind, gebied, wijk, onderwerp, wethouder, raised, status, answered, tussenbericht)
ROWS = [
    ("vraag", "Charlois", "Tarwewijk", "Verlichting in het Millinxpark na 22.00 uur",
     "Achbar", "2026-08-20", "op_tijd", "2026-09-25", False),
    ("vraag", "Charlois", "Pendrecht-Zuidwijk", "Overlast scooters op de Slinge",
     "Achbar", "2026-07-01", "te_laat", "2026-09-14", False),
    ("vraag", "Charlois", "Heijplaat", "Frequentie van de waterbus naar Heijplaat",
     "Kasmi", "2026-10-01", "open_binnen_termijn", None, False),
    ("vraag", "Delfshaven", "Bospolder-Spangen-Tussendijken",
     "Onderhoud speeltuin aan het Grote Visserijplein", "Kasmi", "2026-06-10",
     "open_verlopen", None, False),
    ("vraag", "Delfshaven", "Mathenesse", "Afvalcontainers bij winkelcentrum Mathenesse",
     "Struijvenberg", "2026-09-02", "op_tijd", "2026-10-05", False),
    ("vraag", "Noord", "Oude Noorden", "Groenonderhoud Zwaanshals",
     "Struijvenberg", "2026-09-15", "open_binnen_termijn", "2026-11-03", False),
    ("advies", "Noord", "Blijdorp-Bergpolder-Liskwartier",
     "Ongevraagd advies verkeerscirculatieplan Noord", "Kasmi", "2026-05-20",
     "open_verlopen", None, True),
    ("advies", "Feijenoord", "Katendrecht-Wilhelminapier", "Advies over evenementen op de Kaap",
     "Achbar", "2026-08-01", "op_tijd", "2026-09-10", False),
    ("advies", "Feijenoord", "Afrikaanderwijk", "Advies wijkhub Afrikaanderwijk",
     "Zeegers", "2026-06-01", "te_laat", "2026-10-20", True),
    ("advies", "Hoogvliet", "Hoogvliet", "Advies jongerenhub SPOT",
     "Zeegers", "2026-10-10", "open_binnen_termijn", None, False),
]


def report_frame(rows=ROWS, **overrides) -> pd.DataFrame:
    """A report frame as the report DAG passes it: canonical items plus timeliness."""
    records = []
    for n, (kind, gebied, wijk, onderwerp, wethouder, raised, status, answered, tb) in enumerate(
        rows, start=1
    ):
        raised = pd.Timestamp(raised)
        deadline = raised + pd.Timedelta(days=42)
        answered = pd.Timestamp(answered) if answered else pd.NaT
        peil = pd.Timestamp(PERIOD.peildatum)
        over = {
            "te_laat": (answered - deadline).days if answered is not pd.NaT else 0,
            "open_verlopen": (peil - deadline).days,
        }.get(status, 0)
        records.append({
            "item_id": f"demo:{n:04d}", "source": "demo", "source_record_id": f"{n:04d}",
            "kind": kind, "wijk": wijk, "gebied": gebied, "onderwerp": onderwerp,
            "date_raised": raised, "wethouder": wethouder, "agreed_deadline": pd.NaT,
            "agreed_term_days": pd.NA, "extension_days": 0, "date_answered": answered,
            "date_tussenbericht": raised + pd.Timedelta(days=40) if tb else pd.NaT,
            "deadline": deadline, "status": status, "days_over": max(over, 0),
            "tussenbericht_sent": tb,
        })
    frame = pd.DataFrame(records)
    for column in ("date_raised", "agreed_deadline", "date_answered", "date_tussenbericht",
                   "deadline"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    frame["agreed_term_days"] = frame["agreed_term_days"].astype("Int64")
    frame["days_over"] = frame["days_over"].astype("int64")
    for column, value in overrides.items():
        frame[column] = value
    return frame


LONG_TITLE = " ".join(["Herinrichting van de Boulevard Zuid met meer groen"] * 38) + " EINDE-TITEL"
HOSTILE_ROWS = [
    ("vraag", "Charlois", "Tarwewijk", "Vraag over {{ x }} en {% if y %} in de wijk",
     "Achbar & Co", "2026-09-01", "op_tijd", "2026-10-01", False),
    ("vraag", "Charlois", "Tarwewijk", "Bewoners melden <w:p> & <b>vet</b> bij de Maashaven",
     "Achbar & Co", "2026-09-02", "open_binnen_termijn", None, False),
    ("advies", "Charlois", "Heijplaat", "Regel een\x0bregel twee\x00 met NUL\x08",
     "Kasmi", "2026-09-03", "open_binnen_termijn", None, False),
    ("advies", "Charlois", "Heijplaat", LONG_TITLE, "Kasmi", "2026-09-04",
     "open_binnen_termijn", None, False),
]
HOSTILE_QUARANTINE = {"Onbekende <wijk> & gebied {{ reden }}": 1}


def require_tools(*tools: str) -> None:
    """Skip when a tool is missing, except on CI (CI=true), where that is a failure."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = (
            f"{', '.join(missing)} not installed; install with "
            "`apt-get install libreoffice-writer-nogui poppler-utils`"
        )
        require(False, message)


def render_both(outdir: Path, report=None, *, revised=False, quarantine=QUARANTINE):
    report = report_frame() if report is None else report
    letter = render_letter(
        report, PERIOD, kenmerk=KENMERK, letter_date=LETTER_DATE,
        quarantine_by_reason=quarantine, revised=revised,
        path=SetLayout(outdir).letter,
    )
    overview = render_overview(
        report, PERIOD, revised=revised, path=SetLayout(outdir).overview
    )
    return letter, overview
