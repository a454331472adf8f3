"""The rule catalogue: every validation rule once, with its severity and Dutch texts.

Each rule has an id (stored in the quarantine table), a severity (``error`` sends the
record to quarantine, ``warning`` flags it and keeps it), a description of what it checks
and a one-line hint telling a data steward how to fix the record at the source. The
steward report, the Data Docs descriptions and the findings' messages all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from wijkopvolging.model import ERROR, WARNING

# Limits of the rules; the descriptions below quote them.
ONDERWERP_MIN_CHARS = 5  # shorter is no subject ("zie mail", "?")
ONDERWERP_MAX_CHARS = 2000  # longer is a pasted letter, not a title for a public table
ANSWER_VERY_LATE_DAYS = 180  # an answer this long after the deadline is probably a typo
AGREED_DEADLINE_MAX_DAYS = 365  # an agreed deadline this far out is probably a typo


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # model.ERROR or model.WARNING
    description: str  # Dutch: what the rule checks
    fix: str  # Dutch: one line for the data steward


_RULES: tuple[Rule, ...] = (
    Rule(
        "onleesbare_waarde", ERROR,
        "Een waarde in de bron kon niet worden gelezen (een datum of een aantal dagen).",
        "Vul in het bronsysteem een geldige datum (dd-mm-jjjj) of een geheel aantal dagen in.",
    ),
    Rule(
        "bestand_onleesbaar", ERROR,
        "Een bestand in de exportmap kon niet worden gelezen (geen spreadsheet, beveiligd "
        "met een wachtwoord, blad of verplichte kolom ontbreekt); het hele bestand staat in "
        "quarantaine.",
        "Sla het bestand op als .xlsx of CSV zonder wachtwoord, met de kopregel en kolommen "
        "uit de configuratie.",
    ),
    Rule(
        "buiten_grenzen", ERROR,
        "Een aantal dagen (verlenging, afgesproken termijn) of een datum ligt buiten de "
        "grenzen: een negatief aantal dagen, meer dagen dan de instelling toestaat "
        "(max_extension_days, max_agreed_term_days) of een datum vóór 1900 of na 2199. "
        "Met zo'n waarde is geen uiterste datum te berekenen.",
        "Corrigeer de waarde in het bronsysteem (vaak een tikfout); leg een langere termijn "
        "vast als afgesproken datum.",
    ),
    Rule(
        "verplicht_veld", ERROR,
        "Een verplicht veld ontbreekt: bronnummer, soort, wijk, onderwerp, datum van "
        "indiening of wethouder.",
        "Vul het ontbrekende veld in het bronsysteem in.",
    ),
    Rule(
        "dubbel_id", ERROR,
        "Hetzelfde bronnummer komt meer dan eens voor in deze bron; alle records met dat "
        "nummer staan in quarantaine.",
        "Geef elk record een eigen nummer, of verwijder het dubbele record.",
    ),
    Rule(
        "onbekende_soort", ERROR,
        "De soort is geen Vraag uit de Wijk (vraag) en geen ongevraagd advies (advies).",
        "Kies in het bronsysteem 'Vraag uit de Wijk' of 'Ongevraagd advies', of vul de "
        "waardentabel voor 'kind' in de configuratie aan.",
    ),
    Rule(
        "onbekende_wijk", ERROR,
        "De wijk staat niet in de lijst van wijkraden en dorpsraden, ook niet als oude naam.",
        "Gebruik de naam van de wijkraad zoals in wijken.yaml; zet een nieuwe of hernoemde "
        "wijk eerst daar (als naam of alias).",
    ),
    Rule(
        "onbekende_wethouder", ERROR,
        "De wethouder staat niet in de lijst van wethouders.",
        "Gebruik de achternaam van de wethouder zoals in wethouders.yaml.",
    ),
    Rule(
        "wethouder_niet_in_functie", ERROR,
        "De wethouder was op de datum van indiening niet in functie.",
        "Controleer de datum van indiening en wie op die datum verantwoordelijk wethouder was.",
    ),
    Rule(
        "datum_in_toekomst", ERROR,
        "De datum van indiening ligt na het einde van de verwerkte periode (bij een "
        "rapportage: na de peildatum).",
        "Corrigeer de datum van indiening; meestal is het jaartal verkeerd getypt.",
    ),
    Rule(
        "datum_te_vroeg", ERROR,
        "De datum van indiening ligt vóór de vroegst toegestane datum (instelling "
        "earliest_date, standaard 1 maart 2022: de start van de wijkraden).",
        "Corrigeer de datum van indiening; oudere zaken horen niet in dit overzicht.",
    ),
    Rule(
        "datum_voor_indiening", ERROR,
        "De datum van het antwoord, het tussenbericht of de afgesproken termijn ligt vóór "
        "de datum van indiening.",
        "Controleer beide datums in het bronsysteem; vaak zijn dag en maand verwisseld.",
    ),
    Rule(
        "onderwerp_lengte", ERROR,
        f"Het onderwerp is korter dan {ONDERWERP_MIN_CHARS} of langer dan "
        f"{ONDERWERP_MAX_CHARS} tekens.",
        "Geef een korte, openbare omschrijving van de vraag of het advies, geen volledige "
        "brieftekst.",
    ),
    Rule(
        "persoonsgegevens", ERROR,
        "Een tekst die in het openbare overzicht komt, bevat persoonsgegevens: een "
        "e-mailadres, telefoonnummer, BSN, IBAN of postcode met huisnummer.",
        "Haal de persoonsgegevens uit dit veld in het bronsysteem; het overzicht is openbaar.",
    ),
    Rule(
        "antwoord_zeer_laat", WARNING,
        f"Het antwoord is meer dan {ANSWER_VERY_LATE_DAYS} dagen na de termijn verstuurd.",
        "Controleer de datum van het antwoord; klopt die, dan hoeft er niets te gebeuren.",
    ),
    Rule(
        "afspraak_ver_weg", WARNING,
        f"De afgesproken termijn ligt meer dan {AGREED_DEADLINE_MAX_DAYS} dagen na de datum "
        "van indiening.",
        "Controleer de afgesproken datum; klopt die, dan hoeft er niets te gebeuren.",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}

# How the findings and the steward report name the canonical fields.
COLUMN_LABELS: dict[str, str] = {
    "source_record_id": "bronnummer",
    "item_id": "bron en bronnummer",
    "kind": "soort",
    "wijk": "wijk",
    "onderwerp": "onderwerp",
    "date_raised": "datum indiening",
    "wethouder": "wethouder",
    "agreed_deadline": "afgesproken datum",
    "agreed_term_days": "afgesproken termijn (dagen)",
    "extension_days": "verlenging (dagen)",
    "date_answered": "datum antwoord",
    "date_tussenbericht": "datum tussenbericht",
}


def rule(rule_id: str) -> Rule:
    """The catalogue entry of a rule; a rule id nobody defined is a programming error."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown validation rule {rule_id!r}; add it to validation/rules.py"
                       ) from None


def column_label(column: str | None) -> str:
    """The Dutch name of a canonical column, or the column itself."""
    return COLUMN_LABELS.get(column or "", column or "")


# Short Dutch names of the rules, for the letter's quarantine count ("by reason, without
# details") and the steward report's headings.
TITLES: dict[str, str] = {
    "onleesbare_waarde": "Onleesbare waarde",
    "bestand_onleesbaar": "Bestand onleesbaar",
    "buiten_grenzen": "Waarde buiten de grenzen",
    "verplicht_veld": "Verplicht veld ontbreekt",
    "dubbel_id": "Dubbel bronnummer",
    "onbekende_soort": "Onbekende soort",
    "onbekende_wijk": "Onbekende wijk",
    "onbekende_wethouder": "Onbekende wethouder",
    "wethouder_niet_in_functie": "Wethouder niet in functie",
    "datum_in_toekomst": "Datum in de toekomst",
    "datum_te_vroeg": "Datum te vroeg",
    "datum_voor_indiening": "Datum vóór indiening",
    "onderwerp_lengte": "Onderwerp te kort of te lang",
    "persoonsgegevens": "Persoonsgegevens in openbare tekst",
    "antwoord_zeer_laat": "Antwoord zeer laat",
    "afspraak_ver_weg": "Afgesproken datum ver weg",
}


def rule_title(rule_id: str) -> str:
    """The short Dutch name of a rule (the id itself for a rule a source added)."""
    return TITLES.get(rule_id, rule_id)
