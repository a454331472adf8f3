"""Bad input from a source ends in quarantine under a Dutch rule, never in a traceback or
a deadline: numbers of days and dates out of bounds, workbooks that are XML or zip bombs.
Each test goes through the ingest's own steps on real files and a real SQLite warehouse."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from defusedxml import DefusedXmlException

from tests.hostile_exports import (
    billion_laughs,
    file_source_config,
    ingest,
    without_data_docs,
    workbook_bytes,
    zip_bomb,
)
from wijkopvolging.config import SourceConfig
from wijkopvolging.errors import ExpectedError
from wijkopvolging.sources import files as file_source
from wijkopvolging.sources import mapping as source_mapping
from wijkopvolging.sources.files import UnsafeWorkbookReader, extract_files
from wijkopvolging.timeliness import (
    TermOutOfBounds,
    TimelinessSettings,
    apply_timeliness,
    deadline,
    status_at,
)
from wijkopvolging.validation import rule_title, validate_snapshot

HEADER = ["Nr.", "Datum werkbezoek", "Wijk", "Onderwerp", "Wethouder", "Verlenging (dagen)"]


def row(record_id: str, extension="", *, raised="12-03-2024", onderwerp=None) -> list:
    return [record_id, raised, "Pernis", onderwerp or f"Bankjes op het plein ({record_id})",
            "Zeegers", extension]


def write_csv(path, rows, header=HEADER):
    lines = [";".join(header)] + [";".join(str(v) for v in r) for r in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


@pytest.fixture
def exports(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def rules_per_record(findings: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for record, rule in zip(findings["source_record_id"], findings["rule"], strict=True):
        out.setdefault(record, set()).add(rule)
    return out


# -- numbers of days -------------------------------------------------------------------------
def test_an_absurd_negative_or_broken_extension_is_quarantined_and_the_rest_loads(
        tmp_path, exports):
    write_csv(exports / "lijst.csv", [
        row("OK-1", "14"),
        row("ABSURD", "99999999999999999999"),
        row("NEGATIVE", "-400"),
        row("DECADES", "3000000"),
        row("HALF", "2.5"),
    ])
    config = without_data_docs(file_source_config(tmp_path, exports))
    result = ingest(config)  # no traceback: the export used to stop the whole ingest

    assert (result.run["extracted"], result.run["loaded"], result.run["quarantined"]) == (5, 1, 4)
    assert rules_per_record(result.findings) == {
        "ABSURD": {"buiten_grenzen"}, "NEGATIVE": {"buiten_grenzen"},
        "DECADES": {"buiten_grenzen"}, "HALF": {"onleesbare_waarde"}}
    messages = result.findings.set_index("source_record_id")["message"]
    assert messages["NEGATIVE"] == ("lijst.csv, rij 4, kolom 'Verlenging (dagen)': -400 dagen "
                                    "ligt buiten 0 tot en met 180 (instelling "
                                    "max_extension_days)")
    assert rule_title("buiten_grenzen") == "Waarde buiten de grenzen"
    loaded = result.items.set_index("source_record_id")
    assert list(loaded.index) == ["OK-1"] and loaded.loc["OK-1", "extension_days"] == 14


def test_the_longest_extension_and_agreed_term_are_settings(tmp_path, exports):
    header = [*HEADER, "Afgesproken termijn (dagen)"]
    write_csv(exports / "lijst.csv", [
        [*row("EXT-60", "60"), ""], [*row("TERM-200", ""), "200"], [*row("TERM-0", ""), "0"]],
        header=header)
    default = ingest(without_data_docs(file_source_config(tmp_path / "a", exports)))
    assert default.run["quarantined"] == 0
    strict = ingest(without_data_docs(file_source_config(
        tmp_path / "b", exports, settings="max_extension_days: 30\nmax_agreed_term_days: 90")))
    assert rules_per_record(strict.findings) == {"EXT-60": {"buiten_grenzen"},
                                                 "TERM-200": {"buiten_grenzen"}}
    message = strict.findings.set_index("source_record_id").loc["TERM-200", "message"]
    assert message.endswith("200 dagen ligt buiten 0 tot en met 90 (instelling "
                            "max_agreed_term_days)")


def test_a_date_outside_1900_to_2199_is_quarantined_instead_of_used(tmp_path, exports):
    header = [*HEADER, "Datum beantwoord"]
    write_csv(exports / "lijst.csv", [
        [*row("OK", ""), "02-04-2024"],
        [*row("SERIAL-9999", ""), "2958465"],  # Excel's last day: 31-12-9999
        [*row("YEAR-2450", ""), "01-01-2450"],
        [*row("YEAR-1899", "", raised="31-12-1899"), ""],
    ], header=header)
    result = ingest(without_data_docs(file_source_config(tmp_path, exports)))
    assert rules_per_record(result.findings) == {
        "SERIAL-9999": {"buiten_grenzen"}, "YEAR-2450": {"buiten_grenzen"},
        "YEAR-1899": {"buiten_grenzen", "verplicht_veld"}}
    assert list(result.items["source_record_id"]) == ["OK"]


def test_a_database_value_too_large_for_any_column_is_quarantined_not_stored():
    raw = pd.DataFrame({"id": ["1", "2"], "verlenging": pd.Series([10**30, 7], dtype=object)})
    source = SourceConfig(name="registratie", type="sql",
                          mapping={"id": "source_record_id", "verlenging": "extension_days"})
    result = source_mapping.to_canonical(raw, source)
    assert list(result.findings["rule"]) == ["buiten_grenzen"]
    assert list(result.items["extension_days"]) == [0, 7]  # emptied, never 10**30


# -- timeliness refuses whatever slipped past a source -------------------------------------
@pytest.mark.parametrize("days", [{"extension_days": -400}, {"extension_days": 3_000_000},
                                  {"agreed_term_days": -1}, {"agreed_term_days": 10**12}])
def test_no_deadline_is_computed_from_a_negative_or_absurd_number_of_days(days):
    with pytest.raises(TermOutOfBounds, match="Geen uiterste datum te berekenen"):
        deadline(dt.date(2024, 3, 12), **days)
    with pytest.raises(TermOutOfBounds):
        status_at(dt.date(2024, 3, 12), None, dt.date(2024, 6, 30), **days)
    items = pd.DataFrame([{
        "item_id": "registratie:1", "kind": "vraag", "date_raised": pd.Timestamp("2024-03-12"),
        "agreed_deadline": pd.NaT, "agreed_term_days": pd.NA, "extension_days": 0,
        "date_answered": pd.NaT, "date_tussenbericht": pd.NaT, **days}])
    with pytest.raises(TermOutOfBounds, match=r"registratie:1"):
        apply_timeliness(items, dt.date(2024, 6, 30))
    assert issubclass(TermOutOfBounds, ExpectedError)  # one line for operations


def test_no_deadline_past_the_year_9999_can_be_produced():
    with pytest.raises(TermOutOfBounds, match="9999"):
        deadline(dt.date(9999, 12, 1), extension_days=30)
    items = pd.DataFrame([{
        "item_id": "x:1", "kind": "vraag", "date_raised": pd.Timestamp("9999-12-01"),
        "agreed_deadline": pd.NaT, "agreed_term_days": pd.NA, "extension_days": 30,
        "date_answered": pd.NaT, "date_tussenbericht": pd.NaT}])
    with pytest.raises(TermOutOfBounds):
        apply_timeliness(items, dt.date(9999, 12, 31))
    # The largest term any setting allows, from the latest date a source may give, still
    # ends long before the calendar does.
    longest = TimelinessSettings(term_days=3650, max_extension_days=3650)
    assert deadline(dt.date(2199, 12, 31), extension_days=3650, settings=longest).year < 2300


def test_validating_a_snapshot_with_absurd_days_from_before_the_bounds_does_not_overflow():
    from wijkopvolging.reference import ReferenceData

    report = pd.DataFrame([{
        "item_id": "registratie:1", "source": "registratie", "source_record_id": "1",
        "kind": "vraag", "wijk": "Pernis", "onderwerp": "Bankjes op het plein",
        "date_raised": pd.Timestamp("2024-03-12"), "wethouder": "Zeegers",
        "agreed_deadline": pd.NaT, "agreed_term_days": 10**15, "extension_days": 3 * 10**9,
        "date_answered": pd.NaT, "date_tussenbericht": pd.NaT}])
    findings = validate_snapshot(report, reference=ReferenceData.load(),
                                 peildatum=dt.date(2024, 6, 30), settings=None)
    assert findings.empty


# -- workbooks that attack the reader --------------------------------------------------------
GOOD_ROWS = [HEADER[:5], ["W-1", "12-03-2024", "Pernis", "Bankjes op het plein", "Zeegers"]]


def test_openpyxl_parses_workbooks_with_defusedxml_and_refuses_entities():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML  # defusedxml is installed and not switched off
    bomb = billion_laughs(GOOD_ROWS, marker="Bankjes op het plein")
    with pytest.raises(Exception) as raised:  # noqa: B017 - openpyxl wraps the cause
        book = openpyxl.load_workbook(io.BytesIO(bomb), read_only=True)
        list(book.active.iter_rows(values_only=True))
    chain, exc = [], raised.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert any(isinstance(e, DefusedXmlException) for e in chain)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml",
                                  "[Content_Types].xml"])
def test_a_billion_laughs_workbook_is_refused_by_name_and_the_other_files_load(
        tmp_path, exports, part):
    (exports / "bom.xlsx").write_bytes(billion_laughs(
        GOOD_ROWS, part=part,
        marker="Bankjes op het plein" if part.startswith("xl/worksheets") else None))
    (exports / "goed.xlsx").write_bytes(workbook_bytes(GOOD_ROWS))
    write_csv(exports / "lijst.csv", [row("C-1")])
    result = ingest(without_data_docs(file_source_config(tmp_path, exports)))

    refused = result.findings[result.findings["rule"] == "bestand_onleesbaar"]
    assert list(refused["value"]) == ["bom.xlsx"]
    assert refused["message"].iloc[0].startswith(
        "bestand bom.xlsx in quarantaine: het bestand bevat XML met een DTD of entiteiten "
        "(mogelijk een 'XML-bom'")
    assert sorted(result.items["source_record_id"]) == ["C-1", "W-1"]
    assert result.run["extracted"] == result.run["loaded"] + result.run["quarantined"] == 2


def test_entities_declared_past_the_first_64_kb_are_refused_by_defusedxml_all_the_same(
        tmp_path, exports):
    # The DTD check reads the first 64 KB of each part; a longer prolog reaches openpyxl,
    # whose defusedxml parser refuses the entities: the same finding.
    (exports / "bom.xlsx").write_bytes(billion_laughs(
        GOOD_ROWS, marker="Bankjes op het plein", padding=70_000))
    result = extract_files(file_source_config(tmp_path, exports).source("gebiedslijsten"))
    (message,) = result.findings["message"]
    assert message == f"bestand bom.xlsx in quarantaine: {file_source.XML_REFUSED}"


def test_without_defusedxml_no_workbook_is_read_and_the_ingest_says_why(
        tmp_path, exports, monkeypatch):
    import openpyxl.xml

    (exports / "goed.xlsx").write_bytes(workbook_bytes(GOOD_ROWS))
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    config = file_source_config(tmp_path, exports)
    with pytest.raises(UnsafeWorkbookReader, match="defusedxml") as raised:
        extract_files(config.source("gebiedslijsten"))
    assert isinstance(raised.value, ExpectedError)


def test_a_workbook_that_unpacks_to_a_zip_bomb_is_refused(tmp_path, exports, monkeypatch):
    monkeypatch.setattr(file_source, "MAX_UNPACKED_BYTES", 2**20)  # 1 MB instead of 512
    (exports / "bom.xlsx").write_bytes(zip_bomb(GOOD_ROWS, unpacked_mb=2))
    write_csv(exports / "lijst.csv", [row("C-1")])
    result = extract_files(file_source_config(tmp_path, exports).source("gebiedslijsten"))
    (message,) = result.findings["message"]
    assert "mogelijk een 'zip-bom'" in message and message.startswith("bestand bom.xlsx")
    assert list(result.items["source_record_id"]) == ["C-1"]


# -- what the generated exports found --------------------------------------------------------
def test_records_without_an_id_get_their_row_not_a_shared_nan(tmp_path, exports):
    write_csv(exports / "lijst.csv", [row(""), row("N-1"), row("")])
    result = extract_files(file_source_config(tmp_path, exports).source("gebiedslijsten"))
    assert list(result.items["source_record_id"]) == ["lijst#2", "N-1", "lijst#4"]


def test_a_form_feed_or_vertical_tab_in_a_title_does_not_change_the_separator(
        tmp_path, exports):
    # Excel writes a line break within a cell as a vertical tab; Python's splitlines() ends
    # a line there, which made the separator sniffing pick the tab of a title instead.
    text = ("Overzicht Vragen uit de Wijk\r\n\r\nExport van oktober\r\n"
            + "|".join(HEADER) + "\r\n"
            + "|".join(["P-1", "10-09-2026", "Pernis", "\tBankjes\x0c op\x0b het plein", "Kasmi",
                        ""]) + "\r\n")
    (exports / "lijst.csv").write_text(text, encoding="utf-8")
    result = extract_files(file_source_config(tmp_path, exports).source("gebiedslijsten"))
    assert result.findings.empty
    assert list(result.items["onderwerp"]) == ["Bankjes\x0c op\x0b het plein"]


def test_an_iso_moment_with_a_t_is_a_date(tmp_path, exports):
    write_csv(exports / "lijst.csv", [row("T-1", raised="2026-09-10T14:30"),
                                      row("T-2", raised="2026-09-10T14:30:05")])
    result = extract_files(file_source_config(tmp_path, exports).source("gebiedslijsten"))
    assert result.findings.empty
    assert set(result.items["date_raised"]) == {pd.Timestamp("2026-09-10")}
