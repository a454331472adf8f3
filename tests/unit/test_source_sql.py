"""The SQL source: bound parameters, column mapping, value tables, unreadable cells."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from wijkopvolging.config import SourceConfig
from wijkopvolging.sources import SourceError, SourceSchemaError, extract

MAPPING = {"nr": "source_record_id", "soort": "kind", "wijk": "wijk", "titel": "onderwerp",
           "datum": "date_raised", "wethouder": "wethouder", "antwoord": "date_answered",
           "verlenging": "extension_days"}
VALUES = {"kind": {"Vraag uit de Wijk": "vraag", "Ongevraagd advies": "advies"}}
START = dt.datetime(2026, 10, 31, 4, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path}/bron.sqlite"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE reg (nr INTEGER, soort TEXT, wijk TEXT, titel TEXT, datum TEXT, "
            "wethouder TEXT, antwoord TEXT, verlenging TEXT, ingevoerd TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO reg VALUES (:nr, :soort, :wijk, :titel, :datum, "
                             ":wethouder, :antwoord, :verlenging, :ingevoerd)"), [
            dict(nr=1, soort="Vraag uit de Wijk", wijk="Pernis", titel="Bankjes op het plein",
                 datum="2026-09-12", wethouder="Zeegers", antwoord="12-10-2026",
                 verlenging=None, ingevoerd="2026-09-13 10:00:00"),
            dict(nr=2, soort="Ongevraagd advies", wijk="Hoogvliet", titel="Advies groen",
                 datum="3 oktober 2026", wethouder="Kasmi", antwoord=None, verlenging="14",
                 ingevoerd="2026-10-04 10:00:00"),
            dict(nr=3, soort="Vraag uit de Wijk", wijk="Pernis", titel="Later ingevoerd",
                 datum="2026-10-30", wethouder="Zeegers", antwoord=None, verlenging=None,
                 ingevoerd="2026-11-02 09:00:00"),
            dict(nr=4, soort="Vraag uit de Wijk", wijk="Pernis", titel="Rare datum",
                 datum="31-02-2026", wethouder="Zeegers", antwoord=None, verlenging="veel",
                 ingevoerd="2026-10-01 09:00:00"),
        ])
    engine.dispose()
    return url


def source(url, **options):
    options = {"url": url, "query": "SELECT * FROM reg WHERE ingevoerd < :data_interval_end",
               **options}
    return SourceConfig("bron", "sql", dict(MAPPING), options, VALUES)


def test_query_takes_the_data_interval_as_bound_parameters(database):
    result = extract(source(database), data_interval_start=START, data_interval_end=END)
    assert sorted(result.items["source_record_id"]) == ["1", "2", "4"]  # nr 3 came later


def test_records_are_mapped_to_canonical_items(database):
    items = extract(source(database), data_interval_start=START,
                    data_interval_end=END).items.set_index("source_record_id")
    assert items.loc["1", "item_id"] == "bron:1"
    assert items.loc["1", "kind"] == "vraag"
    assert items.loc["2", "kind"] == "advies"
    assert items.loc["1", "date_answered"] == dt.datetime(2026, 10, 12)
    assert items.loc["2", "date_raised"] == dt.datetime(2026, 10, 3)
    assert items.loc["2", "extension_days"] == 14
    assert items.loc["1", "extension_days"] == 0


def test_an_unreadable_cell_keeps_the_record_and_names_it(database):
    result = extract(source(database), data_interval_start=START, data_interval_end=END)
    assert len(result.items) == 3  # nothing dropped
    found = result.findings.set_index("column")
    assert set(found.index) == {"date_raised", "extension_days"}
    assert set(found["source_record_id"]) == {"4"}
    assert set(found["rule"]) == {"onleesbare_waarde"}
    assert found.loc["date_raised", "value"] == "31-02-2026"


def test_a_table_source_reads_the_mapped_columns(database):
    result = extract(SourceConfig("bron", "sql", dict(MAPPING), {"url": database,
                                                                 "table": "reg"}, VALUES),
                     data_interval_start=START, data_interval_end=END)
    assert result.count == 4


def test_a_missing_mapped_column_names_source_and_column(database):
    broken = source(database, query="SELECT nr, soort FROM reg")
    with pytest.raises(SourceSchemaError, match=r"source 'bron': mapped column\(s\) 'wijk'"):
        extract(broken, data_interval_start=START, data_interval_end=END)


def test_a_failing_query_names_the_source(database):
    broken = source(database, query="SELECT * FROM bestaat_niet")
    with pytest.raises(SourceError, match="source 'bron': query failed: no such table"):
        extract(broken, data_interval_start=START, data_interval_end=END)


def test_connection_url_comes_from_an_airflow_connection(monkeypatch, tmp_path):
    from wijkopvolging.airflow_support import source_connection_url

    monkeypatch.setenv("AIRFLOW_CONN_BRON_SQLITE", f"sqlite:///{tmp_path}/bron.sqlite")
    monkeypatch.setenv("AIRFLOW_CONN_BRON_PG", "postgres://lezer:geheim@db.intern:5432/registratie")
    sqlite = SourceConfig("a", "sql", {}, {"conn_id": "bron_sqlite"})
    postgres = SourceConfig("b", "sql", {}, {"conn_id": "bron_pg"})
    assert source_connection_url(sqlite) == f"sqlite:///{tmp_path}/bron.sqlite"
    assert source_connection_url(postgres) == (
        "postgresql+psycopg2://lezer:geheim@db.intern:5432/registratie")


def test_airflow_pendulum_interval_bounds_bind_in_sqlite(database):
    import pendulum

    end = pendulum.datetime(2026, 11, 1, 5, tz="Europe/Amsterdam")
    result = extract(source(database), data_interval_start=end.subtract(days=1),
                     data_interval_end=end)
    assert sorted(result.items["source_record_id"]) == ["1", "2", "4"]
