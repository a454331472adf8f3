# wijkopvolging: two commands on a fresh machine.
#   make run    set up (once), then run ingest + rapportage for the last complete period
#   make test   set up (once), then run the whole test suite
# `make run` installs the production set only; test, lint and bench add the development set.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
UV_VERSION := 0.13.8
# Two locked sets: production (requirements.lock) and development on top of it
# (requirements-dev.lock). Each stamp carries the hash of what it installed, so the venv is
# re-synced only when a lock changes. The development set includes production, so its
# install also renews the production stamp: `make run` after `make test` installs nothing.
PROD_STAMP := $(VENV)/.installed-prod-$(shell cat requirements.lock 2>/dev/null | sha256sum | cut -c1-16)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.lock requirements-dev.lock 2>/dev/null | sha256sum | cut -c1-16)
SYNC = $(VENV)/bin/uv pip sync --python $(VENV)/bin/python --compile-bytecode --require-hashes
PERIOD ?=
# axe-core (accessibility rules) for the web page's browser test, from the npm registry,
# pinned, in a git-ignored folder; injected into the page by Playwright.
AXE_VERSION := 4.10.3
AXE := .node/axe-core-$(AXE_VERSION)/node_modules/axe-core/axe.min.js
export WIJKOPVOLGING_AXE := $(CURDIR)/$(AXE)

export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := True
export AIRFLOW__API__HOST := 127.0.0.1
# Users, roles and passwords in Airflow's metadata database (the FAB auth manager), with
# the college's approval assigned to a role; the roles beyond FAB's own (Secretariaat) are
# created from include/config/airflow-roles.json when missing. README: "Who may do what".
export AIRFLOW__CORE__AUTH_MANAGER := wijkopvolging.auth_manager.WijkopvolgingAuthManager
export AIRFLOW__FAB__CUSTOM_ROLES := $(shell cat include/config/airflow-roles.json)
export AIRFLOW__API__PORT ?= 8080
# INFO, Airflow's default: the task logs show each task's period, counts and paths.
export AIRFLOW__LOGGING__LOGGING_LEVEL := INFO
# Known third-party noise that would open every task log (nothing for us to fix): pathspec's
# deprecation as Airflow reads .airflowignore, and two warnings of `airflow dags test` itself.
export PYTHONWARNINGS := ignore:GitWildMatchPattern:DeprecationWarning,ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning,ignore:Could not import graphviz:UserWarning
export PYTHONPATH := $(CURDIR)/plugins
export WIJKOPVOLGING_HOME := $(CURDIR)
# airflow standalone starts its components as `airflow ...` subprocesses.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test test-fast fuzz lint bench airflow-ui airflow-cli lock clean

# uv is the installer, not a dependency: bootstrapped into the venv (sync keeps it).
$(VENV)/bin/uv:
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Production only. A venv that already holds the current development set has it all
# (checked when the recipe runs: the development rule may just have installed it).
$(PROD_STAMP): requirements.lock | $(VENV)/bin/uv
	@if [ -e $(DEV_STAMP) ]; then touch $@; else \
	  rm -f $(VENV)/.installed-* && $(SYNC) requirements.lock && touch $@; fi

# Development on top of production (sync also removes what neither lock lists).
$(DEV_STAMP): requirements.lock requirements-dev.lock | $(VENV)/bin/uv
	@rm -f $(VENV)/.installed-*
	$(SYNC) requirements-dev.lock
	@touch $@ $(PROD_STAMP)

# Airflow's metadata database: once per AIRFLOW_HOME, again when the production lock
# (where Airflow's version lives) or the auth manager (whose user tables it adds) changes.
# Then the roles (FAB's own and Secretariaat): made here, the demo's approval does not
# write them into the SQLite database while `airflow dags test` runs on it.
$(AIRFLOW_HOME)/.migrated: requirements.lock plugins/wijkopvolging/auth_manager.py | $(PROD_STAMP)
	@mkdir -p $(AIRFLOW_HOME)
	($(VENV)/bin/airflow db migrate && $(VENV)/bin/airflow sync-perm) > $(AIRFLOW_HOME)/migrate.log 2>&1 \
	  || (tail -20 $(AIRFLOW_HOME)/migrate.log; exit 1)
	@touch $@

run: $(PROD_STAMP) $(AIRFLOW_HOME)/.migrated
	$(VENV)/bin/python scripts/run_pipeline.py $(if $(PERIOD),--period $(PERIOD))

# Two workers on the two cores, each test module one unit of work; each worker starts its
# own Airflow cluster when one of its modules needs it (tests/conftest.py; docs/testing.md).
# PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The whole suite (what CI runs), with the 25 slowest tests at the end.
test: $(DEV_STAMP) $(AIRFLOW_HOME)/.migrated $(AXE)
	$(VENV)/bin/python -m pytest $(PYTEST_PARALLEL) --durations=25 $(PYTEST_ARGS)

# The inner loop before a commit: the domain (unit) and DAG tests, no services, no e2e.
test-fast: $(DEV_STAMP) $(AIRFLOW_HOME)/.migrated $(AXE)
	$(VENV)/bin/python -m pytest $(PYTEST_PARALLEL) --durations=10 tests/unit tests/dags $(PYTEST_ARGS)

# The generated bad-input test (tests/unit/test_export_fuzz.py) with many more folders of
# export files than the suite's fixed-seed run, and fresh seeds each time.
FUZZ_EXAMPLES ?= 150
fuzz: $(DEV_STAMP)
	WIJKOPVOLGING_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/python -m pytest \
	  tests/unit/test_export_fuzz.py -q -p no:cacheprovider $(PYTEST_ARGS)

# Without npm the browser test says how to get it (and fails under CI=true).
$(AXE):
	@if command -v npm >/dev/null; then \
	  npm install --silent --no-audit --no-fund --no-package-lock \
	    --prefix .node/axe-core-$(AXE_VERSION) axe-core@$(AXE_VERSION) >/dev/null; \
	else echo "npm not found: the web page's accessibility test will be skipped"; fi

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check dags plugins demo scripts tests

bench: $(DEV_STAMP) $(AIRFLOW_HOME)/.migrated
	$(VENV)/bin/python scripts/bench.py

# The Airflow UI on http://127.0.0.1:8080 (loopback only); user admin, password in
# .airflow/admin_password.
airflow-ui: $(PROD_STAMP) $(AIRFLOW_HOME)/.migrated
	scripts/airflow_ui.sh

# One Airflow command on the local Airflow, e.g. adding a person (README: "Who may do what"):
#   make airflow-cli ARGS="users create --role Secretariaat --username j.jansen ..."
airflow-cli: $(PROD_STAMP) $(AIRFLOW_HOME)/.migrated
	$(VENV)/bin/airflow $(ARGS)

# Re-resolve both sets into their hashed locks. The current locks are the output files, so
# uv keeps their versions where the requirements allow; the development set is constrained
# to the production lock, so both pin the same production packages.
lock: | $(VENV)/bin/uv
	$(VENV)/bin/uv pip compile requirements.txt --python-version 3.11 --generate-hashes -o requirements.lock
	$(VENV)/bin/uv pip compile requirements-dev.txt --python-version 3.11 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf .airflow .data output .gx .bench .node
