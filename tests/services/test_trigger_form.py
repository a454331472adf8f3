"""The trigger form of the report DAG as a person uses it: Playwright for Python driving
Debian's Chromium (never a downloaded browser) against a running api-server. The operator
logs in (role Op), picks a period by its Dutch name and the run carries it; a period that
is not offered (typed into the JSON) is refused before any run exists."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import require
from tests.services.airflow_processes import OPERATOR

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

RAPPORTAGE = "wijkopvolging_rapportage"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    require(shutil.which(CHROMIUM) is not None,
            f"{CHROMIUM} missing: apt-get install chromium (Playwright must not download one)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, cluster, user: str, url: str) -> None:
    """Open ``url`` as ``user``: Airflow sends a new visitor to its login form first."""
    page.goto(url)
    page.wait_for_url(lambda current: "/auth/login" in current)
    page.fill("#username", user)
    page.fill("#password", cluster.passwords[user])
    page.locator("[type=submit]").click()
    page.wait_for_url(lambda current: "/auth/login" not in current)


@pytest.fixture
def trigger_form(browser, airflow_cluster):
    """The report DAG's page with the trigger form open for operations, "unpause"
    unticked. The runs it starts are deleted afterwards: no scheduler runs them here, and
    a queued run would hold up the next module's runs (max_active_runs=1)."""
    cluster = airflow_cluster
    before = {run["dag_run_id"] for run in manual_runs(cluster)}
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        log_in(page, cluster, OPERATOR, f"{cluster.base_url}/dags/{RAPPORTAGE}")
        page.get_by_role("button", name="Trigger").first.click()
        page.get_by_text("Run Parameters").wait_for()
        unpause = page.get_by_role("checkbox", name=f"Unpause {RAPPORTAGE} on trigger")
        if unpause.is_checked():
            page.locator(f"label:has-text('Unpause {RAPPORTAGE}')").click()
        yield page
    finally:
        page.close()
        for run in manual_runs(cluster):
            if run["dag_run_id"] not in before:
                cluster.request("DELETE", f"/api/v2/dags/{RAPPORTAGE}/dagRuns/"
                                          f"{run['dag_run_id']}")


def manual_runs(cluster) -> list[dict]:
    return [run for run in cluster.runs(RAPPORTAGE) if run["run_type"] == "manual"]


def test_the_operator_picks_a_period_by_its_dutch_name_and_the_run_carries_it(
        airflow_cluster, trigger_form):
    cluster, page = airflow_cluster, trigger_form
    before = {run["dag_run_id"] for run in manual_runs(cluster)}
    assert page.get_by_text("De periode van deze run (het data-interval)").is_visible()
    page.locator("#element_periode").click()
    offered = page.get_by_role("option").all_inner_texts()
    assert "september–oktober 2026 (2026-09)" in offered
    assert not any("2026-10" in option for option in offered)  # not a period start
    page.get_by_role("option", name="september–oktober 2026 (2026-09)").click()
    page.get_by_role("button", name="Trigger").last.click()

    page.wait_for_url(lambda url: "/runs/" in url, timeout=30_000)
    (new,) = [run for run in manual_runs(cluster) if run["dag_run_id"] not in before]
    assert new["conf"]["periode"] == "2026-09"
    assert cluster.api("GET", f"/dags/{RAPPORTAGE}")["is_paused"] is True


def test_a_period_that_is_not_offered_is_refused_before_a_run_exists(
        airflow_cluster, trigger_form):
    cluster, page = airflow_cluster, trigger_form
    before = {run["dag_run_id"] for run in manual_runs(cluster)}
    page.get_by_text("Advanced Options").click()
    page.locator(".monaco-editor").click()
    for _ in range(2):  # the editor keeps an auto-closed bracket after one round
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
    page.keyboard.insert_text('{"periode": "2025-10"}')  # October does not start a period
    page.get_by_role("button", name="Trigger").last.click()

    # Airflow's own refusal (its words, in English) before anything runs; the pick list is
    # where the operator meets the periods in Dutch.
    page.get_by_text("Invalid input for param periode").wait_for()
    assert "/runs/" not in page.url
    assert {run["dag_run_id"] for run in manual_runs(cluster)} == before
