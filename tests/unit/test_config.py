"""The configuration file: the default loads, and every kind of mistake names file and key."""

from __future__ import annotations

import textwrap

import pytest

from wijkopvolging.config import ConfigError, load_config

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
    assert config.settings["term_days"] == 42
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
