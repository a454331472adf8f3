"""Report periods and the rule for which items a period's report lists."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from wijkopvolging.periods import NotAPeriodStart, Period, select_for_report

D = dt.date.fromisoformat
UTC = dt.UTC


@pytest.mark.parametrize(
    ("month", "label", "slug", "peildatum"),
    [
        (1, "januari–februari 2026", "2026-01_2026-02", "2026-02-28"),
        (3, "maart–april 2026", "2026-03_2026-04", "2026-04-30"),
        (5, "mei–juni 2026", "2026-05_2026-06", "2026-06-30"),
        (7, "juli–augustus 2026", "2026-07_2026-08", "2026-08-31"),
        (9, "september–oktober 2026", "2026-09_2026-10", "2026-10-31"),
        (11, "november–december 2026", "2026-11_2026-12", "2026-12-31"),
    ],
)
def test_each_period_has_a_dutch_label_slug_and_peildatum(month, label, slug, peildatum):
    period = Period.starting(2026, month)
    assert period.label == label
    assert period.slug == slug
    assert period.first_month == f"2026-{month:02d}"
    assert period.peildatum == D(peildatum)
    assert period.start == dt.date(2026, month, 1)
    assert period.end == period.peildatum + dt.timedelta(days=1)


def test_label_uses_an_en_dash():
    assert "\u2013" in Period.starting(2026, 1).label


def test_peildatum_of_january_february_in_a_leap_year_is_29_february():
    assert Period.starting(2024, 1).peildatum == D("2024-02-29")


def test_november_december_ends_on_the_first_of_january():
    assert Period.starting(2026, 11).end == D("2027-01-01")


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (D("2026-01-01"), "2026-01"),
        (D("2026-02-28"), "2026-01"),
        (D("2026-03-01"), "2026-03"),
        (D("2026-10-31"), "2026-09"),
        (D("2026-12-31"), "2026-11"),
        (dt.datetime(2026, 6, 15, 23, 59), "2026-05"),
        (pd.Timestamp("2026-08-01"), "2026-07"),
    ],
)
def test_containing_finds_the_two_month_block(day, first):
    assert Period.containing(day).first_month == first


@pytest.mark.parametrize("month", [2, 4, 6, 8, 10, 12])
def test_even_month_is_not_a_period_start(month):
    with pytest.raises(NotAPeriodStart):
        Period.starting(2025, month)


def test_not_a_period_start_message_in_dutch_and_english():
    with pytest.raises(NotAPeriodStart) as raised:
        Period.starting(2025, 10)
    assert str(raised.value).startswith(
        "2025-10 is geen begin van een rapportageperiode; periodes beginnen in januari, "
        "maart, mei, juli, september of november"
    )
    assert "not the start of a report period" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_month_13_is_not_a_month():
    with pytest.raises(ValueError, match="geen geldige maand"):
        Period.starting(2025, 13)


def test_a_period_cannot_start_mid_month_or_end_elsewhere():
    with pytest.raises(NotAPeriodStart):
        Period(D("2026-01-15"))
    with pytest.raises(NotAPeriodStart):
        Period(D("2026-02-01"))
    with pytest.raises(ValueError, match="ends on 2026-03-01"):
        Period(D("2026-01-01"), D("2026-04-01"))
    assert Period(D("2026-01-01"), D("2026-03-01")) == Period.starting(2026, 1)


@pytest.mark.parametrize("text", ["2025-09", " 2025-09 ", "2025-09_2025-10"])
def test_parse_a_first_month_or_slug(text):
    assert Period.parse(text) == Period.starting(2025, 9)


def test_parse_rejects_a_month_that_starts_no_period():
    with pytest.raises(NotAPeriodStart, match="2025-10 is geen begin"):
        Period.parse("2025-10")


@pytest.mark.parametrize("text", ["2025/09", "25-09", "2025-9", "", "september 2025", "2025-09-01"])
def test_parse_rejects_malformed_text_clearly(text):
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        Period.parse(text)


def test_parse_rejects_a_slug_with_the_wrong_last_month():
    with pytest.raises(ValueError, match="expected 2025-09_2025-10"):
        Period.parse("2025-09_2025-12")


# Airflow's data intervals for CronDataIntervalTimetable("0 6 1 */2 *", Europe/Amsterdam),
# written in UTC: 06:00 is 05:00Z in winter (CET) and 04:00Z in summer (CEST).
# DST 2026 starts on 29 March and ends on 25 October.
INTERVALS_2026 = [
    pytest.param((2026, 1, 1, 5), (2026, 3, 1, 5), 1, id="jan_feb_winter"),
    pytest.param((2026, 3, 1, 5), (2026, 5, 1, 4), 3, id="mar_apr_across_dst_start"),
    pytest.param((2026, 5, 1, 4), (2026, 7, 1, 4), 5, id="may_jun_summer"),
    pytest.param((2026, 7, 1, 4), (2026, 9, 1, 4), 7, id="jul_aug_summer"),
    pytest.param((2026, 9, 1, 4), (2026, 11, 1, 5), 9, id="sep_oct_across_dst_end"),
    pytest.param((2026, 11, 1, 5), (2027, 1, 1, 5), 11, id="nov_dec_across_year_end"),
]


@pytest.mark.parametrize(("start", "end", "month"), INTERVALS_2026)
def test_data_interval_maps_to_its_period(start, end, month):
    period = Period.from_data_interval(
        dt.datetime(*start, tzinfo=UTC), dt.datetime(*end, tzinfo=UTC)
    )
    assert period == Period.starting(2026, month)


def test_data_interval_is_read_in_amsterdam_not_utc():
    # Midnight Amsterdam on 1 March is still 28 February in UTC.
    period = Period.from_data_interval(
        dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC), dt.datetime(2026, 4, 30, 22, 0, tzinfo=UTC)
    )
    assert period == Period.starting(2026, 3)


def test_data_interval_spanning_two_periods_is_refused():
    with pytest.raises(ValueError, match="should end on 2026-05-01"):
        Period.from_data_interval(
            dt.datetime(2026, 3, 1, 5, tzinfo=UTC), dt.datetime(2026, 7, 1, 4, tzinfo=UTC)
        )


def test_data_interval_starting_mid_period_is_refused():
    with pytest.raises(NotAPeriodStart, match="2026-02-01"):
        Period.from_data_interval(
            dt.datetime(2026, 2, 1, 5, tzinfo=UTC), dt.datetime(2026, 4, 1, 4, tzinfo=UTC)
        )


def test_naive_data_interval_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Period.from_data_interval(dt.datetime(2026, 3, 1, 6), dt.datetime(2026, 5, 1, 6))


@pytest.mark.parametrize(
    ("today", "first"),
    [
        ("2026-03-01", "2026-01"),  # the day a period ends, it is complete
        ("2026-02-28", "2025-11"),
        ("2026-01-01", "2025-11"),
        ("2026-04-15", "2026-01"),
        ("2026-12-31", "2026-09"),
    ],
)
def test_last_complete_period(today, first):
    assert Period.last_complete(D(today)).first_month == first


def test_previous_and_next_cross_the_year():
    assert Period.starting(2026, 1).previous() == Period.starting(2025, 11)
    assert Period.starting(2025, 11).next() == Period.starting(2026, 1)
    assert Period.starting(2026, 5).next().previous() == Period.starting(2026, 5)


def test_periods_sort_by_time():
    periods = [Period.starting(2026, 3), Period.starting(2025, 11), Period.starting(2026, 1)]
    assert [p.first_month for p in sorted(periods)] == ["2025-11", "2026-01", "2026-03"]


# ----------------------------------------------------------------------------- selection


def items(*rows: tuple[str, str, str | None]) -> pd.DataFrame:
    """(item_id, date_raised, date_answered) rows with canonical date dtypes."""
    frame = pd.DataFrame(rows, columns=["item_id", "date_raised", "date_answered"])
    for name in ("date_raised", "date_answered"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    return frame


MARCH_APRIL_2026 = Period.starting(2026, 3)  # 1 March .. peildatum 30 April 2026


@pytest.mark.parametrize(
    ("raised", "answered", "listed"),
    [
        pytest.param("2023-05-10", None, True, id="open_item_raised_long_ago_is_listed"),
        pytest.param("2026-01-10", "2026-02-27", False, id="answered_before_period_left_out"),
        pytest.param("2026-01-10", "2026-03-01", True, id="answered_on_first_day_listed"),
        pytest.param("2026-03-10", "2026-04-30", True, id="answered_on_peildatum_listed"),
        pytest.param("2026-01-10", "2026-05-01", True, id="answered_after_peildatum_counts_open"),
        pytest.param("2026-04-30", None, True, id="raised_on_peildatum_listed"),
        pytest.param("2026-05-01", None, False, id="raised_after_peildatum_left_out"),
        pytest.param("2026-05-01", "2026-05-02", False, id="raised_and_answered_after_left_out"),
    ],
)
def test_selection_rule_for_a_report(raised, answered, listed):
    selected = select_for_report(items(("x", raised, answered)), MARCH_APRIL_2026)
    assert (len(selected) == 1) is listed


def test_selection_returns_a_copy_keeping_the_index():
    frame = items(
        ("open", "2025-01-01", None),
        ("old", "2025-01-01", "2025-03-01"),
        ("in", "2026-03-02", "2026-03-20"),
    )
    frame.index = [7, 8, 9]
    selected = select_for_report(frame, MARCH_APRIL_2026)
    assert selected["item_id"].tolist() == ["open", "in"]
    assert selected.index.tolist() == [7, 9]
    selected.loc[7, "item_id"] = "changed"
    assert frame.loc[7, "item_id"] == "open"


def test_selection_of_an_empty_frame_is_empty():
    assert select_for_report(items(), MARCH_APRIL_2026).empty
