"""Print which wijkopvolging DAGs are paused and how to start the schedules (Dutch).

    python scripts/pause_states.py [--wait SECONDS]

Reads the Airflow metadata database (AIRFLOW_HOME). ``--wait`` gives the dag-processor that
time to register the DAGs first (``make airflow-ui`` starts it a moment earlier).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from wijkopvolging.airflow_support import PIPELINE_DAGS, pause_summary  # noqa: E402


def paused_states() -> dict[str, bool]:
    """dag id -> is_paused for the pipeline's DAGs the metadata database knows."""
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(select(DagModel.dag_id, DagModel.is_paused)
                               .where(DagModel.dag_id.in_(PIPELINE_DAGS))).all()
    return {dag_id: bool(is_paused) for dag_id, is_paused in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=0,
                        help="seconds to wait for the DAGs to be registered")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.wait
    states = paused_states()
    while len(states) < len(PIPELINE_DAGS) and time.monotonic() < deadline:
        time.sleep(3)
        states = paused_states()
    print("\n".join(pause_summary(states)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
