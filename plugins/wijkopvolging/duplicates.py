"""Duplicates across sources: the same item registered in an Excel list and in the case system.

Two items are the same when their key fields agree after normalising (case, accents,
spacing and punctuation do not count; dates compare as dates). Only items from *different*
sources are compared: within one source the key may legitimately repeat (two questions on
the same subject at one werkbezoek) and a repeated id is validation's ``dubbel_id``.

Which one is kept: the item from the source listed first in the configuration
(``source_priority``, i.e. ``[s.name for s in config.sources]``); the others are set aside
in the duplicates table, with both item ids, for the steward report. Nothing disappears:
kept + duplicates = the input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

import pandas as pd

from wijkopvolging.model import ID, SOURCE
from wijkopvolging.validation.rules import column_label

DEFAULT_KEY: tuple[str, ...] = ("wijk", "date_raised", "onderwerp")

DUPLICATE_COLUMNS: tuple[str, ...] = (
    "kept_item_id", "kept_source", "duplicate_item_id", "duplicate_source", "key", "message",
)


def normalise_text(value) -> str | None:
    """Casefolded, without accents, punctuation or repeated spaces; None when empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = " ".join(re.sub(r"[\W_]+", " ", text).split())
    return text or None


def duplicate_keys(items: pd.DataFrame, key: Sequence[str] = DEFAULT_KEY, *,
                   wijk_name: Callable[[str], str | None] | None = None) -> pd.Series:
    """Each item's normalised key (``None`` when a key field is empty: never a duplicate)."""
    parts = []
    for name in key:
        column = items[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            values = column.dt.strftime("%Y-%m-%d").where(column.notna(), None)
        else:
            if name == "wijk" and wijk_name is not None:
                column = column.map(lambda v: (wijk_name(v) or v) if isinstance(v, str) else v)
            # Once per distinct value: titles and names repeat a lot.
            distinct = {v: normalise_text(v) for v in column.dropna().unique()}
            values = column.map(distinct)
            values = values.astype(object).where(values.notna(), None)
        parts.append(values)
    if not parts:
        raise ValueError("duplicate key: name at least one field")
    frame = pd.concat(parts, axis=1, keys=list(key))
    complete = frame.notna().all(axis=1).tolist()
    joined = pd.Series([" | ".join(map(str, row)) if ok else None
                        for row, ok in zip(frame.itertuples(index=False, name=None), complete,
                                           strict=True)],
                       index=items.index, dtype="object")
    return joined


def find_duplicates(items: pd.DataFrame, *, source_priority: Sequence[str],
                    key: Sequence[str] = DEFAULT_KEY,
                    wijk_name: Callable[[str], str | None] | None = None,
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split items into (kept items, duplicates table).

    ``items``: canonical items (``item_id``, ``source`` and the key fields).
    ``source_priority``: source names, most trusted first (the configuration's order);
    sources not named rank last, in name order. ``wijk_name`` may map old or loose wijk
    names to one name (e.g. ``ReferenceData.canonical_wijk``).

    Returns the items without the duplicates (same columns, original order) and one row
    per duplicate: ``DUPLICATE_COLUMNS`` (kept and duplicate item id and source, the key
    and a Dutch message for the steward report).
    """
    if items[SOURCE].nunique() < 2:  # duplicates are across sources: none possible
        return items.copy(), pd.DataFrame([], columns=list(DUPLICATE_COLUMNS))
    keys = duplicate_keys(items, key, wijk_name=wijk_name)
    rank = {name: n for n, name in enumerate(source_priority)}
    unknown = sorted(set(items[SOURCE].dropna()) - set(rank))
    rank.update({name: len(rank) + n for n, name in enumerate(unknown)})
    frame = pd.DataFrame({"key": keys, ID: items[ID], SOURCE: items[SOURCE],
                          "rank": items[SOURCE].map(rank)}, index=items.index)
    frame = frame[frame["key"].notna()]
    multi = frame.groupby("key")[SOURCE].transform("nunique") > 1
    frame = frame[multi].sort_values(["key", "rank", ID])

    rows, dropped = [], []
    for group_key, group in frame.groupby("key", sort=True):
        best_rank = group["rank"].iloc[0]
        keeper = group.iloc[0]
        for index, other in group[group["rank"] != best_rank].iterrows():
            dropped.append(index)
            rows.append({
                "kept_item_id": keeper[ID], "kept_source": keeper[SOURCE],
                "duplicate_item_id": other[ID], "duplicate_source": other[SOURCE],
                "key": group_key,
                "message": (f"{other[ID]} is hetzelfde item als {keeper[ID]} "
                            f"({', '.join(map(column_label, key))} gelijk); "
                            f"{keeper[SOURCE]} gaat voor, dus "
                            f"{other[ID]} telt niet mee in het overzicht. Registreer het "
                            f"item in één bron."),
            })
    kept = items.drop(index=dropped)
    return kept, pd.DataFrame(rows, columns=list(DUPLICATE_COLUMNS))


def counted_once(config, items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept items, duplicates) for a warehouse snapshot: an item registered in two
    sources counts once, from the source configured first."""
    from wijkopvolging.reference import ReferenceData

    return find_duplicates(items, source_priority=[s.name for s in config.sources],
                           wijk_name=ReferenceData.load().canonical_wijk)
