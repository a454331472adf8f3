"""The pipeline, defined once: the steps of each DAG in their order, each with its task id,
its Dutch name for a failure and the domain function that does its work.

The DAG files build their tasks from these steps (``airflow_support.pipeline_task`` takes
a task's label from here and refuses a task that is not a step); tests/dags checks that
each DAG runs its steps in this order. ``make run``'s history, the benchmarks and the
tests run the same steps in one process through the functions below, instead of writing
the order out again.

Imports nothing heavy: a DAG file reads this while Airflow parses it. A step's function
is imported when the step runs.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    """One step: ``name`` is its task id, ``label`` what a failure calls it (Dutch, for
    the person who must act; ``{source}`` stands for the source a per-source step works
    on), ``function`` the domain function that does the work, as ``module:name``.
    A step without a function needs none (listing the sources, resolving the period) or
    is Airflow's own (the wait for the college's decision). A step waits for the one
    declared before it, or for ``after`` when it runs beside that one (the archive and
    the wijkraden both follow the griffie's delivery)."""

    name: str
    label: str
    function: str | None = None
    after: str | None = None

    @property
    def domain_function(self) -> Callable[..., Any]:
        """The step's domain function, imported now."""
        if self.function is None:
            raise TypeError(f"step {self.name!r} has no domain function to call")
        module, _, name = self.function.partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, *args, **kwargs):
        """Run the step's domain function in this process."""
        return self.domain_function(*args, **kwargs)

    def label_for(self, source: str | None = None) -> str:
        """The label, naming ``source`` where the step works on one."""
        return self.label.format(source=source)


@dataclass(frozen=True)
class Pipeline:
    """A DAG's steps in the order they run."""

    dag_id: str
    steps: tuple[Step, ...]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    @property
    def names(self) -> tuple[str, ...]:
        """The task ids, in order."""
        return tuple(step.name for step in self.steps)

    def step(self, name: str) -> Step:
        """The step called ``name``; a task that is not a step of this pipeline is a bug
        in the DAG file, named at parse time."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"{name!r} is no step of {self.dag_id} (wijkopvolging.pipeline); "
                       f"its steps are {', '.join(self.names)}")

    def between(self, first: str, last: str) -> tuple[Step, ...]:
        """The steps from ``first`` through ``last``, in order."""
        start, end = self.names.index(first), self.names.index(last)
        return self.steps[start:end + 1]


INGEST = Pipeline("wijkopvolging_ingest", (
    Step("list_sources", "configuratie"),
    # Per source, one mapped group each: a source that is down stops its own steps only.
    Step("extract", "source {source!r}", "wijkopvolging.ingest:extract_source"),
    Step("validate", "source {source!r}", "wijkopvolging.ingest:validate_source"),
    Step("load", "source {source!r}", "wijkopvolging.ingest:load_source"),
    Step("steward_report", "validatierapport", "wijkopvolging.ingest:write_ingest_report"),
))

RAPPORTAGE = Pipeline("wijkopvolging_rapportage", (
    Step("resolve_period", "parameter 'periode'"),
    Step("snapshot", "momentopname", "wijkopvolging.rapportage:take_snapshot"),
    Step("publication_gate", "publicatiecontrole",
         "wijkopvolging.rapportage:check_publication_gate"),
    Step("timeliness", "tijdigheid", "wijkopvolging.rapportage:compute_timeliness"),
    Step("concept", "concept voor het college", "wijkopvolging.rapportage:render_concept"),
    # Airflow's human-in-the-loop task; on rejection the steps after it are skipped.
    Step("college_approval", "besluit van het college"),
    Step("documents", "documenten", "wijkopvolging.rapportage:render_for_delivery"),
    Step("deliver", "levering aan de griffie", "wijkopvolging.delivery:deliver_to_griffie"),
    Step("deliver_wijkraden", "levering aan de wijkraden",
         "wijkopvolging.wijkraden:deliver_afschriften"),
    Step("archive", "archivering (ZGW Documenten API)", "wijkopvolging.archive:archive_set",
         after="deliver"),
))

SIGNALERING = Pipeline("wijkopvolging_signalering", (
    Step("make_lists", "signalering", "wijkopvolging.signalering:make_week_lists"),
    Step("deliver", "signalering versturen", "wijkopvolging.signalering:deliver_week_lists"),
))

# In the order their schedules depend on each other: the report and the lists read what
# the ingest loaded.
PIPELINES = (INGEST, RAPPORTAGE, SIGNALERING)


# ------------------------------------------------------------------ the steps in one process


def ingest_source(config, source_name: str, *, run_id: str, data_interval_end: dt.datetime,
                  data_interval_start: dt.datetime | None = None) -> dict:
    """The ingest DAG's steps for one source, in order (extract → validate → load), as of
    ``data_interval_end``; the interval starts a day earlier unless given. Returns the
    load's counts."""
    start = data_interval_start or data_interval_end - dt.timedelta(days=1)
    moment = {"run_id": run_id, "data_interval_end": data_interval_end}
    only = {"extract": {"data_interval_start": start}}
    for step in INGEST.between("extract", "load"):
        outcome = step(config, source_name, **moment, **only.get(step.name, {}))
    return outcome


def ingest(config, *, run_id: str, data_interval_end: dt.datetime,
           data_interval_start: dt.datetime | None = None) -> dict:
    """The ingest DAG's steps for every source (``ingest_source``), then the steward
    report, as of ``data_interval_end``. Sources read their URL from the configuration
    here (an Airflow connection is not looked up). Returns the loads' counts per source
    and the report's paths."""
    moment = {"run_id": run_id, "data_interval_end": data_interval_end}
    loaded = {source.name: ingest_source(config, source.name, **moment,
                                         data_interval_start=data_interval_start)
              for source in config.sources}
    return {"loaded": loaded, "report": INGEST.step("steward_report")(config, **moment)}


def report_checks(config, period, *, run_id: str,
                  known_at: dt.datetime | None = None) -> dict:
    """The rapportage DAG's steps before any document: snapshot, publication gate,
    timeliness. Returns their outcomes by step."""
    only = {"snapshot": {"known_at": known_at}}
    return {step.name: step(config, period, run_id=run_id, **only.get(step.name, {}))
            for step in RAPPORTAGE.between("snapshot", "timeliness")}


def report_to_griffie(config, period, *, run_id: str, decision, force: bool = False) -> dict:
    """The rapportage DAG's steps for a period the college approved (``decision``, as
    the approval task hands it on: ``CollegeDecision.to_xcom()``), in order: the checks,
    the final set and its delivery to the griffie (drop folder; e-mail when the SMTP
    connection exists). The concept and the wait for the college are left out (the
    decision is given), and so are the wijkraden's afschriften and the archive. Returns
    the delivery."""
    report_checks(config, period, run_id=run_id)
    rendered = RAPPORTAGE.step("documents")(config, period, run_id=run_id, decision=decision,
                                            with_revision=force)
    return RAPPORTAGE.step("deliver")(config, period, rendered["set"], run_id=run_id,
                                      revised_set=rendered["revised_set"], force=force)
