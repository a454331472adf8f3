# The personal-data detector as it was before the phonenumbers/stdnum change (main 91e08cc,
# plugins/wijkopvolging/validation/privacy.py), kept verbatim below this comment: the
# privacy gate must catch at least everything this caught (tests/unit/test_privacy_floor.py).
# Do not edit it; it is the floor, not code in use.
# ruff: noqa
"""Detectors for residents' personal data in texts that can reach the public overview.

The RIS is public, so a title with a phone number must never get there (DOMAIN.md,
"Privacy"). Found: e-mail addresses; Dutch phone numbers (``06``, area codes like
``010``, ``+31``/``0031``; groups separated by spaces, dashes or parentheses); BSNs (nine
digits, also ``1234.56.782``, that pass the elfproef); IBANs (mod-97 valid, spaces
allowed); postcodes with a house number (``3012 AB 12``, ``3012AB 12a``, ``12, 3012 AB``).
Not found, on purpose: dates (``12-03-2024``), nine digits failing the elfproef,
kenmerken (``23bb003697``, ``M2310-3061``), amounts (``€300.000``). Names are not
detected: no pattern tells a resident's name from a street's or a wethouder's.

Everything here is a pure function. Column-wise: a cheap vectorised pre-filter (a text
without a digit or an ``@`` cannot hold any of these) on the column's distinct values,
then the exact checks below on the few candidates only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    """Whether nine digits pass the BSN elfproef: 9*d1 + 8*d2 + ... + 2*d8 - d9 ≡ 0 (mod 11)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def iban_is_valid(text: str) -> bool:
    """Whether ``text`` (spaces allowed, any case) is an IBAN with a valid mod-97 check."""
    compact = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# Lengths of the IBANs a Rotterdam resident is likely to have; others are checked on
# mod-97 alone.
_IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20, "ES": 24, "IT": 27,
    "PT": 25, "AT": 20, "CH": 21, "IE": 22, "DK": 18, "PL": 28, "SE": 24, "NO": 15,
    "FI": 18, "TR": 26,
}

# --------------------------------------------------------------------------- patterns

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,34}")
# Postcode letters are written in capitals; SA, SD and SS are not issued.
_POSTCODE_LETTERS = r"(?!SA|SD|SS)[A-Z]{2}(?![A-Za-z])"
_HOUSE_NUMBER = r"\d{1,5}(?:-\d{1,4}|[A-Za-z](?![A-Za-z]))?(?!\d)"  # 12, 12a, 12-2
_POSTCODE_THEN_NUMBER = re.compile(
    rf"(?<![\w])[1-9]\d{{3}} ?{_POSTCODE_LETTERS}[ ,]*{_HOUSE_NUMBER}"
)
_NUMBER_THEN_POSTCODE = re.compile(
    rf"(?<![\w])\d{{1,5}}[A-Za-z]?,? +[1-9]\d{{3}} ?{_POSTCODE_LETTERS}"
)
_BSN = re.compile(r"(?<![\w.,€$-])(?:\d{9}|\d{4}\.\d{2}\.\d{3})(?!\w|[.,-]\d)")
# A run of digit groups that may be a phone number; which part of it is one is decided
# by _phone_hits, group by group.
_PHONE_RUN = re.compile(r"(?<![\w+\-/.,€$])(?:\+|00)?\(?\d[\d \-()]*\d\)?(?!\w)")
_DIGITS = re.compile(r"\d+")
_DATE_GROUPS = re.compile(r"\d{1,2}([-/])\d{1,2}\1\d{4}(?!\d)")

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


def _phone_hits(text: str) -> list[Hit]:
    """Dutch phone numbers: 10 digits starting with 0 (not 00), or +31/0031 and 9 digits,
    counted over whole digit groups so a number next to other numbers is still found."""
    hits = []
    for run in _PHONE_RUN.finditer(text):
        groups = list(_DIGITS.finditer(run.group()))
        i = 0
        while i < len(groups):
            found = _phone_from(run.group(), groups, i)
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


def _phone_from(run: str, groups: list, i: int) -> tuple[int, int] | None:
    """(index of the last group, start offset in ``run``) of a phone number starting at
    group ``i``, or None."""
    first = groups[i]
    start = first.start()
    plus = start > 0 and run[start - 1] == "+"
    if plus:
        start -= 1
    elif start > 0 and run[start - 1] == "(":
        start -= 1
    # Separators between groups: at most a few of " -()".
    digits = ""
    international = plus and first.group().startswith("31") or first.group().startswith("0031")
    for j in range(i, len(groups)):
        if j > i:
            gap = run[groups[j - 1].end():groups[j].start()]
            if len(gap) > 3:
                return None
        group = groups[j].group()
        digits += group
        if international:
            national = digits[4:] if digits.startswith("0031") else digits[2:]
            if j > i and group == "0" and run[groups[j].start() - 1:groups[j].start()] == "(":
                digits = digits[:-1]  # +31 (0)6 ...: the (0) is not dialled
                continue
            if len(national) == 9:
                return (j, start) if national[0] != "0" else None
            if len(national) > 9:
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


def starts_with_date(text: str) -> bool:
    """Whether ``text`` starts with a real date written d-m-yyyy or d/m/yyyy."""
    import datetime as dt

    match = _DATE_GROUPS.match(text)
    if not match:
        return False
    day, month, year = (int(part) for part in re.split(r"[-/]", match.group()))
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _iban_hits(text: str) -> list[Hit]:
    hits = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        positions = [i for i, c in enumerate(candidate) if c != " "]
        compact = candidate.replace(" ", "").upper()
        expected = _IBAN_LENGTHS.get(compact[:2])
        lengths = [expected] if expected else range(min(len(compact), 34), 14, -1)
        for length in lengths:
            if length > len(compact):
                continue
            end = positions[length - 1] + 1
            after = candidate[end:end + 1]
            if after.isalnum():
                continue
            if iban_is_valid(compact[:length]):
                piece = candidate[:end]
                hits.append(Hit(IBAN, match.start(), match.start() + end, _mask_iban(piece)))
                break
    return hits


def find_personal_data(text: object) -> list[Hit]:
    """Every piece of personal data in ``text``, in order; [] for a clean or missing text.

    Detectors run from the most specific (e-mail, IBAN, postcode) to the least (BSN,
    phone); a hit inside an earlier one (the digits of an IBAN) is not counted twice.
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
    add(Hit(BSN, m.start(), m.end(), _mask_alnum(m.group(), keep_last=3))
        for m in _BSN.finditer(text)
        if elfproef(m.group().replace(".", "")))
    add(_phone_hits(text))
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
