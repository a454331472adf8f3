"""Two validations at once (an ingest and a re-issue, or two sources) share one gx_dir.

Each process validates its own data several times, starting together; both must get
exactly their own findings, and the shared GX file context must still load with every
result in it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pandas as pd
import pytest

RUNS_PER_PROCESS = 3
INTERVAL_END = dt.datetime(2024, 3, 12, tzinfo=dt.UTC)


def _items(source: str, broken: dict[int, dict]) -> pd.DataFrame:
    from wijkopvolging.model import coerce_items, item_id

    rows = [{"source_record_id": f"{source}-{n}", "kind": "vraag", "wijk": "Tarwewijk",
             "onderwerp": "Onderhoud van de stoep", "date_raised": dt.date(2024, 1, 10),
             "wethouder": "Simons", **broken.get(n, {})} for n in range(200)]
    frame = pd.DataFrame(rows).assign(source=source)
    frame["item_id"] = [item_id(source, r) for r in frame["source_record_id"]]
    items = coerce_items(frame)
    items.insert(0, "row_no", range(len(items)))
    return items


BROKEN = {
    "bron_a": {2: {"onderwerp": "Bel 06-12345678"}, 50: {"kind": "klacht"}},
    "bron_b": {3: {"wijk": "Rotterdam-Zuid"}, 199: {"wethouder": None}},
}
EXPECTED = {
    "bron_a": {(2, "persoonsgegevens"), (50, "onbekende_soort")},
    "bron_b": {(3, "onbekende_wijk"), (199, "verplicht_veld")},
}


def _validate_in_process(source: str, gx_dir: str, barrier, results) -> None:
    from wijkopvolging.reference import ReferenceData
    from wijkopvolging.validation import validate_extract

    reference = ReferenceData.load()
    items = _items(source, BROKEN[source])
    outcomes = []
    try:
        barrier.wait(timeout=120)
        for run in range(RUNS_PER_PROCESS):
            findings = validate_extract(items, source=source, reference=reference,
                                        interval_end=INTERVAL_END, settings=None,
                                        run_id=f"run{run}", gx_dir=gx_dir)
            outcomes.append(set(zip(findings["row_no"].astype(int), findings["rule"],
                                    strict=True)))
    except Exception as exc:  # reported to the test, not lost in the child
        results.put((source, repr(exc)))
        raise
    results.put((source, outcomes))


def test_two_concurrent_validations_keep_their_own_results_and_a_sound_context(tmp_path):
    import great_expectations as gx  # imported once here; the forked workers share it

    from wijkopvolging.validation import data_docs_index

    gx_dir = tmp_path / "gx"
    fork = multiprocessing.get_context("fork")  # as Airflow's workers do
    barrier, results = fork.Barrier(len(BROKEN)), fork.Queue()
    workers = [fork.Process(target=_validate_in_process,
                            args=(source, str(gx_dir), barrier, results))
               for source in BROKEN]
    for worker in workers:
        worker.start()
    outcomes = dict(results.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    for source, runs in outcomes.items():
        assert runs == [EXPECTED[source]] * RUNS_PER_PROCESS, source

    context = gx.get_context(mode="file", project_root_dir=gx_dir)
    keys = context.validation_results_store.list_keys()
    assert len(keys) == 2 * RUNS_PER_PROCESS
    for key in keys:
        result = context.validation_results_store.get(key)
        assert result.statistics["evaluated_expectations"] > 0
    assert context.suites.get("wijkopvolging_extract")
    index = data_docs_index(gx_dir).read_text(encoding="utf-8")
    assert "extract_bron_a" in index and "extract_bron_b" in index


def _hold_lock(gx_dir: str, held, seconds: float) -> None:
    import time
    from pathlib import Path

    from wijkopvolging.validation.gx_runner import locked

    with locked(Path(gx_dir)):
        held.set()
        time.sleep(seconds)


def test_data_docs_lock_makes_a_second_publisher_wait(tmp_path):
    import time

    from wijkopvolging.validation.gx_runner import DataDocsLockTimeout, locked

    fork = multiprocessing.get_context("fork")
    held = fork.Event()
    holder = fork.Process(target=_hold_lock, args=(str(tmp_path), held, 1.0))
    holder.start()
    assert held.wait(timeout=30)
    with pytest.raises(DataDocsLockTimeout, match="another run has held"):
        with locked(tmp_path, timeout=0.2):
            pass
    started = time.monotonic()
    with locked(tmp_path, timeout=30):
        waited = time.monotonic() - started
    holder.join(timeout=30)
    assert waited > 0.3
