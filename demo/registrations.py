"""The demo source system: a seeded registration database as an office would keep it.

It fills one table, ``registratie``, with Dutch column names, free-text kinds and a few
columns nobody maps (like a real system), covering the two years up to ``until``: Vragen uit
de Wijk from werkbezoeken and ongevraagde adviezen across all wijken, most answered on time,
some late, some open, some with an agreed deadline, advice with tussenberichten, and a
handful of broken records so validation and quarantine have something real to show.

Same seed and ``until``, same data: every record draws from its own seeded generator, so
a later ``until`` only adds months and settles answers that were still open.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from wijkopvolging.config import ensure_sqlite_folder
from wijkopvolging.reference import ReferenceData

TABLE = "registratie"
SOORT = {"vraag": "Vraag uit de Wijk", "advies": "Ongevraagd advies"}

# Titles a Wijk MT would write down: public subjects, no residents' data.
_VRAAG_ONDERWERPEN = (
    "Verkeersveiligheid bij de basisschool aan de {straat}",
    "Zwerfafval en bijplaatsingen bij de containers op de {straat}",
    "Onderhoud van het speelplein aan de {straat}",
    "Parkeerdruk in de omgeving van de {straat}",
    "Overlast van hangjongeren bij het winkelcentrum",
    "Verlichting van het fietspad langs de {straat}",
    "Groenonderhoud en bomen op de {straat}",
    "Openingstijden van de wijkhub",
    "Toegankelijkheid van de tramhalte {straat}",
    "Vervolg op de schouw van de buitenruimte",
    "Inzet van jongerenwerk in de zomerperiode",
    "Stand van zaken herinrichting {straat}",
    "Wateroverlast bij hevige regen op de {straat}",
    "Handhaving op foutparkeren rond de markt",
    "Aanpak van leegstand in winkelstrip {straat}",
)
_ADVIES_ONDERWERPEN = (
    "Advies over het wijkakkoord en het jaaractieplan",
    "Advies over de herinrichting van de {straat}",
    "Advies over het verkeerscirculatieplan",
    "Advies over de programmering van de wijkhub",
    "Advies over groen en klimaatadaptatie in de wijk",
    "Advies over de aanpak van armoede en schulden",
    "Advies over veiligheid in de openbare ruimte",
    "Advies over participatie bij nieuwbouw aan de {straat}",
)
_STRATEN = (
    "Kruiskade", "Hoogstraat", "Beijerlandselaan", "Groene Hilledijk", "Zwart Janstraat",
    "Nieuwe Binnenweg", "Vierambachtsstraat", "Schiedamseweg", "Slinge", "Dorpsweg",
    "Lange Hilleweg", "Goudsesingel", "Oudedijk", "Bergweg", "Noorderkanaalweg",
)
_BEHANDELAARS = ("Wijk MT", "Staf wethouder", "Gebiedsorganisatie", "Cluster Stadsbeheer")


@dataclass(frozen=True)
class DemoRecord:
    id: int
    soort: str | None
    wijk: str | None
    onderwerp: str | None
    datum_ingediend: dt.date | None
    wethouder: str | None
    afgesproken_datum: dt.date | None
    afgesproken_termijn_dagen: int | None
    verlenging_dagen: int | None
    datum_antwoord: dt.date | None
    datum_tussenbericht: dt.date | None
    geregistreerd_op: dt.datetime
    behandelaar: str


def _month_starts(until: dt.date, months: int) -> list[dt.date]:
    year, month = until.year, until.month
    starts = []
    for _ in range(months + 1):
        starts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(starts)


def _one_item(rng, record_id, kind, month_start, until, reference) -> DemoRecord | None:
    days_in_month = ((month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                     - month_start).days
    raised = month_start + dt.timedelta(days=rng.randrange(days_in_month))
    wijk = rng.choice(sorted(reference.wijk_names))
    wethouder = reference.wijkwethouder(wijk, raised)
    pool = _VRAAG_ONDERWERPEN if kind == "vraag" else _ADVIES_ONDERWERPEN
    onderwerp = rng.choice(pool).format(straat=rng.choice(_STRATEN))

    agreed_date = agreed_term = None
    roll = rng.random()
    if roll < 0.07:
        agreed_date = raised + dt.timedelta(days=rng.choice((56, 63, 70, 84, 90)))
    elif roll < 0.11:
        agreed_term = rng.choice((28, 56, 84))
    term = (agreed_date - raised).days if agreed_date else (agreed_term or 42)
    extension = rng.choice((14, 28)) if kind == "advies" and rng.random() < 0.1 else None

    # Most answers come in time, some late; advice tends to take longer.
    outcome = rng.random()
    late_share = 0.18 if kind == "vraag" else 0.35
    if outcome < 1 - late_share:
        delay = rng.randint(7, max(8, term - 1))
    else:
        delay = term + rng.randint(2, 70)
    answered = raised + dt.timedelta(days=delay)

    tussenbericht = None
    if kind == "advies" and delay > 42 and rng.random() < 0.65:
        tussenbericht = raised + dt.timedelta(days=rng.randint(30, 41))
    if answered > until:
        answered = None
    if tussenbericht and tussenbericht > until:
        tussenbericht = None
    registered = dt.datetime.combine(raised + dt.timedelta(days=rng.randint(0, 4)), dt.time(10))
    if registered.date() > until:
        return None
    return DemoRecord(
        id=record_id,
        soort=SOORT[kind],
        wijk=wijk,
        onderwerp=onderwerp,
        datum_ingediend=raised,
        wethouder=wethouder,
        afgesproken_datum=agreed_date,
        afgesproken_termijn_dagen=agreed_term,
        verlenging_dagen=extension,
        datum_antwoord=answered,
        datum_tussenbericht=tussenbericht,
        geregistreerd_op=registered,
        behandelaar=rng.choice(_BEHANDELAARS),
    )


def _broken_records(until: dt.date, reference) -> list[DemoRecord]:
    """A handful of records as people really get them wrong, with fixed ids."""
    base = until - dt.timedelta(days=40)
    wijk = sorted(reference.wijk_names)[0]
    wethouder = reference.wijkwethouder(wijk, base)
    registered = dt.datetime.combine(base, dt.time(11))

    def record(n, **changes):
        fields = dict(
            id=990_000 + n, soort=SOORT["vraag"], wijk=wijk,
            onderwerp="Onderhoud van de stoep aan de Kruiskade", datum_ingediend=base,
            wethouder=wethouder, afgesproken_datum=None, afgesproken_termijn_dagen=None,
            verlenging_dagen=None, datum_antwoord=None, datum_tussenbericht=None,
            geregistreerd_op=registered, behandelaar="Wijk MT",
        )
        fields.update(changes)
        return DemoRecord(**fields)

    return [
        record(1, wethouder=None),  # missing wethouder
        record(2, wijk="Rotterdam-Zuid"),  # not a wijk
        record(3, datum_antwoord=base - dt.timedelta(days=9)),  # answered before raised
        record(4, onderwerp="Losse stoeptegels, bel mevrouw Jansen op 06-12345678"),  # phone
        record(5, soort=SOORT["advies"],
               onderwerp="Advies groenstrook, reactie naar p.dejong@example.nl"),  # e-mail
        record(6, onderwerp=None),  # missing onderwerp
    ]


def generate(seed: int = 2024, until: dt.date | None = None, months: int = 24,
             scale: float = 1.0, broken: bool = True, reference=None) -> list[DemoRecord]:
    """The demo registrations for the ``months`` before ``until`` (default: today).

    ``scale`` multiplies the volume (about 45 items a month at 1.0) for benchmarks.
    """
    until = until or dt.date.today()
    reference = reference or ReferenceData.load()
    records: list[DemoRecord] = []
    for month_start in _month_starts(until, months):
        counts = {"vraag": round(36 * scale), "advies": round(9 * scale)}
        n = 0
        for kind, count in counts.items():
            for _ in range(count):
                n += 1
                record_id = month_start.year * 10_000_000 + month_start.month * 100_000 + n
                # One generator per record: a record never depends on the window around it.
                rng = random.Random(f"wijkopvolging-demo-{seed}-{record_id}")
                item = _one_item(rng, record_id, kind, month_start, until, reference)
                if item and item.datum_ingediend <= until:
                    records.append(item)
    if broken:
        records.extend(_broken_records(until, reference))
    return records


def fill_demo_source(url: str, seed: int = 2024, until: dt.date | None = None,
                     months: int = 24, scale: float = 1.0, broken: bool = True) -> int:
    """(Re)create the demo registration table at the SQLAlchemy ``url``; returns the row count."""
    import sqlalchemy as sa

    records = generate(seed=seed, until=until, months=months, scale=scale, broken=broken)
    metadata = sa.MetaData()
    table = sa.Table(
        TABLE, metadata,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("soort", sa.String(40)),
        sa.Column("wijk", sa.String(120)),
        sa.Column("onderwerp", sa.Text),
        sa.Column("datum_ingediend", sa.Date),
        sa.Column("wethouder", sa.String(120)),
        sa.Column("afgesproken_datum", sa.Date),
        sa.Column("afgesproken_termijn_dagen", sa.Integer),
        sa.Column("verlenging_dagen", sa.Integer),
        sa.Column("datum_antwoord", sa.Date),
        sa.Column("datum_tussenbericht", sa.Date),
        sa.Column("geregistreerd_op", sa.DateTime),
        sa.Column("behandelaar", sa.String(120)),
    )
    ensure_sqlite_folder(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            metadata.create_all(conn)
            rows = [r.__dict__ for r in records]
            for start in range(0, len(rows), 20_000):
                conn.execute(table.insert(), rows[start:start + 20_000])
    finally:
        engine.dispose()
    return len(records)
