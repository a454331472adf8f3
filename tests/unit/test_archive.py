"""Archiving the delivered set in the ZGW Documenten API 1.5, against a local server that
checks every request and every answer against the published specification
(tests/drc): once per document, new versions for a revised set, bestandsdelen for large
files, and Dutch errors for a refused token, a refused field and a server that is down,
the griffie's delivery untouched."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from tests.drc.fake_server import INFORMATIEOBJECTTYPE, FakeDocumentenApi
from wijkopvolging import deliver_once, layout
from wijkopvolging.archive import (
    ArchiveError,
    ArchiveUnavailable,
    DocumentenClient,
    archive_set,
    archive_summary,
)
from wijkopvolging.config import ArchiveConfig, load_config
from wijkopvolging.delivery import EMAIL, deliver_to_griffie, period_folder
from wijkopvolging.labels import REVISED_MARK, letter_title, overview_title
from wijkopvolging.periods import Period
from wijkopvolging.rapportage import work_folder
from wijkopvolging.sources.zgw import ZgwConnection
from wijkopvolging.warehouse import open_warehouse

LETTER, OVERVIEW, OVERVIEW_XLSX, MANIFEST = (layout.LETTER, layout.OVERVIEW,
                                             layout.OVERVIEW_XLSX, layout.MANIFEST)
LETTER_PDF, OVERVIEW_PDF = (layout.SetLayout.pdf_of(LETTER).name,
                            layout.SetLayout.pdf_of(OVERVIEW).name)

PERIOD = Period.starting(2026, 9)
KENMERK = "WaZ/2026-09_2026-10"
RSIN = "002220647"
BIG_PDF = b"%PDF-1.7 " + bytes(range(256)) * 40  # 10 249 bytes: three parts of 4 096


@pytest.fixture
def api():
    server = FakeDocumentenApi().start()
    yield server
    server.stop()


def _set(folder: Path, *, letter: bytes, revised: bool = False) -> Path:
    """A rendered final set as write_documents leaves it (Word, PDF, spreadsheet)."""
    files = {LETTER: letter, OVERVIEW: b"overzicht",
             OVERVIEW_XLSX: b"rijen", LETTER_PDF: BIG_PDF,
             OVERVIEW_PDF: b"%PDF overzicht"}
    if revised:
        files = {n: d + b" " + REVISED_MARK.encode() for n, d in files.items()}
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = {"period": PERIOD.slug, "label": PERIOD.label,
                "peildatum": PERIOD.peildatum.isoformat(), "kenmerk": KENMERK,
                "letter_date": "2026-11-17", "revised": revised, "publications": {},
                "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def project(isolated_project, monkeypatch, api):
    """Archiving on, against the fake API; the griffie's mail recorded, not sent."""
    config = dataclasses.replace(load_config(), archive=ArchiveConfig(
        documenten_api_url=api.base_url, bronorganisatie=RSIN,
        informatieobjecttype=INFORMATIEOBJECTTYPE, auteur="Gemeente Rotterdam, BSD",
        inline_max_bytes=8192, retries=2))
    mails = []
    monkeypatch.setattr(deliver_once, "send_mail", lambda mail, conn_id: mails.append(mail))
    connection = ZgwConnection(base_url=api.base_url, client_id=api.client_id,
                               secret=api.secret, conn_id="zgw_documenten")

    def deliver(letter=b"brief", force=False):
        rendered = _set(work_folder(config, PERIOD), letter=letter)
        revised = _set(rendered / "herzien", letter=letter, revised=True) if force else None
        return deliver_to_griffie(config, PERIOD, rendered, revised_set=revised,
                                  run_id=f"run-{len(mails)}", force=force,
                                  smtp_configured=True)

    def archive(cfg=None, conn=connection, **kwargs):
        cfg = cfg or config
        client = DocumentenClient(conn, retries=cfg.archive.retries, backoff=0,
                                  sleep=lambda s: None)
        return archive_set(cfg, PERIOD, run_id="archief", connection=conn, client=client,
                           **kwargs)

    return config, deliver, archive


def _ledger(config, channel_prefix="archief:"):
    with open_warehouse(config.warehouse_url) as warehouse:
        return [r for r in warehouse.deliveries_of(PERIOD.slug)
                if r["channel"].startswith(channel_prefix)]


def test_each_delivered_document_is_stored_once_as_the_spec_describes(project, api):
    config, deliver, archive = project
    deliver()
    result = archive()
    assert (result["created"], result["new_versions"], result["unchanged"]) == (4, 0, 0)
    assert api.schema_errors == []
    objects = sorted(api.objects.values(), key=lambda o: o["identificatie"])
    assert [o["identificatie"] for o in objects] == [
        f"{KENMERK}-bijlage", f"{KENMERK}-bijlage-pdf", f"{KENMERK}-brief",
        f"{KENMERK}-brief-pdf"]
    for eio in objects:
        assert (eio["bronorganisatie"], eio["informatieobjecttype"], eio["auteur"]) == (
            RSIN, INFORMATIEOBJECTTYPE, "Gemeente Rotterdam, BSD")
        assert (eio["taal"], eio["status"], eio["vertrouwelijkheidaanduiding"]) == (
            "dut", "definitief", "openbaar")
        assert eio["creatiedatum"] == "2026-11-17" and not eio["locked"]
    letter = next(o for o in objects if o["bestandsnaam"] == LETTER)
    assert letter["titel"] == letter_title(PERIOD)
    assert next(o for o in objects if o["bestandsnaam"] == OVERVIEW_PDF)[
        "titel"] == overview_title(PERIOD)
    # The content arrived whole: inline for small files, in three parts for the big PDF.
    stored = {o["bestandsnaam"]: api.content[o["url"].rsplit("/", 1)[1]] for o in objects}
    assert stored[LETTER_PDF] == BIG_PDF
    assert stored[LETTER] == b"brief"
    puts = [r for r in api.requests if r["method"] == "PUT"]
    assert len(puts) == 3 and all(r["path"].startswith("/bestandsdelen/") for r in puts)
    big = next(r["body"] for r in api.requests
               if r["method"] == "POST" and r["path"] == "/enkelvoudiginformatieobjecten"
               and r["body"]["bestandsnaam"] == LETTER_PDF)
    assert big["inhoud"] is None and big["bestandsomvang"] == len(BIG_PDF)
    small = next(r["body"] for r in api.requests
                 if r["path"] == "/enkelvoudiginformatieobjecten"
                 and r["body"]["bestandsnaam"] == LETTER)
    assert base64.b64decode(small["inhoud"]) == b"brief"
    assert {c["client_id"] for c in api.claims} == {"wijkopvolging"}
    # The spreadsheet is not a document of the letter: not archived.
    assert OVERVIEW_XLSX not in stored
    assert len(_ledger(config)) == 4


def test_a_rerun_stores_nothing_again(project, api):
    _config, deliver, archive = project
    deliver()
    archive()
    before = len(api.requests)
    assert archive()["unchanged"] == 4
    assert len(api.requests) == before


def test_a_revised_set_stores_new_versions_of_the_same_objects(project, api):
    config, deliver, archive = project
    deliver()
    archive()
    urls = {o["url"] for o in api.objects.values()}
    deliver(letter=b"brief, gecorrigeerd", force=True)
    result = archive()
    assert (result["created"], result["new_versions"]) == (0, 4)
    assert {o["url"] for o in api.objects.values()} == urls  # no new objects
    assert all(len(v) == 2 for v in api.versions.values())
    assert all(not o["locked"] for o in api.objects.values())
    letter = next(o for o in api.objects.values()
                  if o["bestandsnaam"] == LETTER)
    assert letter["titel"] == letter_title(PERIOD, revised=True)
    assert api.content[letter["url"].rsplit("/", 1)[1]] == (
        b"brief, gecorrigeerd " + REVISED_MARK.encode())
    big = next(o for o in api.objects.values()
               if o["bestandsnaam"] == LETTER_PDF)
    assert api.content[big["url"].rsplit("/", 1)[1]] == BIG_PDF + b" " + REVISED_MARK.encode()
    methods = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in api.requests]
    assert methods.count(("POST", "lock")) == 4 and methods.count(("POST", "unlock")) == 5
    assert sum(1 for m, _ in methods if m == "PATCH") == 4
    assert api.schema_errors == []
    assert [r["revised"] for r in _ledger(config)].count(True) == 4


def test_a_store_that_fails_records_nothing_and_the_retry_stores_only_the_rest(
        project, api, monkeypatch):
    """The ledger rule the mails follow: a document is recorded only after the archive
    stored it, so the task's retry stores each missing document once."""
    config, deliver, archive = project
    deliver()
    create = DocumentenClient.create

    def down_for_the_pdfs(self, body, content, *, what):
        if what.startswith(LETTER_PDF):
            raise ArchiveUnavailable("het archief is niet bereikbaar")
        return create(self, body, content, what=what)

    monkeypatch.setattr(DocumentenClient, "create", down_for_the_pdfs)
    with pytest.raises(ArchiveUnavailable):
        archive()
    assert sorted(r["channel"] for r in _ledger(config)) == [
        f"archief:{OVERVIEW}", f"archief:{LETTER}"]
    monkeypatch.setattr(DocumentenClient, "create", create)
    result = archive()
    assert (result["created"], result["new_versions"], result["unchanged"]) == (2, 0, 2)
    assert sorted(o["identificatie"] for o in api.objects.values()) == [
        f"{KENMERK}-bijlage", f"{KENMERK}-bijlage-pdf", f"{KENMERK}-brief",
        f"{KENMERK}-brief-pdf"]
    assert len(_ledger(config)) == 4 and api.schema_errors == []


def test_the_griffie_mail_and_the_archive_are_decided_by_one_ledger_rule(project,
                                                                        monkeypatch):
    """Issue 23: one way to deliver once. Every ledger row, the mail's and each archived
    document's, is the content that ``deliver_once.decide_delivery`` was asked about."""
    config, deliver, archive = project
    decided = []
    decide = deliver_once.decide_delivery
    monkeypatch.setattr(deliver_once, "decide_delivery",
                        lambda content, last, **kw: decided.append(content)
                        or decide(content, last, **kw))
    deliver()
    archive()
    with open_warehouse(config.warehouse_url) as warehouse:
        rows = warehouse.deliveries_of(PERIOD.slug)
    assert len(rows) == 5 and {r["content_sha256"] for r in rows} == set(decided)


def test_nothing_is_archived_before_the_griffie_has_the_set(project, api):
    config, _deliver, archive = project
    _set(period_folder(config, PERIOD), letter=b"brief")  # in the drop folder, not mailed
    assert archive()["archive"] == "niet geleverd"
    assert api.requests == []


def test_archiving_off_says_so_and_does_nothing(isolated_project, caplog):
    config = load_config()
    assert not config.archive.enabled
    caplog.set_level("INFO", logger="wijkopvolging.archive")
    assert archive_set(config, PERIOD, run_id="r") == {"period": PERIOD.slug,
                                                       "archive": "uit"}
    assert "archive.documenten_api_url niet ingesteld" in caplog.text
    assert archive_summary(config) == (
        "Archief (ZGW Documenten API): uit (archive.documenten_api_url niet ingesteld)")


def _griffie_untouched(config, before: dict[str, bytes]):
    drop = period_folder(config, PERIOD)
    assert {p.name: p.read_bytes() for p in drop.iterdir() if p.is_file()} == before
    with open_warehouse(config.warehouse_url) as warehouse:
        assert len(warehouse.deliveries_of(PERIOD.slug, EMAIL)) == 1


def _drop(config) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in period_folder(config, PERIOD).iterdir()
            if p.is_file()}


@pytest.mark.parametrize("status, reason", [(403, "Forbidden"), (401, "Unauthorized")])
def test_a_refused_token_is_a_dutch_error_naming_the_connection(project, api, status,
                                                                 reason):
    config, deliver, archive = project
    api.refuse_with = status
    deliver()
    before = _drop(config)
    wrong = ZgwConnection(base_url=api.base_url, client_id=api.client_id,
                          secret="een-ander-geheim-dan-het-archief-kent",
                          conn_id="zgw_documenten")
    with pytest.raises(ArchiveError) as refused:
        archive(conn=wrong)
    message = str(refused.value)
    assert f"weigert de toegang ({status} {reason})" in message
    assert "'zgw_documenten'" in message and "client_id 'wijkopvolging'" in message
    assert "levering aan de griffie is niet geraakt" in message
    assert api.objects == {} and api.schema_errors == []
    _griffie_untouched(config, before)
    assert _ledger(config) == []


def test_a_refused_field_is_reported_in_dutch_naming_the_field_and_its_setting(project, api):
    config, deliver, archive = project
    deliver()
    before = _drop(config)
    wrong = dataclasses.replace(config, archive=dataclasses.replace(
        config.archive, informatieobjecttype=INFORMATIEOBJECTTYPE.replace("0001", "9999")))
    with pytest.raises(ArchiveError) as refused:
        archive(cfg=wrong)
    message = str(refused.value)
    assert "(400)" in message
    assert ("veld informatieobjecttype (instelling archive.informatieobjecttype): "
            "De URL is ongeldig.") in message
    assert layout.stem(LETTER) in message or layout.stem(OVERVIEW) in message
    assert api.objects == {} and api.schema_errors == []
    _griffie_untouched(config, before)


def test_a_server_that_is_down_is_retried_then_a_clear_error_griffie_untouched(project, api):
    config, deliver, archive = project
    deliver()
    before = _drop(config)
    api.fail_next("/enkelvoudiginformatieobjecten", status=503, times=3)
    with pytest.raises(ArchiveUnavailable) as down:
        archive()
    message = str(down.value)
    assert "niet bereikbaar" in message and "na 3 pogingen" in message
    assert "503" in message and "levering aan de griffie is gedaan" in message
    assert len(api.requests) == 3  # the first try and two retries (archive.retries)
    _griffie_untouched(config, before)
    # Once the server is back, the task's retry stores everything.
    assert archive()["created"] == 4 and api.schema_errors == []


def test_a_passing_fault_is_retried_without_failing(project, api):
    _config, deliver, archive = project
    deliver()
    api.fail_next("/bestandsdelen/", status=502, times=1)
    assert archive()["created"] == 4
    assert api.schema_errors == []


def test_an_unreachable_server_fails_after_the_retries(project, api):
    config, deliver, archive = project
    deliver()
    api.stop()
    gone = ZgwConnection(base_url=api.base_url, client_id="wijkopvolging",
                          secret="geheim-voor-de-tests-van-wijkopvolging")
    with pytest.raises(ArchiveUnavailable, match="ConnectionError"):
        archive(conn=gone)
    _griffie_untouched(config, _drop(config))


def test_the_archive_moment_is_what_the_ledger_records(project):
    config, deliver, archive = project
    deliver()
    moment = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
    archive(archived_at=moment)
    rows = _ledger(config)
    assert {r["delivered_at"] for r in rows} == {moment.replace(tzinfo=None)}
    assert all(r["recipients"][0].startswith("http://127.0.0.1") for r in rows)


def test_a_kenmerk_too_long_for_the_archive_is_refused_before_any_request(project, api):
    config, deliver, archive = project
    deliver()
    drop = period_folder(config, PERIOD)
    manifest = json.loads((drop / MANIFEST).read_text())
    manifest["kenmerk"] = "RIB/2026/Wijken/Vragen-uit-de-Wijk/0042"  # 39 + "-bijlage-pdf"
    (drop / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArchiveError, match="langer dan 40 tekens.*settings.kenmerk"):
        archive()
    assert api.requests == []


def test_an_object_the_ledger_does_not_know_is_named_not_duplicated(project, api):
    """A try that stopped between storing and recording: the retry's create is refused
    (identificatie niet uniek) and the message says what to look up, instead of blaming
    the kenmerk setting; no second object appears."""
    config, deliver, archive = project
    deliver()
    archive()
    with open_warehouse(config.warehouse_url) as warehouse, warehouse.engine.begin() as conn:
        from wijkopvolging.warehouse.deliveries import deliveries

        conn.execute(deliveries.delete().where(
            deliveries.c.channel == f"archief:{LETTER}"))
    with pytest.raises(ArchiveError) as refused:
        archive()
    message = str(refused.value)
    assert f"{LETTER} ({KENMERK}-brief)" in message
    assert "staat al in het archief" in message and "kent het niet" in message
    assert "settings.kenmerk" not in message
    assert len(api.objects) == 4 and api.schema_errors == []
