"""The warehouse keeps every ingest's version, so reports can be made as of any moment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from wijkopvolging.model import coerce_items
from wijkopvolging.warehouse import ReconciliationError, open_warehouse

DAY1 = dt.datetime(2026, 9, 1, 4, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 10, 1, 4, tzinfo=dt.UTC)
DAY3 = dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)


def items(*rows):
    frame = pd.DataFrame([
        {"item_id": f"bron:{r[0]}", "source": "bron", "source_record_id": r[0], "kind": "vraag",
         "wijk": "Pernis", "onderwerp": r[1], "date_raised": "2026-08-20", "wethouder": "Kasmi",
         "date_answered": r[2] if len(r) > 2 else None}
        for r in rows
    ])
    return coerce_items(frame)


@pytest.fixture
def warehouse(tmp_path):
    with open_warehouse(f"sqlite:///{tmp_path}/wh/warehouse.sqlite") as warehouse:
        yield warehouse


def test_only_new_and_changed_items_get_a_new_version(warehouse):
    first = warehouse.load_versions("r1", "bron", DAY1, items(("1", "Bankjes"), ("2", "Groen")),
                                    full_extract=True)
    second = warehouse.load_versions(
        "r2", "bron", DAY2, items(("1", "Bankjes"), ("2", "Groen", "2026-09-15"), ("3", "Licht")),
        full_extract=True)
    assert first == {"new": 2, "changed": 0, "unchanged": 0, "deleted": 0}
    assert second == {"new": 1, "changed": 1, "unchanged": 1, "deleted": 0}


def test_snapshot_as_of_a_past_moment_shows_what_was_known_then(warehouse):
    warehouse.load_versions("r1", "bron", DAY1, items(("1", "Bankjes")), full_extract=True)
    warehouse.load_versions("r2", "bron", DAY2, items(("1", "Bankjes", "2026-09-15")),
                            full_extract=True)
    then = warehouse.snapshot(DAY1 + dt.timedelta(hours=2))
    now = warehouse.snapshot(DAY3)
    assert then["date_answered"].isna().all()
    assert now["date_answered"].tolist() == [pd.Timestamp("2026-09-15")]
    assert warehouse.snapshot(DAY1 - dt.timedelta(days=1)).empty


def test_an_item_gone_from_a_full_extract_is_deleted_from_later_snapshots(warehouse):
    warehouse.load_versions("r1", "bron", DAY1, items(("1", "A"), ("2", "B")), full_extract=True)
    counts = warehouse.load_versions("r2", "bron", DAY2, items(("1", "A")), full_extract=True)
    assert counts["deleted"] == 1
    assert warehouse.snapshot(DAY2)["source_record_id"].tolist() == ["1"]
    assert sorted(warehouse.snapshot(DAY1)["source_record_id"]) == ["1", "2"]


def test_a_quarantined_record_keeps_its_last_good_version(warehouse):
    warehouse.load_versions("r1", "bron", DAY1, items(("1", "A"), ("2", "B")), full_extract=True)
    counts = warehouse.load_versions("r2", "bron", DAY2, items(("1", "A")), full_extract=True,
                                     keep_ids={"bron:2"})
    assert counts["deleted"] == 0
    assert sorted(warehouse.snapshot(DAY2)["source_record_id"]) == ["1", "2"]


def test_an_incremental_source_never_deletes(warehouse):
    warehouse.load_versions("r1", "bron", DAY1, items(("1", "A"), ("2", "B")), full_extract=False)
    warehouse.load_versions("r2", "bron", DAY2, items(("3", "C")), full_extract=False)
    assert sorted(warehouse.snapshot(DAY2)["source_record_id"]) == ["1", "2", "3"]


def test_rerunning_an_ingest_replaces_its_own_versions(warehouse):
    warehouse.load_versions("r1", "bron", DAY1, items(("1", "A")), full_extract=True)
    again = warehouse.load_versions("r1b", "bron", DAY1, items(("1", "A2")), full_extract=True)
    assert again["new"] == 1
    assert warehouse.snapshot(DAY2)["onderwerp"].tolist() == ["A2"]


def findings(*rows):
    return pd.DataFrame([{"row_no": r, "source_record_id": str(r), "rule": "verplicht_veld",
                          "column": "wethouder", "value": None, "severity": "error",
                          "message": "wethouder ontbreekt"} for r in rows])


def test_a_record_fixed_at_the_source_leaves_quarantine_with_the_next_ingest(warehouse):
    for run, at, bad in (("r1", DAY1, (4, 5)), ("r2", DAY2, (5,))):
        warehouse.write_findings(run, "bron", at, findings(*bad), detected_at=at)
        warehouse.record_ingest_run(run, "bron", at, extracted=10, loaded=10 - len(bad),
                                    quarantined=len(bad), warnings=0, new=0, changed=0,
                                    deleted=0, finished_at=at)
    assert warehouse.findings_as_of(DAY1)["row_no"].tolist() == [4, 5]
    assert warehouse.findings_as_of(DAY3)["row_no"].tolist() == [5]
    assert warehouse.reconciliation_as_of(DAY3)["quarantined"].tolist() == [1]


def test_counts_that_do_not_reconcile_fail_the_run(warehouse):
    with pytest.raises(ReconciliationError, match="extracted 10 records, but loaded 8"):
        warehouse.record_ingest_run("r1", "bron", DAY1, extracted=10, loaded=8, quarantined=1,
                                    warnings=0, new=8, changed=0, deleted=0, finished_at=DAY1)


def test_open_warehouse_creates_the_tables_and_closes_its_connections_even_on_error(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path}/new/warehouse.sqlite"
    with pytest.raises(RuntimeError), open_warehouse(url) as warehouse:
        assert warehouse.snapshot(DAY1).empty  # the tables exist in a new database
        assert warehouse.engine.pool.checkedin() == 1  # a pooled connection is open
        raise RuntimeError("a task fails halfway")
    assert warehouse.engine.pool.checkedin() == 0  # disposed on the way out
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {"staging_items", "quarantine", "item_versions", "ingest_runs", "report_items",
            "deliveries"} <= tables


def test_a_warehouse_of_the_old_layout_is_refused_with_what_to_do(tmp_path):
    import sqlalchemy as sa

    from wijkopvolging.warehouse import OutdatedWarehouse

    url = f"sqlite:///{tmp_path}/old.sqlite"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE item_versions (item_id TEXT, valid_from DATETIME)")
    engine.dispose()
    with pytest.raises(OutdatedWarehouse, match="oude indeling.*make clean"), \
            open_warehouse(url):
        pass


def test_a_warehouse_of_the_previous_release_gains_the_location_columns(tmp_path):
    gains_the_location_columns(f"sqlite:///{tmp_path}/previous.sqlite")


def gains_the_location_columns(url: str) -> None:
    """Quarantine and staging made before findings carried their file and row: opening
    the warehouse adds the columns; the findings already there keep theirs, without."""
    import sqlalchemy as sa

    with open_warehouse(url):
        pass
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in ("quarantine", "staging_items"):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN source_file")
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN source_row")
        conn.exec_driver_sql(
            "INSERT INTO quarantine (run_id, source, as_of, row_no, rule, severity, "
            "detected_at) VALUES ('oud', 'bron', '2024-01-01', 0, 'verplicht_veld', 'error', "
            "'2024-01-01')")
    engine.dispose()

    with open_warehouse(url) as warehouse:
        for table in ("quarantine", "staging_items"):
            columns = {c["name"] for c in sa.inspect(warehouse.engine).get_columns(table)}
            assert {"source_file", "source_row"} <= columns
        old = warehouse.findings_of_run("oud")
    assert old[["rule", "source_row"]].values.tolist()[0][0] == "verplicht_veld"
    assert old["source_row"].isna().all()
