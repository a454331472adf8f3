"""Delivery to the griffie without a mail server: atomic files, the ledger's decisions,
the e-mail as built, and a re-issue made from the warehouse's history."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from wijkopvolging import atomic, deliver_once, delivery, layout
from wijkopvolging.atomic import place_file
from wijkopvolging.config import ConfigError, DeliveryConfig, load_config
from wijkopvolging.delivery import (
    EMAIL,
    Action,
    build_mail,
    content_fingerprint,
    decide_delivery,
    deliver_to_griffie,
    publish_set,
    write_atomic,
)
from wijkopvolging.labels import REVISED_MARK
from wijkopvolging.layout import SetKind, SetLayout, drop_folder, work_set
from wijkopvolging.model import coerce_items
from wijkopvolging.periods import Period, select_for_report
from wijkopvolging.rapportage import report_as_of, work_folder
from wijkopvolging.warehouse import open_warehouse

PERIOD = Period.starting(2026, 9)  # september–oktober 2026, peildatum 31 oktober 2026
ROOT = Path(__file__).resolve().parents[2]


# -- atomic files ------------------------------------------------------------------------

def test_a_crash_while_copying_keeps_the_old_document_under_its_name(tmp_path, monkeypatch):
    target = SetLayout(tmp_path).letter
    target.write_bytes(b"de geleverde versie")
    source = tmp_path / "nieuw.docx"
    source.write_bytes(b"x" * 100_000)

    def crash_halfway(src, out):
        out.write(src.read(50_000))
        raise OSError("disk full")

    monkeypatch.setattr(atomic.shutil, "copyfileobj", crash_halfway)
    with pytest.raises(OSError, match="disk full"):
        place_file(source, target)
    assert target.read_bytes() == b"de geleverde versie"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["nieuw.docx", layout.LETTER])


def test_a_crash_before_the_rename_leaves_no_file_under_the_final_name(tmp_path, monkeypatch):
    def crash(_fd):
        raise OSError("killed")

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(OSError):
        write_atomic(SetLayout(tmp_path).manifest, b"{}")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_process_never_leaves_a_partial_document_under_its_name(tmp_path):
    """SIGKILL in the middle of a copy (the source is a pipe that delivers half the
    bytes): the final name does not exist, and the next publication sweeps the rest."""
    fifo = tmp_path / "bron.docx"
    os.mkfifo(fifo)
    drop = tmp_path / "drop"
    drop.mkdir()
    # A process of its own that imports wijkopvolging.atomic and runs place_file.
    child = multiprocessing.get_context("spawn").Process(
        target=place_file, args=(fifo, drop / "brief.docx"))
    child.start()
    try:
        with fifo.open("wb") as pipe:  # blocks until the child opens the pipe
            pipe.write(b"PK" + b"x" * 70_000)
            pipe.flush()
            deadline = time.monotonic() + 10
            while not list(drop.glob(".brief.docx.tmp-*")) and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
            child.join(timeout=10)
    except BrokenPipeError:
        pass
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=10)
    assert child.exitcode == -signal.SIGKILL
    assert not (drop / "brief.docx").exists()
    assert [p.name for p in drop.iterdir()] == [f".brief.docx.tmp-{child.pid}"]

    source = _fake_set(tmp_path / "set")
    publish_set(source, drop)
    assert sorted(p.name for p in drop.iterdir()) == sorted([*_FILES, layout.MANIFEST])


# -- the ledger's decisions --------------------------------------------------------------

_FILES = {layout.LETTER: b"brief", layout.OVERVIEW: b"overzicht",
          SetLayout.pdf_of(layout.LETTER).name: b"%PDF brief",
          SetLayout.pdf_of(layout.OVERVIEW).name: b"%PDF overzicht"}


def _fake_set(folder: Path, *, letter: bytes = b"brief", revised: bool = False) -> Path:
    """A rendered set as write_documents leaves it: files plus manifest with sha256."""
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    files = {**_FILES, layout.LETTER: letter}
    if revised:
        files = {name: data + f" {REVISED_MARK}".encode() for name, data in files.items()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = {"period": PERIOD.slug, "label": PERIOD.label,
                "peildatum": PERIOD.peildatum.isoformat(), "kenmerk": "WaZ/2026-09_2026-10",
                "revised": revised,
                "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    SetLayout(folder).manifest.write_text(json.dumps(manifest))
    return folder


def _row(content: str) -> dict:
    return {"content_sha256": content, "delivered_at": dt.datetime(2026, 11, 1, 6),
            "recipients": ["griffie@example.org"]}


def test_a_period_never_delivered_is_sent():
    assert decide_delivery("abc", None, force=False).action is Action.SEND


def test_an_unchanged_period_is_not_sent_again_even_when_forced():
    assert decide_delivery("abc", _row("abc"), force=False).action is Action.NOTHING
    assert decide_delivery("abc", _row("abc"), force=True).action is Action.NOTHING


def test_a_changed_period_is_held_unless_the_run_forces_it():
    held = decide_delivery("new", _row("old"), force=False, hold_changes=True)
    forced = decide_delivery("new", _row("old"), force=True, hold_changes=True)
    assert (held.action, held.sends) == (Action.HOLD, False)
    assert (forced.action, forced.sends, forced.revised) == (Action.SEND_REVISED, True, True)


def test_only_the_word_documents_count_as_a_change():
    base = {"a.docx": "1", "b.docx": "2", "a.pdf": "3"}
    assert content_fingerprint(base) == content_fingerprint({**base, "a.pdf": "other"})
    assert content_fingerprint(base) != content_fingerprint({**base, "b.docx": "other"})


@pytest.fixture
def project(isolated_project, monkeypatch):
    """The repository's config with warehouse and output in tmp, and a mail recorder in
    place of the SMTP server (the service tests use a real one). A run hands delivery a
    finished set in the work folder, and with ``force`` the revised set beside it, as the
    documents task does."""
    config = load_config()
    sent = []
    monkeypatch.setattr(deliver_once, "send_mail", lambda mail, conn_id: sent.append(mail))

    def run(*, letter=b"brief", force=False, smtp=True):
        rendered = _fake_set(work_folder(config, PERIOD), letter=letter)
        revised = (_fake_set(work_set(config.output_dir, PERIOD, SetKind.REVISED).folder,
                             letter=letter, revised=True)
                   if force else None)
        return deliver_to_griffie(config, PERIOD, rendered, revised_set=revised,
                                  run_id=f"run-{len(sent)}-{force}", force=force,
                                  smtp_configured=smtp)

    def ledger():
        with open_warehouse(config.warehouse_url) as warehouse:
            return warehouse.deliveries_of(PERIOD.slug, EMAIL)

    return config, run, sent, ledger


def test_first_delivery_fills_the_drop_folder_mails_and_records(project):
    config, run, sent, ledger = project
    result = run()
    drop = drop_folder(config.output_dir, PERIOD)
    assert result["action"] == "send"
    assert len(sent) == 1 and REVISED_MARK not in sent[0].subject
    assert drop.letter.read_bytes() == b"brief"
    assert [row["revised"] for row in ledger()] == [False]
    assert not work_folder(config, PERIOD).exists()
    assert not work_folder(config, PERIOD).parent.exists()  # no empty .werk left behind


def test_a_rerun_of_an_unchanged_period_sends_nothing(project):
    _config, run, sent, ledger = project
    run()
    assert run()["action"] == "nothing"
    assert len(sent) == 1 and len(ledger()) == 1


def test_a_changed_period_without_force_sends_nothing_and_keeps_the_delivered_set(project):
    config, run, sent, ledger = project
    run()
    result = run(letter=b"brief, gecorrigeerd")
    drop = drop_folder(config.output_dir, PERIOD)
    assert result["action"] == "hold"
    assert len(sent) == 1 and len(ledger()) == 1
    assert drop.letter.read_bytes() == b"brief"
    assert drop.not_delivered.letter.read_bytes() == b"brief, gecorrigeerd"


def test_a_changed_period_with_force_is_sent_as_herziene_versie(project):
    config, run, sent, ledger = project
    run()
    run(letter=b"brief, gecorrigeerd")
    result = run(letter=b"brief, gecorrigeerd", force=True)
    drop = drop_folder(config.output_dir, PERIOD)
    assert result["action"] == "send_revised"
    assert REVISED_MARK in sent[-1].subject
    assert drop.letter.read_bytes().endswith(REVISED_MARK.encode())
    assert not drop.not_delivered.folder.exists()
    assert [row["revised"] for row in ledger()] == [False, True]
    # The revised set is recorded by its unmarked content: an unchanged re-run is quiet.
    assert run(letter=b"brief, gecorrigeerd")["action"] == "nothing"


def test_without_smtp_connection_the_drop_folder_gets_the_set_and_nothing_is_recorded(
        project, caplog):
    config, run, sent, ledger = project
    caplog.set_level("WARNING", logger="wijkopvolging.delivery")
    result = run(smtp=False)
    drop = drop_folder(config.output_dir, PERIOD)
    assert result["action"] == "drop_folder_only"
    assert drop.manifest.is_file() and sent == [] and ledger() == []
    assert f"geen SMTP-verbinding ingesteld; documenten staan in {drop.folder}" in caplog.text


def test_an_smtp_connection_without_griffie_address_is_a_configuration_error(project):
    config, _run, _sent, _ledger = project
    rendered = _fake_set(work_folder(config, PERIOD))
    bare = type(config)(**{**config.__dict__, "delivery": DeliveryConfig()})
    with pytest.raises(ConfigError, match="delivery.griffie"):
        deliver_to_griffie(bare, PERIOD, rendered, run_id="r", smtp_configured=True)


def test_a_forced_change_without_a_revised_set_is_refused_and_sends_nothing(project):
    config, run, sent, ledger = project
    run()
    rendered = _fake_set(work_folder(config, PERIOD), letter=b"brief, gecorrigeerd")
    with pytest.raises(delivery.DeliveryError, match="herziene versie"):
        deliver_to_griffie(config, PERIOD, rendered, run_id="r", force=True,
                           smtp_configured=True)
    assert len(sent) == 1 and len(ledger()) == 1


def test_the_concept_goes_to_the_secretariat_and_the_griffie_gets_nothing(project):
    config, _run, sent, ledger = project
    rendered = _fake_set(work_set(config.output_dir, PERIOD, SetKind.CONCEPT).folder)
    result = delivery.deliver_concept(config, PERIOD, rendered, run_id="r",
                                      smtp_configured=True)
    drop = drop_folder(config.output_dir, PERIOD)
    assert result["folder"] == str(drop.concept.folder)
    assert list(drop.folder.iterdir()) == [drop.concept.folder]
    assert drop.concept.letter.read_bytes() == b"brief"
    (mail,) = sent
    assert mail.to == config.approval.to and "griffie@example.org" not in mail.to
    assert mail.subject.startswith("Concept ter besluitvorming")
    assert ledger() == [] and not work_folder(config, PERIOD).parent.exists()


# -- the layers ------------------------------------------------------------------------------

def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at the top or inside a function."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_delivery_does_not_import_the_report_steps():
    """Delivery is the last step: it takes a finished set and never reaches back into
    rendering. The modules it uses to mail once must not either."""
    plugins = ROOT / "plugins" / "wijkopvolging"
    for module in ("delivery.py", "deliver_once.py", "mail.py"):
        reaching_back = {name for name in _imported_modules(plugins / module)
                         if name == "wijkopvolging.rapportage"
                         or name.startswith("wijkopvolging.rapportage.")}
        assert reaching_back == set(), module


def test_the_import_rule_check_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from wijkopvolging.rapportage import write_documents\n")
    assert "wijkopvolging.rapportage" in _imported_modules(source)


# -- the e-mail ----------------------------------------------------------------------------

def test_the_mail_names_period_and_kenmerk_in_dutch_and_attaches_the_whole_set(tmp_path):
    folder = _fake_set(tmp_path)
    manifest = json.loads(SetLayout(folder).manifest.read_text())
    mail = build_mail(PERIOD, manifest, folder, to=["griffie@example.org"],
                      from_email="wijkopvolging@example.org", revised=False)
    assert mail.subject == ("Stand van zaken Vragen uit de Wijk en ongevraagde adviezen, "
                            "september–oktober 2026 – kenmerk WaZ/2026-09_2026-10")
    assert mail.to == ("griffie@example.org",)
    assert "Geachte griffie" in mail.html and "peildatum 31 oktober 2026" in mail.html
    assert "publicatie in het RIS" in mail.html and "herziene versie" not in mail.html
    assert [p.name for p in mail.attachments] == list(_FILES)
    assert mail.headers["X-Wijkopvolging-Periode"] == PERIOD.slug


def test_a_revised_mail_says_herziene_versie_and_what_it_replaces(tmp_path):
    folder = _fake_set(tmp_path, revised=True)
    manifest = json.loads(SetLayout(folder).manifest.read_text())
    mail = build_mail(PERIOD, manifest, folder, to=["griffie@example.org"], from_email=None,
                      revised=True, previous_delivery=dt.datetime(2026, 11, 1, 6))
    assert mail.subject.startswith("Stand van zaken Vragen uit de Wijk en ongevraagde "
                                   f"adviezen, september–oktober 2026 {REVISED_MARK}")
    assert "<strong>herziene versie</strong>" in mail.html
    assert "vervangen de versie die u op 1 november 2026 ontving" in mail.html


def test_the_mail_escapes_what_comes_from_the_data(tmp_path):
    folder = _fake_set(tmp_path)
    manifest = {**json.loads(SetLayout(folder).manifest.read_text()), "kenmerk": "<b>&</b>"}
    mail = build_mail(PERIOD, manifest, folder, to=["g@example.org"], from_email=None,
                      revised=False)
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in mail.html and "<b>&" not in mail.html


# -- a re-issue of a past period --------------------------------------------------------

def _items(*rows):
    return coerce_items(pd.DataFrame([
        {"item_id": f"bron:{rid}", "source": "bron", "source_record_id": rid, "kind": "vraag",
         "wijk": "Tarwewijk", "onderwerp": title, "date_raised": raised, "wethouder": "Achbar",
         "date_answered": answered}
        for rid, title, raised, answered in rows]))


def test_a_reissue_after_later_ingests_shows_the_state_at_the_period_end(tmp_path):
    with open_warehouse(f"sqlite:///{tmp_path}/warehouse.sqlite") as warehouse:
        at_period_end = dt.datetime(2026, 10, 31, 4, tzinfo=dt.UTC)  # 05:00 Amsterdam
        later = dt.datetime(2026, 12, 15, 4, tzinfo=dt.UTC)
        warehouse.load_versions("ingest-okt", "bron", at_period_end, _items(
            ("1", "Verlichting Millinxpark", "2026-09-10", None)), full_extract=True)
        # December: question 1 answered, and question 2, raised in October, registered late.
        warehouse.load_versions("ingest-dec", "bron", later, _items(
            ("1", "Verlichting Millinxpark", "2026-09-10", "2026-12-01"),
            ("2", "Bankjes Zuidplein", "2026-10-20", None)), full_extract=True)

        reissue = select_for_report(warehouse.snapshot(report_as_of(PERIOD)), PERIOD)
        today = select_for_report(warehouse.snapshot(later), PERIOD)
    assert reissue["source_record_id"].tolist() == ["1"]
    assert reissue["date_answered"].isna().all()  # open at the peildatum, as then reported
    assert sorted(today["source_record_id"]) == ["1", "2"]
