"""`airflow <command>` with the pipeline's heavy libraries imported first.

    python -m tests.services.warm_airflow scheduler --skip-serve-logs

The test cluster starts its scheduler and Celery worker this way. Both run each task in a
process forked from them, so a task then finds pandas, Great Expectations, python-docx,
openpyxl and matplotlib already imported instead of importing them again (Great
Expectations alone takes six seconds). What the scheduler, the worker and the tasks do is
Airflow's own code, unchanged; only the import time each task pays is gone.
"""

from __future__ import annotations

import sys


def preload() -> None:
    """Import what the DAGs' tasks import, after Airflow (whose logging they join)."""
    import airflow.sdk  # noqa: F401
    import docx  # noqa: F401
    import great_expectations  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401

    from wijkopvolging import ingest, rapportage  # noqa: F401
    from wijkopvolging.documents import package

    package.import_docxtpl()


if __name__ == "__main__":
    preload()
    from airflow.__main__ import main

    sys.argv = ["airflow", *sys.argv[1:]]
    sys.exit(main())
