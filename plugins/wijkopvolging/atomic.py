"""Atomic files: a reader (the griffie, a file share, a retry) sees a file's old content
or all of its new content, never a part. Everything is written under a temporary name in
the same folder and renamed into place with ``os.replace``; a set of files is copied
complete under temporary names before the first is renamed (``place_files``).

Every file the pipeline delivers is written here, so a full file system is reported here
too: ``OutputFolderFull`` names the folder, and what was there before stays as it was.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wijkopvolging.errors import ExpectedError

TEMP_MARK = ".tmp-"


class OutputFolderFull(ExpectedError):
    """The file system of an output folder is full: a person must make room first."""


@contextmanager
def _room_in(folder: Path) -> Iterator[None]:
    """Turn "no space left" while writing into ``folder`` into ``OutputFolderFull``."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        try:
            free = f"{shutil.disk_usage(folder).free / 1e6:.1f} MB vrij"
        except OSError:
            free = "vrije ruimte onbekend"
        raise OutputFolderFull(
            f"geen ruimte meer in {folder}: het bestandssysteem is vol ({free}). Maak daar "
            "ruimte vrij en start de taak opnieuw; wat er al stond, is ongewijzigd") from None


def _temporary_name(path: Path) -> Path:
    # A leading dot keeps the file out of sight in Explorer/Finder; the pid keeps two
    # attempts from writing the same temporary file.
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, so
    ``path`` holds either its old content or all of the new, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_name(path)
    try:
        with _room_in(path.parent), temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def place_file(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` atomically (temporary copy, then rename)."""
    place_files([(source, target)])
    return Path(target)


def place_files(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Copy each source to its target: every copy complete under a temporary name first,
    then renamed into place in the order given. A copy that fails (a full disk) leaves
    every target as it was, so a set is never half replaced."""
    staged: list[tuple[Path, Path]] = []
    try:
        for source, target in pairs:
            target = Path(target)
            staged.append((_temporary_name(target), target))
            with _room_in(target.parent), Path(source).open("rb") as src, \
                    staged[-1][0].open("wb") as out:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
        for temporary, target in staged:  # renames need no room
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def sweep_temporary_files(folder: Path) -> None:
    """Remove temporary files that a killed earlier attempt left behind."""
    for leftover in Path(folder).glob(f".*{TEMP_MARK}*"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks (documents can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
