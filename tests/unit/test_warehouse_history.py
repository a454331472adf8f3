"""History that an older ingest cannot rewrite: the warehouse answers "what did the sources
say as of T" the same, whatever order the ingests ran in (issue 17)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_warehouse import items
from wijkopvolging.model import ID
from wijkopvolging.warehouse import open_warehouse

START = dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC)
IDS = ("1", "2", "3", "4")
ABSENT, QUARANTINED = "absent", "quarantined"
MEMORY = "sqlite:///:memory:"  # one database per engine: fast enough for many examples
# What the source holds for one record on one day: nothing, one of two contents, or a
# record that fails validation (it keeps its last good version).
RECORD = st.sampled_from([ABSENT, "Bankjes", "Bankjes en bomen", QUARANTINED])
SOURCE_STATES = st.lists(st.fixed_dictionaries({i: RECORD for i in IDS}), min_size=1,
                         max_size=5)


@pytest.fixture
def warehouse(tmp_path):
    """For the deterministic cases (tests/services runs them on PostgreSQL too)."""
    with open_warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite") as warehouse:
        yield warehouse


def day(n: int) -> dt.datetime:
    return START + dt.timedelta(days=7 * n)


def ingest(warehouse, n: int, state: dict[str, str], *, full_extract: bool = True) -> None:
    """What load_source does for the ingest of day ``n``, given what the source holds."""
    loaded = [(i, title) for i, title in state.items() if title not in (ABSENT, QUARANTINED)]
    kept = {f"bron:{i}" for i, title in state.items() if title == QUARANTINED}
    frame = items(*loaded) if loaded else items(("x", "x")).iloc[0:0]
    warehouse.load_versions(f"ingest-{n}", "bron", day(n), frame, full_extract=full_extract,
                            keep_ids=kept)


def moments(count: int) -> list[dt.datetime]:
    """Before the first ingest, every ingest moment, and between two ingests."""
    return [day(0) - dt.timedelta(hours=1),
            *(day(n) + dt.timedelta(days=offset) for n in range(count) for offset in (0, 3))]


def content(snapshot: pd.DataFrame) -> dict[str, str]:
    return dict(zip(snapshot[ID], snapshot["onderwerp"], strict=True))


def expected_full(states: list[dict[str, str]], n: int) -> dict[str, str]:
    """The rule for full extracts: as of day n an item is what ingest n loaded; a record in
    quarantine keeps what the item was before (its last good version, if it had one)."""
    state: dict[str, str] = {}
    for today in states[:n + 1]:
        state = {f"bron:{i}": (state.get(f"bron:{i}") if title == QUARANTINED else title)
                 for i, title in today.items() if title != ABSENT}
        state = {i: title for i, title in state.items() if title is not None}
    return state


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), states=SOURCE_STATES)
def test_every_snapshot_equals_the_one_made_by_ingesting_in_date_order(data, states):
    order = data.draw(st.permutations(range(len(states))), label="ingest order")
    rerun = data.draw(st.sampled_from(order), label="re-run of a day, last")
    with open_warehouse(MEMORY) as in_order, open_warehouse(MEMORY) as any_order:
        for n in range(len(states)):
            ingest(in_order, n, states[n])
        for n in [*order, rerun]:
            ingest(any_order, n, states[n])
        for moment in moments(len(states)):
            expected = in_order.snapshot(moment)
            pd.testing.assert_frame_equal(any_order.snapshot(moment), expected)
        for n in range(len(states)):
            assert content(in_order.snapshot(day(n))) == expected_full(states, n)


READS = st.lists(st.dictionaries(st.sampled_from(IDS[:2]), st.sampled_from(
    ["Bankjes", "Licht"])), min_size=1, max_size=5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), reads=READS)
def test_an_incremental_source_says_as_of_t_what_its_latest_read_at_or_before_t_said(
        data, reads):
    order = data.draw(st.permutations(range(len(reads))), label="ingest order")
    with open_warehouse(MEMORY) as in_order, open_warehouse(MEMORY) as any_order:
        for n in range(len(reads)):
            ingest(in_order, n, reads[n], full_extract=False)
        for n in order:
            ingest(any_order, n, reads[n], full_extract=False)
        for moment in moments(len(reads)):
            pd.testing.assert_frame_equal(any_order.snapshot(moment),
                                          in_order.snapshot(moment))
        for n in range(len(reads)):
            expected = {}
            for read in reads[:n + 1]:  # nothing is deleted by an incremental read
                expected.update({f"bron:{i}": title for i, title in read.items()})
            assert content(in_order.snapshot(day(n))) == expected


def test_a_backfill_does_not_add_an_item_the_later_ingest_no_longer_had(warehouse):
    """The reproduction of issue 17 in the warehouse: 1 November ran first, then the
    backfill of 1 September; as of 1 November the removed item stays gone."""
    ingest(warehouse, 8, {"1": "Bankjes", "2": ABSENT})
    before = warehouse.snapshot(day(8))
    ingest(warehouse, 0, {"1": "Bankjes", "2": "Bomen kappen en herplanten"})
    assert content(warehouse.snapshot(day(8))) == {"bron:1": "Bankjes"}
    assert content(warehouse.snapshot(day(0))) == {
        "bron:1": "Bankjes", "bron:2": "Bomen kappen en herplanten"}
    pd.testing.assert_frame_equal(warehouse.snapshot(day(8)), before)


def test_a_report_can_be_made_again_as_the_warehouse_knew_it_when_it_was_delivered(warehouse):
    ingest(warehouse, 0, {"1": "Bankjes"})
    ingest(warehouse, 8, {"1": "Bankjes", "2": "Licht"})
    delivered_at = warehouse.last_recorded()
    delivered = warehouse.snapshot(day(8))
    # Later: a backfill of day 4 finds item 3, answered before day 8 came round.
    ingest(warehouse, 4, {"1": "Bankjes en bomen", "3": "Groen"})
    assert warehouse.last_recorded() > delivered_at
    assert content(warehouse.snapshot(day(4))) == {"bron:1": "Bankjes en bomen",
                                                   "bron:3": "Groen"}
    pd.testing.assert_frame_equal(warehouse.snapshot(day(8), known_at=delivered_at),
                                  delivered)
    assert content(warehouse.snapshot(day(4), known_at=delivered_at)) == {
        "bron:1": "Bankjes"}


def test_re_running_an_ingest_replaces_what_it_recorded_and_the_later_loads_follow(warehouse):
    ingest(warehouse, 0, {"1": "Bankjes", "2": "Licht"})
    ingest(warehouse, 1, {"1": "Bankjes", "2": QUARANTINED})
    ingest(warehouse, 0, {"1": "Bankjes", "2": "Licht op het plein"})  # re-read, fixed
    # Day 1 held record 2 in quarantine: it keeps the last good version, now day 0's.
    assert content(warehouse.snapshot(day(1))) == {"bron:1": "Bankjes",
                                                   "bron:2": "Licht op het plein"}


def test_a_late_incremental_read_does_not_hide_what_a_later_read_said(warehouse):
    """Read A, then (later in time, earlier in valid time) B: as of the third read, which
    saw A again, the item is A, even though A had not changed since the first read."""
    ingest(warehouse, 0, {"1": "Bankjes"}, full_extract=False)
    ingest(warehouse, 2, {"1": "Bankjes"}, full_extract=False)
    ingest(warehouse, 1, {"1": "Licht"}, full_extract=False)
    assert content(warehouse.snapshot(day(1))) == {"bron:1": "Licht"}
    assert content(warehouse.snapshot(day(2))) == {"bron:1": "Bankjes"}
