"""Atomic files: a reader (the griffie, a file share, a retry) sees a file's old content
or all of its new content, never a part. Everything is written under a temporary name in
the same folder and renamed into place with ``os.replace``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

TEMP_MARK = ".tmp-"


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
        with temporary.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def place_file(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` atomically (temporary copy, then rename)."""
    target = Path(target)
    temporary = _temporary_name(target)
    try:
        with Path(source).open("rb") as src, temporary.open("wb") as out:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


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
