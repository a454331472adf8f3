"""The expectation suites, defined in code: one for a source's extract, one for a snapshot.

Each expectation carries its rule id and the canonical column it is about in ``meta``,
so a failed expectation maps straight back to findings. The expectations read the check
frame of ``checks.py``: canonical columns for the simple rules, precomputed boolean
columns (expected to be True) for the complex ones.

Great Expectations is imported inside the functions only: it takes seconds to import and
DAG files import this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wijkopvolging.model import KINDS, PUBLIC_TEXT_FIELDS, REQUIRED_FIELDS
from wijkopvolging.validation.checks import PAIR_DATE_FIELDS, privacy_column
from wijkopvolging.validation.rules import ONDERWERP_MAX_CHARS, ONDERWERP_MIN_CHARS

EXTRACT = "extract"
SNAPSHOT = "snapshot"
SUITE_NAMES = {EXTRACT: "wijkopvolging_extract", SNAPSHOT: "wijkopvolging_snapshot"}


@dataclass(frozen=True)
class Check:
    """One expectation: which GX class, on which check-frame column, for which rule."""

    rule: str
    column: str  # the canonical column a finding names
    expectation: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""  # Dutch, shown in Data Docs


def _is_true(rule: str, column: str, flag: str, description: str) -> Check:
    return Check(rule, column, "ExpectColumnValuesToBeInSet",
                 {"column": flag, "value_set": [True]}, description)


def checks(kind: str) -> tuple[Check, ...]:
    """The suite's expectations; ``kind`` is EXTRACT or SNAPSHOT.

    The same rules hold for both, except that uniqueness is per source in an extract
    (``source_record_id``) and across sources in a snapshot (``item_id``), and that a
    snapshot's dates are bounded by the peildatum instead of the data interval.
    """
    key = "source_record_id" if kind == EXTRACT else "item_id"
    limit = "het einde van de verwerkte periode" if kind == EXTRACT else "de peildatum"
    out: list[Check] = [
        Check("verplicht_veld", name, "ExpectColumnValuesToNotBeNull", {"column": name},
              f"{name} is ingevuld") for name in REQUIRED_FIELDS
    ]
    out += [
        Check("dubbel_id", key, "ExpectColumnValuesToBeUnique", {"column": key},
              f"{key} is uniek"),
        Check("onbekende_soort", "kind", "ExpectColumnValuesToBeInSet",
              {"column": "kind", "value_set": list(KINDS)}, "soort is vraag of advies"),
        _is_true("onbekende_wijk", "wijk", "wijk_bekend",
                 "de wijk staat (als naam of oude naam) in wijken.yaml"),
        _is_true("onbekende_wethouder", "wethouder", "wethouder_bekend",
                 "de wethouder staat in wethouders.yaml"),
        _is_true("wethouder_niet_in_functie", "wethouder", "wethouder_in_functie",
                 "de wethouder was in functie op de datum van indiening"),
        _is_true("datum_in_toekomst", "date_raised", "datum_niet_na_einde",
                 f"de datum van indiening ligt niet na {limit}"),
        _is_true("datum_te_vroeg", "date_raised", "datum_niet_te_vroeg",
                 "de datum van indiening ligt niet vóór de vroegst toegestane datum"),
    ]
    out += [
        Check("datum_voor_indiening", name, "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": name, "column_B": "date_raised", "or_equal": True,
               "ignore_row_if": "either_value_is_missing"},
              f"{name} ligt niet vóór de datum van indiening")
        for name in PAIR_DATE_FIELDS
    ]
    out.append(Check("onderwerp_lengte", "onderwerp", "ExpectColumnValuesToBeBetween",
                     {"column": "onderwerp_lengte", "min_value": ONDERWERP_MIN_CHARS,
                      "max_value": ONDERWERP_MAX_CHARS},
                     f"het onderwerp telt {ONDERWERP_MIN_CHARS} tot en met "
                     f"{ONDERWERP_MAX_CHARS} tekens"))
    out += [
        _is_true("persoonsgegevens", name, privacy_column(name),
                 f"{name} bevat geen persoonsgegevens (e-mail, telefoon, BSN, IBAN, "
                 "postcode met huisnummer)")
        for name in PUBLIC_TEXT_FIELDS
    ]
    out += [
        _is_true("antwoord_zeer_laat", "date_answered", "antwoord_niet_zeer_laat",
                 "het antwoord kwam niet meer dan 180 dagen na de termijn (waarschuwing)"),
        _is_true("afspraak_ver_weg", "agreed_deadline", "afspraak_binnen_jaar",
                 "de afgesproken datum ligt binnen een jaar na indiening (waarschuwing)"),
    ]
    return tuple(out)


def build_suite(kind: str):
    """A fresh ``gx.ExpectationSuite`` for ``kind`` (every context needs its own copy)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=SUITE_NAMES[kind])
    for check in checks(kind):
        expectation_class = getattr(gxe, check.expectation)
        suite.add_expectation(expectation_class(
            **check.kwargs, description=check.description,
            meta={"rule": check.rule, "column": check.column},
        ))
    return suite
