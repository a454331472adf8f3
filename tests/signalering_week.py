"""A week of signalering with one item: a vraag in Pernis for wethouder Zeegers, so the
Monday's lists go to the Wijk MT Pernis and the staff of wethouder Zeegers."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from wijkopvolging.model import coerce_items
from wijkopvolging.periods import AMSTERDAM
from wijkopvolging.signalering import make_week_lists
from wijkopvolging.warehouse import open_warehouse

MONDAY = dt.date(2026, 11, 2)


def make_one_item_week(config) -> None:
    """Load the one item into the warehouse and make the Monday's two lists."""
    items = coerce_items(pd.DataFrame([
        {"item_id": "bron:1", "source": "bron", "source_record_id": "1", "kind": "vraag",
         "wijk": "Pernis", "wethouder": "Zeegers", "onderwerp": "Bankjes op het dorpsplein",
         "date_raised": "2026-10-01", "agreed_deadline": "2026-11-10",
         "date_answered": None}]))
    with open_warehouse(config.warehouse_url) as warehouse:
        warehouse.load_versions("i1", "bron", dt.datetime(2026, 11, 1, 5, tzinfo=AMSTERDAM),
                                items, full_extract=True)
    make_week_lists(config, MONDAY, as_of=dt.datetime(2026, 11, 2, 7, tzinfo=AMSTERDAM))
