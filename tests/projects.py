"""A wijkopvolging installation in tmp for tests that run the pipeline: its configuration
(the repository's, with the demo sources moved into tmp), its demo sources, its warehouse
and its output folder. Processes get a project through their environment, as in
production; in-process steps through ``Project.config()``.

Building a warehouse costs seconds to minutes, so the states many tests start from are
built once per test session and copied per test: ``ProjectTemplate.copy`` copies the
folder and the warehouse (a SQLite file, or a PostgreSQL ``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN_DSN = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user=postgres dbname=test"
WAREHOUSE_FILE = "warehouse.sqlite"


def postgres_url(database: str, driver: str = "postgresql+psycopg2") -> str:
    return f"{driver}://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"


@contextmanager
def scratch_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A PostgreSQL database ``<prefix>_<random>``, empty or a copy of ``template``
    (nobody may be connected to it meanwhile), dropped afterwards."""
    import psycopg2

    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"'
                           + (f' TEMPLATE "{template}"' if template else ""))
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def ingest_moment(period) -> dt.datetime:
    """The logical date of the ingest that closes ``period`` (on its end day), as
    scripts/run_pipeline.py runs it."""
    from wijkopvolging.schedules import ingest_at

    return ingest_at(period.end)


@dataclass
class Project:
    """One wijkopvolging installation in ``folder`` with its warehouse at ``warehouse_url``.
    ``pdf``: whether its documents get PDFs (LibreOffice), ``data_docs``: whether its
    validations are published to GX's Data Docs site; only tests about them pay for them."""

    folder: Path
    warehouse_url: str
    pdf: bool = False
    data_docs: bool = False

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = (ROOT / "include/config/wijkopvolging.yaml").read_text(encoding="utf-8")
        # The repository's configuration, with its local files (demo source, exports) in tmp.
        config = config.replace(".data/", f"{self.folder}/")
        self.config_path.write_text(config, encoding="utf-8")

    @classmethod
    def on_sqlite(cls, folder: Path, **kwargs) -> Project:
        return cls(folder, f"sqlite:///{folder}/{WAREHOUSE_FILE}", **kwargs)

    @property
    def config_path(self) -> Path:
        return self.folder / "wijkopvolging.yaml"

    @property
    def output_dir(self) -> Path:
        return self.folder / "output"

    @property
    def gx_dir(self) -> Path:
        return self.folder / "gx"

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to work on this project."""
        return {
            "WIJKOPVOLGING_CONFIG": str(self.config_path),
            "WIJKOPVOLGING_WAREHOUSE_URL": self.warehouse_url,
            "WIJKOPVOLGING_OUTPUT_DIR": str(self.output_dir),
            "WIJKOPVOLGING_GX_DIR": str(self.gx_dir),
            "WIJKOPVOLGING_PDF": "true" if self.pdf else "false",
            "WIJKOPVOLGING_DATA_DOCS": "true" if self.data_docs else "false",
        }

    def config(self):
        """The project's configuration, for steps run in this process."""
        from wijkopvolging.config import ValidationConfig, load_config

        config = load_config(self.config_path)
        return dataclasses.replace(
            config, warehouse_url=self.warehouse_url, output_dir=self.output_dir,
            gx_dir=self.gx_dir,
            documents=dataclasses.replace(config.documents, pdf=self.pdf),
            validation=ValidationConfig(data_docs=self.data_docs))

    def fill_demo_sources(self, until: dt.date) -> None:
        """(Re)fill every demo source with what it holds on ``until``, as `make run` does."""
        from demo.sources import fill_demo_sources

        fill_demo_sources(self.config(), until)

    def ingest(self, until: dt.date, at: dt.datetime | None = None) -> dict:
        """Fill the demo sources as they stood on ``until`` and run the ingest steps in this
        process as of ``at`` (default: the ingest closing the day ``until``)."""
        from wijkopvolging import pipeline
        from wijkopvolging.schedules import ingest_at

        self.fill_demo_sources(until)
        at = at or ingest_at(until + dt.timedelta(days=1))
        return pipeline.ingest(self.config(), run_id=f"ingest__{at.isoformat()}",
                               data_interval_end=at)


@dataclass(frozen=True)
class ProjectTemplate:
    """A project's state to start tests from: its folder and its warehouse (a SQLite file
    in the folder, or a PostgreSQL database used as a template)."""

    folder: Path
    database: str | None = None  # PostgreSQL; None: the SQLite file in the folder

    @contextmanager
    def copy(self, folder: Path, *, pdf: bool = False) -> Iterator[Project]:
        """A new project in ``folder`` holding what the template holds."""
        folder.mkdir(parents=True, exist_ok=True)
        for entry in self.folder.iterdir():
            if entry.name in ("wijkopvolging.yaml", WAREHOUSE_FILE):
                continue
            if entry.is_dir():
                shutil.copytree(entry, folder / entry.name)
            else:
                shutil.copy2(entry, folder / entry.name)
        if self.database is None:
            # SQLite's backup API copies a consistent state, whoever has the file open.
            with sqlite3.connect(self.folder / WAREHOUSE_FILE) as source, \
                    sqlite3.connect(folder / WAREHOUSE_FILE) as target:
                source.backup(target)
            yield Project.on_sqlite(folder, pdf=pdf)
            return
        with scratch_database("wijk_wh", template=self.database) as database:
            yield Project(folder, postgres_url(database), pdf=pdf)


@contextmanager
def postgres_project(folder: Path, **kwargs) -> Iterator[Project]:
    """A project whose warehouse is a fresh PostgreSQL database, as in production."""
    with scratch_database("wijk_wh") as database:
        yield Project(folder, postgres_url(database), **kwargs)


@contextmanager
def closing_ingest_template(folder: Path, periode: str, *,
                            postgres: bool) -> Iterator[ProjectTemplate]:
    """The state after the ingest that closes ``periode`` (the demo sources as they stood
    on its last day, ingested as the daily ingest does on its end day, in this process):
    what a report of that period starts from."""
    from wijkopvolging.periods import Period

    period = Period.parse(periode)
    if not postgres:
        project = Project.on_sqlite(folder)
        project.ingest(period.peildatum, at=ingest_moment(period))
        yield ProjectTemplate(folder)
        return
    with scratch_database("wijk_tpl") as database:
        project = Project(folder, postgres_url(database))
        project.ingest(period.peildatum, at=ingest_moment(period))
        yield ProjectTemplate(folder, database)
