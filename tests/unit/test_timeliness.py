"""Deadlines and statuses, checked against a calendar by hand.

Every expected date below was worked out on a calendar, not by running the code:
start + 42 days, then past weekends and Algemene termijnenwet holidays.
Easter Sundays used: 2024-03-31, 2025-04-20, 2026-04-05, 2027-03-28, 2028-04-16,
2029-04-01, 2030-04-21.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from wijkopvolging.timeliness import (
    PeildatumBeforeStart,
    TimelinessSettings,
    apply_timeliness,
    atw_holidays,
    deadline,
    easter_sunday,
    is_atw_holiday,
    status_at,
)

D = dt.date.fromisoformat
RULE_OFF = TimelinessSettings(holiday_rule=False)


def case(id_, start, expected, **kwargs):
    return pytest.param(D(start), kwargs, D(expected), id=id_)


DEADLINE_CASES = [
    # plain six weeks and weekends
    case("plain_tuesday_six_weeks_later", "2024-03-12", "2024-04-23"),
    case("plain_monday_six_weeks_later", "2025-09-01", "2025-10-13"),
    case("saturday_moves_to_monday", "2024-03-09", "2024-04-22"),
    case("sunday_moves_to_monday", "2024-03-10", "2024-04-22"),
    # New Year's Day
    case("new_year_monday_2024_moves_to_tuesday", "2023-11-20", "2024-01-02"),
    case("new_year_thursday_2026_moves_to_friday", "2025-11-20", "2026-01-02"),
    case("year_end_saturday_rolls_past_new_year", "2023-11-18", "2024-01-02"),
    # Good Friday (over the Easter weekend and Easter Monday to Tuesday)
    case("good_friday_2024_moves_to_tuesday", "2024-02-16", "2024-04-02"),
    case("good_friday_2025_moves_to_tuesday", "2025-03-07", "2025-04-22"),
    case("good_friday_2026_moves_to_tuesday", "2026-02-20", "2026-04-07"),
    case("good_friday_2027_moves_to_tuesday", "2027-02-12", "2027-03-30"),
    case("good_friday_2028_moves_to_tuesday", "2028-03-03", "2028-04-18"),
    case("good_friday_2029_moves_to_tuesday", "2029-02-16", "2029-04-03"),
    case("good_friday_2030_moves_to_tuesday", "2030-03-08", "2030-04-23"),
    # Easter Monday
    case("easter_monday_2025_moves_to_tuesday", "2025-03-10", "2025-04-22"),
    case("easter_monday_2027_moves_to_tuesday", "2027-02-15", "2027-03-30"),
    case("easter_monday_2029_moves_to_tuesday", "2029-02-19", "2029-04-03"),
    case("easter_monday_2030_moves_to_tuesday", "2030-03-11", "2030-04-23"),
    case("saturday_before_easter_monday_lands_on_tuesday", "2026-02-21", "2026-04-07"),
    # King's Day
    case("kings_day_monday_2026_moves_to_tuesday", "2026-03-16", "2026-04-28"),
    case("kings_day_friday_2029_moves_to_monday", "2029-03-16", "2029-04-30"),
    case("kings_day_saturday_26_april_2025_moves_to_monday", "2025-03-15", "2025-04-28"),
    # 5 May, every year under the Atw (not only every fifth year)
    case("liberation_day_2026_moves_to_wednesday", "2026-03-24", "2026-05-06"),
    case("liberation_day_friday_2028_moves_to_monday", "2028-03-24", "2028-05-08"),
    case("liberation_day_then_ascension_2027_lands_on_friday", "2027-03-24", "2027-05-07"),
    # Ascension Day (Easter + 39)
    case("ascension_2024_moves_to_friday", "2024-03-28", "2024-05-10"),
    case("ascension_2026_moves_to_friday", "2026-04-02", "2026-05-15"),
    case("ascension_2029_moves_to_friday", "2029-03-29", "2029-05-11"),
    case("ascension_2030_moves_to_friday", "2030-04-18", "2030-05-31"),
    # Whit Monday (Easter + 50)
    case("whit_monday_2024_moves_to_tuesday", "2024-04-08", "2024-05-21"),
    case("whit_monday_2025_moves_to_tuesday", "2025-04-28", "2025-06-10"),
    case("whit_monday_2028_moves_to_tuesday", "2028-04-24", "2028-06-06"),
    case("whit_monday_2030_moves_to_tuesday", "2030-04-29", "2030-06-11"),
    case("saturday_before_whit_monday_lands_on_tuesday", "2024-04-06", "2024-05-21"),
    # Christmas
    case("christmas_wednesday_2024_skips_boxing_day_to_friday", "2024-11-13", "2024-12-27"),
    case("boxing_day_friday_2025_moves_to_monday", "2025-11-14", "2025-12-29"),
    case("christmas_friday_2026_moves_to_monday", "2026-11-13", "2026-12-28"),
    # 29 February
    case("deadline_on_29_february_stays", "2024-01-18", "2024-02-29"),
    case("start_on_29_february", "2024-02-29", "2024-04-11"),
    case("no_29_february_in_2025_saturday_1_march_moves", "2025-01-18", "2025-03-03"),
    # agreed deadline: kept as agreed
    case("agreed_deadline_on_sunday_is_kept", "2024-03-12", "2024-04-21",
         agreed_deadline=D("2024-04-21")),
    case("agreed_deadline_on_kings_day_is_kept", "2026-03-16", "2026-04-27",
         agreed_deadline=D("2026-04-27")),
    case("agreed_deadline_ignores_agreed_term_and_extension", "2024-03-12", "2024-05-01",
         agreed_deadline=D("2024-05-01"), agreed_term_days=10, extension_days=14),
    case("agreed_deadline_as_timestamp", "2024-03-12", "2024-04-21",
         agreed_deadline=pd.Timestamp("2024-04-21")),
    case("nat_agreed_deadline_means_none", "2024-03-12", "2024-04-23",
         agreed_deadline=pd.NaT, agreed_term_days=pd.NA),
    # holiday rule off
    case("rule_off_keeps_saturday", "2024-03-09", "2024-04-20", settings=RULE_OFF),
    case("rule_off_keeps_christmas", "2024-11-13", "2024-12-25", settings=RULE_OFF),
    # extension days (verlenging)
    case("extension_14_days", "2024-03-12", "2024-05-07", extension_days=14),
    case("extension_landing_on_ascension_moves", "2024-03-12", "2024-05-10", extension_days=16),
    # agreed term
    case("agreed_term_28_days", "2024-03-12", "2024-04-09", agreed_term_days=28),
    case("agreed_term_90_days", "2024-03-12", "2024-06-10", agreed_term_days=90),
    case("agreed_term_plus_extension", "2024-03-12", "2024-04-16",
         agreed_term_days=28, extension_days=7),
    case("settings_term_56_days", "2024-03-12", "2024-05-07",
         settings=TimelinessSettings(term_days=56)),
    case("agreed_term_beats_settings_term", "2024-03-12", "2024-04-09",
         agreed_term_days=28, settings=TimelinessSettings(term_days=56)),
    # extra holiday from settings (a bridge day after Ascension 2026)
    case("extra_holiday_bridge_day_moves_to_monday", "2026-04-02", "2026-05-18",
         settings=TimelinessSettings(extra_holidays=(D("2026-05-15"),))),
]  # fmt: skip


@pytest.mark.parametrize(("start", "kwargs", "expected"), DEADLINE_CASES)
def test_deadline_matches_hand_checked_calendar(start, kwargs, expected):
    assert deadline(start, **kwargs) == expected


@pytest.mark.parametrize(("start", "kwargs", "expected"), DEADLINE_CASES)
def test_apply_timeliness_deadline_matches_hand_checked_calendar(start, kwargs, expected):
    kwargs = dict(kwargs)  # the parameter dicts are shared with the scalar test
    settings = kwargs.pop("settings", None)
    items = frame([dict(date_raised=start, **kwargs)])
    result = apply_timeliness(items, expected + dt.timedelta(days=1), settings)
    assert result["deadline"].iloc[0] == pd.Timestamp(expected)


def test_deadline_on_kings_day_moves_to_monday():
    # 27 April 2029 is a Friday; Saturday and Sunday follow.
    assert deadline(D("2029-03-16")) == D("2029-04-30")


def test_deadline_accepts_datetime_and_timestamp_starts():
    assert deadline(dt.datetime(2024, 3, 12, 15, 30)) == D("2024-04-23")
    assert deadline(pd.Timestamp("2024-03-12")) == D("2024-04-23")


def test_deadline_without_start_is_an_error():
    with pytest.raises(ValueError, match="start is required"):
        deadline(pd.NaT)


# ----------------------------------------------------------------------------- holidays


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2019, "2019-04-21"),
        (2022, "2022-04-17"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2028, "2028-04-16"),
        (2029, "2029-04-01"),
        (2030, "2030-04-21"),
        (2038, "2038-04-25"),
    ],
)
def test_easter_sunday_by_algorithm(year, easter):
    assert easter_sunday(year) == D(easter)


def test_atw_holidays_2025_in_full():
    assert atw_holidays(2025) == [
        D("2025-01-01"),
        D("2025-04-18"),  # Good Friday
        D("2025-04-21"),  # Easter Monday
        D("2025-04-26"),  # King's Day: the 27th is a Sunday
        D("2025-05-05"),
        D("2025-05-29"),  # Ascension
        D("2025-06-09"),  # Whit Monday
        D("2025-12-25"),
        D("2025-12-26"),
    ]


@pytest.mark.parametrize("year", [2025, 2031])
def test_kings_day_on_a_sunday_is_kept_on_26_april(year):
    assert dt.date(year, 4, 27).weekday() == 6
    assert is_atw_holiday(dt.date(year, 4, 26))
    assert not is_atw_holiday(dt.date(year, 4, 27))


@pytest.mark.parametrize("year", [2026, 2027, 2028, 2029, 2031, 2099])
def test_liberation_day_is_a_holiday_every_year(year):
    assert is_atw_holiday(dt.date(year, 5, 5))


def test_ordinary_days_are_not_holidays():
    assert not is_atw_holiday(D("2024-04-23"))
    assert not is_atw_holiday(D("2024-12-24"))
    assert not is_atw_holiday(D("2024-03-31"))  # Easter Sunday is a Sunday, not listed


def test_atw_holidays_cover_up_to_2100():
    assert len(atw_holidays(2100)) == 9
    assert is_atw_holiday(D("2100-12-26"))


def test_atw_holidays_before_kings_day_existed_are_refused():
    with pytest.raises(ValueError, match="2013"):
        atw_holidays(2013)


# ----------------------------------------------------------------------------- settings


def test_settings_from_config_section_ignores_keys_of_other_modules():
    settings = TimelinessSettings.from_mapping(
        {
            "term_days": 56,
            "holiday_rule": False,
            "extra_holidays": ["2026-05-15", D("2027-05-07")],
            "kenmerk": "WIJK/{slug}",
        }
    )
    assert settings == TimelinessSettings(
        term_days=56, holiday_rule=False, extra_holidays=(D("2026-05-15"), D("2027-05-07"))
    )


def test_settings_from_empty_section_are_the_defaults():
    assert TimelinessSettings.from_mapping(None) == TimelinessSettings()
    assert TimelinessSettings.from_mapping({}) == TimelinessSettings(42, True, ())


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"term_days": "six weeks"}, "term_days"),
        ({"term_days": -1}, "term_days"),
        ({"holiday_rule": "yes"}, "holiday_rule"),
        ({"extra_holidays": "2026-05-15"}, "extra_holidays"),
        ({"extra_holidays": ["15 mei"]}, "extra_holidays"),
    ],
)
def test_wrong_setting_names_the_key(section, key):
    with pytest.raises(ValueError, match=key):
        TimelinessSettings.from_mapping(section)


# ----------------------------------------------------------------------------- status


STATUS_CASES = [
    # start 2024-03-12 -> deadline Tuesday 2024-04-23
    pytest.param("2024-03-12", "2024-04-23", "2024-04-30", {}, "op_tijd", 0,
                 id="answered_exactly_on_deadline_is_on_time"),
    pytest.param("2024-03-12", "2024-04-24", "2024-04-30", {}, "te_laat", 1,
                 id="answered_one_day_after_deadline_is_one_day_late"),
    pytest.param("2024-03-12", "2024-04-25", "2024-04-30", {}, "te_laat", 2,
                 id="answered_two_days_late"),
    pytest.param("2024-03-12", "2024-03-12", "2024-03-12", {}, "op_tijd", 0,
                 id="answered_on_the_day_raised"),
    pytest.param("2024-03-12", None, "2024-04-23", {}, "open_binnen_termijn", 0,
                 id="open_on_deadline_day_is_within_term"),
    pytest.param("2024-03-12", None, "2024-04-24", {}, "open_verlopen", 1,
                 id="open_day_after_deadline_is_overdue"),
    pytest.param("2024-03-12", None, "2024-03-12", {}, "open_binnen_termijn", 0,
                 id="peildatum_on_start_is_within_term"),
    pytest.param("2024-03-12", "2024-05-10", "2024-04-30", {}, "open_verlopen", 7,
                 id="answer_after_peildatum_still_open_overdue"),
    pytest.param("2024-03-12", "2024-04-22", "2024-04-20", {}, "open_binnen_termijn", 0,
                 id="answer_after_peildatum_still_open_within_term"),
    # start Saturday 2024-03-09: term ends Saturday 20 April, deadline Monday 22 April
    pytest.param("2024-03-09", "2024-04-22", "2024-04-30", {}, "op_tijd", 0,
                 id="answer_on_monday_after_saturday_term_end_is_on_time"),
    pytest.param("2024-03-09", "2024-04-22", "2024-04-30", {"settings": RULE_OFF}, "te_laat", 2,
                 id="rule_off_answer_on_monday_is_two_days_late"),
    pytest.param("2024-03-09", None, "2024-04-22", {}, "open_binnen_termijn", 0,
                 id="open_on_shifted_deadline_is_within_term"),
    pytest.param("2024-03-12", "2024-04-22", "2024-04-30",
                 {"agreed_deadline": D("2024-04-21")}, "te_laat", 1,
                 id="agreed_sunday_deadline_answer_monday_is_late"),
    pytest.param("2024-03-12", None, "2024-06-30", {"extension_days": 14}, "open_verlopen", 54,
                 id="extension_counts_overdue_from_extended_deadline"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "answered", "peildatum", "kwargs", "code", "days_over"), STATUS_CASES
)
def test_status_matches_hand_checked_calendar(start, answered, peildatum, kwargs, code, days_over):
    status = status_at(D(start), answered and D(answered), D(peildatum), **kwargs)
    assert (status.code, status.days_over) == (code, days_over)


@pytest.mark.parametrize(
    ("start", "answered", "peildatum", "kwargs", "code", "days_over"), STATUS_CASES
)
def test_apply_timeliness_status_matches_hand_checked_calendar(
    start, answered, peildatum, kwargs, code, days_over
):
    kwargs = dict(kwargs)  # the parameter dicts are shared with the scalar test
    settings = kwargs.pop("settings", None)
    items = frame([dict(date_raised=D(start), date_answered=answered and D(answered), **kwargs)])
    row = apply_timeliness(items, D(peildatum), settings).iloc[0]
    assert (row["status"], row["days_over"]) == (code, days_over)


def test_peildatum_before_start_names_both_dates():
    with pytest.raises(PeildatumBeforeStart, match=r"2024-03-11.*2024-03-12"):
        status_at(D("2024-03-12"), None, D("2024-03-11"))


def test_peildatum_before_start_is_a_value_error():
    assert issubclass(PeildatumBeforeStart, ValueError)


def test_explain_late_answer_in_dutch():
    status = status_at(D("2024-03-12"), D("2024-04-25"), D("2024-04-30"))
    assert status.explain() == (
        "Ontvangen 12 maart 2024; termijn 42 dagen tot 23 april 2024; "
        "beantwoord 25 april 2024: 2 dagen te laat."
    )


def test_explain_names_the_weekend_shift():
    status = status_at(D("2024-03-09"), None, D("2024-04-23"))
    assert status.explain() == (
        "Ontvangen 9 maart 2024; termijn 42 dagen tot 20 april 2024 (zaterdag), "
        "opgeschoven naar 22 april 2024; op peildatum 23 april 2024 nog open: "
        "1 dag over de termijn."
    )


def test_explain_names_the_holiday_shift():
    status = status_at(D("2026-03-16"), D("2026-04-28"), D("2026-04-30"))
    assert "tot 27 april 2026 (Koningsdag), opgeschoven naar 28 april 2026" in status.explain()
    assert status.explain().endswith("beantwoord 28 april 2026: op tijd.")


def test_explain_agreed_deadline_and_answer_after_peildatum():
    status = status_at(
        D("2024-03-12"), D("2024-05-02"), D("2024-04-30"), agreed_deadline=D("2024-05-01")
    )
    assert status.explain() == (
        "Ontvangen 12 maart 2024; afgesproken termijn tot 1 mei 2024; "
        "op peildatum 30 april 2024 nog open, binnen de termijn "
        "(het antwoord van 2 mei 2024 valt na de peildatum)."
    )


def test_explain_agreed_term_with_extension():
    status = status_at(
        D("2024-03-12"), D("2024-04-16"), D("2024-04-30"), agreed_term_days=28, extension_days=7
    )
    assert status.explain() == (
        "Ontvangen 12 maart 2024; afgesproken termijn 28 dagen plus 7 dagen verlenging "
        "tot 16 april 2024; beantwoord 16 april 2024: op tijd."
    )


# ----------------------------------------------------------------------------- frames


def frame(rows: list[dict]) -> pd.DataFrame:
    """Canonical-typed items from a few hand-written rows."""
    columns = {
        "kind": "vraag",
        "date_raised": None,
        "agreed_deadline": None,
        "agreed_term_days": None,
        "extension_days": 0,
        "date_answered": None,
        "date_tussenbericht": None,
    }
    records = [{**columns, **row} for row in rows]
    items = pd.DataFrame(records, columns=list(columns))
    for name in ("date_raised", "agreed_deadline", "date_answered", "date_tussenbericht"):
        items[name] = pd.to_datetime(items[name]).astype("datetime64[us]")
    items["agreed_term_days"] = pd.array(items["agreed_term_days"], dtype="Int64")
    items["extension_days"] = items["extension_days"].astype("int64")
    return items


def test_apply_timeliness_adds_columns_with_canonical_dtypes_and_keeps_input():
    items = frame([{"date_raised": D("2024-03-12"), "date_answered": D("2024-04-25")}])
    before = items.copy()
    result = apply_timeliness(items, D("2024-04-30"))
    pd.testing.assert_frame_equal(items, before)
    assert result["deadline"].dtype == np.dtype("datetime64[us]")
    assert result["days_over"].dtype == np.dtype("int64")
    assert result["tussenbericht_sent"].dtype == np.dtype("bool")
    assert result.loc[0, ["status", "days_over"]].tolist() == ["te_laat", 2]
    assert result.loc[0, "deadline"] == pd.Timestamp("2024-04-23")


def test_tussenbericht_counts_only_for_advies_sent_by_the_peildatum():
    raised = D("2024-03-01")
    items = frame(
        [
            {"kind": "advies", "date_raised": raised, "date_tussenbericht": D("2024-04-10")},
            {"kind": "advies", "date_raised": raised, "date_tussenbericht": D("2024-04-30")},
            {"kind": "advies", "date_raised": raised, "date_tussenbericht": D("2024-05-01")},
            {"kind": "advies", "date_raised": raised},
            {"kind": "vraag", "date_raised": raised, "date_tussenbericht": D("2024-04-10")},
        ]
    )
    result = apply_timeliness(items, D("2024-04-30"))
    assert result["tussenbericht_sent"].tolist() == [True, True, False, False, False]


def test_apply_timeliness_refuses_items_raised_after_the_peildatum_and_counts_them():
    items = frame(
        [
            {"date_raised": D("2024-03-12")},
            {"date_raised": D("2024-05-01")},
            {"date_raised": D("2024-05-02")},
        ]
    )
    with pytest.raises(PeildatumBeforeStart, match=r"2 item\(s\) were raised after"):
        apply_timeliness(items, D("2024-04-30"))


def test_apply_timeliness_refuses_items_without_date_raised():
    items = frame([{"date_raised": None}])
    with pytest.raises(ValueError, match="1 item"):
        apply_timeliness(items, D("2024-04-30"))


def test_apply_timeliness_on_an_empty_frame():
    result = apply_timeliness(frame([]), D("2024-04-30"))
    assert len(result) == 0
    assert {"deadline", "status", "days_over", "tussenbericht_sent"} <= set(result.columns)
    assert result["deadline"].dtype == np.dtype("datetime64[us]")


def test_apply_timeliness_keeps_the_index():
    items = frame([{"date_raised": D("2024-03-12")}, {"date_raised": D("2024-03-09")}])
    items.index = [10, 20]
    result = apply_timeliness(items, D("2024-04-22"))
    assert result.index.tolist() == [10, 20]
    assert result["status"].tolist() == ["open_binnen_termijn", "open_binnen_termijn"]
