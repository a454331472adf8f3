"""Validation of an extract and a snapshot: every rule, the findings, Data Docs.

One dirty extract holds, per rule, records that must break it and near misses that must
not. It is validated once (module fixture: Great Expectations is slow to start), and
each test reads the findings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tests.fresh_import import fresh_import
from wijkopvolging.config import Settings
from wijkopvolging.model import ERROR, FINDING_COLUMNS, WARNING, coerce_items, item_id
from wijkopvolging.reference import ReferenceData
from wijkopvolging.validation import (
    RULES,
    data_docs_index,
    quarantined_rows,
    validate_extract,
    validate_snapshot,
    write_steward_report,
)

ROOT = Path(__file__).resolve().parents[2]
INTERVAL_END = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)  # Amsterdam: 1 September 2024
SETTINGS = Settings(earliest_date=dt.date(2022, 3, 1))
RAISED = dt.date(2024, 1, 10)

# record id -> (changes to a valid record, rule it must break or None for a near miss)
CASES: dict[str, tuple[dict, str | None]] = {
    "goed": ({}, None),
    "geen-wethouder": ({"wethouder": None}, "verplicht_veld"),
    "leeg-onderwerp": ({"onderwerp": "   "}, "verplicht_veld"),
    "geen-datum": ({"date_raised": None}, "verplicht_veld"),
    "dubbel": ({}, "dubbel_id"),  # listed twice below
    "soort-klacht": ({"kind": "klacht"}, "onbekende_soort"),
    "soort-advies": ({"kind": "advies"}, None),
    "wijk-onbekend": ({"wijk": "Rotterdam-Zuid"}, "onbekende_wijk"),
    "wijk-oude-naam": ({"wijk": "Carnisse-Zuiderpark"}, None),
    "wijk-los-gespeld": ({"wijk": "wijkraad  tarwewijk"}, None),
    "wethouder-onbekend": ({"wethouder": "Jansen"}, "onbekende_wethouder"),
    "wethouder-kleine-letters": ({"wethouder": "simons"}, None),
    "wethouder-vertrokken": ({"wethouder": "Karremans", "date_raised": dt.date(2024, 7, 2)},
                             "wethouder_niet_in_functie"),
    "wethouder-laatste-dag": ({"wethouder": "Karremans", "date_raised": dt.date(2024, 7, 1)},
                              None),
    "wethouder-nog-niet": ({"date_raised": dt.date(2022, 5, 31)}, "wethouder_niet_in_functie"),
    "datum-toekomst": ({"date_raised": dt.date(2024, 9, 2)}, "datum_in_toekomst"),
    "datum-einde-interval": ({"date_raised": dt.date(2024, 9, 1)}, None),
    "datum-te-vroeg": ({"date_raised": dt.date(2022, 2, 28), "wethouder": None},
                       "datum_te_vroeg"),
    "antwoord-voor-indiening": ({"date_answered": dt.date(2024, 1, 9)}, "datum_voor_indiening"),
    "tussenbericht-voor-indiening": ({"date_tussenbericht": dt.date(2023, 12, 1)},
                                     "datum_voor_indiening"),
    "afspraak-voor-indiening": ({"agreed_deadline": dt.date(2024, 1, 1)},
                                "datum_voor_indiening"),
    "antwoord-zelfde-dag": ({"date_answered": RAISED, "date_tussenbericht": RAISED}, None),
    "onderwerp-kort": ({"onderwerp": "Weg"}, "onderwerp_lengte"),
    "onderwerp-lang": ({"onderwerp": "x" * 2001}, "onderwerp_lengte"),
    "onderwerp-5": ({"onderwerp": "Bomen"}, None),
    "onderwerp-2000": ({"onderwerp": "y" * 2000}, None),
    "telefoon": ({"onderwerp": "Losse tegels, bel mevrouw op 06-12345678"}, "persoonsgegevens"),
    "bsn": ({"onderwerp": "Bezwaar van bewoner met BSN 111222333"}, "persoonsgegevens"),
    "kenmerk": ({"onderwerp": "Advies 2024-03 over M2310-3061 en 23bb003697"}, None),
    "antwoord-zeer-laat": ({"date_answered": RAISED + dt.timedelta(days=42 + 181)},
                           "antwoord_zeer_laat"),
    "antwoord-laat": ({"date_answered": RAISED + dt.timedelta(days=42 + 180)}, None),
    "afspraak-ver-weg": ({"agreed_deadline": RAISED + dt.timedelta(days=366)},
                         "afspraak_ver_weg"),
    "afspraak-jaar": ({"agreed_deadline": RAISED + dt.timedelta(days=365)}, None),
}
BROKEN_RULE = {record: broken for record, (_, broken) in CASES.items()}


def _dirty_items(reference) -> pd.DataFrame:
    base = {"kind": "vraag", "wijk": "Tarwewijk", "onderwerp": "Onderhoud van de stoep",
            "date_raised": RAISED, "wethouder": reference.wijkwethouder("Tarwewijk", RAISED)}
    rows = []
    for record, (changes, _) in CASES.items():
        rows.append({**base, "source_record_id": record, **changes})
        if record == "dubbel":
            rows.append({**base, "source_record_id": record, **changes})
    rows.append({**base, "source_record_id": None})  # the id itself is required
    frame = pd.DataFrame(rows)
    frame["source"] = "registratie"
    frame["item_id"] = [item_id("registratie", r) if r else None
                        for r in frame["source_record_id"]]
    items = coerce_items(frame)
    items.insert(0, "row_no", range(100, 100 + len(items)))  # row_no is not the position
    return items


@pytest.fixture(scope="module")
def reference():
    return ReferenceData.load()


@pytest.fixture(scope="module")
def validated(reference, tmp_path_factory):
    gx_dir = tmp_path_factory.mktemp("gx")
    items = _dirty_items(reference)
    findings = validate_extract(items, source="registratie", reference=reference,
                                interval_end=INTERVAL_END, settings=SETTINGS,
                                run_id="scheduled__2024-09-01T00:00:00+00:00", gx_dir=gx_dir)
    return items, findings, gx_dir


def _rules_of(items, findings, record) -> set[str]:
    rows = set(items.loc[items["source_record_id"] == record, "row_no"])
    return set(findings.loc[findings["row_no"].isin(rows), "rule"])


def test_findings_have_the_canonical_columns(validated):
    _, findings, _ = validated
    assert list(findings.columns) == list(FINDING_COLUMNS)


@pytest.mark.parametrize("record", [r for r, rule in BROKEN_RULE.items() if rule])
def test_record_breaking_a_rule_gets_a_finding_of_that_rule(validated, record):
    items, findings, _ = validated
    assert BROKEN_RULE[record] in _rules_of(items, findings, record)


@pytest.mark.parametrize("record", [r for r, rule in BROKEN_RULE.items() if rule is None])
def test_valid_record_and_near_misses_get_no_finding(validated, record):
    items, findings, _ = validated
    assert _rules_of(items, findings, record) == set()


def test_findings_cover_exactly_the_broken_rows(validated):
    items, findings, _ = validated
    broken = {r for r, rule in BROKEN_RULE.items() if rule}
    expected = set(items.loc[items["source_record_id"].isin(broken)
                             | items["source_record_id"].isna(), "row_no"])
    assert set(findings["row_no"]) == expected


def test_every_rule_of_the_catalogue_except_the_sources_own_is_exercised(validated):
    from wijkopvolging.sources.mapping import EXTRACT_RULES

    _, findings, _ = validated
    assert set(findings["rule"]) == set(RULES) - set(EXTRACT_RULES)


def test_missing_id_is_a_required_field_finding(validated):
    items, findings, _ = validated
    row = int(items.loc[items["source_record_id"].isna(), "row_no"].iloc[0])
    found = findings[findings["row_no"] == row]
    assert found[["rule", "column"]].values.tolist() == [["verplicht_veld", "source_record_id"]]


def test_both_duplicates_are_quarantined(validated):
    _, findings, _ = validated
    duplicates = findings[findings["rule"] == "dubbel_id"]
    assert len(duplicates) == 2
    assert set(duplicates["value"]) == {"dubbel"}
    assert "2 keer" in duplicates["message"].iloc[0]


def test_warnings_keep_the_record_and_errors_quarantine_it(validated):
    items, findings, _ = validated
    late = items.loc[items["source_record_id"] == "antwoord-zeer-laat", "row_no"].iloc[0]
    assert set(findings.loc[findings["row_no"] == late, "severity"]) == {WARNING}
    assert late not in quarantined_rows(findings)
    phone = items.loc[items["source_record_id"] == "telefoon", "row_no"].iloc[0]
    assert phone in quarantined_rows(findings)
    assert set(findings["severity"]) == {ERROR, WARNING}
    for rule_id, severity in findings[["rule", "severity"]].drop_duplicates().values:
        assert RULES[rule_id].severity == severity


def test_privacy_findings_show_masked_values_only(validated):
    _, findings, _ = validated
    privacy = findings[findings["rule"] == "persoonsgegevens"].set_index("source_record_id")
    assert privacy.loc["telefoon", "value"] == "06-********"
    assert privacy.loc["bsn", "value"] == "******333"
    text = " ".join(map(str, [*findings["message"], *findings["value"]]))
    assert "12345678" not in text and "111222333" not in text


def test_findings_speak_dutch_to_stewards(validated):
    _, findings, _ = validated
    by_record = findings.set_index("source_record_id")
    assert by_record.loc["datum-toekomst", "message"] == (
        "datum indiening 02-09-2024 ligt na het einde van de verwerkte periode (01-09-2024)")
    assert by_record.loc["wethouder-vertrokken", "message"] == (
        "wethouder Karremans was op 02-07-2024 niet in functie")
    assert by_record.loc["onderwerp-kort", "value"] == "3 tekens"


def test_gx_results_and_data_docs_hold_no_personal_data(validated):
    _, _, gx_dir = validated
    stored = "".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in (gx_dir / "gx").rglob("*") if p.suffix in (".json", ".html"))
    assert "12345678" not in stored and "111222333" not in stored


def test_data_docs_and_steward_report_exist_after_a_validation_run(validated, tmp_path):
    _, findings, gx_dir = validated
    index = data_docs_index(gx_dir)
    assert index.is_file()
    assert "wijkopvolging_extract" in index.read_text(encoding="utf-8")
    runs = pd.DataFrame([{"run_id": "r1", "source": "registratie", "as_of": INTERVAL_END,
                          "extracted": 36, "loaded": 13, "quarantined": 23, "warnings": 2,
                          "new": 13, "changed": 0, "deleted": 0}])
    paths = write_steward_report(findings.assign(source="registratie"), runs, tmp_path,
                                 gx_dir=gx_dir)
    assert paths["html"].is_file() and paths["csv"].is_file()
    assert "index.html" in paths["html"].read_text(encoding="utf-8")


def test_extract_with_old_wijk_name_is_accepted_but_not_rewritten(validated):
    items, _, _ = validated
    assert "Carnisse-Zuiderpark" in set(items["wijk"])  # validation only judges


def test_interval_end_is_taken_as_an_amsterdam_date(reference):
    from wijkopvolging.validation.checks import local_date

    assert local_date(dt.datetime(2024, 8, 31, 22, 0, tzinfo=dt.UTC)) == dt.date(2024, 9, 1)
    assert local_date(dt.datetime(2024, 8, 31, 21, 59, tzinfo=dt.UTC)) == dt.date(2024, 8, 31)
    assert local_date(dt.date(2024, 8, 31)) == dt.date(2024, 8, 31)


@pytest.fixture(scope="module")
def snapshot_findings(reference, tmp_path_factory):
    items = _dirty_items(reference)
    items = items[items["source_record_id"].isin(["goed", "telefoon", "datum-einde-interval"])]
    other = items[items["source_record_id"] == "goed"].assign(
        source="zaaksysteem", item_id="zaaksysteem:goed")  # same id, other source
    report = pd.concat([items, other], ignore_index=True).drop(columns=["row_no"])
    findings = validate_snapshot(report, reference=reference, peildatum=dt.date(2024, 8, 31),
                                 settings=SETTINGS, run_id="rapportage_2024-07",
                                 gx_dir=tmp_path_factory.mktemp("gx_snapshot"))
    return report, findings


def test_snapshot_applies_the_rules_with_the_peildatum_as_limit(snapshot_findings):
    report, findings = snapshot_findings
    assert set(zip(findings["source_record_id"], findings["rule"], strict=True)) == {
        ("telefoon", "persoonsgegevens"), ("datum-einde-interval", "datum_in_toekomst")}
    late = findings[findings["rule"] == "datum_in_toekomst"]
    assert "na de peildatum (31-08-2024)" in late["message"].iloc[0]


def test_snapshot_ids_are_unique_per_source_not_across_sources(snapshot_findings):
    _, findings = snapshot_findings
    assert "dubbel_id" not in set(findings["rule"])
    assert set(findings["source"]) == {"registratie"}


def test_validation_package_imports_without_great_expectations():
    done, loaded = fresh_import("wijkopvolging.validation", env={"PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "pandas" in loaded  # the check sees what the import loaded
    assert "great_expectations" not in loaded
