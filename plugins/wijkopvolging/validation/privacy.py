"""Detectors for residents' personal data in texts that can reach the public overview.

The RIS is public, so a title with a phone number must never get there (DOMAIN.md,
"Privacy"). Found: e-mail addresses; phone numbers a resident may have (``phonenumbers``'
``PhoneNumberMatcher``, region NL: Dutch numbers in any common notation and international
ones, mobile, fixed line, VoIP, 084/087 and pagers; not service numbers such as
``0800``/``0900``, ``088`` or ``14010``), and any number *written like* a phone number
whatever the numbering plan says (``_phone_like_hits``: ten digits from a ``0``, or
``+``/``00`` and a country code, in groups, as in ``06 91 23 45 67``, a range the library
calls unassigned: a mistyped or unusual number is still a resident's); BSNs (nine
digits, also grouped by dots, spaces or dashes, valid per ``stdnum.nl.bsn``); IBANs
(valid per ``stdnum.iban``, spaces allowed, or shaped like one with valid check digits);
postcodes with a house number (``3012 AB 12``, ``3012AB 12a``, ``12, 3012 AB``).
Not found, on purpose: dates (``12-03-2024``, also when a number follows), nine digits
failing the elfproef, kenmerken (``23bb003697``, ``M2310-3061``), amounts (``€300.000``).
Names are not detected: no pattern tells a resident's name from a street's or a
wethouder's. Which detector does which kind, and why, is measured on a labelled corpus
(``tests/data/privacy_corpus.csv``, ``scripts/compare_privacy_detectors.py``,
``docs/privacy-detectors.md``). Whatever the hand-written detectors before the libraries
caught is still caught (``tests/privacy_before.py`` is that floor, and a test holds the
gate to it).

Everything here is a pure function. Column-wise: a cheap vectorised pre-filter (a text
without a digit or an ``@`` cannot hold any of these) on the column's distinct values,
then the exact checks below on the few candidates only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

EMAIL = "e-mailadres"
PHONE = "telefoonnummer"
BSN = "BSN"
IBAN = "IBAN"
POSTCODE = "postcode met huisnummer"
KINDS: tuple[str, ...] = (EMAIL, PHONE, BSN, IBAN, POSTCODE)

MASK = "*"


@dataclass(frozen=True)
class Hit:
    """One piece of personal data in a text: what it is, where, and how to show it."""

    kind: str  # one of KINDS (Dutch, shown to stewards)
    start: int
    end: int
    masked: str  # enough to find it in the source record, not the data itself


# --------------------------------------------------------------------------- checks


def elfproef(digits: str) -> bool:
    """Whether nine digits (dots, spaces or dashes between them allowed) are a BSN that
    passes the elfproef (``stdnum.nl.bsn``)."""
    from stdnum.nl import bsn

    compact = re.sub(r"[ .-]", "", digits)
    return len(compact) == 9 and bsn.is_valid(compact)


def iban_is_valid(text: str) -> bool:
    """Whether ``text`` (spaces allowed, any case) is an IBAN: mod-97 check digits and
    the country's length and format (``stdnum.iban``), or, for a country or format stdnum
    does not know, at least the shape (two letters, two digits, 11 to 30 letters or
    digits) and valid check digits. The bank itself is not looked up: a real account at
    a bank stdnum does not know must still be found."""
    from stdnum import iban
    from stdnum.iso7064 import mod_97_10

    if iban.is_valid(text, check_country=False):
        return True
    compact = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    return (expected is None or len(compact) == expected) and mod_97_10.is_valid(
        compact[4:] + compact[:4])


# Lengths of the IBANs a Rotterdam resident is likely to have (as stdnum has them); an
# IBAN-shaped text of another length is no IBAN of that country.
_IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20, "ES": 24, "IT": 27,
    "PT": 25, "AT": 20, "CH": 21, "IE": 22, "DK": 18, "PL": 28, "SE": 24, "NO": 15,
    "FI": 18, "TR": 26,
}


# --------------------------------------------------------------------------- patterns

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2} ?\d{2}(?: ?[A-Za-z0-9]){11,30}")
# Postcode letters are written in capitals; SA, SD and SS are not issued.
_POSTCODE_LETTERS = r"(?!SA|SD|SS)[A-Z]{2}(?![A-Za-z])"
_HOUSE_NUMBER = r"\d{1,5}(?:-\d{1,4}|[A-Za-z](?![A-Za-z]))?(?!\d)"  # 12, 12a, 12-2
_POSTCODE_THEN_NUMBER = re.compile(
    rf"(?<![\w])[1-9]\d{{3}} ?{_POSTCODE_LETTERS}[ ,]*{_HOUSE_NUMBER}"
)
_NUMBER_THEN_POSTCODE = re.compile(
    rf"(?<![\w])\d{{1,5}}[A-Za-z]?,? +[1-9]\d{{3}} ?{_POSTCODE_LETTERS}"
)
# Nine digits, possibly grouped by the separators stdnum's BSN accepts (111 222 333,
# 1112.22.333, 4003-76-143); not part of an amount or a longer number.
_BSN = re.compile(r"(?<![\w.,€$-])\d(?:[ .-]?\d){8}(?!\w|[.,-]\d)")
_DIGITS = re.compile(r"\d+")
_DATE_GROUPS = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{4}(?!\d)")
# A run of digit groups that may hold a phone number, whatever its range: which part of
# it is one is decided group by group (_phone_like_hits). Separators are what people
# type between the groups: spaces, dashes (also Word's en dash), dots, slashes, brackets.
_PHONE_SEPARATORS = " \u00a0-\u2010\u2011\u2012\u2013\u2014./()"
_PHONE_RUN = re.compile(
    rf"(?<![\w+\-/.,€$])(?:\+ ?|00)?\(?\d[\d{re.escape(_PHONE_SEPARATORS)}]*\d\)?(?!\w)")
_PHONE_LEAD = re.compile(r"(?:\+ ?\(?|\()$")
_PHONE_GAP = 3  # at most this many separator characters between two groups
_SLASHED_DATE = re.compile(r"(?<!\d)\d{1,2}([/.])\d{1,2}\1\d{4}(?!\d)")

_PREFILTER = r"[@0-9]"  # none of the patterns matches a text without a digit or an @


# --------------------------------------------------------------------------- masking


def _mask_alnum(text: str, keep: int = 0, keep_last: int = 0) -> str:
    """Mask letters and digits, keeping the first ``keep`` and last ``keep_last`` of them
    and every separator."""
    positions = [i for i, c in enumerate(text) if c.isalnum()]
    hidden = set(positions[keep:len(positions) - keep_last])
    return "".join(MASK if i in hidden else c for i, c in enumerate(text))


def _mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    keep = 3 if len(local) >= 6 else 1
    return local[:keep] + MASK * (len(local) - keep) + "@" + domain


def _mask_phone(text: str) -> str:
    # Keep the prefix (06, 010, +31): it says what kind of number it is, not whose.
    first = _DIGITS.search(text)
    keep = len(first.group()) if first and len(first.group()) <= 4 else 2
    return _mask_alnum(text, keep=keep)


def _mask_iban(text: str) -> str:
    # Keep country and bank code (the letters) and the last two digits.
    alnum = [i for i, c in enumerate(text) if c.isalnum()]
    keep = set(alnum[:2]) | set(alnum[-2:]) | {i for i in alnum if text[i].isalpha()}
    return "".join(c if i in keep or not c.isalnum() else MASK for i, c in enumerate(text))


def _mask_postcode(text: str) -> str:
    # The four digits name a neighbourhood, not a home: keep them, hide letters and number.
    tail = re.search(r"[1-9]\d{3} ?[A-Z]{2}$", text)
    if tail and not re.match(r"[1-9]\d{3} ?[A-Z]{2}", text):  # "12, 3012 AB"
        cut = tail.start() + 4
        return _mask_alnum(text[:tail.start()]) + text[tail.start():cut] + _mask_alnum(text[cut:])
    return text[:4] + _mask_alnum(text[4:])  # "3012 AB 12"


# --------------------------------------------------------------------------- detection


@cache
def _resident_number_types() -> frozenset:
    import phonenumbers

    kind = phonenumbers.PhoneNumberType
    # Not toll-free/premium/shared-cost (0800, 0900, 0906, 0909), UAN (088, 14010) or
    # voicemail: organisations' numbers, which a title may name without harm.
    return frozenset({kind.MOBILE, kind.FIXED_LINE, kind.FIXED_LINE_OR_MOBILE, kind.VOIP,
                      kind.PERSONAL_NUMBER, kind.PAGER})


def _phone_hits(text: str) -> list[Hit]:
    """Phone numbers a resident may have: ``PhoneNumberMatcher`` (region NL, valid
    numbers only), minus service numbers and minus a date followed by a number
    (``01-03-2024 10``), which the matcher reads as one fixed-line number."""
    import phonenumbers

    resident = _resident_number_types()
    hits = []
    for match in phonenumbers.PhoneNumberMatcher(text, "NL"):
        if phonenumbers.number_type(match.number) not in resident:
            continue
        if starts_with_date(match.raw_string):
            continue
        hits.append(Hit(PHONE, match.start, match.end, _mask_phone(match.raw_string)))
    return hits


def _phone_like_hits(text: str) -> list[Hit]:
    """Numbers written like a phone number, in any range, valid or not: ten digits from
    a ``0`` (not ``00``), or ``+31``/``0031`` (a ``(0)`` may follow) and nine digits, or
    ``+``/``00`` and another country's 8 to 13 digits; counted over whole digit groups
    with at most three separator characters between them, so a number next to other
    numbers is still found. A date followed by a number (``01-03-2024 10``) is none."""
    hits = []
    for run in _PHONE_RUN.finditer(text):
        groups = list(_DIGITS.finditer(run.group()))
        # No number starts inside a date written with slashes or dots (26/08/2024 - 30/...).
        dates = [m.span() for m in _SLASHED_DATE.finditer(run.group())
                 if starts_with_date(m.group())]
        i = 0
        while i < len(groups):
            if any(begin <= groups[i].start() < end for begin, end in dates):
                i += 1
                continue
            found = _phone_like_from(run.group(), groups, i)
            if found is None:
                i += 1
                continue
            last, start = found
            begin = run.start() + start
            end = run.start() + groups[last].end()
            if run.group()[groups[last].end():groups[last].end() + 1] == ")":
                end += 1
            hits.append(Hit(PHONE, begin, end, _mask_phone(text[begin:end])))
            i = last + 1
    return hits


def _phone_like_from(run: str, groups: list, i: int) -> tuple[int, int] | None:
    """(index of the last group, start offset in ``run``) of a number written like a
    phone number from group ``i`` on, or None."""
    first = groups[i]
    lead = _PHONE_LEAD.search(run, 0, first.start())  # "+", "+ ", "(" or "+(" before it
    start = lead.start() if lead else first.start()
    plus = bool(lead) and "+" in lead.group()
    dialled = first.group()
    abroad = plus or dialled.startswith("00")
    if abroad and not plus:
        dialled = dialled[2:]
    if abroad and not dialled[:1].strip("0"):
        return None  # no country code starts with 0
    digits = ""
    for j in range(i, len(groups)):
        if j > i:
            gap = run[groups[j - 1].end():groups[j].start()]
            if len(gap) > _PHONE_GAP:
                return None
            if abroad and groups[j].group() == "0" and gap.endswith("("):
                continue  # +31 (0)6 ...: the (0) is not dialled
        digits += dialled if j == i else groups[j].group()
        if abroad and digits.startswith("31"):
            national = digits[2:]
            if len(national) == 9:
                return (j, start) if national[0] != "0" else None
            if len(national) > 9:
                return None
        elif abroad:
            if 8 <= len(digits) <= 13 and _ends_number(run, groups, j):
                return j, start
            if len(digits) > 13:
                return None
        else:
            if len(digits) == 10:
                if digits[0] != "0" or digits[1] == "0":
                    return None
                if starts_with_date(run[first.start():groups[j].end()]):
                    return None  # 01-03-2024 10: a date and a number, not 0103202410
                return j, start
            if len(digits) > 10:
                return None
    return None


def _ends_number(run: str, groups: list, j: int) -> bool:
    """Whether group ``j`` is the last of its number: no further group close after it."""
    if j + 1 == len(groups):
        return True
    return len(run[groups[j].end():groups[j + 1].start()]) > _PHONE_GAP


def starts_with_date(text: str) -> bool:
    """Whether ``text`` starts with a real date written d-m-yyyy, d/m/yyyy or d.m.yyyy."""
    import datetime as dt

    match = _DATE_GROUPS.match(text)
    if not match:
        return False
    day, month, year = (int(part) for part in re.split(r"[-/.]", match.group()))
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _iban_hits(text: str) -> list[Hit]:
    """The longest valid IBAN at the start of each candidate, cut only between groups."""
    hits = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        ends = [i + 1 for i, c in enumerate(candidate) if c.isalnum()]
        for end in reversed(ends[14:]):  # an IBAN has at least 15 characters
            if candidate[end:end + 1].isalnum():
                continue
            if iban_is_valid(candidate[:end]):
                hits.append(Hit(IBAN, match.start(), match.start() + end,
                                _mask_iban(candidate[:end])))
                break
    return hits


def find_personal_data(text: object) -> list[Hit]:
    """Every piece of personal data in ``text``, in order; [] for a clean or missing text.

    Detectors run from the most specific (e-mail, IBAN, postcode, phone: the matcher
    knows the numbering plans) to the least (BSN: any nine digits with a valid check
    digit); a hit inside an earlier one (the digits of an IBAN) is not counted twice.
    """
    if not isinstance(text, str) or not re.search(_PREFILTER, text):
        return []
    hits: list[Hit] = []

    def add(candidates):
        for hit in candidates:
            if not any(hit.start < h.end and h.start < hit.end for h in hits):
                hits.append(hit)

    add(Hit(EMAIL, m.start(), m.end(), _mask_email(m.group())) for m in _EMAIL.finditer(text))
    add(_iban_hits(text))
    for pattern in (_POSTCODE_THEN_NUMBER, _NUMBER_THEN_POSTCODE):
        add(Hit(POSTCODE, m.start(), m.end(), _mask_postcode(m.group()))
            for m in pattern.finditer(text))
    add(_phone_hits(text))
    add(_phone_like_hits(text))  # what the numbering plan rejects is still someone's
    add(Hit(BSN, m.start(), m.end(), _mask_alnum(m.group(), keep_last=3))
        for m in _BSN.finditer(text) if elfproef(m.group()))
    return sorted(hits, key=lambda h: h.start)


def mask_text(text: object) -> object:
    """``text`` with every piece of personal data masked; other values unchanged."""
    hits = find_personal_data(text)
    if not hits:
        return text
    out = str(text)
    for hit in reversed(hits):
        out = out[:hit.start] + hit.masked + out[hit.end:]
    return out


def describe_hits(hits: list[Hit]) -> str:
    """``telefoonnummer (06-********), e-mailadres (p.d*****@example.nl)``."""
    return ", ".join(f"{hit.kind} ({hit.masked})" for hit in hits)


# --------------------------------------------------------------------------- columns


def scan_column(values: pd.Series) -> pd.Series:
    """The hits per value, for the values that have any (a subset of the index).

    Vectorised pre-filter on the distinct values, exact checks on the candidates only:
    a column of 100,000 titles without digits costs one ``str.contains``.
    """
    import pandas as pd

    text = values[values.notna()].astype("str")
    distinct = pd.Series(text.unique(), dtype="str")
    candidates = distinct[distinct.str.contains(_PREFILTER, regex=True)]
    found = {value: hits for value in candidates if (hits := find_personal_data(value))}
    if not found:
        return pd.Series([], dtype="object", index=values.index[:0])
    hit_rows = text[text.isin(list(found))]
    return hit_rows.map(found).astype("object")


def has_personal_data(values: pd.Series) -> pd.Series:
    """True where the value holds personal data (vectorised; see ``scan_column``)."""
    import pandas as pd

    flags = pd.Series(False, index=values.index)
    flags[scan_column(values).index] = True
    return flags
