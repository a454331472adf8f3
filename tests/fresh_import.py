"""What importing one module pulls in, in a fresh interpreter.

    python tests/fresh_import.py wijkopvolging.reference

Imports the module (the repository's plugins/ on the path) and prints one JSON line: the
module and the top-level packages loaded by then. Exits non-zero with the traceback when
the import fails. Tests run it through ``fresh_import`` to check a module stays light (no
pandas, no Great Expectations) or imports at all.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


def fresh_import(module: str, *, env: dict[str, str] | None = None,
                 timeout: float = 120) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Import ``module`` in a new interpreter of this Python (environment ``env``;
    default: this process's); returns the finished process and the top-level packages
    loaded (empty when the import failed)."""
    done = subprocess.run([sys.executable, __file__, module], capture_output=True, text=True,
                          env=env, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    loaded = set(json.loads(lines[-1])["loaded"]) if done.returncode == 0 and lines else set()
    return done, loaded


def main(module: str) -> None:
    sys.path.insert(0, str(PLUGINS))
    importlib.import_module(module)
    loaded = sorted({name.partition(".")[0] for name in sys.modules})
    print(json.dumps({"module": module, "loaded": loaded}))


if __name__ == "__main__":
    main(sys.argv[1])
