"""The labelled corpus of titles for the personal-data detectors, and how a detector
scores on it (used by ``tests/unit/test_privacy_corpus.py`` and
``scripts/compare_privacy_detectors.py``).

``tests/data/privacy_corpus.csv``: ``titel``; ``persoonsgegevens``, the kinds of personal
data the title holds (``privacy.KINDS`` names, ``;``-separated, empty for none); ``soort``,
what the title shows (the notation of the hit, or the look-alike: datum, bedrag,
motienummer, buslijnen, postcode zonder huisnummer, ...).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "data" / "privacy_corpus.csv"


@dataclass(frozen=True)
class Title:
    """One labelled title."""

    text: str
    kinds: frozenset[str]  # the personal data it holds; empty for a look-alike
    what: str


@dataclass
class Score:
    """Per kind: titles holding it that the detector found or missed, and titles that do
    not hold it where the detector reported it (false alarms)."""

    found: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)


def read_corpus(path: Path = CORPUS) -> list[Title]:
    """The corpus's titles, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Title(row["titel"], frozenset(k for k in row["persoonsgegevens"].split(";")
                                              if k), row["soort"])
                for row in csv.DictReader(handle)]


def score(kinds_found: Callable[[str], Iterable[str]], titles: list[Title],
          kinds: Iterable[str]) -> dict[str, Score]:
    """How a detector (text -> the kinds it reports) does per kind, and overall
    (``"geblokkeerd"``: a title with any personal data is found when anything is
    reported, a look-alike is a false alarm when anything is)."""
    scores = {kind: Score() for kind in (*kinds, "geblokkeerd")}
    for title in titles:
        reported = set(kinds_found(title.text))
        for kind in kinds:
            if kind in title.kinds:
                (scores[kind].found if kind in reported else scores[kind].missed
                 ).append(title.text)
            elif kind in reported:
                scores[kind].false_alarms.append(title.text)
        overall = scores["geblokkeerd"]
        if title.kinds:
            (overall.found if reported else overall.missed).append(title.text)
        elif reported:
            overall.false_alarms.append(title.text)
    return scores
