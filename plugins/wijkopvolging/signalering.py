"""The weekly early-warning lists: what a Wijk MT or a wethouder's staff can still act on.

Every Monday, per wijk (for its Wijk MT) and per wethouder (for their staff): the open
items whose deadline falls within the next 14 days, the overdue ones, and the advice older
than six weeks without a tussenbericht, sorted by deadline. The lists are internal: they
may show full titles, but personal data is stopped by the same gate as the public overview.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from wijkopvolging.timeliness import OPEN_BINNEN_TERMIJN, OPEN_VERLOPEN

HORIZON_DAYS = 14  # "deadline within the next 14 days", counted from the Monday
TUSSENBERICHT_AFTER_DAYS = 42  # advice older than six weeks should have had one

BINNENKORT = "termijn_binnenkort"
VERLOPEN = "termijn_verlopen"
GEEN_TUSSENBERICHT = "geen_tussenbericht"
SIGNAL_LABELS = {
    BINNENKORT: "Termijn verloopt binnen 14 dagen",
    VERLOPEN: "Termijn verlopen",
    GEEN_TUSSENBERICHT: "Advies ouder dan zes weken zonder tussenbericht",
}


@dataclass(frozen=True)
class Recipient:
    """One list: a Wijk MT (per wijk) or a wethouder's staff."""

    kind: str  # "wijk" or "wethouder"
    name: str  # the wijk or the wethouder
    addresses: tuple[str, ...]

    @property
    def slug(self) -> str:
        return f"{self.kind}-{slugify(self.name)}"


def slugify(name: str) -> str:
    """``Het Lage Land-Prinsenland-'s Gravenland`` → ``het-lage-land-prinsenland-s-gravenland``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def select_signals(items: pd.DataFrame, monday: dt.date) -> pd.DataFrame:
    """The items that need attention in the week starting ``monday``.

    ``items`` carries the timeliness columns as of ``monday`` (``apply_timeliness`` with
    peildatum = monday). Adds ``signal`` (codes joined by ``,``), ``signal_label`` (Dutch)
    and ``days_left`` (negative when overdue); sorted by deadline, then wijk and id.
    """
    peil = pd.Timestamp(monday)
    is_open = items["status"].isin([OPEN_BINNEN_TERMIJN, OPEN_VERLOPEN])
    days_left = (items["deadline"] - peil).dt.days
    soon = is_open & (items["status"] == OPEN_BINNEN_TERMIJN) & (days_left <= HORIZON_DAYS)
    overdue = is_open & (items["status"] == OPEN_VERLOPEN)
    age = (peil - items["date_raised"]).dt.days
    no_tussenbericht = (is_open & (items["kind"] == "advies") & ~items["tussenbericht_sent"]
                        & (age > TUSSENBERICHT_AFTER_DAYS))
    flags = {BINNENKORT: soon, VERLOPEN: overdue, GEEN_TUSSENBERICHT: no_tussenbericht}
    selected = items[soon | overdue | no_tussenbericht].copy()
    codes = [[code for code, mask in flags.items() if mask[index]] for index in selected.index]
    selected["signal"] = [",".join(c) for c in codes]
    selected["signal_label"] = ["; ".join(SIGNAL_LABELS[x] for x in c) for c in codes]
    selected["days_left"] = days_left[selected.index].astype("int64")
    return selected.sort_values(["deadline", "wijk", "item_id"]).reset_index(drop=True)


def recipients(signals: pd.DataFrame, settings: dict, *, wijken, wethouders) -> list[Recipient]:
    """Everyone who gets a list this week, with their addresses from the configuration.

    ``settings`` is the ``signalering`` config section: ``wijk_mt`` and ``wethouder_staf``
    map a name to addresses, ``wijk_mt_address``/``wethouder_staf_address`` are patterns
    with ``{slug}`` for the rest; ``send_empty`` also lists recipients without signals.
    ``wijken``/``wethouders`` are the names that can receive a list.
    """
    send_empty = bool(settings.get("send_empty", False))
    out = []
    for kind, names, explicit_key, pattern_key in (
        ("wijk", wijken, "wijk_mt", "wijk_mt_address"),
        ("wethouder", wethouders, "wethouder_staf", "wethouder_staf_address"),
    ):
        column = "wijk" if kind == "wijk" else "wethouder"
        with_signals = set(signals[column].dropna())
        explicit = settings.get(explicit_key) or {}
        pattern = settings.get(pattern_key)
        for name in sorted(names):
            if name not in with_signals and not send_empty:
                continue
            addresses = explicit.get(name)
            if addresses is None and pattern:
                addresses = [pattern.format(slug=slugify(name))]
            if not addresses:
                continue
            if isinstance(addresses, str):
                addresses = [addresses]
            out.append(Recipient(kind, name, tuple(addresses)))
    return out


def list_for(signals: pd.DataFrame, recipient: Recipient) -> pd.DataFrame:
    """The rows of one recipient's list."""
    column = "wijk" if recipient.kind == "wijk" else "wethouder"
    return signals[signals[column] == recipient.name].reset_index(drop=True)
