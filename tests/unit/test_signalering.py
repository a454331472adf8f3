"""The weekly early-warning selection: who must act on what before the deadline passes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from wijkopvolging.config import SignaleringConfig
from wijkopvolging.model import coerce_items
from wijkopvolging.signalering import (
    BINNENKORT,
    GEEN_TUSSENBERICHT,
    VERLOPEN,
    list_for,
    recipients,
    select_signals,
    slugify,
)
from wijkopvolging.timeliness import TimelinessSettings, apply_timeliness

MONDAY = dt.date(2026, 11, 2)
NO_HOLIDAYS = TimelinessSettings(holiday_rule=False)


def frame(*rows):
    """Rows of (id, kind, wijk, date_raised, agreed_deadline, answered, tussenbericht)."""
    items = coerce_items(pd.DataFrame([
        {"item_id": f"b:{r[0]}", "source": "b", "source_record_id": r[0], "kind": r[1],
         "wijk": r[2], "onderwerp": f"Onderwerp {r[0]}", "date_raised": r[3],
         "wethouder": "Kasmi" if r[2] == "Pernis" else "Zeegers", "agreed_deadline": r[4],
         "date_answered": r[5], "date_tussenbericht": r[6]}
        for r in rows]))
    return apply_timeliness(items, MONDAY, NO_HOLIDAYS)


def signals_of(items):
    selected = select_signals(items, MONDAY)
    return dict(zip(selected["source_record_id"], selected["signal"], strict=True))


def test_an_item_due_in_14_days_is_listed_and_one_due_in_15_is_not():
    items = frame(("14", "vraag", "Pernis", "2026-10-01", "2026-11-16", None, None),
                  ("15", "vraag", "Pernis", "2026-10-01", "2026-11-17", None, None))
    assert signals_of(items) == {"14": BINNENKORT}


def test_an_overdue_advice_without_tussenbericht_is_listed_for_both_reasons():
    items = frame(("a", "advies", "Pernis", "2026-08-01", None, None, None))
    assert signals_of(items) == {"a": f"{VERLOPEN},{GEEN_TUSSENBERICHT}"}


def test_advice_older_than_six_weeks_without_tussenbericht_is_listed_before_its_deadline():
    items = frame(("a", "advies", "Pernis", "2026-09-01", "2026-12-31", None, None),
                  ("b", "advies", "Pernis", "2026-09-01", "2026-12-31", None, "2026-10-10"))
    assert signals_of(items) == {"a": GEEN_TUSSENBERICHT}


def test_answered_items_and_items_far_from_their_deadline_are_not_listed():
    items = frame(("done", "vraag", "Pernis", "2026-09-01", None, "2026-09-20", None),
                  ("fresh", "vraag", "Pernis", "2026-10-30", None, None, None))
    assert signals_of(items) == {}


def test_the_list_is_sorted_by_deadline():
    items = frame(("late", "vraag", "Pernis", "2026-10-01", "2026-11-12", None, None),
                  ("overdue", "vraag", "Pernis", "2026-09-01", None, None, None),
                  ("soon", "vraag", "Pernis", "2026-10-01", "2026-11-05", None, None))
    assert select_signals(items, MONDAY)["source_record_id"].tolist() == [
        "overdue", "soon", "late"]


def test_each_wijk_and_wethouder_with_signals_gets_a_list_at_its_configured_address():
    items = frame(("1", "vraag", "Pernis", "2026-09-01", None, None, None),
                  ("2", "vraag", "Hoogvliet", "2026-09-01", None, None, None))
    signals = select_signals(items, MONDAY)
    settings = SignaleringConfig(
        wijk_mt={"Pernis": ("wijkmt.pernis@rotterdam.example",)},
        wethouder_staf_address="staf.{slug}@rotterdam.example")
    found = recipients(signals, settings, wijken=["Pernis", "Hoogvliet", "Rozenburg"],
                       wethouders=["Kasmi", "Zeegers", "Simons"])
    assert [(r.kind, r.name, r.addresses) for r in found] == [
        ("wijk", "Pernis", ("wijkmt.pernis@rotterdam.example",)),
        ("wethouder", "Kasmi", ("staf.kasmi@rotterdam.example",)),
        ("wethouder", "Zeegers", ("staf.zeegers@rotterdam.example",)),
    ]
    assert list_for(signals, found[0])["source_record_id"].tolist() == ["1"]


def test_an_empty_list_goes_to_nobody_unless_configured():
    items = frame(("done", "vraag", "Pernis", "2026-09-01", None, "2026-09-20", None))
    signals = select_signals(items, MONDAY)
    settings = SignaleringConfig(wijk_mt_address="wijkmt.{slug}@rotterdam.example")
    assert recipients(signals, settings, wijken=["Pernis"], wethouders=[]) == []
    everyone = recipients(signals, replace(settings, send_empty=True), wijken=["Pernis"],
                          wethouders=[])
    assert [r.name for r in everyone] == ["Pernis"]


def test_slugs_are_plain_ascii():
    assert slugify("Het Lage Land-Prinsenland-'s Gravenland") == (
        "het-lage-land-prinsenland-s-gravenland")
    assert slugify("Jansen (fictief)") == "jansen-fictief"
