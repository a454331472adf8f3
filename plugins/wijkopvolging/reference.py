"""Reference data: gebieden, wijken, wethouders and who is wijkwethouder of which wijk.

The facts live as versioned YAML files in ``include/config/`` (one concern per file):

- ``gebieden.yaml``       the 14 gebieden;
- ``wijken.yaml``         the 39 raden (wijkraden and dorpsraden) with gebied and aliases;
- ``wethouders.yaml``     the wethouders and their terms in office;
- ``wijkwethouders.yaml`` which wethouder is wijkwethouder of which wijk, with validity dates.

``ReferenceData.load()`` reads and checks them once per folder. A broken file stops with
one line naming the file and the entry, so whoever maintains it knows what to fix.
This module imports without pandas; only the ``*_frame()`` methods need it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wijkopvolging.config import project_root
from wijkopvolging.errors import ExpectedError

GEBIEDEN_FILE = "gebieden.yaml"
WIJKEN_FILE = "wijken.yaml"
WETHOUDERS_FILE = "wethouders.yaml"
WIJKWETHOUDERS_FILE = "wijkwethouders.yaml"

WIJKRAAD = "wijkraad"
DORPSRAAD = "dorpsraad"
RAAD_TYPES = (WIJKRAAD, DORPSRAAD)


class ReferenceDataError(ExpectedError):
    """A reference data file is missing or wrong; the message names the file and entry."""


@dataclass(frozen=True)
class Gebied:
    """One of Rotterdam's 14 gebieden."""

    name: str


@dataclass(frozen=True)
class Wijk:
    """A wijk (or dorp) with an elected wijkraad or dorpsraad."""

    name: str
    gebied: str
    type: str  # "wijkraad" or "dorpsraad"
    aliases: tuple[str, ...] = ()  # earlier names, e.g. before the 2023 renames
    verified: bool = False  # checked against the Verordening op de wijkraden
    note: str | None = None


@dataclass(frozen=True)
class Wethouder:
    """A college member; ``in_office_to`` None means still in office."""

    name: str
    in_office_from: dt.date
    in_office_to: dt.date | None = None
    fictional: bool = False  # person or dates invented, not from a public source
    note: str | None = None

    def in_office(self, on: dt.date) -> bool:
        """True when the wethouder is in office on that day (both ends inclusive)."""
        return self.in_office_from <= on and (self.in_office_to is None or on <= self.in_office_to)


@dataclass(frozen=True)
class Assignment:
    """``wethouder`` is wijkwethouder of ``wijk`` from ``valid_from`` to ``valid_to``."""

    wijk: str
    wethouder: str
    valid_from: dt.date
    valid_to: dt.date | None = None  # None: until further notice

    def valid_on(self, on: dt.date) -> bool:
        """True when the assignment holds on that day (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


# Sources spell names with en dashes, curly apostrophes, odd spacing and a "wijkraad"
# prefix; none of that should make a record fail to match its wijk.
_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u0060\u00b4\u2032"), "'")
_RAAD_PREFIX = re.compile(r"^(?:wijkraad|dorpsraad)\s+")


def normalise_name(name: str) -> str:
    """The comparison key of a name: case-folded, single spaces, plain dashes and quotes."""
    text = unicodedata.normalize("NFKC", name).translate(_DASHES).translate(_APOSTROPHES)
    text = " ".join(text.split()).casefold()
    return re.sub(r"\s*-\s*", "-", text)


class ReferenceData:
    """The checked reference data, with lookups by (normalised) name and date."""

    def __init__(
        self,
        gebieden: Iterable[Gebied],
        wijken: Iterable[Wijk],
        wethouders: Iterable[Wethouder],
        assignments: Iterable[Assignment],
        config_dir: Path | None = None,
    ) -> None:
        self.config_dir = config_dir
        self.gebieden: tuple[Gebied, ...] = tuple(gebieden)
        self.wijken: tuple[Wijk, ...] = tuple(wijken)
        self.wethouders: tuple[Wethouder, ...] = tuple(wethouders)
        self.assignments: tuple[Assignment, ...] = tuple(assignments)
        self._wijk_by_name = {wijk.name: wijk for wijk in self.wijken}
        self._wijk_by_key: dict[str, str] = {}
        for wijk in self.wijken:
            for name in (wijk.name, *wijk.aliases):
                self._wijk_by_key[normalise_name(name)] = wijk.name
        self._wethouder_by_key = {normalise_name(w.name): w for w in self.wethouders}
        self._assignments_by_wijk: dict[str, list[Assignment]] = {}
        for assignment in self.assignments:
            self._assignments_by_wijk.setdefault(assignment.wijk, []).append(assignment)

    @classmethod
    def load(cls, config_dir: Path | None = None) -> ReferenceData:
        """Read and check the four files in ``config_dir`` (default ``include/config``).

        Cached per folder: tasks call this often and the files change only with a release.
        """
        folder = Path(config_dir) if config_dir is not None else default_config_dir()
        return _load_cached(folder.resolve())

    @staticmethod
    def clear_cache() -> None:
        """Forget loaded folders, e.g. after editing the files in a long-running process."""
        _load_cached.cache_clear()

    # --- wijken ------------------------------------------------------------------------

    @property
    def wijk_names(self) -> frozenset[str]:
        """The current names of all wijken and dorpen."""
        return frozenset(self._wijk_by_name)

    def canonical_wijk(self, name: str) -> str | None:
        """The current name for ``name`` (a name or alias, loosely spelled), or None."""
        if not isinstance(name, str):
            return None
        key = normalise_name(name)
        found = self._wijk_by_key.get(key)
        if found is None:
            found = self._wijk_by_key.get(_RAAD_PREFIX.sub("", key))
        return found

    def wijk(self, name: str) -> Wijk:
        """The wijk for a name or alias; KeyError naming it when unknown."""
        canonical = self.canonical_wijk(name)
        if canonical is None:
            raise KeyError(f"unknown wijk {name!r}: not a name or alias in {WIJKEN_FILE}")
        return self._wijk_by_name[canonical]

    def gebied_of(self, wijk: str) -> str:
        """The gebied a wijk (name or alias) belongs to; KeyError when the wijk is unknown."""
        return self.wijk(wijk).gebied

    # --- wethouders --------------------------------------------------------------------

    @property
    def wethouder_names(self) -> frozenset[str]:
        """The names of all wethouders, past, present and (fictional) future."""
        return frozenset(w.name for w in self.wethouders)

    def canonical_wethouder(self, name: str) -> str | None:
        """The wethouder's name as in ``wethouders.yaml`` for a loosely spelled name."""
        if not isinstance(name, str):
            return None
        found = self._wethouder_by_key.get(normalise_name(name))
        return found.name if found else None

    def wethouder_in_office(self, name: str, date: dt.date) -> bool:
        """True when ``name`` is a known wethouder in office on ``date``."""
        canonical = self.canonical_wethouder(name)
        if canonical is None:
            return False
        return self._wethouder_by_key[normalise_name(canonical)].in_office(_as_date(date))

    def wijkwethouder(self, wijk: str, date: dt.date) -> str | None:
        """The wijkwethouder of ``wijk`` (name or alias) on ``date``, or None if nobody."""
        canonical = self.canonical_wijk(wijk)
        if canonical is None:
            return None
        on = _as_date(date)
        for assignment in self._assignments_by_wijk.get(canonical, ()):
            if assignment.valid_on(on):
                return assignment.wethouder
        return None

    # --- frames for vectorised validation ------------------------------------------------

    def wethouders_frame(self):  # -> pandas.DataFrame; pandas is imported only here
        """One row per wethouder: name, in_office_from, in_office_to (NaT = still in office)."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "name": [w.name for w in self.wethouders],
                "in_office_from": [w.in_office_from for w in self.wethouders],
                "in_office_to": [w.in_office_to for w in self.wethouders],
            }
        )
        for column in ("in_office_from", "in_office_to"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
        return frame

    def wijken_frame(self):  # -> pandas.DataFrame; pandas is imported only here
        """One row per wijk: wijk, gebied, type (wijkraad or dorpsraad)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "wijk": [w.name for w in self.wijken],
                "gebied": [w.gebied for w in self.wijken],
                "type": [w.type for w in self.wijken],
            }
        )


def default_config_dir() -> Path:
    """``<project root>/include/config``; the root comes from ``WIJKOPVOLGING_HOME``."""
    return project_root() / "include" / "config"


def _as_date(value: dt.date) -> dt.date:
    # datetime (and pandas.Timestamp) are date subclasses but do not compare with dates.
    return value.date() if isinstance(value, dt.datetime) else value


# --- loading and checking -------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _load_cached(folder: Path) -> ReferenceData:
    gebieden = _parse_gebieden(folder / GEBIEDEN_FILE)
    wijken = _parse_wijken(folder / WIJKEN_FILE, {g.name for g in gebieden})
    wethouders = _parse_wethouders(folder / WETHOUDERS_FILE)
    assignments = _parse_assignments(folder / WIJKWETHOUDERS_FILE, wijken, wethouders)
    return ReferenceData(gebieden, wijken, wethouders, assignments, config_dir=folder)


def _read_entries(path: Path, key: str) -> list[dict[str, Any]]:
    """The list under ``key`` in a YAML file, each entry a mapping."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceDataError(
            f"{path}: file not found; the reference data needs {GEBIEDEN_FILE}, "
            f"{WIJKEN_FILE}, {WETHOUDERS_FILE} and {WIJKWETHOUDERS_FILE} in {path.parent}"
        ) from None
    except OSError as exc:
        raise ReferenceDataError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ReferenceDataError(
            f"{path}: not valid YAML{at}: {getattr(exc, 'problem', None) or exc}"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise ReferenceDataError(f"{path}: expected a top-level '{key}:' with a list of entries")
    entries = raw[key]
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ReferenceDataError(f"{path}: {key} entry {number}: expected a mapping of keys")
    return entries


def _where(path: Path, key: str, number: int, entry: dict[str, Any], label: str) -> str:
    name = entry.get(label)
    return f"{path}: {key} entry {number}" + (f" ({name!r})" if name is not None else "")


def _text(entry: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ReferenceDataError(f"{where}: '{key}' is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ReferenceDataError(f"{where}: '{key}' must be a non-empty text, got {value!r}")
    return " ".join(value.split())


def _date(entry: dict[str, Any], key: str, where: str, required: bool) -> dt.date | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ReferenceDataError(f"{where}: '{key}' is missing (a date like 2022-06-01)")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ReferenceDataError(
            f"{where}: '{key}' must be a date like 2022-06-01, got {value!r}"
        ) from None


def _flag(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise ReferenceDataError(f"{where}: '{key}' must be true or false, got {value!r}")
    return value


def _check_period(start: dt.date, end: dt.date | None, names: str, where: str) -> None:
    if end is not None and end < start:
        raise ReferenceDataError(f"{where}: {names} ends ({end}) before it starts ({start})")


def _parse_gebieden(path: Path) -> list[Gebied]:
    gebieden: list[Gebied] = []
    seen: set[str] = set()
    for number, entry in enumerate(_read_entries(path, "gebieden"), start=1):
        where = _where(path, "gebieden", number, entry, "name")
        name = _text(entry, "name", where)
        if normalise_name(name) in seen:
            raise ReferenceDataError(f"{where}: gebied {name!r} is listed twice")
        seen.add(normalise_name(name))
        gebieden.append(Gebied(name))
    return gebieden


def _parse_wijken(path: Path, gebieden: set[str]) -> list[Wijk]:
    wijken: list[Wijk] = []
    owner_of_key: dict[str, str] = {}  # normalised name or alias -> wijk
    for number, entry in enumerate(_read_entries(path, "wijken"), start=1):
        where = _where(path, "wijken", number, entry, "name")
        name = _text(entry, "name", where)
        gebied = _text(entry, "gebied", where)
        if gebied not in gebieden:
            raise ReferenceDataError(
                f"{where}: unknown gebied {gebied!r}; use one of {GEBIEDEN_FILE}"
            )
        raad_type = _text(entry, "type", where)
        if raad_type not in RAAD_TYPES:
            raise ReferenceDataError(
                f"{where}: type must be {' or '.join(RAAD_TYPES)}, got {raad_type!r}"
            )
        raw_aliases = entry.get("aliases") or []
        if not isinstance(raw_aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in raw_aliases
        ):
            raise ReferenceDataError(f"{where}: 'aliases' must be a list of names")
        aliases = tuple(" ".join(a.split()) for a in raw_aliases)
        for label in (name, *aliases):
            key = normalise_name(label)
            if key in owner_of_key:
                raise ReferenceDataError(
                    f"{where}: name or alias {label!r} is already used by "
                    f"wijk {owner_of_key[key]!r}"
                )
            owner_of_key[key] = name
        wijken.append(
            Wijk(
                name=name,
                gebied=gebied,
                type=raad_type,
                aliases=aliases,
                verified=_flag(entry, "verified", where),
                note=_text(entry, "note", where, required=False),
            )
        )
    return wijken


def _parse_wethouders(path: Path) -> list[Wethouder]:
    wethouders: list[Wethouder] = []
    seen: set[str] = set()
    for number, entry in enumerate(_read_entries(path, "wethouders"), start=1):
        where = _where(path, "wethouders", number, entry, "name")
        name = _text(entry, "name", where)
        if normalise_name(name) in seen:
            raise ReferenceDataError(f"{where}: wethouder {name!r} is listed twice")
        seen.add(normalise_name(name))
        start = _date(entry, "in_office_from", where, required=True)
        end = _date(entry, "in_office_to", where, required=False)
        _check_period(start, end, "the term in office", where)
        wethouders.append(
            Wethouder(
                name=name,
                in_office_from=start,
                in_office_to=end,
                fictional=_flag(entry, "fictional", where),
                note=_text(entry, "note", where, required=False),
            )
        )
    return wethouders


def _parse_assignments(
    path: Path, wijken: list[Wijk], wethouders: list[Wethouder]
) -> list[Assignment]:
    wijk_by_key = {}
    for wijk in wijken:
        for label in (wijk.name, *wijk.aliases):
            wijk_by_key[normalise_name(label)] = wijk.name
    wethouder_by_key = {normalise_name(w.name): w for w in wethouders}

    assignments: list[Assignment] = []
    where_of: dict[Assignment, str] = {}
    for number, entry in enumerate(_read_entries(path, "wijkwethouders"), start=1):
        where = _where(path, "wijkwethouders", number, entry, "wethouder")
        name = _text(entry, "wethouder", where)
        wethouder = wethouder_by_key.get(normalise_name(name))
        if wethouder is None:
            raise ReferenceDataError(
                f"{where}: unknown wethouder {name!r}; add them to {WETHOUDERS_FILE} first"
            )
        start = _date(entry, "valid_from", where, required=True)
        end = _date(entry, "valid_to", where, required=False)
        _check_period(start, end, "the assignment", where)
        starts_early = start < wethouder.in_office_from
        ends_late = wethouder.in_office_to is not None and (
            end is None or end > wethouder.in_office_to
        )
        if starts_early or ends_late:
            raise ReferenceDataError(
                f"{where}: {start}..{end or 'open'} lies outside {wethouder.name}'s term in "
                f"office ({wethouder.in_office_from}..{wethouder.in_office_to or 'open'})"
            )
        names = entry.get("wijken")
        if not isinstance(names, list) or not names:
            raise ReferenceDataError(f"{where}: 'wijken' must be a non-empty list of wijken")
        for wijk_name in names:
            canonical = (
                wijk_by_key.get(normalise_name(wijk_name)) if isinstance(wijk_name, str) else None
            )
            if canonical is None:
                raise ReferenceDataError(
                    f"{where}: unknown wijk {wijk_name!r}; use a name or alias from {WIJKEN_FILE}"
                )
            assignment = Assignment(canonical, wethouder.name, start, end)
            assignments.append(assignment)
            where_of[assignment] = where

    _check_no_overlap(assignments, where_of)
    return assignments


def _check_no_overlap(assignments: list[Assignment], where_of: dict[Assignment, str]) -> None:
    """A wijk has at most one wijkwethouder on any day."""
    by_wijk: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        by_wijk.setdefault(assignment.wijk, []).append(assignment)
    for wijk, periods in by_wijk.items():
        periods.sort(key=lambda a: a.valid_from)
        for earlier, later in zip(periods, periods[1:], strict=False):
            if earlier.valid_to is None or later.valid_from <= earlier.valid_to:
                raise ReferenceDataError(
                    f"{where_of[later]}: wijk {wijk!r} already has wijkwethouder "
                    f"{earlier.wethouder} from {earlier.valid_from} to "
                    f"{earlier.valid_to or 'open'}; overlaps {later.wethouder} from "
                    f"{later.valid_from}"
                )
