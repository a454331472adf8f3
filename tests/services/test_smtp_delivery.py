"""Delivery to the griffie through a real SMTP server (aiosmtpd on 127.0.0.1).

The delivery functions are driven directly, with documents rendered by the real report
steps from a small warehouse; one test runs the whole rapportage DAG through
``airflow dags test`` with the connection given as ``AIRFLOW_CONN_SMTP_GRIFFIE``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from demo.runner import run_dag
from tests.conftest import require
from wijkopvolging import layout, pipeline
from wijkopvolging.approval import CollegeDecision
from wijkopvolging.config import DocumentsConfig, load_config
from wijkopvolging.delivery import (
    EMAIL,
    MailNotSent,
    deliver_to_griffie,
    read_manifest,
)
from wijkopvolging.labels import REVISED_MARK
from wijkopvolging.layout import SetLayout, drop_folder
from wijkopvolging.model import coerce_items
from wijkopvolging.periods import AMSTERDAM, Period
from wijkopvolging.rapportage import work_folder
from wijkopvolging.warehouse import open_warehouse

PERIOD = Period.starting(2026, 9)  # september–oktober 2026
INGEST_AT = dt.datetime(2026, 10, 31, 5, tzinfo=AMSTERDAM)  # the ingest closing the period

ROWS = [  # source_record_id, wijk, onderwerp, wethouder, raised, answered
    ("1", "Tarwewijk", "Verlichting in het Millinxpark", "Achbar", "2026-08-20", "2026-09-25"),
    ("2", "Heijplaat", "Frequentie van de waterbus", "Kasmi", "2026-10-01", None),
    ("3", "Mathenesse", "Afvalcontainers bij het winkelcentrum", "Struijvenberg",
     "2026-06-02", None),
]


def _items(rows) -> pd.DataFrame:
    return coerce_items(pd.DataFrame([
        {"item_id": f"registratiesysteem:{rid}", "source": "registratiesysteem",
         "source_record_id": rid, "kind": "vraag", "wijk": wijk, "onderwerp": title,
         "wethouder": wethouder, "date_raised": raised, "date_answered": answered}
        for rid, wijk, title, wethouder, raised, answered in rows]))


def ingest(config, rows, run_id="ingest-1") -> None:
    """What the ingest DAG leaves in the warehouse for the period's closing day."""
    with open_warehouse(config.warehouse_url) as warehouse:
        warehouse.load_versions(run_id, "registratiesysteem", INGEST_AT, _items(rows),
                                full_extract=True)
        warehouse.record_ingest_run(run_id, "registratiesysteem", INGEST_AT,
                                    extracted=len(rows), loaded=len(rows), quarantined=0,
                                    warnings=0, new=len(rows), changed=0, deleted=0,
                                    finished_at=INGEST_AT)


APPROVED = CollegeDecision(  # what the college's approval task hands the documents task
    period=PERIOD.slug, approved=True, decided_on=dt.date(2026, 11, 10), kenmerk="26bb004711",
    note="", responded_by="secretariaat",
    responded_at=dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC)).to_xcom()


def report(config, run_id: str, *, force: bool = False) -> dict:
    """The rapportage DAG's steps for PERIOD, in order, without Airflow; the college
    approves (the approval itself is tested in test_college_approval.py)."""
    return pipeline.report_to_griffie(config, PERIOD, run_id=run_id, decision=APPROVED,
                                      force=force)


def ledger(config) -> list[dict]:
    with open_warehouse(config.warehouse_url) as warehouse:
        return warehouse.deliveries_of(PERIOD.slug, EMAIL)


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


@pytest.fixture
def project(isolated_project, monkeypatch, smtp_server):
    """The repository's config, warehouse and output in tmp, the griffie's connection
    pointing at the local SMTP server, and the period's data ingested."""
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", smtp_server.connection_uri)
    config = load_config()
    ingest(config, ROWS)
    return config


def test_the_griffie_receives_letter_overview_and_pdfs_intact(project, smtp_server):
    from wijkopvolging.documents.pdf import soffice_path

    require(soffice_path() is not None, "LibreOffice (soffice) makes the PDFs: apt-get "
            "install libreoffice-writer-nogui")
    with_pdfs = dataclasses.replace(project, documents=DocumentsConfig(pdf=True))
    result = report(with_pdfs, "rapportage-1")
    drop = drop_folder(project.output_dir, PERIOD).folder
    manifest = read_manifest(drop)
    (message,) = smtp_server.messages
    received = attachments(message)

    assert result["action"] == "send"
    assert smtp_server.envelopes == [("wijkopvolging@example.org", ["griffie@example.org"])]
    assert message["Subject"].startswith("Stand van zaken Vragen uit de Wijk en ongevraagde "
                                         "adviezen, september–oktober 2026")
    assert "Geachte griffie" in message.get_body(("html",)).get_content()
    assert list(received) == list(manifest["files"])
    assert set(received) == {layout.LETTER, layout.OVERVIEW, layout.OVERVIEW_XLSX,
                             SetLayout.pdf_of(layout.LETTER).name,
                             SetLayout.pdf_of(layout.OVERVIEW).name}
    for name, data in received.items():
        assert len(data) == (drop / name).stat().st_size
        assert hashlib.sha256(data).hexdigest() == manifest["files"][name]
    (row,) = ledger(project)
    assert row["files"] == manifest["files"] and row["recipients"] == ["griffie@example.org"]


def test_a_second_run_of_an_unchanged_period_sends_nothing(project, smtp_server):
    report(project, "rapportage-1")
    result = report(project, "rapportage-2")
    assert result["action"] == "nothing"
    assert len(smtp_server.messages) == 1 and len(ledger(project)) == 1


def test_a_corrected_period_goes_out_only_when_forced_and_then_as_herziene_versie(
        project, smtp_server):
    report(project, "rapportage-1")
    corrected = [ROWS[0], ROWS[1], (*ROWS[2][:5], "2026-10-28")]  # answered after all
    ingest(project, corrected, run_id="ingest-1-herhaald")  # the same day's ingest, re-run

    held = report(project, "rapportage-2")
    drop = drop_folder(project.output_dir, PERIOD)
    assert held["action"] == "hold" and len(smtp_server.messages) == 1
    assert drop.not_delivered.letter.is_file()
    assert "herziene versie" not in docx_text(drop.letter.read_bytes())

    forced = report(project, "rapportage-3", force=True)
    assert forced["action"] == "send_revised"
    first, second = smtp_server.messages
    assert REVISED_MARK not in first["Subject"]
    assert REVISED_MARK in second["Subject"]
    letter = attachments(second)[layout.LETTER]
    assert "herziene versie" in docx_text(letter).lower()
    assert letter == drop.letter.read_bytes()
    assert not drop.not_delivered.folder.exists()
    assert [row["revised"] for row in ledger(project)] == [False, True]


def test_a_dead_smtp_server_fails_delivery_keeps_the_documents_and_the_ledger_unmarked(
        project, smtp_server, dead_smtp_uri, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", dead_smtp_uri)
    with pytest.raises(MailNotSent, match="could not send the e-mail"):
        report(project, "rapportage-1")
    drop = drop_folder(project.output_dir, PERIOD).folder
    files = read_manifest(drop)["files"]
    assert {layout.LETTER, layout.OVERVIEW} <= set(files)
    # Beside the set: open data, web page, afschriften and the Woo index (published, not
    # mailed).
    beside = {Path(name).parts[0] for name in read_manifest(drop)["publications"]}
    assert beside == {layout.OPEN_DATA, layout.WEBPAGE, layout.AFSCHRIFTEN, layout.WOO,
                      layout.SITEMAP}
    assert sorted(files) == sorted(p.name for p in drop.iterdir()
                                   if p.name != layout.MANIFEST and not p.name.startswith(".")
                                   and p.name not in beside)
    assert all(hashlib.sha256((drop / n).read_bytes()).hexdigest() == sha
               for n, sha in files.items())
    assert ledger(project) == [] and smtp_server.messages == []

    # Airflow's retry, once the server is back, with the same rendered set (the work
    # folder is only consumed by a delivery that finished): it goes out and is recorded.
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", smtp_server.connection_uri)
    retried = deliver_to_griffie(project, PERIOD, work_folder(project, PERIOD),
                                 run_id="rapportage-1")
    assert retried["action"] == "send" and len(smtp_server.messages) == 1
    assert len(ledger(project)) == 1


# -- the whole DAG -----------------------------------------------------------------------

@pytest.mark.airflow
def test_the_rapportage_dag_mails_the_documents_through_the_airflow_connection(
        tmp_path, smtp_server, closing_ingest_sqlite, airflow_db):
    from demo.college import demo_decision
    from wijkopvolging.rapportage import report_as_of

    with closing_ingest_sqlite.copy(tmp_path / "project") as project:
        env = {**os.environ, **project.env, **airflow_db,
               "AIRFLOW_CONN_SMTP_GRIFFIE": smtp_server.connection_uri}
        decided_on, kenmerk = demo_decision(PERIOD, dt.date.today())
        run_dag("wijkopvolging_rapportage", report_as_of(PERIOD), env=env,
                log=tmp_path / "rapportage.log", approval=(decided_on, kenmerk))

    # The college's concept first, then (after approval) the griffie, then the wijkraden.
    concept_mail = smtp_server.messages[0]
    assert smtp_server.envelopes[0][1] == ["secretariaat-college@example.org"]
    assert concept_mail["Subject"].startswith("Concept ter besluitvorming")
    assert smtp_server.envelopes[1][1] == ["griffie@example.org"]
    drop = drop_folder(project.output_dir, PERIOD)
    manifest = read_manifest(drop.folder)
    (message,) = [m for m in smtp_server.messages if m["To"] == "griffie@example.org"]
    # deliver_wijkraden: one afschrift per wijk with items, to its gebiedsorganisatie
    afschriften = json.loads(drop.afschriften_manifest.read_text())
    to_wijkraden = smtp_server.messages[2:]
    # The afschriften come from the approved set: the college's kenmerk, not the concept's.
    assert afschriften["kenmerk"] == kenmerk
    assert len(to_wijkraden) == len(afschriften["afschriften"]) > 30
    assert all(m["Subject"].startswith("Afschrift voor de wijkraad") for m in to_wijkraden)
    assert "september–oktober 2026" in message["Subject"]
    assert f"kenmerk {kenmerk}" in message["Subject"]
    assert manifest["college"]["responded_by"] == "make-run-demo"
    assert {name: hashlib.sha256(data).hexdigest()
            for name, data in attachments(message).items()} == manifest["files"]


def test_a_failed_task_mails_operations_through_the_smtp_notifier(project, smtp_server):
    from types import SimpleNamespace

    from wijkopvolging.airflow_support import notify_operations

    ti = SimpleNamespace(task_id="deliver", dag_id="wijkopvolging_rapportage",
                         run_id="scheduled__2026-11-01", try_number=4,
                         log_url="http://127.0.0.1:8080/log")
    notify_operations({"ti": ti, "exception": MailNotSent("SMTP <down>")})

    (message,) = smtp_server.messages
    body = message.get_body(("html",)).get_content()
    assert smtp_server.envelopes[0][1] == ["beheer-wijkopvolging@example.org"]
    assert message["Subject"] == ("wijkopvolging: taak deliver van wijkopvolging_rapportage "
                                  "mislukt (scheduled__2026-11-01)")
    assert "ook na 4 poging(en)" in body and "SMTP &lt;down&gt;" in body


def test_without_smtp_connection_a_failure_alert_is_only_logged(
        isolated_project, monkeypatch, caplog):
    from wijkopvolging.airflow_support import notify_operations

    monkeypatch.delenv("AIRFLOW_CONN_SMTP_GRIFFIE", raising=False)
    notify_operations({"ti": None})
    assert "Airflow-verbinding 'smtp_griffie' ontbreekt" in caplog.text
