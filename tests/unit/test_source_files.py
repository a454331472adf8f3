"""The file source: Excel and CSV exports as offices make them, each quirk with a small file
made here, the checksum ledger, and files that are quarantined whole."""

from __future__ import annotations

import datetime as dt
import textwrap

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import PatternFill

from wijkopvolging.config import ConfigError, SourceConfig, load_config
from wijkopvolging.sources import extract
from wijkopvolging.sources import files as file_source
from wijkopvolging.sources.files import FILE_UNREADABLE, extract_files
from wijkopvolging.sources.ledger import SourceLedger
from wijkopvolging.warehouse import open_warehouse

HEADER = ["Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder", "Datum beantwoord"]
ROWS = [
    ["CH-1", "12-03-2024", "Pernis", "Bankjes op het Pernisser plein", "Zeegers", "2024-04-02"],
    ["CH-2", "3 april 2024", "Hoogvliet", "Verlichting van het fietspad", "Kasmi", None],
]
DAY_1 = dt.datetime(2024, 5, 1, 3, tzinfo=dt.UTC)
DAY_2 = dt.datetime(2024, 5, 2, 3, tzinfo=dt.UTC)


def source(folder, **options) -> SourceConfig:
    return SourceConfig(
        name="gebiedsexports", type="file",
        mapping={"Nr.": "source_record_id", "Datum werkbezoek": "date_raised", "Wijk": "wijk",
                 "Onderwerp": "onderwerp", "Wethouder": "wethouder",
                 "Datum beantwoord": "date_answered", "Soort": "kind"},
        options={"folder": str(folder), "patterns": ["*.xlsx", "*.xls", "*.csv", "*.txt"],
                 "aliases": {"date_raised": ["Datum bezoek", "Datum ontvangst"],
                             "onderwerp": ["Vraag"], "source_record_id": ["Kenmerk"]},
                 "defaults": {"kind": "vraag"}, **options},
        values={"kind": {"Vraag uit de Wijk": "vraag", "Ongevraagd advies": "advies"}},
    )


def write_xlsx(path, rows, *, sheet="Vragen", title=None, empty_styled_rows=0,
               hidden_first=False, notes_sheet=False):
    book = openpyxl.Workbook()
    ws = book.active
    if hidden_first:
        ws.title = "Keuzelijsten"
        ws.append(["Pernis", "Hoogvliet"])
        ws.sheet_state = "hidden"
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    for row in rows:
        ws.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")  # Excel keeps formatted empty rows
    for n in range(empty_styled_rows):
        ws.cell(ws.max_row + 1 + n, 2).fill = fill
    if notes_sheet:
        book.create_sheet("Toelichting").append(["Dit blad is geen lijst"])
    book.save(path)
    return path


def items_of(result):
    return result.items.set_index("source_record_id")


# -- CSV ---------------------------------------------------------------------------------------
def test_semicolon_csv_in_cp1252_keeps_its_accents(tmp_path):
    text = ("Nr.;Datum werkbezoek;Wijk;Onderwerp;Wethouder;Datum beantwoord\r\n"
            "CH-1;12-03-2024;Pernis;Café-terras en coördinatie markt;Zeegers;\r\n")
    (tmp_path / "lijst.csv").write_bytes(text.encode("cp1252"))
    result = extract_files(source(tmp_path))
    assert items_of(result).loc["CH-1", "onderwerp"] == "Café-terras en coördinatie markt"
    assert items_of(result).loc["CH-1", "date_raised"] == pd.Timestamp("2024-03-12")


def test_utf8_csv_with_byte_order_mark_matches_its_first_header(tmp_path):
    text = ("Nr.;Datum werkbezoek;Wijk;Onderwerp;Wethouder\n"
            "CH-7;2024-03-12;Pernis;Groen in de Dorpsstraat – snoeien;Zeegers\n")
    (tmp_path / "lijst.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = extract_files(source(tmp_path))
    assert list(result.items["source_record_id"]) == ["CH-7"]
    assert result.items.loc[0, "onderwerp"] == "Groen in de Dorpsstraat – snoeien"


def test_comma_separated_csv_is_sniffed_too(tmp_path):
    (tmp_path / "lijst.csv").write_text(
        'Nr.,Datum werkbezoek,Wijk,Onderwerp,Wethouder\nCH-1,12-03-2024,Pernis,'
        '"Bankjes, prullenbakken en verlichting",Zeegers\n', encoding="utf-8")
    result = extract_files(source(tmp_path))
    assert result.items.loc[0, "onderwerp"] == "Bankjes, prullenbakken en verlichting"


def test_csv_title_row_and_trailing_separator_only_rows_are_no_records(tmp_path):
    lines = ["Overzicht Vragen uit de Wijk gebied Charlois;;;;;", ";;;;;", ";".join(HEADER),
             *(";".join(v or "" for v in row) for row in ROWS), ";;;;;", ";;;;;", ""]
    (tmp_path / "lijst.csv").write_text("\r\n".join(lines), encoding="cp1252")
    result = extract_files(source(tmp_path))
    assert list(result.items["source_record_id"]) == ["CH-1", "CH-2"]
    assert result.findings.empty


# -- Excel -------------------------------------------------------------------------------------
def test_title_row_above_the_header_is_skipped(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS],
               title="Vragen uit de Wijk – gebied Charlois, export 1 mei 2024")
    result = extract_files(source(tmp_path))
    assert list(result.items["source_record_id"]) == ["CH-1", "CH-2"]
    assert list(result.items["row_no"]) == [0, 1]


def test_trailing_empty_rows_are_not_records(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS, [None] * 6, [""] * 6],
               empty_styled_rows=25)
    result = extract_files(source(tmp_path))
    assert result.count == 2
    assert result.findings.empty


def test_extra_columns_are_ignored(tmp_path):
    header = ["Behandelaar", *HEADER, "Opmerking intern"]
    rows = [["Wijk MT", *ROWS[0], "bellen met wijkraad"], ["Staf", *ROWS[1], None]]
    write_xlsx(tmp_path / "lijst.xlsx", [header, *rows])
    result = extract_files(source(tmp_path))
    assert result.count == 2
    assert items_of(result).loc["CH-1", "wijk"] == "Pernis"
    assert "Behandelaar" not in result.items.columns


def test_excel_serial_dates_and_real_date_cells_are_both_read(tmp_path):
    rows = [["CH-1", dt.datetime(2024, 3, 12), "Pernis", "Bankjes op het plein", "Zeegers",
             45384],  # 45384 is 2 April 2024 as an Excel serial in a General cell
            ["CH-2", 45385.0, "Hoogvliet", "Verlichting van het fietspad", "Kasmi", None]]
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *rows])
    got = items_of(extract_files(source(tmp_path)))
    assert got.loc["CH-1", "date_raised"] == pd.Timestamp("2024-03-12")
    assert got.loc["CH-1", "date_answered"] == pd.Timestamp("2024-04-02")
    assert got.loc["CH-2", "date_raised"] == pd.Timestamp("2024-04-03")


def test_dutch_date_strings_are_read(tmp_path):
    rows = [[f"CH-{n}", text, "Pernis", "Bankjes op het plein", "Zeegers", None]
            for n, text in enumerate(["12-03-2024", "12 maart 2024", "2024-03-12",
                                      "12/03/2024", "12 mrt. 2024"], 1)]
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *rows])
    result = extract_files(source(tmp_path))
    assert set(result.items["date_raised"]) == {pd.Timestamp("2024-03-12")}
    assert result.findings.empty


def test_first_visible_sheet_is_read_when_no_sheet_is_configured(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS], hidden_first=True, notes_sheet=True)
    result = extract_files(source(tmp_path))
    assert result.count == 2


def test_the_configured_sheet_is_read(tmp_path):
    path = write_xlsx(tmp_path / "lijst.xlsx", [["Toelichting bij de lijst"]], sheet="Info")
    book = openpyxl.load_workbook(path)
    ws = book.create_sheet("Vragen 2024")
    for row in [HEADER, ROWS[0]]:
        ws.append(row)
    book.save(path)
    result = extract_files(source(tmp_path, sheet="vragen 2024"))
    assert list(result.items["source_record_id"]) == ["CH-1"]


def test_a_missing_configured_sheet_quarantines_the_file(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS])
    result = extract_files(source(tmp_path, sheet="Adviezen"))
    assert result.count == 0
    assert "het blad 'Adviezen' ontbreekt (de werkmap heeft 'Vragen')" in \
        result.findings.loc[0, "message"]


def test_headers_match_aliases_regardless_of_case_spacing_and_punctuation(tmp_path):
    header = ["KENMERK", "  datum   BEZOEK ", "wijk:", "Vraag", "Wet-houder"]
    write_xlsx(tmp_path / "lijst.xlsx", [header, ["K-9", "12-03-2024", "Pernis",
                                                  "Bankjes op het plein", "Zeegers"]])
    result = extract_files(source(tmp_path))
    row = result.items.iloc[0]
    assert (row["source_record_id"], row["wijk"], row["onderwerp"]) == (
        "K-9", "Pernis", "Bankjes op het plein")
    assert row["date_raised"] == pd.Timestamp("2024-03-12")
    assert row["kind"] == "vraag"  # from defaults: the list has no Soort column


def test_a_soort_column_wins_over_the_default_kind(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [[*HEADER, "Soort"],
                                         [*ROWS[0], "Ongevraagd advies"], [*ROWS[1], None]])
    got = items_of(extract_files(source(tmp_path)))
    assert (got.loc["CH-1", "kind"], got.loc["CH-2", "kind"]) == ("advies", "vraag")


# -- ids ---------------------------------------------------------------------------------------
def test_records_without_an_id_column_get_file_and_row_ids_stable_across_reads(tmp_path):
    write_xlsx(tmp_path / "charlois-2024.xlsx", [HEADER[1:], *(r[1:] for r in ROWS)],
               title="Vragen uit de Wijk Charlois")
    first = extract_files(source(tmp_path))
    again = extract_files(source(tmp_path))
    assert list(first.items["source_record_id"]) == ["charlois-2024#4", "charlois-2024#5"]
    assert list(first.items["item_id"]) == ["gebiedsexports:charlois-2024#4",
                                            "gebiedsexports:charlois-2024#5"]
    assert list(again.items["item_id"]) == list(first.items["item_id"])


# -- broken files ------------------------------------------------------------------------------
def file_findings(result):
    return result.findings[result.findings["rule"] == FILE_UNREADABLE]


def test_a_file_that_is_not_a_spreadsheet_is_quarantined_whole_and_others_carry_on(tmp_path):
    write_xlsx(tmp_path / "goed.xlsx", [HEADER, *ROWS])
    (tmp_path / "kapot.xlsx").write_text("<html>Dit is een webpagina</html>")
    (tmp_path / "scan.csv").write_bytes(b"%PDF-1.7\x00\x01\x02 binary")
    result = extract_files(source(tmp_path))
    assert result.count == 2
    found = file_findings(result).set_index("value")
    assert set(found.index) == {"kapot.xlsx", "scan.csv"}
    assert found["row_no"].isna().all()
    assert (found["severity"] == "error").all()
    assert "geen Excel-werkmap" in found.loc["kapot.xlsx", "message"]
    assert "geen spreadsheet" in found.loc["scan.csv", "message"]
    assert found.loc["kapot.xlsx", "message"].startswith("bestand kapot.xlsx in quarantaine")


def test_a_password_protected_xlsx_is_quarantined_with_that_reason(tmp_path):
    # Excel stores an encrypted .xlsx as an OLE2 compound file (magic D0 CF 11 E0 A1 B1 1A
    # E1) holding an "EncryptionInfo" stream; this minimal header emulates one.
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    (tmp_path / "beveiligd.xlsx").write_bytes(header + "EncryptionInfo".encode("utf-16-le"))
    (tmp_path / "oud.xls").write_bytes(header + "Workbook".encode("utf-16-le"))
    found = file_findings(extract_files(source(tmp_path))).set_index("value")["message"]
    assert "met een wachtwoord beveiligd" in found["beveiligd.xlsx"]
    assert "oud Excel-bestand (.xls)" in found["oud.xls"]


def test_a_missing_required_column_quarantines_the_file_naming_column_and_file(tmp_path):
    write_xlsx(tmp_path / "zonder-wethouder.xlsx",
               [[h for h in HEADER if h != "Wethouder"], ["CH-1", "12-03-2024", "Pernis",
                                                          "Bankjes op het plein", None]])
    write_xlsx(tmp_path / "goed.xlsx", [HEADER, *ROWS])
    result = extract_files(source(tmp_path))
    assert result.count == 2
    message = file_findings(result).iloc[0]["message"]
    assert "zonder-wethouder.xlsx" in message
    assert "verplichte kolom(men) ontbreken: wethouder ('Wethouder')" in message
    assert "kopregel (rij 1)" in message


def test_an_unparseable_cell_names_file_sheet_row_and_column(tmp_path):
    rows = [ROWS[0], ["CH-2", "begin maart", "Hoogvliet", "Verlichting fietspad", "Kasmi", None]]
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *rows], title="Vragen uit de Wijk")
    result = extract_files(source(tmp_path))
    assert result.count == 2  # the record stays, with a finding that quarantines it
    finding = result.findings.iloc[0]
    assert finding["rule"] == "onleesbare_waarde"
    assert finding["row_no"] == 1 and finding["source_record_id"] == "CH-2"
    assert finding["column"] == "date_raised"
    assert finding["message"].startswith(
        "lijst.xlsx, blad 'Vragen', rij 5, kolom 'Datum werkbezoek': ")


def test_row_numbers_and_findings_run_on_across_files(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", [HEADER, *ROWS])
    write_xlsx(tmp_path / "b.xlsx", [HEADER, ["CH-9", "morgen", "Pernis", "Bankjes", "Zeegers",
                                              None]])
    result = extract_files(source(tmp_path))
    assert list(result.items["row_no"]) == [0, 1, 2]
    assert result.findings.loc[0, "row_no"] == 2
    assert result.items.loc[2, "source_record_id"] == "CH-9"


def test_excel_lock_files_are_skipped(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS])
    (tmp_path / "~$lijst.xlsx").write_bytes(b"lock")
    result = extract_files(source(tmp_path))
    assert result.count == 2 and result.findings.empty


# -- processed once: the ledger ----------------------------------------------------------------
def ledger(tmp_path, run_id, as_of):
    return SourceLedger(f"sqlite:///{tmp_path}/warehouse.sqlite", "gebiedsexports",
                        run_id=run_id, as_of=as_of)


def finish(tmp_path, run_id, as_of, result, *, full_extract=True):
    """What load_source does: load the versions and record the run."""
    with open_warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite") as warehouse:
        bad = set(result.findings["row_no"].dropna().astype(int))
        valid = result.items[~result.items["row_no"].isin(bad)]
        keep = set(result.items.loc[result.items["row_no"].isin(bad), "item_id"])
        counts = warehouse.load_versions(run_id, "gebiedsexports", as_of, valid,
                                         full_extract=full_extract, keep_ids=keep)
        warehouse.record_ingest_run(run_id, "gebiedsexports", as_of, extracted=len(result.items),
                                    loaded=len(valid), quarantined=len(bad), warnings=0,
                                    new=counts["new"], changed=counts["changed"],
                                    deleted=counts["deleted"], finished_at=as_of)
    return counts


@pytest.fixture
def parses(monkeypatch):
    """The names of the files actually parsed (not served from the ledger)."""
    seen = []
    real = file_source.parse_exports

    def counting(files, src, **kwargs):
        seen.extend(path.name for path, _ in files)
        return real(files, src, **kwargs)

    monkeypatch.setattr(file_source, "parse_exports", counting)
    return seen


def test_a_file_is_parsed_once_and_again_when_it_changes(tmp_path, parses):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_xlsx(folder / "charlois.xlsx", [HEADER, *ROWS])
    write_xlsx(folder / "delfshaven.xlsx", [HEADER, ["DH-1", "12-03-2024", "Pernis",
                                                     "Stoep aan de Dorpsstraat", "Zeegers",
                                                     None]])
    first = extract_files(source(folder), ledger=ledger(tmp_path, "run-1", DAY_1))
    assert parses == ["charlois.xlsx", "delfshaven.xlsx"]
    finish(tmp_path, "run-1", DAY_1, first)

    parses.clear()
    second = extract_files(source(folder), ledger=ledger(tmp_path, "run-2", DAY_2))
    assert parses == []  # nothing changed: nothing parsed
    pd.testing.assert_frame_equal(second.items, first.items)  # but every record counts
    assert finish(tmp_path, "run-2", DAY_2, second) == {"new": 0, "changed": 0,
                                                        "unchanged": 3, "deleted": 0}

    write_xlsx(folder / "charlois.xlsx", [HEADER, ROWS[0], [*ROWS[1][:5], "2024-04-20"]])
    day_3 = DAY_2 + dt.timedelta(days=1)
    third = extract_files(source(folder), ledger=ledger(tmp_path, "run-3", day_3))
    assert parses == ["charlois.xlsx"]
    assert items_of(third).loc["CH-2", "date_answered"] == pd.Timestamp("2024-04-20")
    assert finish(tmp_path, "run-3", day_3, third)["changed"] == 1


def test_a_changed_mapping_parses_unchanged_files_again(tmp_path, parses):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS])
    extract_files(source(tmp_path), ledger=ledger(tmp_path, "run-1", DAY_1))
    extract_files(source(tmp_path, sheet="Vragen"), ledger=ledger(tmp_path, "run-2", DAY_2))
    assert parses == ["lijst.xlsx", "lijst.xlsx"]


def test_a_file_removed_from_the_folder_deletes_its_records(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_xlsx(folder / "a.xlsx", [HEADER, ROWS[0]])
    write_xlsx(folder / "b.xlsx", [HEADER, ROWS[1]])
    finish(tmp_path, "run-1", DAY_1,
           extract_files(source(folder), ledger=ledger(tmp_path, "run-1", DAY_1)))
    (folder / "b.xlsx").unlink()
    second = extract_files(source(folder), ledger=ledger(tmp_path, "run-2", DAY_2))
    assert finish(tmp_path, "run-2", DAY_2, second)["deleted"] == 1


def test_a_file_that_becomes_unreadable_keeps_its_records_in_quarantine(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_xlsx(folder / "lijst.xlsx", [HEADER, *ROWS])
    finish(tmp_path, "run-1", DAY_1,
           extract_files(source(folder), ledger=ledger(tmp_path, "run-1", DAY_1)))
    (folder / "lijst.xlsx").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
                                        + "EncryptionInfo".encode("utf-16-le"))
    second = extract_files(source(folder), ledger=ledger(tmp_path, "run-2", DAY_2))
    assert second.count == 2
    assert (second.findings["rule"] == FILE_UNREADABLE).all()
    assert second.findings["row_no"].tolist() == [None, 0, 1]
    counts = finish(tmp_path, "run-2", DAY_2, second)
    assert counts["deleted"] == 0  # the last good versions stay


def test_without_full_extract_only_new_or_changed_files_are_extracted(tmp_path, parses):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_xlsx(folder / "a.xlsx", [HEADER, ROWS[0]])
    src = source(folder)
    src = SourceConfig(**{**src.__dict__, "full_extract": False})
    first = extract_files(src, ledger=ledger(tmp_path, "run-1", DAY_1))
    # A retry of the same run, before it finished, sees the file again.
    assert extract_files(src, ledger=ledger(tmp_path, "run-1", DAY_1)).count == 1
    finish(tmp_path, "run-1", DAY_1, first, full_extract=False)
    write_xlsx(folder / "b.xlsx", [HEADER, ROWS[1]])
    second = extract_files(src, ledger=ledger(tmp_path, "run-2", DAY_2))
    assert list(second.items["source_record_id"]) == ["CH-2"]


def test_extract_dispatches_a_file_source(tmp_path):
    write_xlsx(tmp_path / "lijst.xlsx", [HEADER, *ROWS])
    result = extract(source(tmp_path), data_interval_start=DAY_1, data_interval_end=DAY_1,
                     state=ledger(tmp_path, "run-1", DAY_1))
    assert result.count == 2


# -- configuration -----------------------------------------------------------------------------
FILE_CONFIG = """
warehouse:
  url: sqlite:///w.sqlite
sources:
  exports:
    type: file
    folder: exports
    mapping:
      Datum werkbezoek: date_raised
      Wijk: wijk
      Onderwerp: onderwerp
      Wethouder: wethouder
    aliases:
      date_raised: [Datum bezoek]
    defaults:
      kind: vraag
"""


def write_config(tmp_path, text):
    path = tmp_path / "wijkopvolging.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_file_source_configuration_loads_with_its_folder_under_the_project(
        tmp_path, monkeypatch):
    monkeypatch.setenv("WIJKOPVOLGING_HOME", str(tmp_path))
    config = load_config(write_config(tmp_path, FILE_CONFIG))
    assert config.source("exports").options["folder"] == str(tmp_path / "exports")
    assert config.source("exports").full_extract is True


@pytest.mark.parametrize(("change", "expected"), [
    (("      date_raised: [Datum bezoek]", "      date_raised: [Onderwerp]"),
     "header 'Onderwerp' is already used for 'onderwerp'"),
    (("      date_raised: [Datum bezoek]", "      datum: [Datum bezoek]"),
     "aliases.datum: unknown field 'datum'"),
    (("      kind: vraag", "      kind: klacht"), "defaults.kind: 'klacht' is not one of"),
    (("      Wethouder: wethouder\n", ""), "no column for required field 'wethouder'"),
    (("    folder: exports\n", ""), "sources.exports.folder: missing"),
    (("    folder: exports\n", "    folder: exports\n    sheeet: Vragen\n"),
     "sources.exports.sheeet: unknown key"),
])
def test_a_wrong_file_source_setting_names_the_key(tmp_path, change, expected):
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace("[", r"\[")):
        load_config(write_config(tmp_path, FILE_CONFIG.replace(*change)))


# -- the demo exports --------------------------------------------------------------------------
def test_demo_exports_read_through_the_configured_source_and_share_items_with_the_sql_demo(
        tmp_path):
    from demo.exports import write_demo_exports
    from demo.registrations import generate
    from wijkopvolging.duplicates import find_duplicates
    from wijkopvolging.sources.mapping import to_canonical

    until = dt.date(2025, 10, 31)
    paths = write_demo_exports(tmp_path / "exports", until=until, seed=2024)
    assert [p.name for p in paths] == ["vragen-uit-de-wijk-charlois.xlsx",
                                       "ongevraagde-adviezen-charlois.csv"]
    config = load_config()
    exports = extract_files(config.source("gebiedslijsten"), folder=tmp_path / "exports")
    assert 30 <= exports.count <= 60
    assert set(exports.items["kind"]) == {"vraag", "advies"}
    assert file_findings(exports).empty
    unreadable = exports.findings
    assert len(unreadable) == 1 and "kolom 'Datum beantwoord'" in unreadable.iloc[0]["message"]
    assert exports.items["source_record_id"].is_unique

    registratie = config.source("registratiesysteem")
    records = pd.DataFrame([r.__dict__ for r in generate(seed=2024, until=until)])
    sql_items = to_canonical(records, registratie).items
    both = pd.concat([sql_items, exports.items], ignore_index=True)
    kept, duplicates = find_duplicates(both, source_priority=[s.name for s in config.sources])
    assert len(duplicates) == 3
    assert set(duplicates["kept_source"]) == {"registratiesysteem"}
    assert len(kept) == len(both) - 3
