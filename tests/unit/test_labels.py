"""Dutch number words: terms written in the letters and lists come from the constants."""

from __future__ import annotations

import pytest

from wijkopvolging.labels import days_nl, number_nl, term_nl
from wijkopvolging.signalering import (
    BINNENKORT,
    GEEN_TUSSENBERICHT,
    HORIZON_DAYS,
    SIGNAL_LABELS,
    TUSSENBERICHT_AFTER_DAYS,
)


@pytest.mark.parametrize(("number", "words"), [
    (0, "nul"), (1, "een"), (6, "zes"), (11, "elf"), (14, "veertien"), (20, "twintig"),
    (21, "eenentwintig"), (22, "tweeëntwintig"), (23, "drieëntwintig"), (40, "veertig"),
    (58, "achtenvijftig"), (99, "negenennegentig"), (100, "100"),
])
def test_numbers_are_written_in_dutch_words_up_to_ninety_nine(number, words):
    assert number_nl(number) == words


@pytest.mark.parametrize(("days", "text"), [
    (42, "zes weken"), (7, "een week"), (56, "acht weken"), (14, "twee weken"),
    (10, "10 dagen"), (1, "1 dag"), (0, "0 dagen"),
])
def test_a_term_of_whole_weeks_reads_as_weeks_else_as_days(days, text):
    assert term_nl(days) == text


def test_the_signal_labels_say_what_the_constants_hold():
    assert (HORIZON_DAYS, TUSSENBERICHT_AFTER_DAYS) == (14, 42)
    assert SIGNAL_LABELS[BINNENKORT] == "Termijn verloopt binnen 14 dagen"
    assert SIGNAL_LABELS[GEEN_TUSSENBERICHT] == (
        "Advies ouder dan zes weken zonder tussenbericht")
    assert days_nl(HORIZON_DAYS) in SIGNAL_LABELS[BINNENKORT]
