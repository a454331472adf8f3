"""The ZGW source against a fake Zaken API on 127.0.0.1 whose answers are checked against
the published OpenAPI schema: pages, retries, refused access, mapping and watermarks."""

from __future__ import annotations

import datetime as dt
import socket
from types import SimpleNamespace

import jwt
import pandas as pd
import pytest

from tests.zgw import spec
from tests.zgw.fake_server import (
    STATUSTYPE_ONTVANGEN,
    STATUSTYPE_TUSSENBERICHT,
    ZAAKTYPE_ADVIES,
    ZAAKTYPE_OTHER,
    ZAAKTYPE_VRAAG,
    FakeZakenApi,
)
from wijkopvolging.config import ConfigError, SourceConfig, load_config
from wijkopvolging.errors import ExpectedError
from wijkopvolging.sources import SourceAccessDenied, SourceError, SourceUnavailable, extract
from wijkopvolging.sources.ledger import SourceLedger
from wijkopvolging.sources.zgw import (
    USER_REPRESENTATION,
    ZakenClient,
    ZgwConnection,
    connection_from_airflow,
    duration_days,
    extract_zgw,
)
from wijkopvolging.warehouse import open_warehouse
from wijkopvolging.zgw_http import zgw_token

SOURCE = SourceConfig(
    name="zaaksysteem", type="zgw", mapping={}, full_extract=False,
    options={
        "conn_id": "zgw_zaken",
        "zaaktypen": {ZAAKTYPE_VRAAG: "vraag", ZAAKTYPE_ADVIES: "advies"},
        "eigenschappen": {"wijk": "Wijk", "wethouder": "Wethouder", "onderwerp": "Onderwerp"},
        "tussenbericht_statustype": STATUSTYPE_TUSSENBERICHT,
        "overlap_days": 7,
    },
)
SECRET = "een-geheim-van-minstens-tweeendertig-tekens"
PERNIS = {"Wijk": "Pernis", "Wethouder": "Zeegers"}
DAY_1 = dt.datetime(2024, 5, 1, 3, tzinfo=dt.UTC)
DAY_2 = dt.datetime(2024, 5, 20, 3, tzinfo=dt.UTC)


@pytest.fixture
def api():
    server = FakeZakenApi(page_size=2).start()
    yield server
    server.stop()
    assert server.schema_errors == [], "the fake Zaken API drifted from the published schema"


@pytest.fixture
def sleeps():
    return []


def connection(api, **changes) -> ZgwConnection:
    fields = dict(base_url=api.base_url, client_id=api.client_id, secret=api.secret,
                  conn_id="zgw_zaken")
    return ZgwConnection(**{**fields, **changes})


def read(api, sleeps, source=SOURCE, ledger=None, as_of=DAY_1, retries=4, **changes):
    conn = connection(api, **changes)
    client = ZakenClient(conn, source_name=source.name, retries=retries, sleep=sleeps.append)
    return extract_zgw(source, connection=conn, ledger=ledger, data_interval_end=as_of,
                       client=client)


def add_vragen(api, count, **kwargs):
    return [api.add_zaak(f"ZAAK-2024-{n:04d}", eigenschappen=PERNIS,
                         omschrijving=f"Vraag {n} over het plein", **kwargs)
            for n in range(1, count + 1)]


def zaken_queries(api):
    return [query for path, query in api.requests if path.endswith("/zaken")]


def test_every_page_of_zaken_is_read_by_following_next(api, sleeps):
    add_vragen(api, 5)
    result = read(api, sleeps)
    assert result.count == 5
    assert sorted(result.items["source_record_id"]) == [f"ZAAK-2024-{n:04d}" for n in range(1, 6)]
    vraag_pages = [q.get("page") for q in zaken_queries(api) if q["zaaktype"] == [ZAAKTYPE_VRAAG]]
    assert vraag_pages == [None, ["2"], ["3"]]


def test_zaken_of_other_zaaktypen_are_not_read(api, sleeps):
    add_vragen(api, 1)
    api.add_zaak("ANDERS-1", zaaktype=ZAAKTYPE_OTHER, eigenschappen=PERNIS,
                 omschrijving="Vergunning dakkapel")
    result = read(api, sleeps)
    assert list(result.items["source_record_id"]) == ["ZAAK-2024-0001"]
    assert {q["zaaktype"][0] for q in zaken_queries(api)} == {ZAAKTYPE_VRAAG, ZAAKTYPE_ADVIES}


def test_a_503_in_the_middle_of_the_pages_is_survived_by_a_retry(api, sleeps):
    add_vragen(api, 5)
    api.fail_next("page=2", status=503)
    result = read(api, sleeps)
    assert result.count == 5
    assert sleeps == [0.5]  # one backoff, then the page came


def test_an_api_that_stays_down_fails_after_a_bounded_number_of_tries(api, sleeps):
    add_vragen(api, 1)
    api.fail_next("/zaken", status=503, times=10)
    with pytest.raises(SourceUnavailable) as error:
        read(api, sleeps, retries=2)
    assert not isinstance(error.value, ExpectedError)  # the task's retries try again later
    assert "mislukt na 3 pogingen (laatste: 503" in str(error.value)
    assert sleeps == [0.5, 1.0]


def test_a_429_waits_as_long_as_its_retry_after_asks(api, sleeps):
    add_vragen(api, 1)
    api.fail_next("/zaken", status=429, retry_after="7")
    assert read(api, sleeps).count == 1
    assert sleeps == [7.0]


def test_a_retry_after_longer_than_a_minute_is_capped_and_a_date_falls_back_to_backoff(
        api, sleeps):
    add_vragen(api, 1)
    api.fail_next("/zaken", status=503, retry_after="3600")
    api.fail_next("/zaken", status=429, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
    api.fail_next("/zaken", status=502)
    assert read(api, sleeps).count == 1
    assert sleeps == [60.0, 1.0, 2.0]  # the date is not read: backoff as if none was sent


def test_a_request_that_times_out_is_tried_again(api, sleeps):
    add_vragen(api, 1)
    api.fail_next("/zaken", status=503, delay=1.0)  # answers after the client gave up
    conn = connection(api)
    client = ZakenClient(conn, source_name=SOURCE.name, timeout=0.2, sleep=sleeps.append)
    result = extract_zgw(SOURCE, connection=conn, ledger=None, data_interval_end=DAY_1,
                         client=client)
    assert result.count == 1
    assert sleeps == [0.5]


def test_a_server_that_cannot_be_reached_fails_with_the_connection_error_named(sleeps):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conn = ZgwConnection(f"http://127.0.0.1:{port}/zaken/api/v1", "wijkopvolging", SECRET,
                         "zgw_zaken")
    client = ZakenClient(conn, source_name=SOURCE.name, retries=3, sleep=sleeps.append)
    with pytest.raises(SourceUnavailable) as error:
        client.get_json(client.url("zaken"))
    message = str(error.value)
    assert "'zgw_zaken'" in message and "mislukt na 4 pogingen (laatste: ConnectionError)" \
        in message
    assert "probeert het later opnieuw" in message
    assert sleeps == [0.5, 1.0, 2.0]
    assert client.requests == 4


def test_a_client_error_other_than_a_refusal_is_not_retried(api, sleeps):
    conn = connection(api)
    client = ZakenClient(conn, source_name=SOURCE.name, sleep=sleeps.append)
    with pytest.raises(SourceError, match="failed with 404"):
        client.get_json(client.url("zaken/onbekend/zaakeigenschappen"))
    assert sleeps == [] and client.requests == 1


def test_a_wrong_secret_gives_a_clear_error_naming_the_airflow_connection(api, sleeps):
    add_vragen(api, 1)
    with pytest.raises(SourceAccessDenied) as error:
        read(api, sleeps, secret="een-verkeerd-geheim-van-ruim-tweeendertig-tekens")
    message = str(error.value)
    assert "'zgw_zaken'" in message and "401" in message and "'zaaksysteem'" in message
    assert sleeps == []  # a refusal is not retried


def test_each_zaak_field_maps_onto_the_canonical_item(api, sleeps):
    api.add_zaak(
        "ADV-2024-0007", zaaktype=ZAAKTYPE_ADVIES, startdatum="2024-03-12",
        uiterlijke_einddatum="2024-05-07", einddatum="2024-05-21", verlenging="P2W",
        omschrijving="Intern: advies wijkraad", eigenschappen={
            "Wijk": "Hoogvliet", "Wethouder": "Kasmi",
            "Onderwerp": "Advies over groen en klimaatadaptatie"},
        statussen=[(STATUSTYPE_ONTVANGEN, "2024-03-12T09:00:00Z"),
                   (STATUSTYPE_TUSSENBERICHT, "2024-04-20T22:30:00Z"),  # 21 April in NL
                   (STATUSTYPE_TUSSENBERICHT, "2024-05-02T10:00:00Z")])
    api.add_zaak("ZAAK-2024-0100", startdatum="2024-04-02",
                 omschrijving="Verlichting van het fietspad", eigenschappen=PERNIS)
    result = read(api, sleeps)
    advies, vraag = result.items.sort_values("source_record_id").to_dict("records")
    assert advies["item_id"] == "zaaksysteem:ADV-2024-0007"
    assert advies["kind"] == "advies"
    assert (advies["wijk"], advies["wethouder"]) == ("Hoogvliet", "Kasmi")
    assert advies["onderwerp"] == "Advies over groen en klimaatadaptatie"
    assert advies["date_raised"].date() == dt.date(2024, 3, 12)
    assert advies["agreed_deadline"].date() == dt.date(2024, 5, 7)
    assert advies["date_answered"].date() == dt.date(2024, 5, 21)
    assert advies["extension_days"] == 14
    assert advies["date_tussenbericht"].date() == dt.date(2024, 4, 21)
    assert vraag["kind"] == "vraag"
    assert vraag["onderwerp"] == "Verlichting van het fietspad"  # no eigenschap: omschrijving
    assert vraag["extension_days"] == 0 and pd.isna(vraag["date_answered"])
    assert result.findings.empty


def test_a_verlenging_in_months_is_unreadable_and_names_the_zaak(api, sleeps):
    api.add_zaak("ZAAK-2024-0200", verlenging="P1M", eigenschappen=PERNIS,
                 omschrijving="Parkeerdruk rond de markt")
    result = read(api, sleeps)
    assert result.count == 1
    finding = result.findings.iloc[0]
    assert finding["rule"] == "onleesbare_waarde"
    assert finding["column"] == "extension_days"
    assert finding["source_record_id"] == "ZAAK-2024-0200"
    assert finding["message"].startswith("zaak ZAAK-2024-0200: ")


def test_iso_durations_become_days():
    assert [duration_days(d) for d in ("P14D", "P2W", "P1W3D", None, "")] == [14, 14, 10,
                                                                              None, None]
    assert duration_days("P1M") == "P1M"


def test_jwt_carries_the_zgw_claims_and_verifies_with_the_secret(api, sleeps):
    token = zgw_token("wijkopvolging", SECRET, now=1_710_000_000,
                      user_representation=USER_REPRESENTATION)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert header["alg"] == "HS256" and header["typ"] == "JWT"
    assert claims == {"iss": "wijkopvolging", "iat": 1_710_000_000,
                      "client_id": "wijkopvolging", "user_id": "wijkopvolging",
                      "user_representation": "wijkopvolging (Airflow ingest)"}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "een-ander-geheim-van-ruim-tweeendertig-tekens", algorithms=["HS256"])
    add_vragen(api, 1)
    read(api, sleeps)
    assert api.claims and all(c["client_id"] == "wijkopvolging" for c in api.claims)
    assert {c["user_representation"] for c in api.claims} == {"wijkopvolging (Airflow ingest)"}


def ledger(tmp_path, run_id, as_of):
    return SourceLedger(f"sqlite:///{tmp_path}/warehouse.sqlite", SOURCE.name,
                        run_id=run_id, as_of=as_of)


def finish(tmp_path, run_id, as_of, count):
    """What load_source does at the end of a run: record it in ingest_runs."""
    with open_warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite") as warehouse:
        warehouse.record_ingest_run(run_id, SOURCE.name, as_of, extracted=count, loaded=count,
                                    quarantined=0, warnings=0, new=count, changed=0, deleted=0,
                                    finished_at=as_of)


def test_incremental_load_reads_only_zaken_that_may_have_changed(api, sleeps, tmp_path):
    api.add_zaak("OUD-GESLOTEN", startdatum="2024-01-05", einddatum="2024-02-01",
                 eigenschappen=PERNIS, omschrijving="Oude vraag, lang geleden beantwoord")
    api.add_zaak("OPEN", startdatum="2024-02-10", eigenschappen=PERNIS,
                 omschrijving="Open vraag over de speeltuin")
    api.add_zaak("WORDT-GESLOTEN", startdatum="2024-03-10", eigenschappen=PERNIS,
                 omschrijving="Vraag die straks beantwoord wordt")
    api.add_zaak("LAATSTE", startdatum="2024-04-28", eigenschappen=PERNIS,
                 omschrijving="Laatst geregistreerde vraag")
    first = ledger(tmp_path, "run-1", DAY_1)
    assert read(api, sleeps, ledger=first, as_of=DAY_1).count == 4
    finish(tmp_path, "run-1", DAY_1, 4)

    # Between the runs: one zaak is closed, one is registered.
    closing = next(z for z in api.zaken if z["identificatie"] == "WORDT-GESLOTEN")
    closing["einddatum"] = "2024-05-10"
    api.add_zaak("NIEUW", startdatum="2024-05-15", eigenschappen=PERNIS,
                 omschrijving="Nieuwe vraag over verkeer")
    api.requests.clear()
    second = ledger(tmp_path, "run-2", DAY_2)
    assert second.watermark() == "2024-04-28"
    result = read(api, sleeps, ledger=second, as_of=DAY_2)

    assert sorted(result.items["source_record_id"]) == ["LAATSTE", "NIEUW", "OPEN",
                                                        "WORDT-GESLOTEN"]
    closed = result.items.set_index("source_record_id").loc["WORDT-GESLOTEN"]
    assert closed["date_answered"].date() == dt.date(2024, 5, 10)
    filters = [{k: v[0] for k, v in q.items() if k != "zaaktype"}
               for q in zaken_queries(api) if q["zaaktype"] == [ZAAKTYPE_VRAAG]
               and "page" not in q]  # the first page of each query
    assert filters == [{"registratiedatum__gt": "2024-04-21"}, {"einddatum__isnull": "true"},
                       {"einddatum__gt": "2024-04-21"}]


def test_the_watermark_of_a_run_that_did_not_finish_loading_is_not_used(api, sleeps, tmp_path):
    add_vragen(api, 3, startdatum="2024-04-01")
    read(api, sleeps, ledger=ledger(tmp_path, "run-1", DAY_1), as_of=DAY_1)
    # run-1 failed before load_source: its watermark must not count.
    again = ledger(tmp_path, "run-2", DAY_2)
    assert again.watermark() is None
    api.requests.clear()
    assert read(api, sleeps, ledger=again, as_of=DAY_2).count == 3
    assert all(set(q) <= {"zaaktype", "page"} for q in zaken_queries(api))


def test_a_registratiedatum_in_the_future_does_not_freeze_the_watermark(api, sleeps, tmp_path):
    api.add_zaak("TIKFOUT", startdatum="2024-04-01", registratiedatum="2099-04-01",
                 eigenschappen=PERNIS, omschrijving="Vraag met een tikfout in het jaar")
    read(api, sleeps, ledger=ledger(tmp_path, "run-1", DAY_1), as_of=DAY_1)
    finish(tmp_path, "run-1", DAY_1, 1)
    assert ledger(tmp_path, "run-2", DAY_2).watermark() == "2024-05-01"


def test_extract_dispatches_a_zgw_source_with_its_connection(api):
    add_vragen(api, 2)
    result = extract(SOURCE, data_interval_start=DAY_1, data_interval_end=DAY_1,
                     zgw_connection=connection(api))
    assert result.count == 2
    with pytest.raises(SourceError, match="'zgw_zaken' was not resolved"):
        extract(SOURCE, data_interval_start=DAY_1, data_interval_end=DAY_1)


def test_an_airflow_connection_gives_base_url_client_id_and_secret():
    conn = SimpleNamespace(host="openzaak.example.nl", schema="https", port=None,
                           login="wijkopvolging", password="s3cret", conn_id="zgw_zaken",
                           extra_dejson={"base_url": "https://openzaak.example.nl/zaken/api/v1/"})
    made = connection_from_airflow(conn)
    assert made == ZgwConnection("https://openzaak.example.nl/zaken/api/v1", "wijkopvolging",
                                 "s3cret", "zgw_zaken")
    assert "s3cret" not in repr(made)
    bare = connection_from_airflow(SimpleNamespace(host="localhost", schema="http", port=8000,
                                                   login="a", password="b", extra_dejson={}))
    assert bare.base_url == "http://localhost:8000"


def test_the_schema_check_catches_a_fake_that_drifts_from_the_spec(api):
    zaak = api.add_zaak("ZAAK-X", eigenschappen=PERNIS)
    page = {"count": 1, "next": None, "previous": None, "results": [zaak]}
    assert spec.errors(page, "/zaken") == []
    drifted = {**zaak, "startdatum": "12-03-2024", "verlenging": {"duur": "P14D"}}
    problems = spec.errors({**page, "results": [drifted]}, "/zaken")
    assert any("startdatum" in p for p in problems)
    assert any(p.startswith("results/0/verlenging") for p in problems)  # reden is required


ZGW_CONFIG = f"""
warehouse:
  url: sqlite:///w.sqlite
sources:
  zaaksysteem:
    type: zgw
    conn_id: zgw_zaken
    zaaktypen:
      {ZAAKTYPE_VRAAG}: vraag
      {ZAAKTYPE_ADVIES}: advies
    eigenschappen:
      wijk: Wijk
      wethouder: Wethouder
    tussenbericht_statustype: {STATUSTYPE_TUSSENBERICHT}
"""


def write_config(tmp_path, text):
    path = tmp_path / "wijkopvolging.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_zgw_source_configuration_loads_as_an_incremental_not_full_extract(tmp_path):
    source = load_config(write_config(tmp_path, ZGW_CONFIG)).source("zaaksysteem")
    assert source.full_extract is False
    assert source.options["zaaktypen"][ZAAKTYPE_ADVIES] == "advies"


@pytest.mark.parametrize(("change", "expected"), [
    ((": advies", ": klacht"), "is not one of vraag, advies"),
    (("      wethouder: Wethouder\n", ""), "eigenschappen.wethouder: missing"),
    (("    conn_id: zgw_zaken\n", ""), "sources.zaaksysteem.conn_id: missing"),
    (("    conn_id: zgw_zaken\n", "    conn_id: zgw_zaken\n    full_extract: true\n"),
     "an incremental zgw source reads only changed zaken"),
    (("      wijk: Wijk\n", "      wijk: Wijk\n      date_raised: Datum\n"),
     "only wijk, wethouder, onderwerp come from zaak eigenschappen"),
    (("    conn_id: zgw_zaken\n", "    conn_id: zgw_zaken\n    retries: veel\n"),
     "retries: expected a number"),
])
def test_a_wrong_zgw_setting_names_the_key(tmp_path, change, expected):
    with pytest.raises(ConfigError, match=expected):
        load_config(write_config(tmp_path, ZGW_CONFIG.replace(*change)))
