"""Running a suite with Great Expectations, and publishing the result to Data Docs.

Concurrency (GX file contexts are not safe for concurrent writers): a validation runs in
its own *ephemeral* context, in memory, so two runs at once (an ingest and a re-issue,
or two sources in parallel) share nothing and cannot touch each other's results. Only
publishing touches the shared file context in ``gx_dir``, and it does so under an
exclusive ``fcntl.flock`` on ``gx_dir/.wijkopvolging.lock``: store the suite and the
result, then render that result's page and the index, as ``UpdateDataDocsAction`` does
(``build_data_docs`` with the result's identifiers). Publishing takes well under a
second, so the lock is held briefly; the validation itself never waits for it.

What is stored for Data Docs is slimmed: the per-row index and value lists are dropped
(the findings in the warehouse hold those), which keeps the index page quick to build
however many runs accumulate. The sample values it keeps are HTML-escaped: the Data Docs
pages insert them into HTML unescaped, and they are texts from the sources. Personal data
never reaches GX unmasked (``checks.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import threading
import time
from pathlib import Path

from wijkopvolging.validation.suite import SUITE_NAMES, build_suite

DATASOURCE = "wijkopvolging"
SITE = "local_site"
LOCK_FILE = ".wijkopvolging.lock"
LOCK_TIMEOUT_SECONDS = 300
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 20,
}
INDEX_RESULTS_LIMIT = 200  # the Data Docs index lists the latest runs only

# GX keeps some process-wide state (the active project); one GX call at a time per process.
_in_process = threading.Lock()


class DataDocsLockTimeout(RuntimeError):
    """Another run held the Data Docs lock for too long."""


def data_docs_index(gx_dir: str | Path) -> Path:
    """Where the Data Docs site's index.html is (or will be) for ``gx_dir``."""
    return Path(gx_dir) / "gx" / "uncommitted" / "data_docs" / SITE / "index.html"


def _safe(text: str) -> str:
    # Run names become folder names in the GX stores.
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_") or "run"


def run_suite(frame, *, kind: str, asset: str, run_name: str, run_time: dt.datetime):
    """Validate ``frame`` against the suite of ``kind`` in a fresh ephemeral context.

    Returns ``(result_identifier, ExpectationSuiteValidationResult)``.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with _in_process:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch = (context.data_sources.add_pandas(DATASOURCE)
                 .add_dataframe_asset(_safe(asset))
                 .add_batch_definition_whole_dataframe("alle_records"))
        suite = context.suites.add(build_suite(kind))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite.name}_{_safe(asset)}", data=batch, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{suite.name}_{_safe(asset)}", validation_definitions=[definition],
            actions=[], result_format=RESULT_FORMAT))
        if run_time.tzinfo is None:
            run_time = run_time.replace(tzinfo=dt.UTC)
        outcome = checkpoint.run(batch_parameters={"dataframe": frame},
                                 run_id=RunIdentifier(run_name=_safe(run_name), run_time=run_time))
    ((key, result),) = outcome.run_results.items()
    return key, result


@contextlib.contextmanager
def locked(gx_dir: Path, timeout: float = LOCK_TIMEOUT_SECONDS):
    """Hold the exclusive lock on the shared GX folder (other processes wait)."""
    gx_dir.mkdir(parents=True, exist_ok=True)
    path = gx_dir / LOCK_FILE
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DataDocsLockTimeout(
                        f"Data Docs in {gx_dir}: another run has held {path} for more than "
                        f"{timeout:.0f} s; check for a hung validation task, then retry"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _for_data_docs(result) -> None:
    """Make a result fit to store for Data Docs: without the per-row lists (see module
    docstring), and with the sample values (texts from the sources) HTML-escaped, since
    the Data Docs pages insert them into HTML as they are."""
    for expectation_result in result.results:
        values = expectation_result.result
        for key in ("unexpected_index_list", "unexpected_list", "unexpected_index_query"):
            values.pop(key, None)
        if values.get("partial_unexpected_list"):
            values["partial_unexpected_list"] = [
                _inert(v) for v in values["partial_unexpected_list"]]
        if values.get("partial_unexpected_counts"):
            values["partial_unexpected_counts"] = [
                {**count, "value": _inert(count.get("value"))}
                for count in values["partial_unexpected_counts"]]


def _inert(value):
    from wijkopvolging.safe_text import html_text

    return html_text(value) if isinstance(value, str) else value


def publish(gx_dir: str | Path, *, kind: str, key, result) -> Path:
    """Store ``result`` in the shared file context and update its Data Docs; returns the
    index.html path. Safe to call from several processes at once."""
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    gx_dir = Path(gx_dir)
    _for_data_docs(result)
    with _in_process, locked(gx_dir):
        context = gx.get_context(mode="file", project_root_dir=gx_dir)
        _configure_site(context)
        identifiers = [key]
        if _store_suite(context, kind):
            identifiers.append(ExpectationSuiteIdentifier(name=SUITE_NAMES[kind]))
        context.validation_results_store.set(key, result)
        context.build_data_docs(site_names=[SITE], resource_identifiers=identifiers)
    return data_docs_index(gx_dir)


def _store_suite(context, kind: str) -> bool:
    """Store the suite unless the stored one has the same definition (writing a suite
    costs half a second); True when it was written and its page must be rendered."""
    import hashlib
    import json

    from great_expectations.exceptions import DataContextError

    from wijkopvolging.validation.suite import checks

    definition = json.dumps([c.__dict__ for c in checks(kind)], sort_keys=True, default=str)
    fingerprint = hashlib.sha256(definition.encode()).hexdigest()[:16]
    name = SUITE_NAMES[kind]
    try:
        stored = context.suites.get(name)
    except DataContextError:  # not stored yet
        stored = None
    if stored is not None and (stored.meta or {}).get("definition") == fingerprint:
        return False
    suite = build_suite(kind)
    suite.meta["definition"] = fingerprint
    if stored is not None:
        context.suites.delete(name)
    context.suites.add(suite)
    return True


def _configure_site(context) -> None:
    """Once per folder: no GX how-to buttons for stewards, a bounded index."""
    site = dict(context.variables.data_docs_sites.get(SITE) or {})
    index = dict(site.get("site_index_builder") or {})
    if site.get("show_how_to_buttons") is False and index.get("validation_results_limit"):
        return
    site["show_how_to_buttons"] = False
    index.setdefault("class_name", "DefaultSiteIndexBuilder")
    index["validation_results_limit"] = INDEX_RESULTS_LIMIT
    site["site_index_builder"] = index
    context.update_data_docs_site(SITE, site)


def gx_dir_default() -> Path:
    """``gx_dir`` when none is passed: as ``config.load_config`` would resolve it."""
    from wijkopvolging.config import project_root

    env = os.environ.get("WIJKOPVOLGING_GX_DIR")
    path = Path(env) if env else Path(".gx")
    return path if path.is_absolute() else project_root() / path
