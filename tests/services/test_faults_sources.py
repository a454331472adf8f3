"""A source that answers too slowly or cuts its answer short, made for real: the ZGW
source against the fake Zaken API (tests/zgw) that waits a minute before answering, or
closes the connection half-way through a body. The ingest's other sources (the demo's
registration database and export folder) are read in the same ingest.

The DAG maps one group of extract → validate → load per source, so a failing source
stops only its own steps (tests/dags/test_dag_integrity.py checks that wiring); here the
steps themselves show what happens. docs/reliability.md lists both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from tests.zgw.fake_server import ZAAKTYPE_VRAAG, FakeZakenApi
from wijkopvolging.config import SourceConfig
from wijkopvolging.errors import ExpectedError
from wijkopvolging.schedules import ingest_at
from wijkopvolging.sources import SourceUnavailable
from wijkopvolging.sources.zgw import ZgwConnection

NEXT_DAY = dt.date(2026, 11, 1)
AT = ingest_at(NEXT_DAY + dt.timedelta(days=1))
RUN_ID = f"scheduled__{AT.isoformat()}"
TIMEOUT_SECONDS = 1  # the source's timeout_seconds: small, so the test is quick
RETRIES = 1  # one more try after the first, as `retries: 1` in the configuration
ZGW = SourceConfig(
    name="zaaksysteem", type="zgw", mapping={}, full_extract=False,
    options={"conn_id": "zgw_zaken", "zaaktypen": {ZAAKTYPE_VRAAG: "vraag"},
             "eigenschappen": {"wijk": "Wijk", "wethouder": "Wethouder"},
             "timeout_seconds": TIMEOUT_SECONDS, "retries": RETRIES},
)


@pytest.fixture
def api():
    server = FakeZakenApi().start()
    server.add_zaak("ZAAK-2026-0001", startdatum="2026-10-20",
                    eigenschappen={"Wijk": "Pernis", "Wethouder": "Zeegers"})
    yield server
    server.stop()


@pytest.fixture
def project(tmp_path, closing_ingest_sqlite):
    """The closing ingest's warehouse and the demo sources of the next day."""
    with closing_ingest_sqlite.copy(tmp_path / "project") as project:
        project.fill_demo_sources(NEXT_DAY)
        yield project


def with_zgw(config):
    """The configuration with the ZGW source beside its other sources."""
    return dataclasses.replace(config, sources=(*config.sources, ZGW))


def extract_zgw_source(config, api):
    from wijkopvolging.ingest import extract_source

    connection = ZgwConnection(api.base_url, api.client_id, api.secret, "zgw_zaken")
    return extract_source(config, ZGW.name, run_id=RUN_ID,
                          data_interval_start=AT - dt.timedelta(days=1), data_interval_end=AT,
                          zgw_connection=connection)


def make_slow(api) -> str:
    api.fail_next("/zaken", status=200, delay=60, times=RETRIES + 1)
    return f"geen antwoord binnen {TIMEOUT_SECONDS} s (timeout_seconds)"


def cut_short(api) -> str:
    api.cut_next("/zaken", times=RETRIES + 1)
    return "antwoord afgebroken"


@pytest.mark.parametrize("fault", [make_slow, cut_short], ids=["after a minute", "cut short"])
def test_a_zgw_source_that_is_slow_or_cut_short_fails_bounded_and_named(tmp_path, api, fault):
    from tests.projects import Project

    config = with_zgw(Project.on_sqlite(tmp_path).config())
    cause = fault(api)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as error:
        extract_zgw_source(config, api)
    # Bounded by timeout_seconds per try, not by the server's minute.
    assert time.monotonic() - started < 30
    message = str(error.value)
    assert "bron 'zaaksysteem'" in message and "'zgw_zaken'" in message
    assert f"mislukt na {RETRIES + 1} pogingen" in message and cause in message
    assert not isinstance(error.value, ExpectedError)  # the task's retries try again later
    # Once the Zaken API answers again, the retry of the extract reads the zaak.
    assert extract_zgw_source(config, api)["extracted"] == 1


def test_the_other_sources_of_the_ingest_load_while_the_zgw_source_times_out(project, api):
    from wijkopvolging.ingest import extract_source, load_source, validate_source

    config = with_zgw(project.config())
    make_slow(api)
    with pytest.raises(SourceUnavailable):
        extract_zgw_source(config, api)
    for source in project.config().sources:
        extract_source(config, source.name, run_id=RUN_ID,
                       data_interval_start=AT - dt.timedelta(days=1), data_interval_end=AT)
        validate_source(config, source.name, run_id=RUN_ID, data_interval_end=AT)
        loaded = load_source(config, source.name, run_id=RUN_ID, data_interval_end=AT)
        assert loaded["extracted"] == loaded["loaded"] + loaded["quarantined"] > 0
