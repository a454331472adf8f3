"""Faults while a set is written, made for real: the output folder on a small tmpfs that
fills up, and a LibreOffice that hangs or crashes (a stand-in ``soffice`` early on PATH).
Each run starts from a copy of the warehouse after the ingest that closes
September–October 2026 and takes the report steps in this process, as the DAG's tasks do.
docs/reliability.md lists what each shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import require
from wijkopvolging.approval import CollegeDecision
from wijkopvolging.atomic import TEMP_MARK, OutputFolderFull, file_sha256
from wijkopvolging.config import DocumentsConfig
from wijkopvolging.delivery import deliver_to_griffie, period_folder
from wijkopvolging.layout import LETTER, MANIFEST, OVERVIEW, OVERVIEW_XLSX, SetLayout
from wijkopvolging.periods import Period

PERIOD = Period.parse("2026-09")
TMPFS_SIZE = "16m"  # a set without PDFs takes about a megabyte


def decision(kenmerk: str) -> dict:
    """An approval as the college's task hands it over; a new kenmerk makes a new set."""
    return CollegeDecision(period=PERIOD.slug, approved=True, decided_on=dt.date(2026, 11, 10),
                           kenmerk=kenmerk, note="", responded_by="secretariaat",
                           responded_at=dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)).to_xcom()


def deliver(config, kenmerk: str, run_id: str = "rapportage") -> dict:
    """The report's steps from the snapshot to the drop folder (no SMTP connection)."""
    from wijkopvolging import pipeline

    return pipeline.report_to_griffie(config, PERIOD, run_id=run_id, decision=decision(kenmerk))


def delivered_set(folder: Path) -> dict[str, str]:
    """Every file of the set in the drop folder by its checksum, after checking each
    against the manifest the folder holds: a set that is whole and of one piece."""
    import json

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    listed = {**manifest["files"], **manifest["publications"]}
    found = {name: file_sha256(folder / name) for name in listed}
    assert found == listed, "the drop folder holds files of two different sets"
    return found


def leftovers(folder: Path) -> list[Path]:
    """Temporary files a write left behind anywhere below ``folder``."""
    return sorted(p for p in folder.rglob(f"*{TEMP_MARK}*"))


# ------------------------------------------------------------------ a full output folder

@pytest.fixture
def small_output(tmp_path):
    """A folder on its own small tmpfs: its file system fills up for real."""
    folder = tmp_path / "uitvoer"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    require(mounted.returncode == 0,
            f"cannot mount a tmpfs on {folder} (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(folder: Path, leave: int) -> Path:
    """Fill ``folder``'s file system until ``leave`` bytes are free."""
    filler = folder / "vulsel.bin"
    size = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize - leave
    with filler.open("wb") as out:
        while size > 0:
            out.write(b"\0" * min(size, 1 << 20))
            size -= 1 << 20
    return filler


@pytest.fixture
def project(tmp_path, closing_ingest_sqlite, small_output):
    """The closing ingest's warehouse, its output on the small tmpfs, one set delivered."""
    with closing_ingest_sqlite.copy(tmp_path / "project") as project:
        config = dataclasses.replace(project.config(), output_dir=small_output)
        deliver(config, "26bb000001")
        yield config


def test_a_full_output_folder_fails_clearly_keeps_the_delivered_set_and_the_next_run_completes(
        project):
    drop = period_folder(project, PERIOD)
    first = delivered_set(drop)

    # Full while the new set is rendered: almost nothing left.
    filler = fill(project.output_dir, leave=64 * 1024)
    with pytest.raises(OutputFolderFull) as error:
        deliver(project, "26bb000002")
    assert str(project.output_dir) in str(error.value)
    assert "geen ruimte meer" in str(error.value) and "Maak daar ruimte vrij" in str(error.value)
    assert delivered_set(drop) == first and not leftovers(project.output_dir)

    # Full while the rendered set is placed: room for the letter, not for the set.
    filler.unlink()
    from wijkopvolging.rapportage import render_for_delivery

    rendered = render_for_delivery(project, PERIOD, run_id="rapportage",
                                   decision=decision("26bb000002"))["set"]
    letter = SetLayout(rendered).letter
    filler = fill(project.output_dir, leave=letter.stat().st_size + 8 * 1024)
    with pytest.raises(OutputFolderFull) as error:
        deliver_to_griffie(project, PERIOD, rendered, run_id="rapportage")
    assert str(drop) in str(error.value)
    assert delivered_set(drop) == first and not leftovers(project.output_dir)

    # Room again: the next run delivers the new set, whole.
    filler.unlink()
    deliver(project, "26bb000003")
    second = delivered_set(drop)
    assert second != first and second.keys() == first.keys()
    assert not leftovers(project.output_dir)


def a_set(folder: Path, size: int) -> Path:
    """A set of three files of ``size`` bytes and its manifest, as the report writes it."""
    import json

    from wijkopvolging.atomic import write_atomic

    names = [LETTER, OVERVIEW, OVERVIEW_XLSX]
    for n, name in enumerate(names):
        write_atomic(folder / name, bytes([n, size % 251]) * (size // 2))
    manifest = {"files": {name: file_sha256(folder / name) for name in names},
                "publications": {}}
    write_atomic(folder / MANIFEST, json.dumps(manifest).encode())
    return folder


def test_a_larger_set_that_does_not_fit_leaves_the_delivered_set_whole(tmp_path, small_output):
    from wijkopvolging.delivery import publish_set

    drop = small_output / "2026-09_2026-10"
    publish_set(a_set(tmp_path / "eerste", 100_000), drop)
    first = delivered_set(drop)
    # Room for one new file beside the old set, not for the new set: replaced one file at
    # a time, the first new file would land and the second not.
    filler = fill(small_output, leave=400_000)
    with pytest.raises(OutputFolderFull) as error:
        publish_set(a_set(tmp_path / "tweede", 300_000), drop)
    assert str(drop) in str(error.value)
    assert delivered_set(drop) == first and not leftovers(small_output)
    filler.unlink()
    publish_set(tmp_path / "tweede", drop)
    assert delivered_set(drop) != first


# ------------------------------------------------------------------ a hanging LibreOffice

# Like LibreOffice's own soffice: a wrapper script whose real program is its child. The
# child's pid tells the test that it is gone afterwards.
STAND_IN = """#!/bin/sh
{program} </dev/null >/dev/null 2>&1 &
echo $! >> "{pids}"
{then}
"""
HANGS = {"program": "sleep 600", "then": "wait"}
CRASHES = {"program": "sleep 600", "then": "echo 'soffice: fatal error' >&2; exit 1"}


@pytest.fixture(scope="module")
def pdf_project(tmp_path_factory, closing_ingest_sqlite):
    """The closing ingest with PDFs on, their conversion bounded at two seconds, and the
    report's checks done (the steps before the documents)."""
    from wijkopvolging import pipeline

    with closing_ingest_sqlite.copy(tmp_path_factory.mktemp("pdf") / "project",
                                    pdf=True) as project:
        config = dataclasses.replace(
            project.config(), documents=DocumentsConfig(pdf=True, pdf_timeout_seconds=2))
        pipeline.report_checks(config, PERIOD, run_id="rapportage")
        yield config


def running(pid: int) -> bool:
    """Whether the process runs (a zombie nobody reaped yet has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def stand_in_soffice(folder: Path, monkeypatch, behaviour: dict) -> Path:
    """``soffice`` early on PATH behaving as ``behaviour`` says; returns the file its
    child's pid goes to."""
    pids = folder / "soffice.pids"
    folder.mkdir()
    script = folder / "soffice"
    script.write_text(STAND_IN.format(pids=pids, **behaviour), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return pids


@pytest.mark.parametrize(("behaviour", "said"), [
    (HANGS, "niet binnen 2 s klaar"), (CRASHES, "stopte met code 1")], ids=["hangs", "crashes"])
def test_a_hanging_or_crashing_libreoffice_is_bounded_and_the_griffie_gets_nothing_yet(
        pdf_project, tmp_path, monkeypatch, behaviour, said):
    from wijkopvolging.documents.pdf import PdfConversionError
    from wijkopvolging.rapportage import render_for_delivery, work_folder

    pids = stand_in_soffice(tmp_path / "bin", monkeypatch, behaviour)
    started = time.monotonic()
    with pytest.raises(PdfConversionError) as error:
        render_for_delivery(pdf_project, PERIOD, run_id="rapportage",
                            decision=decision("26bb000001"))
    assert time.monotonic() - started < 120  # bounded by the timeout, not by sleep 600
    message = str(error.value)
    assert said in message and "documents.pdf" in message
    assert "er is niets geleverd" in message

    # Whatever it did, LibreOffice is gone, its child too: its process group was stopped.
    assert not [pid for pid in map(int, pids.read_text().split()) if running(pid)]
    # The griffie gets nothing yet: no set in the drop folder, and none that delivery
    # could take (a Word set without its PDFs is never delivered).
    drop = period_folder(pdf_project, PERIOD)
    assert not (drop / MANIFEST).exists() and not (drop / LETTER).exists()
    assert not (work_folder(pdf_project, PERIOD) / MANIFEST).exists()
    assert not leftovers(pdf_project.output_dir)
