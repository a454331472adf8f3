"""The privacy gate catches at least what it caught before the detectors moved to the
phone-number and stdnum libraries (``tests/privacy_before.py``, the hand-written
detectors of main 91e08cc): on the labelled corpus and on generated numbers in every
notation people write, whatever range the numbering plan gives them. A mistyped or
unusual number is still a resident's data."""

from __future__ import annotations

import string

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests import privacy_before as before
from tests.privacy_corpus import read_corpus
from wijkopvolging.validation.privacy import PHONE, find_personal_data, mask_text

TITLES = read_corpus()


def blocked(text: str) -> bool:
    return bool(find_personal_data(text))


def assert_floor(text: str) -> None:
    """What the earlier detector found, the gate blocks, and masks: nothing the earlier
    detector would find is left in the masked text."""
    if before.find_personal_data(text):
        assert blocked(text), text
    assert before.find_personal_data(mask_text(text)) == [], (text, mask_text(text))


def test_every_corpus_title_the_earlier_detector_blocked_is_still_blocked():
    caught_before = [t.text for t in TITLES if before.find_personal_data(t.text)]
    assert len(caught_before) >= 80
    assert [text for text in caught_before if not blocked(text)] == []
    for title in TITLES:
        assert_floor(title.text)


# -- phone numbers as people write them --------------------------------------------------------
SEPARATORS = ("", " ", "-", " - ", ".", "/", "\u2013", "\u00a0")


@st.composite
def dutch_numbers(draw) -> str:
    """A ten-digit Dutch number in any range (06 9…, 060, 067, 084, 088, 0800…), written
    with any prefix, grouping and separators."""
    area = draw(st.sampled_from(("6", "10", "20", "181", "174", "84", "87", "88", "85",
                                 "800", "900", "70", "13")))
    rest = draw(st.text(string.digits, min_size=9 - len(area), max_size=9 - len(area)))
    national = area + rest  # nine digits after the 0
    prefix = draw(st.sampled_from(("0", "+31 ", "+31", "0031 ", "0031-", "+31 (0)", "(0")))
    digits = ("0" + national) if prefix in ("0", "(0") else national
    cut = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    separator = draw(st.sampled_from(SEPARATORS))
    groups = [digits[a:b] for a, b in zip([0, *cut], [*cut, len(digits)], strict=True)]
    if prefix == "(0":  # (06) 91234567, (010) 4123456
        head = len(area) + 1
        return f"({digits[:head]}) {digits[head:]}"
    written = separator.join(groups)
    return written if prefix == "0" else prefix + written


@st.composite
def foreign_numbers(draw) -> str:
    country = draw(st.sampled_from(("32", "49", "44", "33", "90", "212", "597")))
    rest = draw(st.text(string.digits, min_size=8, max_size=10).filter(lambda d: d[0] != "0"))
    prefix = draw(st.sampled_from(("+", "00", "+ ")))
    cut = len(rest) // 2
    separator = draw(st.sampled_from((" ", "-", "")))
    return f"{prefix}{country} {rest[:cut]}{separator}{rest[cut:]}"


def in_a_title(number: st.SearchStrategy) -> st.SearchStrategy:
    words = st.sampled_from(("Overlast bij de flat, bel", "Bewoner bereikbaar op",
                             "Lekkage in portiek (melder:", "tel.", "Vraag over de stoep,",
                             ""))
    after = st.sampled_from(("", " graag terugbellen", ")", ", na 17.00 uur", " of mail"))
    return st.tuples(words, number, after).map(lambda t: f"{t[0]} {t[1]}{t[2]}".strip())


@settings(max_examples=400, derandomize=True, deadline=None)
@given(in_a_title(dutch_numbers()))
@example("Overlast bij de flat, bel 06 91 23 45 67")
@example("Lekkage, melder +31 (0)6-91234567 graag terugbellen")
@example("Bewoner 06.91.23.45.67")
def test_a_number_written_like_a_dutch_phone_number_is_blocked_in_any_range(title):
    assert any(hit.kind == PHONE for hit in find_personal_data(title)), title
    assert_floor(title)
    assert find_personal_data(mask_text(title)) == [], mask_text(title)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(in_a_title(foreign_numbers()))
@example("Bewoner met Belgisch nummer +32 999 12 34 56")
def test_a_number_written_like_a_foreign_phone_number_is_blocked(title):
    assert blocked(title), title
    assert_floor(title)


# -- anything else the earlier detector found ------------------------------------------------
@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet=string.ascii_uppercase[:6] + string.digits + " .-/()+@€,",
               min_size=8, max_size=40))
def test_whatever_the_earlier_detector_found_in_digits_and_separators_is_still_found(text):
    assert_floor(f"Onderwerp {text} einde")


@st.composite
def iban_shaped(draw) -> str:
    """Two letters, two check digits that make mod-97 valid, and a BBAN of any format:
    what a mistyped or foreign IBAN looks like."""
    country = draw(st.sampled_from(("NL", "BE", "DE", "FR", "XK", "QQ", "LU")))
    bban = draw(st.text(string.ascii_uppercase + string.digits, min_size=11, max_size=26))
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    check = f"{98 - number % 97:02d}"
    grouped = draw(st.booleans())
    compact = country + check + bban
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)) if grouped else compact


@settings(max_examples=300, derandomize=True, deadline=None)
@given(iban_shaped(), st.sampled_from(("Terugbetalen op ", "Rekening: ", "IBAN ")))
def test_an_iban_the_earlier_detector_found_is_still_found_whatever_its_format(iban, words):
    assert_floor(f"{words}{iban} graag")


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(string.digits, min_size=9, max_size=9),
       st.sampled_from(("{}", "{0}{1}{2}{3}.{4}{5}.{6}{7}{8}", "{0}{1}{2} {3}{4}{5} {6}{7}{8}")))
def test_a_bsn_the_earlier_detector_found_is_still_found(digits, layout):
    text = digits if layout == "{}" else layout.format(*digits)
    assert_floor(f"Bewoner met BSN {text} wacht")
