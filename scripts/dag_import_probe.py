"""What a DAG file imports when Airflow parses it, beyond Airflow itself.

    python scripts/dag_import_probe.py dags/a.py dags/b.py

Imports ``airflow.sdk`` once (as the dag-processor has it; its time is the first JSON
line), then parses each DAG file in a forked child (so each starts from the same modules
and none sees what another imported) and prints one JSON line per file: the heavy
modules its parse pulled in and how long the parse took. tests/dags checks the first,
`make bench` reports the second.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
from pathlib import Path

HEAVY = ("pandas", "great_expectations", "docx", "docxtpl", "matplotlib", "openpyxl", "yaml",
         "wijkopvolging.warehouse")


def parse(path: str) -> dict:
    before = set(sys.modules)
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("dagfile", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    new = set(sys.modules) - before
    return {"file": path, "heavy": [m for m in HEAVY if m in new],
            "seconds": time.perf_counter() - started}


def main(paths: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))
    started = time.perf_counter()
    import airflow.sdk  # noqa: F401 (what every DAG file imports anyway)

    print(json.dumps({"airflow_sdk_seconds": time.perf_counter() - started}), flush=True)

    for path in paths:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            try:
                with os.fdopen(write, "w") as out:
                    out.write(json.dumps(parse(path)))
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as result:
            print(result.read(), flush=True)
        if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
            sys.exit(f"parsing {path} failed")


if __name__ == "__main__":
    main(sys.argv[1:])
