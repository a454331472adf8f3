"""One DAG run through Airflow's own runner (`airflow dags test`), as `make run` drives the
DAGs, with the demo college's answer where the run asks for it.

`make run` and every test that must run a DAG through the runner use this one helper. A
run has failed when `airflow dags test` exits non-zero (Airflow 3.3 exits with "DagRun
failed" when the run ends failed); the log is a file, never a pipe nobody reads.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPROVE_DEMO = ROOT / "scripts" / "approve_demo.py"
POLL_SECONDS = 1.0


class DagRunFailed(RuntimeError):
    """The run ended failed, or the demo college could not answer; the message holds the
    log's tail."""


@dataclass(frozen=True)
class DagRun:
    dag_id: str
    logical_date: dt.datetime
    log: Path
    seconds: float
    approved: str | None = None  # what the demo college said, when it answered


def airflow_command() -> str:
    """The `airflow` of this Python's environment."""
    return str(Path(sys.executable).parent / "airflow")


def log_tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    return f"--- {path} (last {min(lines, len(text))} lines)\n" + "\n".join(text[-lines:])


def run_dag(dag_id: str, logical_date: dt.datetime, *, log: Path,
            env: Mapping[str, str] | None = None,
            approval: tuple[dt.date, str] | None = None,
            while_running: Callable[[], None] | None = None,
            timeout: float = 900) -> DagRun:
    """Run ``dag_id`` at ``logical_date`` (the interval's end, as `dags test` reads it) to
    its end; the output goes to ``log``. ``approval`` (decision date, kenmerk): the demo
    college answers the run's approval request through Airflow's REST API meanwhile
    (scripts/approve_demo.py; the configuration must allow it). ``while_running`` is
    called about every second (make run announces retries with it). Raises
    ``DagRunFailed`` with the log's tail when the run fails or time runs out."""
    env = dict(os.environ if env is None else env)
    started = time.monotonic()
    log.parent.mkdir(parents=True, exist_ok=True)
    approver = approved = None
    with log.open("w") as out:
        runner = subprocess.Popen([airflow_command(), "dags", "test", dag_id,
                                   logical_date.isoformat()],
                                  stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        if approval is not None:
            approver = subprocess.Popen(
                [sys.executable, str(APPROVE_DEMO), "--besluitdatum", approval[0].isoformat(),
                 "--kenmerk", approval[1], "--logical-date", logical_date.isoformat()],
                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            while runner.poll() is None:
                if time.monotonic() - started > timeout:
                    raise DagRunFailed(f"{dag_id} not finished within {timeout:.0f} s\n"
                                       + log_tail(log))
                if approver is not None and approver.poll() is not None:
                    said = approver.stdout.read().strip()
                    if approver.returncode != 0:
                        raise DagRunFailed(f"{dag_id}: the demo approval failed:\n"
                                           f"{said[-2000:]}\n" + log_tail(log))
                    approved, approver = said.splitlines()[-1], None
                if while_running is not None:
                    while_running()
                time.sleep(POLL_SECONDS)
        finally:
            for process in (runner, approver):
                if process is not None and process.poll() is None:
                    stop(process)
    if runner.returncode != 0:
        raise DagRunFailed(f"airflow dags test {dag_id} {logical_date.isoformat()} failed "
                           f"(exit {runner.returncode})\n" + log_tail(log, 60))
    return DagRun(dag_id, logical_date, log, time.monotonic() - started, approved)


def stop(process: subprocess.Popen) -> None:
    """TERM, and KILL if it is still there after ten seconds (a runner waiting for a
    retry does not always react to TERM)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
