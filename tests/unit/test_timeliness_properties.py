"""Property tests: the vectorised frame function agrees with the scalar functions, and
a computed deadline is never a day on which no deadline can fall."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkopvolging.timeliness import (
    TimelinessSettings,
    apply_timeliness,
    deadline,
    is_atw_holiday,
    status_at,
)

FIRST = dt.date(2014, 1, 1)
LAST = dt.date(2099, 12, 31)

starts = st.dates(min_value=FIRST, max_value=LAST)
offsets = st.integers(min_value=0, max_value=400)
optional_offset = st.none() | offsets
timeliness_settings = st.builds(
    TimelinessSettings,
    term_days=st.sampled_from([42, 28, 56]),
    holiday_rule=st.booleans(),
    extra_holidays=st.lists(starts, max_size=3).map(tuple),
)


@st.composite
def item_rows(draw):
    """One item: dates drawn as offsets from its start, so they stay plausible."""
    start = draw(starts)

    def after(offset):
        return None if offset is None else start + dt.timedelta(days=offset)

    return {
        "kind": draw(st.sampled_from(["vraag", "advies"])),
        "date_raised": start,
        "agreed_deadline": after(draw(st.none() | offsets)),
        "agreed_term_days": draw(st.none() | st.integers(min_value=0, max_value=365)),
        "extension_days": draw(st.just(0) | st.integers(0, 120)),
        "date_answered": after(draw(optional_offset)),
        "date_tussenbericht": after(draw(optional_offset)),
    }


def as_frame(rows):
    frame = pd.DataFrame(
        rows,
        columns=[
            "kind",
            "date_raised",
            "agreed_deadline",
            "agreed_term_days",
            "extension_days",
            "date_answered",
            "date_tussenbericht",
        ],
    )
    for name in ("date_raised", "agreed_deadline", "date_answered", "date_tussenbericht"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    frame["agreed_term_days"] = pd.array(frame["agreed_term_days"], dtype="Int64")
    frame["extension_days"] = frame["extension_days"].astype("int64")
    return frame


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(item_rows(), min_size=1, max_size=25),
    peil_offset=st.integers(min_value=0, max_value=500),
    config=st.none() | timeliness_settings,
)
def test_apply_timeliness_equals_the_scalar_functions(rows, peil_offset, config):
    peildatum = max(r["date_raised"] for r in rows) + dt.timedelta(days=peil_offset)
    result = apply_timeliness(as_frame(rows), peildatum, config)
    for row, out in zip(rows, result.itertuples(index=False), strict=True):
        status = status_at(
            row["date_raised"],
            row["date_answered"],
            peildatum,
            agreed_deadline=row["agreed_deadline"],
            agreed_term_days=row["agreed_term_days"],
            extension_days=row["extension_days"],
            settings=config,
        )
        sent = (
            row["kind"] == "advies"
            and row["date_tussenbericht"] is not None
            and row["date_tussenbericht"] <= peildatum
        )
        assert out.deadline.date() == status.deadline
        assert (out.status, out.days_over) == (status.code, status.days_over)
        assert bool(out.tussenbericht_sent) is sent


def closed(day: dt.date, config: TimelinessSettings) -> bool:
    return day.weekday() >= 5 or is_atw_holiday(day) or day in config.extra_holidays


@settings(max_examples=300, deadline=None)
@given(
    start=starts,
    term=st.none() | st.integers(min_value=0, max_value=365),
    extension=st.integers(min_value=0, max_value=120),
    config=timeliness_settings.map(
        lambda s: TimelinessSettings(s.term_days, True, s.extra_holidays)
    ),
)
def test_computed_deadline_is_the_first_open_day_from_the_term_end(start, term, extension, config):
    result = deadline(start, agreed_term_days=term, extension_days=extension, settings=config)
    term_end = start + dt.timedelta(days=(config.term_days if term is None else term) + extension)
    assert not closed(result, config)
    assert result >= term_end
    # Every day skipped was closed: the deadline moves no further than it must.
    skipped = (result - term_end).days
    assert all(closed(term_end + dt.timedelta(days=n), config) for n in range(skipped))


@settings(max_examples=100, deadline=None)
@given(start=starts, agreed=starts)
def test_agreed_deadline_is_kept_even_on_a_closed_day(start, agreed):
    assert deadline(start, agreed_deadline=agreed, extension_days=30) == agreed
