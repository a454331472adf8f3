"""The steward report: Dutch HTML and CSV of one ingest run's findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from wijkopvolging.layout import MANIFEST, VALIDATION_CSV, VALIDATION_HTML
from wijkopvolging.validation import RULES, write_steward_report

AS_OF = dt.datetime(2024, 3, 12)


def _finding(source, record, row, rule, column, value, severity, message):
    return {"run_id": "r2", "source": source, "as_of": AS_OF, "row_no": row,
            "source_record_id": record, "rule": rule, "column": column, "value": value,
            "severity": severity, "message": message}


@pytest.fixture
def findings():
    return pd.DataFrame([
        _finding("registratie", "17", 3, "onbekende_wijk", "wijk", "Rotterdam-Zuid", "error",
                 "wijk 'Rotterdam-Zuid' staat niet in wijken.yaml"),
        _finding("registratie", "18", 4, "persoonsgegevens", "onderwerp", "06-********",
                 "error", "onderwerp bevat persoonsgegevens (telefoonnummer): 06-********"),
        _finding("registratie", "19", 5, "antwoord_zeer_laat", "date_answered", "01-01-2024",
                 "warning", "antwoord 01-01-2024 kwam 200 dagen na de termijn"),
        _finding("zaken", "Z-1", 0, "onleesbare_waarde", "date_raised",
                 "<b>gisteren</b> 06-12345678", "error", "date_raised: geen geldige datum"),
    ])


@pytest.fixture
def runs():
    row = {"run_id": "r2", "as_of": AS_OF, "new": 0, "changed": 0, "deleted": 0}
    return pd.DataFrame([
        {**row, "source": "registratie", "extracted": 10, "loaded": 8, "quarantined": 2,
         "warnings": 1},
        {**row, "source": "zaken", "extracted": 5, "loaded": 4, "quarantined": 1,
         "warnings": 0},
        {**row, "source": "excel", "extracted": 0, "loaded": 0, "quarantined": 0,
         "warnings": 0},
    ])


@pytest.fixture
def previous():
    return pd.DataFrame([
        _finding("registratie", "17", 3, "onbekende_wijk", "wijk", "Rotterdam-Zuid", "error",
                 ""),  # still in quarantine
        _finding("registratie", "12", 1, "verplicht_veld", "wethouder", None, "error", ""),
        _finding("registratie", "13", 2, "antwoord_zeer_laat", "date_answered", None,
                 "warning", ""),  # a warning never was quarantine
        _finding("andere_bron", "99", 0, "verplicht_veld", "wijk", None, "error", ""),
    ])


@pytest.fixture
def report(findings, runs, previous, tmp_path):
    paths = write_steward_report(findings, runs, tmp_path / "out", previous_findings=previous,
                                 gx_dir=tmp_path / "gx")
    return paths, paths["html"].read_text(encoding="utf-8")


def test_report_writes_html_and_csv(report):
    paths, _ = report
    assert paths["html"].name == VALIDATION_HTML and paths["html"].is_file()
    assert paths["csv"].name == VALIDATION_CSV and paths["csv"].is_file()


def test_html_is_dutch_and_accessible(report):
    _, text = report
    assert '<html lang="nl">' in text
    assert '<th scope="col">Bron</th>' in text
    assert "<caption>" in text
    assert "Validatierapport 12 maart 2024" in text


def test_counts_per_source_come_from_the_runs(report):
    _, text = report
    assert "<td>registratie</td>" in text
    assert '<td class="getal">10</td><td class="getal">8</td><td class="getal">2</td>' in text


def test_quarantine_is_grouped_by_source_and_rule_with_description_and_fix(report):
    _, text = report
    assert "Bron registratie (2 record(s))" in text
    assert "<h4>Onbekende wijk (1)</h4>" in text and "Regel onbekende_wijk" not in text
    assert RULES["onbekende_wijk"].description in text
    assert RULES["onbekende_wijk"].fix in text
    assert text.index("Bron registratie") < text.index("Bron zaken")


def test_warnings_are_listed_apart_from_quarantine(report):
    _, text = report
    warnings = text[text.index("<h2>Waarschuwingen</h2>"):text.index("<h2>Uit quarantaine")]
    assert "Antwoord zeer laat" in warnings and "Onbekende wijk" not in warnings


def test_records_released_from_quarantine_are_listed(report):
    _, text = report
    released = text[text.index("<h2>Uit quarantaine</h2>"):]
    assert "<td>12</td><td>Verplicht veld ontbreekt</td>" in released  # fixed since then
    assert "<td>17</td>" not in released  # still in quarantine
    assert "<td>13</td>" not in released  # was only a warning
    assert "andere_bron" not in released  # that source did not run now


def test_source_without_records_is_a_warning_section(report):
    _, text = report
    section = text[text.index("<h2>Bronnen zonder records</h2>"):]
    assert "<li>excel</li>" in section[:section.index("</div>")]


def test_report_links_to_the_data_docs_index(report):
    _, text = report
    assert 'href="../gx/gx/uncommitted/data_docs/local_site/index.html"' in text


def test_values_are_masked_and_escaped_whatever_wrote_them(report):
    paths, text = report
    assert "12345678" not in text
    assert "<b>gisteren</b>" not in text and "&lt;b&gt;gisteren&lt;/b&gt;" in text
    assert "12345678" not in paths["csv"].read_text(encoding="utf-8-sig")


def test_csv_is_for_dutch_excel(report):
    paths, _ = report
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(paths["csv"], sep=";", encoding="utf-8-sig", dtype="str")
    assert list(table.columns[:5]) == ["bron", "bronnummer", "bestand", "rij", "status"]
    assert set(table["status"]) == {"in quarantaine", "waarschuwing", "uit quarantaine"}
    wijk = table[table["regel"] == "onbekende_wijk"].iloc[0]
    assert wijk["herstel"] == RULES["onbekende_wijk"].fix


def test_report_without_findings_or_previous_run_says_so(runs, tmp_path):
    from wijkopvolging.model import empty_findings

    paths = write_steward_report(empty_findings(), runs, tmp_path, gx_dir=tmp_path / "gx")
    text = paths["html"].read_text(encoding="utf-8")
    assert "<strong>0</strong> record(s) in quarantaine" in text
    assert "Geen records: niets dat bij de vorige run" in text


def test_report_without_runs_still_shows_the_findings(findings, tmp_path):
    paths = write_steward_report(findings, pd.DataFrame(), tmp_path, gx_dir=tmp_path / "gx")
    text = paths["html"].read_text(encoding="utf-8")
    assert "geen laadresultaten" in text
    assert "Onbekende wijk (1)" in text


def test_long_tables_are_cut_in_html_but_complete_in_csv(runs, tmp_path):
    from wijkopvolging.validation.report import ROWS_PER_TABLE

    many = pd.DataFrame([
        _finding("registratie", str(n), n, "verplicht_veld", "wijk", None, "error",
                 "wijk ontbreekt") for n in range(ROWS_PER_TABLE + 5)])
    paths = write_steward_report(many, runs, tmp_path, gx_dir=tmp_path / "gx")
    assert "En nog 5 record(s) met deze regel" in paths["html"].read_text(encoding="utf-8")
    table = pd.read_csv(paths["csv"], sep=";", encoding="utf-8-sig")
    assert len(table) == ROWS_PER_TABLE + 5


def test_a_crash_while_writing_the_ingest_manifest_keeps_the_previous_one(
        isolated_project, monkeypatch):
    import json

    from wijkopvolging import atomic
    from wijkopvolging.config import load_config
    from wijkopvolging.ingest import write_ingest_report
    from wijkopvolging.layout import validation_folder

    config = load_config()
    end = dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC)
    write_ingest_report(config, run_id="eerste", data_interval_end=end)
    manifest = validation_folder(config.output_dir, end) / MANIFEST
    assert json.loads(manifest.read_text(encoding="utf-8"))["run_id"] == "eerste"

    real_replace = atomic.os.replace

    def crash_on_the_manifest(src, dst):
        if str(dst).endswith(MANIFEST):
            raise OSError("killed")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", crash_on_the_manifest)
    with pytest.raises(OSError, match="killed"):
        write_ingest_report(config, run_id="tweede", data_interval_end=end)
    assert json.loads(manifest.read_text(encoding="utf-8"))["run_id"] == "eerste"
    assert [p.name for p in manifest.parent.iterdir() if atomic.TEMP_MARK in p.name] == []


def test_a_spreadsheet_record_is_reported_once_at_the_row_excel_shows(isolated_project):
    """A list with two title rows above its header, read, validated and loaded through the
    warehouse: each quarantined record is shown with its file and the row Excel shows
    (5, 6: not its position in the extract), once, as a whole number; an unreadable date
    is one finding, not also a missing one."""
    import dataclasses

    from tests.unit.test_source_files import HEADER, ROWS, write_xlsx
    from wijkopvolging import pipeline
    from wijkopvolging.config import load_config

    folder = isolated_project / "exports"
    folder.mkdir()
    rows = [ROWS[0], ["CH-2", "begin maart", "Hoogvliet", "Verlichting fietspad", "Kasmi", None],
            ["CH-3", "12-03-2024", "Atlantis", "Bankjes op het plein", "Zeegers", None]]
    write_xlsx(folder / "lijst.xlsx", [HEADER, *rows], title="Vragen uit de Wijk Charlois")
    config = load_config()
    lists = config.source("gebiedslijsten")
    lists = dataclasses.replace(lists, options={**lists.options, "folder": str(folder)})
    config = dataclasses.replace(config, sources=(lists,))
    end = dt.datetime(2024, 5, 1, 3, tzinfo=dt.UTC)
    ingested = pipeline.ingest(config, run_id="r1", data_interval_end=end)
    assert ingested["loaded"]["gebiedslijsten"]["quarantined"] == 2
    paths = ingested["report"]

    text = Path(paths["html"]).read_text(encoding="utf-8")
    assert "<h4>Onleesbare waarde (1)</h4>" in text
    assert "Verplicht veld ontbreekt" not in text
    assert ("<tr><td>CH-2</td><td>lijst.xlsx, blad &#x27;Vragen&#x27;</td>"
            '<td class="getal">5</td><td>datum indiening</td>') in text
    assert ("<tr><td>CH-3</td><td>lijst.xlsx, blad &#x27;Vragen&#x27;</td>"
            '<td class="getal">6</td><td>wijk</td>') in text
    assert "rij 5" not in text  # the message does not repeat the row
    table = pd.read_csv(paths["csv"], sep=";", encoding="utf-8-sig", dtype="str")
    assert table[["bronnummer", "rij", "regelnaam"]].values.tolist() == [
        ["CH-3", "6", "Onbekende wijk"], ["CH-2", "5", "Onleesbare waarde"]]
    assert table["melding"].tolist()[1].startswith("kolom 'Datum werkbezoek': ")


def test_a_database_record_is_shown_by_its_key_alone(runs, tmp_path):
    findings = pd.DataFrame([_finding("registratie", "17", 3, "onbekende_wijk", "wijk",
                                      "Atlantis", "error", "wijk 'Atlantis' staat niet in "
                                      "wijken.yaml")])
    paths = write_steward_report(findings, runs, tmp_path, gx_dir=tmp_path / "gx")
    text = paths["html"].read_text(encoding="utf-8")
    assert "<th scope=\"col\">Bronnummer</th><th scope=\"col\">Veld</th>" in text
    assert "Rij in bron" not in text
