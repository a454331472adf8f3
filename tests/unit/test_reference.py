"""The reference data in include/config and its loader."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.fresh_import import fresh_import
from wijkopvolging.reference import (
    DORPSRAAD,
    WIJKRAAD,
    ReferenceData,
    ReferenceDataError,
    default_config_dir,
)

CONFIG_DIR = Path(__file__).resolve().parents[2] / "include" / "config"
REFERENCE_FILES = ("gebieden.yaml", "wijken.yaml", "wethouders.yaml", "wijkwethouders.yaml")


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return ReferenceData.load(CONFIG_DIR)


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A writable copy of the real files, to break one at a time."""
    for name in REFERENCE_FILES:
        shutil.copy(CONFIG_DIR / name, tmp_path / name)
    return tmp_path


def sample_dates() -> list[dt.date]:
    """Every 1st and 15th from June 2022 to 2030, plus the days around each change."""
    dates = [
        dt.date(year, month, day)
        for year in range(2022, 2031)
        for month in range(1, 13)
        for day in (1, 15)
        if dt.date(year, month, day) >= dt.date(2022, 6, 1)
    ]
    boundaries = [
        dt.date(2022, 6, 1),
        dt.date(2023, 6, 30),
        dt.date(2023, 7, 1),
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
        dt.date(2024, 7, 1),
        dt.date(2024, 7, 2),
        dt.date(2026, 5, 31),
        dt.date(2026, 6, 1),
        dt.date(2026, 11, 28),
        dt.date(2030, 12, 31),
    ]
    return sorted(set(dates + boundaries))


# --- the real files ----------------------------------------------------------------------


def test_there_are_14_gebieden(ref):
    names = {g.name for g in ref.gebieden}
    assert len(ref.gebieden) == 14
    assert "Rotterdam Centrum" in names and "Hoek van Holland" in names


def test_there_are_39_raden_37_wijkraden_and_2_dorpsraden(ref):
    assert len(ref.wijken) == 39
    assert len(ref.wijk_names) == 39
    assert sum(w.type == WIJKRAAD for w in ref.wijken) == 37
    dorpsraden = {w.name for w in ref.wijken if w.type == DORPSRAAD}
    assert dorpsraden == {"Hoek van Holland", "Rozenburg"}


def test_every_wijk_belongs_to_a_listed_gebied_and_every_gebied_has_a_wijk(ref):
    gebieden = {g.name for g in ref.gebieden}
    assert {ref.gebied_of(w) for w in ref.wijk_names} == gebieden


def test_only_charlois_and_delfshaven_are_marked_verified(ref):
    verified = {w.gebied for w in ref.wijken if w.verified}
    assert verified == {"Charlois", "Delfshaven"}
    assert sum(w.verified for w in ref.wijken) == 9


def test_kralingseveer_stays_in_prins_alexander_with_a_note(ref):
    assert ref.gebied_of("Kralingseveer") == "Prins Alexander"
    assert "uncertain" in ref.wijk("Kralingseveer").note


@pytest.mark.parametrize(
    ("old_name", "current"),
    [
        ("Carnisse-Zuiderpark", "Carnisse-Zuidplein-Zuiderpark"),
        ("Bergpolder-Blijdorp-Liskwartier", "Blijdorp-Bergpolder-Liskwartier"),
    ],
)
def test_names_from_before_the_2023_renames_resolve_via_aliases(ref, old_name, current):
    assert ref.canonical_wijk(old_name) == current
    assert ref.canonical_wijk(current) == current
    assert old_name not in ref.wijk_names


@pytest.mark.parametrize(
    ("spelling", "current"),
    [
        ("  oud charlois-WIELEWAAL ", "Oud Charlois-Wielewaal"),
        ("Oud  Charlois - Wielewaal", "Oud Charlois-Wielewaal"),
        ("Delfshaven\u2013Schiemond", "Delfshaven-Schiemond"),  # en dash
        ("Middelland \u2014 Nieuwe\u00a0Westen", "Middelland-Nieuwe Westen"),  # em dash, nbsp
        ("Het Lage Land-Prinsenland-\u2019s Gravenland", "Het Lage Land-Prinsenland-'s Gravenland"),
        ("Wijkraad Kralingen", "Kralingen"),
        ("dorpsraad Rozenburg", "Rozenburg"),
        ("carnisse \u2013 zuiderpark", "Carnisse-Zuidplein-Zuiderpark"),
    ],
)
def test_wijk_matching_ignores_case_spacing_dashes_and_raad_prefix(ref, spelling, current):
    assert ref.canonical_wijk(spelling) == current


def test_unknown_wijk_is_none_for_lookup_and_keyerror_for_gebied(ref):
    assert ref.canonical_wijk("Atlantis") is None
    assert ref.canonical_wijk("") is None
    assert ref.wijkwethouder("Atlantis", dt.date(2024, 1, 1)) is None
    with pytest.raises(KeyError, match="Atlantis"):
        ref.gebied_of("Atlantis")


def test_the_2022_college_members_are_all_listed(ref):
    assert {
        "Simons",
        "Vreugdenhil",
        "Struijvenberg",
        "Karremans",
        "Versnel",
        "Zeegers",
        "Kasmi",
        "Achbar",
        "Yigit",
        "Buijt",
    } <= ref.wethouder_names


def test_invented_wethouders_are_marked_fictional(ref):
    for wethouder in ref.wethouders:
        if "fictief" in wethouder.name:
            assert wethouder.fictional


@pytest.mark.parametrize(
    ("name", "date", "expected"),
    [
        ("Simons", dt.date(2022, 5, 31), False),
        ("Simons", dt.date(2022, 6, 1), True),
        ("Simons", dt.date(2026, 5, 31), True),
        ("Simons", dt.date(2026, 6, 1), False),
        ("Buijt", dt.date(2023, 6, 30), False),
        ("Buijt", dt.date(2023, 7, 1), True),
        ("Karremans", dt.date(2024, 7, 1), True),
        ("Karremans", dt.date(2024, 7, 2), False),
        ("Zeegers", dt.date(2030, 12, 31), True),
        ("De Vries (fictief)", dt.date(2026, 5, 31), False),
        ("De Vries (fictief)", dt.date(2026, 6, 1), True),
        ("  struijvenberg ", dt.date(2024, 1, 1), True),
        ("Nobody", dt.date(2024, 1, 1), False),
    ],
)
def test_wethouder_in_office_includes_both_boundary_days(ref, name, date, expected):
    assert ref.wethouder_in_office(name, date) is expected


def test_wethouder_in_office_accepts_datetimes(ref):
    assert ref.wethouder_in_office("Simons", dt.datetime(2026, 5, 31, 23, 59))
    assert ref.wijkwethouder("Heijplaat", dt.datetime(2023, 7, 1, 9, 0)) == "Buijt"


@pytest.mark.parametrize("date", sample_dates(), ids=str)
def test_every_wijk_has_exactly_one_wijkwethouder_in_office(ref, date):
    for wijk in ref.wijk_names:
        holders = [a.wethouder for a in ref.assignments if a.wijk == wijk and a.valid_on(date)]
        assert len(holders) == 1, f"{wijk} on {date}: {holders}"
        assert ref.wijkwethouder(wijk, date) == holders[0]
        assert ref.wethouder_in_office(holders[0], date), f"{holders[0]} on {date}"


def test_wijkwethouder_changes_on_the_validity_dates(ref):
    assert ref.wijkwethouder("Heijplaat", dt.date(2023, 6, 30)) == "Simons"
    assert ref.wijkwethouder("Heijplaat", dt.date(2023, 7, 1)) == "Buijt"
    assert ref.wijkwethouder("Kralingseveer", dt.date(2023, 12, 31)) == "Zeegers"
    assert ref.wijkwethouder("Kralingseveer", dt.date(2024, 1, 1)) == "Achbar"
    assert ref.wijkwethouder("Feijenoord", dt.date(2024, 7, 1)) == "Karremans"
    assert ref.wijkwethouder("Feijenoord", dt.date(2024, 7, 2)) == "Buijt"
    assert ref.wijkwethouder("Carnisse-Zuiderpark", dt.date(2026, 6, 1)) == "De Vries (fictief)"
    assert ref.wijkwethouder("Kralingen", dt.date(2022, 5, 31)) is None


def test_wethouders_frame_has_datetime_columns_with_nat_for_open_terms(ref):
    frame = ref.wethouders_frame()
    assert list(frame.columns) == ["name", "in_office_from", "in_office_to"]
    assert str(frame["in_office_from"].dtype) == "datetime64[us]"
    assert str(frame["in_office_to"].dtype) == "datetime64[us]"
    assert len(frame) == len(ref.wethouders)
    zeegers = frame.set_index("name").loc["Zeegers"]
    assert zeegers["in_office_to"] != zeegers["in_office_to"]  # NaT
    simons = frame.set_index("name").loc["Simons"]
    assert simons["in_office_to"].date() == dt.date(2026, 5, 31)


def test_wijken_frame_lists_wijk_gebied_and_type(ref):
    frame = ref.wijken_frame()
    assert list(frame.columns) == ["wijk", "gebied", "type"]
    assert len(frame) == 39
    assert set(frame.loc[frame["type"] == DORPSRAAD, "wijk"]) == {"Hoek van Holland", "Rozenburg"}


def test_module_imports_without_pandas():
    done, loaded = fresh_import("wijkopvolging.reference", env={"PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "wijkopvolging" in loaded and "pandas" not in loaded


def test_load_is_cached_per_folder(config_copy):
    first = ReferenceData.load(config_copy)
    assert ReferenceData.load(config_copy) is first
    assert ReferenceData.load(CONFIG_DIR) is not first


def test_default_folder_follows_wijkopvolging_home(monkeypatch, tmp_path):
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(tmp_path))
    assert default_config_dir() == tmp_path.resolve() / "include" / "config"
    with pytest.raises(ReferenceDataError, match="gebieden.yaml: file not found"):
        ReferenceData.load()


# --- broken files ------------------------------------------------------------------------


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_missing_file_names_the_file(config_copy):
    (config_copy / "wethouders.yaml").unlink()
    with pytest.raises(ReferenceDataError, match=r"wethouders\.yaml: file not found"):
        ReferenceData.load(config_copy)


def test_bad_yaml_names_the_file_and_line(config_copy):
    (config_copy / "gebieden.yaml").write_text("gebieden:\n  - name: [Charlois\n")
    with pytest.raises(ReferenceDataError, match=r"gebieden\.yaml: not valid YAML at line \d+"):
        ReferenceData.load(config_copy)


def test_file_without_the_expected_list_is_refused(config_copy):
    (config_copy / "gebieden.yaml").write_text("charlois: true\n")
    with pytest.raises(ReferenceDataError, match=r"gebieden\.yaml: expected a top-level"):
        ReferenceData.load(config_copy)


def test_wijk_with_unknown_gebied_names_file_and_wijk(config_copy):
    replace_in(config_copy / "wijken.yaml", "gebied: Pernis", "gebied: Pernis-Zuid")
    with pytest.raises(ReferenceDataError) as caught:
        ReferenceData.load(config_copy)
    message = str(caught.value)
    assert "wijken.yaml" in message and "'Pernis'" in message and "'Pernis-Zuid'" in message
    assert "\n" not in message


def test_wijk_with_unknown_type_is_refused(config_copy):
    replace_in(config_copy / "wijken.yaml", "type: dorpsraad", "type: stadsraad")
    with pytest.raises(ReferenceDataError, match=r"'Hoek van Holland'.*type must be"):
        ReferenceData.load(config_copy)


def test_alias_used_by_two_wijken_is_refused(config_copy):
    replace_in(config_copy / "wijken.yaml", "aliases: []", "aliases: [Carnisse-Zuiderpark]")
    with pytest.raises(ReferenceDataError, match="already used by wijk"):
        ReferenceData.load(config_copy)


def test_overlapping_assignments_for_one_wijk_are_refused(config_copy):
    replace_in(
        config_copy / "wijkwethouders.yaml",
        "valid_to: 2023-06-30\n    wijken: [Heijplaat, ",
        "valid_to: 2023-07-01\n    wijken: [Heijplaat, ",
    )
    with pytest.raises(ReferenceDataError) as caught:
        ReferenceData.load(config_copy)
    message = str(caught.value)
    assert "wijkwethouders.yaml" in message and "'Heijplaat'" in message
    assert "Simons" in message and "Buijt" in message


def test_assignment_naming_unknown_wethouder_is_refused(config_copy):
    replace_in(config_copy / "wijkwethouders.yaml", "wethouder: Versnel", "wethouder: Versnell")
    with pytest.raises(ReferenceDataError, match=r"wijkwethouders\.yaml.*'Versnell'"):
        ReferenceData.load(config_copy)


def test_assignment_naming_unknown_wijk_is_refused(config_copy):
    replace_in(config_copy / "wijkwethouders.yaml", "[Oosterflank, ", "[Oosterflankk, ")
    with pytest.raises(
        ReferenceDataError, match=r"wijkwethouders\.yaml.*unknown wijk 'Oosterflankk'"
    ):
        ReferenceData.load(config_copy)


def test_assignment_outside_the_wethouders_term_is_refused(config_copy):
    replace_in(
        config_copy / "wijkwethouders.yaml",
        "valid_from: 2024-07-02\n    valid_to: 2026-05-31\n    wijken: [Entrepot",
        "valid_from: 2024-07-02\n    valid_to: null\n    wijken: [Entrepot",
    )
    with pytest.raises(ReferenceDataError, match="outside Buijt's term in office"):
        ReferenceData.load(config_copy)


def test_wethouder_with_term_ending_before_it_starts_is_refused(config_copy):
    replace_in(
        config_copy / "wethouders.yaml", "in_office_to: 2024-07-01", "in_office_to: 2021-01-01"
    )
    with pytest.raises(ReferenceDataError, match=r"'Karremans'.*ends .* before it starts"):
        ReferenceData.load(config_copy)


def test_wethouder_with_a_non_date_is_refused(config_copy):
    replace_in(
        config_copy / "wethouders.yaml", "in_office_from: 2023-07-01", "in_office_from: soon"
    )
    with pytest.raises(ReferenceDataError, match=r"'Buijt'.*must be a date"):
        ReferenceData.load(config_copy)
