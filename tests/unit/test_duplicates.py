"""Duplicates across sources: detected on a normalised key, kept once, by source priority."""

from __future__ import annotations

import pandas as pd

from wijkopvolging.duplicates import DUPLICATE_COLUMNS, find_duplicates, normalise_text
from wijkopvolging.model import coerce_items


def items(*rows):
    frame = pd.DataFrame([dict(zip(("item_id", "source", "wijk", "date_raised", "onderwerp"),
                                   row, strict=True)) for row in rows])
    frame["source_record_id"] = frame["item_id"].str.split(":").str[1]
    return coerce_items(frame)


ROWS = (
    ("registratiesysteem:1", "registratiesysteem", "Pernis", "2024-03-12",
     "Verkeersveiligheid bij de basisschool aan de Kruiskade"),
    ("gebiedsexports:CH-1", "gebiedsexports", "pernis ", "2024-03-12",
     "verkeersveiligheid bij de basisschool  aan de Kruiskade."),
    ("registratiesysteem:2", "registratiesysteem", "Hoogvliet", "2024-03-12",
     "Groenonderhoud"),
    ("gebiedsexports:CH-2", "gebiedsexports", "Hoogvliet", "2024-03-13", "Groenonderhoud"),
)


def test_the_same_item_in_two_sources_is_detected_and_kept_once():
    kept, duplicates = find_duplicates(items(*ROWS),
                                       source_priority=["registratiesysteem", "gebiedsexports"])
    assert list(kept["item_id"]) == ["registratiesysteem:1", "registratiesysteem:2",
                                     "gebiedsexports:CH-2"]
    assert list(duplicates.columns) == list(DUPLICATE_COLUMNS)
    row = duplicates.iloc[0]
    assert (row["kept_item_id"], row["duplicate_item_id"]) == ("registratiesysteem:1",
                                                               "gebiedsexports:CH-1")
    assert row["key"] == ("pernis | 2024-03-12 | verkeersveiligheid bij de basisschool aan de "
                          "kruiskade")
    assert "gebiedsexports:CH-1 is hetzelfde item als registratiesysteem:1" in row["message"]
    assert "(wijk, datum indiening, onderwerp gelijk)" in row["message"]  # in Dutch


def test_the_source_listed_first_in_the_configuration_is_kept():
    kept, duplicates = find_duplicates(items(*ROWS),
                                       source_priority=["gebiedsexports", "registratiesysteem"])
    assert "gebiedsexports:CH-1" in set(kept["item_id"])
    assert duplicates.iloc[0]["duplicate_item_id"] == "registratiesysteem:1"


def test_nothing_disappears_kept_plus_duplicates_is_the_input():
    data = items(*ROWS)
    kept, duplicates = find_duplicates(data, source_priority=["registratiesysteem"])
    assert len(kept) + len(duplicates) == len(data)


def test_repeats_within_one_source_are_not_cross_source_duplicates():
    same_source = (ROWS[0], ("registratiesysteem:9", *ROWS[0][1:]))
    kept, duplicates = find_duplicates(items(*same_source), source_priority=[])
    assert len(kept) == 2 and duplicates.empty


def test_items_with_an_empty_key_field_are_never_duplicates():
    rows = (ROWS[0][:4] + (None,), ROWS[1][:4] + (None,))
    kept, duplicates = find_duplicates(items(*rows), source_priority=[])
    assert len(kept) == 2 and duplicates.empty


def test_the_key_is_configurable():
    kept, duplicates = find_duplicates(items(*ROWS), source_priority=["registratiesysteem"],
                                       key=["wijk", "onderwerp"])
    assert set(duplicates["duplicate_item_id"]) == {"gebiedsexports:CH-1",
                                                    "gebiedsexports:CH-2"}


def test_wijk_names_can_be_made_one_through_the_reference_data():
    rows = (ROWS[0], ("gebiedsexports:CH-1", "gebiedsexports", "Dorp Pernis", *ROWS[1][3:]))
    _, duplicates = find_duplicates(
        items(*rows), source_priority=["registratiesysteem"],
        wijk_name=lambda name: "Pernis" if "pernis" in name.casefold() else None)
    assert len(duplicates) == 1


def test_normalising_ignores_case_accents_spacing_and_punctuation():
    assert normalise_text("  Café-terras,  Coördinatie!! ") == "cafe terras coordinatie"
    assert normalise_text(" ... ") is None
