"""The configuration file: the default loads, and every kind of mistake names file and key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import ROOT
from wijkopvolging.config import ConfigError, load_config
from wijkopvolging.errors import ExpectedError
from wijkopvolging.timeliness import TimelinessSettings

GOOD = """
warehouse:
  url: sqlite:///.data/warehouse.sqlite
settings:
  term_days: 42
sources:
  registratie:
    type: sql
    url: sqlite:///demo.sqlite
    table: registratie
    mapping:
      id: source_record_id
      soort: kind
"""


def write(tmp_path, text):
    path = tmp_path / "wijkopvolging.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_default_configuration_loads_with_the_demo_source():
    config = load_config()
    assert [s.name for s in config.sources] == ["registratiesysteem", "gebiedslijsten"]
    assert config.settings.timeliness == TimelinessSettings(term_days=42, holiday_rule=True)
    assert config.settings.earliest_date == dt.date(2022, 3, 1)
    assert config.settings.kenmerk == "WaZ/{slug}"
    assert config.signalering.wijk_mt_address == "wijkmt.{slug}@example.org"
    assert config.signalering.send_empty is False
    assert config.warehouse_url.startswith("sqlite:///")


def test_relative_sqlite_paths_are_relative_to_the_project_root(tmp_path, monkeypatch):
    monkeypatch.delenv("WIJKOPVOLGING_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(tmp_path))
    config = load_config(write(tmp_path, GOOD))
    assert config.warehouse_url == f"sqlite:///{tmp_path}/.data/warehouse.sqlite"
    assert config.source("registratie").options["url"] == f"sqlite:///{tmp_path}/demo.sqlite"


def test_environment_variable_names_another_configuration_file(tmp_path, monkeypatch):
    monkeypatch.setenv("WIJKOPVOLGING_CONFIG", str(write(tmp_path, GOOD)))
    assert [s.name for s in load_config().sources] == ["registratie"]


def test_warehouse_url_from_environment_overrides_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("WIJKOPVOLGING_WAREHOUSE_URL", "postgresql://wh@db/warehouse")
    assert load_config(write(tmp_path, GOOD)).warehouse_url == "postgresql://wh@db/warehouse"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(None, "cannot read the configuration file", id="missing-file"),
        pytest.param("sources: [unclosed\n", "not valid YAML at line", id="bad-yaml"),
        pytest.param(GOOD.replace("type: sql", "type: ftp"),
                     "sources.registratie.type: unknown source type 'ftp'", id="unknown-type"),
        pytest.param(GOOD.replace("soort: kind", "soort: soortje"),
                     "sources.registratie.mapping.soort: unknown field 'soortje'",
                     id="unknown-field"),
        pytest.param(GOOD + "extra: 1\n", "extra: unknown key", id="unknown-top-level-key"),
        pytest.param(GOOD.replace("    table: registratie\n", ""),
                     "sources.registratie.query: a sql source needs", id="no-query-or-table"),
        pytest.param(GOOD.replace("term_days: 42", "term_days: zes weken"),
                     "settings.term_days: expected a whole number", id="bad-setting"),
    ],
)
def test_a_wrong_file_stops_with_one_line_naming_file_and_key(tmp_path, text, expected):
    path = tmp_path / "absent.yaml" if text is None else write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


FULL = GOOD.replace("settings:\n  term_days: 42\n", """\
output_dir: output
gx_dir: .gx
settings:
  term_days: 42
  holiday_rule: true
  extra_holidays: [2026-05-15]
  earliest_date: 2022-03-01
  kenmerk: "WaZ/{slug}"
delivery:
  smtp_conn_id: smtp_griffie
  griffie: [griffie@example.org]
approval:
  to: [secretariaat@example.org]
  reminder_after_days: 2
  timeout_days: 7.5
  approver_role: Collegesecretariaat
signalering:
  wijk_mt_address: "wijkmt.{slug}@example.org"
  wijk_mt: {Pernis: [wijkmanager.pernis@example.org]}
  send_empty: false
""")


def test_every_section_becomes_a_frozen_typed_object(tmp_path):
    config = load_config(write(tmp_path, FULL))
    assert config.settings.timeliness == TimelinessSettings(
        term_days=42, holiday_rule=True, extra_holidays=(dt.date(2026, 5, 15),))
    assert config.settings.term_days == 42
    # The bounds a source's days must keep, at their defaults when not named.
    assert (config.settings.timeliness.max_extension_days,
            config.settings.timeliness.max_agreed_term_days) == (180, 365)
    assert config.signalering.wijk_mt["Pernis"] == ("wijkmanager.pernis@example.org",)
    assert config.delivery.griffie == ("griffie@example.org",)
    assert (config.approval.to, config.approval.reminder_after_days,
            config.approval.timeout_days, config.approval.demo_approval,
            config.approval.approver_role) == (
        ("secretariaat@example.org",), 2.0, 7.5, False, "Collegesecretariaat")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.settings.kenmerk = "X"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.signalering.wijk_mt["Hoogvliet"] = ("x@example.org",)  # type: ignore[index]


def _swap(old: str, new: str) -> str:
    assert old in FULL, old
    return FULL.replace(old, new)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a wrong value, section by section
        pytest.param(_swap("url: sqlite:///.data/warehouse.sqlite", "url: 5"),
                     "warehouse.url: expected a database URL", id="warehouse-value"),
        pytest.param(_swap("output_dir: output", "output_dir: [a, b]"),
                     "output_dir: expected a folder", id="output-dir-value"),
        pytest.param(_swap("holiday_rule: true", "holiday_rule: soms"),
                     "settings.holiday_rule: expected true or false, got 'soms'",
                     id="settings-holiday-rule"),
        pytest.param(_swap("term_days: 42", "term_days: -1"),
                     "settings.term_days: expected 0 to 3650 days", id="settings-term-days"),
        pytest.param(_swap("term_days: 42", "term_days: 42\n  max_extension_days: 99999"),
                     "settings.max_extension_days: expected 0 to 3650 days, got 99999",
                     id="settings-max-extension-days"),
        pytest.param(_swap("term_days: 42", "term_days: 42\n  max_agreed_term_days: een jaar"),
                     "settings.max_agreed_term_days: expected a whole number of days",
                     id="settings-max-agreed-term-days"),
        pytest.param(_swap("extra_holidays: [2026-05-15]", "extra_holidays: [15 mei]"),
                     "settings.extra_holidays: expected dates", id="settings-extra-holidays"),
        pytest.param(_swap("earliest_date: 2022-03-01", "earliest_date: maart"),
                     "settings.earliest_date: expected a date", id="settings-earliest-date"),
        pytest.param(_swap('kenmerk: "WaZ/{slug}"', 'kenmerk: "WaZ/{wijk}"'),
                     "settings.kenmerk: 'WaZ/{wijk}' is not a kenmerk template",
                     id="settings-kenmerk"),
        pytest.param(_swap("griffie: [griffie@example.org]", "griffie: [griffie]"),
                     "delivery.griffie: 'griffie' is not an e-mail address", id="delivery-value"),
        pytest.param(_swap("smtp_conn_id: smtp_griffie", "smtp_conn_id: [a]"),
                     "delivery.smtp_conn_id: expected the id of an Airflow connection",
                     id="delivery-conn-id"),
        pytest.param(_swap("timeout_days: 7.5", "timeout_days: 1"),
                     "approval.reminder_after_days: must be less than approval.timeout_days",
                     id="approval-reminder-after-timeout"),
        pytest.param(_swap("timeout_days: 7.5", "timeout_days: nooit"),
                     "approval.timeout_days: expected a positive number of days",
                     id="approval-value"),
        pytest.param(_swap("approver_role: Collegesecretariaat", "approver_role: ''"),
                     "approval.approver_role: expected the name of an Airflow role",
                     id="approval-role"),
        pytest.param(_swap("send_empty: false", "send_empty: soms"),
                     "signalering.send_empty: expected true or false", id="signalering-value"),
        pytest.param(_swap('wijk_mt_address: "wijkmt.{slug}@example.org"',
                           'wijk_mt_address: "wijkmt.{wijk}@example.org"'),
                     "signalering.wijk_mt_address: 'wijkmt.{wijk}@example.org' may only use",
                     id="signalering-pattern"),
        pytest.param(_swap("    table: registratie\n", "    table: registratie\n    demo: ja\n"),
                     "sources.registratie.demo: expected true or false", id="sources-value"),
        # an unknown key, section by section
        pytest.param(FULL + "extra: 1\n", "extra: unknown key", id="top-level-key"),
        pytest.param(_swap("url: sqlite:///.data/warehouse.sqlite",
                           "url: sqlite:///.data/warehouse.sqlite\n  pool: 5"),
                     "warehouse.pool: unknown key", id="warehouse-key"),
        pytest.param(_swap("term_days: 42", "term_days: 42\n  termijn: 42"),
                     "settings.termijn: unknown key", id="settings-key"),
        pytest.param(_swap("smtp_conn_id: smtp_griffie", "smtp_conn_id: smtp_griffie\n  cc: x"),
                     "delivery.cc: unknown key", id="delivery-key"),
        pytest.param(_swap("timeout_days: 7.5", "timeout_days: 7.5\n  auto_approve: true"),
                     "approval.auto_approve: unknown key", id="approval-key"),
        pytest.param(_swap("send_empty: false", "send_empty: false\n  wijkmt: {}"),
                     "signalering.wijkmt: unknown key", id="signalering-key"),
        pytest.param(_swap("    table: registratie\n", "    table: registratie\n    tabel: x\n"),
                     "sources.registratie.tabel: unknown key", id="sources-key"),
    ],
)
def test_a_wrong_value_or_unknown_key_in_any_section_names_file_and_key(tmp_path, text,
                                                                        expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message
    assert isinstance(error.value, ExpectedError)


def test_make_run_stops_on_a_wrong_setting_before_any_work_in_one_line(tmp_path):
    path = write(tmp_path, _swap("holiday_rule: true", "holiday_rule: soms"))
    env = {**os.environ, "WIJKOPVOLGING_CONFIG": str(path),
           "AIRFLOW_HOME": str(tmp_path / "airflow")}
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_pipeline.py")],
                            capture_output=True, text=True, env=env, timeout=60)
    seconds = time.monotonic() - started
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"make run: {path}: settings.holiday_rule: expected true or false, got 'soms'"]
    assert result.stdout == ""  # no period announced, no demo source filled, no DAG run
    assert not (tmp_path / "airflow").exists()
    assert seconds < 5, seconds  # about 1 s; the bound allows for a busy machine


def test_pdfs_are_made_by_default_and_can_be_left_out_by_file_or_environment(
        tmp_path, monkeypatch):
    monkeypatch.delenv("WIJKOPVOLGING_PDF", raising=False)
    assert load_config(write(tmp_path, GOOD)).documents.pdf is True
    off = load_config(write(tmp_path, GOOD + "documents:\n  pdf: false\n"))
    assert off.documents.pdf is False and off.documents.pdf_timeout_seconds == 300
    monkeypatch.setenv("WIJKOPVOLGING_PDF", "true")
    assert load_config(write(tmp_path, GOOD + "documents:\n  pdf: false\n")).documents.pdf
    monkeypatch.setenv("WIJKOPVOLGING_PDF", "soms")
    with pytest.raises(ConfigError, match="WIJKOPVOLGING_PDF: expected true or false"):
        load_config(write(tmp_path, GOOD))


@pytest.mark.parametrize("section, message", [
    ("documents:\n  pdf: ja\n", "documents.pdf: expected true or false"),
    ("documents:\n  pdf_timeout_seconds: 0\n", "documents.pdf_timeout_seconds: expected a"),
    ("documents:\n  pdfs: true\n", "documents.pdfs: unknown key"),
])
def test_a_wrong_documents_setting_names_its_key(tmp_path, monkeypatch, section, message):
    monkeypatch.delenv("WIJKOPVOLGING_PDF", raising=False)
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, GOOD + section))


def test_data_docs_are_published_by_default_and_can_be_left_out_by_file_or_environment(
        tmp_path, monkeypatch):
    monkeypatch.delenv("WIJKOPVOLGING_DATA_DOCS", raising=False)
    on = load_config(write(tmp_path, GOOD))
    assert on.validation.data_docs is True and on.data_docs_dir == on.gx_dir
    off = load_config(write(tmp_path, GOOD + "validation:\n  data_docs: false\n"))
    assert off.validation.data_docs is False and off.data_docs_dir is None
    monkeypatch.setenv("WIJKOPVOLGING_DATA_DOCS", "true")
    assert load_config(write(tmp_path, GOOD + "validation:\n  data_docs: false\n")).data_docs_dir
    monkeypatch.setenv("WIJKOPVOLGING_DATA_DOCS", "misschien")
    with pytest.raises(ConfigError, match="WIJKOPVOLGING_DATA_DOCS: expected true or false"):
        load_config(write(tmp_path, GOOD))
    monkeypatch.delenv("WIJKOPVOLGING_DATA_DOCS")
    with pytest.raises(ConfigError, match="validation.data_docs: expected true or false"):
        load_config(write(tmp_path, GOOD + "validation:\n  data_docs: ja\n"))


def test_the_woo_index_is_on_by_default_with_a_base_url_from_file_or_environment(
        tmp_path, monkeypatch):
    monkeypatch.delenv("WIJKOPVOLGING_PUBLIC_BASE_URL", raising=False)
    default = load_config(write(tmp_path, GOOD)).publication
    assert default.base_url.startswith("https://") and default.informatiecategorie == "c_8c840238"
    configured = load_config(write(tmp_path, GOOD + textwrap.dedent("""
        publication:
          base_url: https://www.rotterdam.nl/woo/wijkopvolging/
          informatiecategorie: https://identifier.overheid.nl/tooi/def/thes/kern/c_db4862c3
        """))).publication
    assert configured.base_url == "https://www.rotterdam.nl/woo/wijkopvolging"
    assert configured.informatiecategorie == "c_db4862c3"
    monkeypatch.setenv("WIJKOPVOLGING_PUBLIC_BASE_URL", "https://open.rotterdam.nl/woo")
    assert load_config(write(tmp_path, GOOD)).publication.base_url == (
        "https://open.rotterdam.nl/woo")
    monkeypatch.setenv("WIJKOPVOLGING_PUBLIC_BASE_URL", "open.rotterdam.nl")
    with pytest.raises(ConfigError, match="WIJKOPVOLGING_PUBLIC_BASE_URL: expected an addr"):
        load_config(write(tmp_path, GOOD))


def test_archiving_is_off_until_its_url_is_set_by_file_or_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("WIJKOPVOLGING_DOCUMENTEN_API_URL", raising=False)
    assert not load_config(write(tmp_path, GOOD)).archive.enabled
    assert not load_config().archive.enabled  # the repository's file: off
    on = load_config(write(tmp_path, GOOD + textwrap.dedent("""
        archive:
          documenten_api_url: https://openzaak.example.nl/documenten/api/v1/
          bronorganisatie: "002220647"
          informatieobjecttype: https://openzaak.example.nl/catalogi/api/v1/informatieobjecttypen/1
          inline_max_bytes: 1024
        """))).archive
    assert on.enabled and on.documenten_api_url.endswith("/documenten/api/v1")
    assert (on.bronorganisatie, on.conn_id, on.inline_max_bytes) == (
        "002220647", "zgw_documenten", 1024)
    monkeypatch.setenv("WIJKOPVOLGING_DOCUMENTEN_API_URL", "https://drc.example.nl/api/v1")
    with pytest.raises(ConfigError, match="archive.bronorganisatie: missing"):
        load_config(write(tmp_path, GOOD))


ARCHIVE = """
archive:
  documenten_api_url: https://openzaak.example.nl/documenten/api/v1
  bronorganisatie: "002220647"
  informatieobjecttype: https://openzaak.example.nl/catalogi/api/v1/informatieobjecttypen/1
"""


@pytest.mark.parametrize("text, message", [
    ("publication:\n  base_url: ftp://example.org\n", "publication.base_url: expected an"),
    ("publication:\n  informatiecategorie: c_99a836c7\n",
     "publication.informatiecategorie: 'c_99a836c7' is not one of c_8c840238 (bij "),
    ("publication:\n  sitemap: ja\n", "publication.sitemap: unknown key"),
    (ARCHIVE.replace('"002220647"', '"123456789"'),
     "archive.bronorganisatie: '123456789' is not an RSIN"),
    (ARCHIVE.replace("https://openzaak.example.nl/catalogi", "catalogi"),
     "archive.informatieobjecttype: expected the URL of an informatieobjecttype"),
    (ARCHIVE + "  retries: -1\n", "archive.retries: expected a number >= 0"),
    (ARCHIVE + "  token: x\n", "archive.token: unknown key"),
    ("archive:\n  documenten_api_url: openzaak\n", "archive.documenten_api_url: expected an"),
])
def test_a_wrong_publication_or_archive_setting_names_its_key(tmp_path, monkeypatch, text,
                                                              message):
    monkeypatch.delenv("WIJKOPVOLGING_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("WIJKOPVOLGING_DOCUMENTEN_API_URL", raising=False)
    path = write(tmp_path, GOOD + text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
