"""Afschriften per wijkraad through a local SMTP server: one mail per wijk, once; a
changed afschrift once more as "herziene versie"."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.report_frames import KENMERK, PERIOD, ROWS, report_frame
from wijkopvolging.config import WijkradenConfig, load_config
from wijkopvolging.documents.afschrift import render_afschriften, write_afschrift_manifest
from wijkopvolging.labels import REVISED_MARK
from wijkopvolging.layout import drop_folder
from wijkopvolging.wijkraden import deliver_afschriften


@pytest.fixture
def project(isolated_project, monkeypatch, smtp_server):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_GRIFFIE", smtp_server.connection_uri)
    config = load_config()
    return dataclasses.replace(config, wijkraden=WijkradenConfig(
        afschrift_address="wijkraad.{slug}@example.org",
        afschrift={"Tarwewijk": ("gebied.charlois@example.org",)}))


def publish(config, rows):
    report = report_frame(rows)
    folder = drop_folder(config.output_dir, PERIOD).afschriften
    render_afschriften(report, PERIOD, folder=folder, kenmerk=KENMERK)
    write_afschrift_manifest(report, PERIOD, folder=folder, kenmerk=KENMERK)


def test_each_wijk_gets_its_afschrift_once_and_a_changed_one_again(project, smtp_server):
    publish(project, ROWS)
    first = deliver_afschriften(project, PERIOD, run_id="r1")
    assert first["sent"] == len({row[2] for row in ROWS}) == 10
    recipients = sorted(a for _, to in smtp_server.envelopes for a in to)
    assert "gebied.charlois@example.org" in recipients  # per wijk wins over the pattern
    assert "wijkraad.heijplaat@example.org" in recipients
    assert "wijkraad.tarwewijk@example.org" not in recipients
    tarwewijk = next(m for m in smtp_server.messages
                     if m["To"] == "gebied.charlois@example.org")
    assert tarwewijk["Subject"].startswith("Afschrift voor de wijkraad Tarwewijk")
    assert [a.get_filename() for a in tarwewijk.iter_attachments()] == ["tarwewijk.docx"]

    publish(project, ROWS)  # rendered again, same bytes
    second = deliver_afschriften(project, PERIOD, run_id="r2")
    assert (second["sent"], second["unchanged"]) == (0, 10)

    changed = [(*row[:3], row[3] + " (gecorrigeerd)", *row[4:]) if row[2] == "Heijplaat"
               else row for row in ROWS]
    publish(project, changed)
    third = deliver_afschriften(project, PERIOD, run_id="r3")
    assert (third["sent"], third["unchanged"]) == (1, 9)
    assert smtp_server.messages[-1]["Subject"].endswith(REVISED_MARK)
    assert len(smtp_server.messages) == 11


def test_without_smtp_connection_nothing_is_sent(isolated_project, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_GRIFFIE", raising=False)
    config = load_config()
    publish(config, ROWS)
    result = deliver_afschriften(config, PERIOD, run_id="r1", smtp_configured=False)
    assert (result["sent"], result["waiting"]) == (0, 10)
