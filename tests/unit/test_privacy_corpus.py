"""The personal-data detectors on the labelled corpus of realistic titles
(tests/data/privacy_corpus.csv): what they find, miss and wrongly flag, per kind.

The figures and the choice of detectors are in docs/privacy-detectors.md; a change that
finds less, or flags more, fails here and must be argued there.
"""

from __future__ import annotations

import pytest

from tests.privacy_corpus import read_corpus, score
from wijkopvolging.validation.privacy import (
    BSN,
    EMAIL,
    IBAN,
    KINDS,
    PHONE,
    POSTCODE,
    find_personal_data,
    mask_text,
)

TITLES = read_corpus()
SPELLED_OUT_EMAIL = "Vraag over subsidie, contact jan punt smit apenstaartje gmail punt com"

# What the chosen detectors get wrong on the corpus, title by title.
MISSED = {EMAIL: [SPELLED_OUT_EMAIL], PHONE: [], BSN: [], IBAN: [], POSTCODE: []}
FALSE_ALARMS = {
    EMAIL: ["Reactie via wijkraad-charlois@rotterdam.nl"],  # the council's own address
    PHONE: ["Container RTD 0101 234 567 vol"],  # a valid 010 number, as far as anyone can see
    BSN: ["Begroting 805.888.718 euro voor de hele stad"],  # grouped like BSN 353.799.075
    IBAN: [],
    POSTCODE: ["Herinrichting 3072 AP, 2e fase"],
}


def kinds_found(text: str) -> set[str]:
    return {hit.kind for hit in find_personal_data(text)}


SCORES = score(kinds_found, TITLES, KINDS)


def test_the_corpus_has_every_kind_and_the_look_alikes_the_detectors_must_ignore():
    assert len(TITLES) >= 150
    assert all(sum(kind in t.kinds for t in TITLES) >= 10 for kind in KINDS)
    look_alikes = [t.what for t in TITLES if not t.kinds]
    assert len(look_alikes) >= 80
    for what in ("datum", "bedrag", "motienummer", "zaaknummer", "projectnummer", "buslijnen",
                 "postcode zonder huisnummer", "servicenummer"):
        assert any(what in w for w in look_alikes), what


@pytest.mark.parametrize("kind", KINDS)
def test_the_detectors_find_every_title_with_personal_data_but_the_documented_misses(kind):
    assert SCORES[kind].missed == MISSED[kind]
    assert len(SCORES[kind].found) == sum(kind in t.kinds for t in TITLES) - len(MISSED[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_the_detectors_raise_no_false_alarms_but_the_documented_ones(kind):
    assert SCORES[kind].false_alarms == FALSE_ALARMS[kind]


def test_every_title_with_personal_data_is_blocked_except_an_address_written_out():
    assert SCORES["geblokkeerd"].missed == [SPELLED_OUT_EMAIL]


@pytest.mark.parametrize("title", [t for t in TITLES if t.kinds and t.text != SPELLED_OUT_EMAIL],
                         ids=lambda t: t.what)
def test_a_masked_title_no_longer_holds_the_personal_data(title):
    masked = mask_text(title.text)
    assert masked != title.text
    assert find_personal_data(masked) == []
    assert len(masked) == len(title.text)  # masking replaces characters, it does not cut
