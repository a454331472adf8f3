# wijkopvolging: two commands on a fresh machine.
#   make run    set up (once), then run ingest + rapportage for the last complete period
#   make test   set up (once), then run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock 2>/dev/null | cut -c1-16)
PERIOD ?=

export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := True
export AIRFLOW__API__HOST := 127.0.0.1
export AIRFLOW__API__PORT := 8080
export AIRFLOW__LOGGING__LOGGING_LEVEL := WARNING
export PYTHONPATH := $(CURDIR)/plugins
export WIJKOPVOLGING_HOME := $(CURDIR)
# airflow standalone starts its components as `airflow ...` subprocesses.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test lint bench airflow-ui lock clean

# The venv is rebuilt only when requirements.lock changes (the stamp carries its hash).
$(STAMP): requirements.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip sync --python $(VENV)/bin/python --compile-bytecode --require-hashes requirements.lock
	@touch $@

$(AIRFLOW_HOME)/.migrated: $(STAMP)
	@mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || (tail -20 $(AIRFLOW_HOME)/migrate.log; exit 1)
	@touch $@

run: $(AIRFLOW_HOME)/.migrated
	$(VENV)/bin/python scripts/run_pipeline.py $(if $(PERIOD),--period $(PERIOD))

test: $(AIRFLOW_HOME)/.migrated
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check dags plugins scripts tests

bench: $(AIRFLOW_HOME)/.migrated
	$(VENV)/bin/python scripts/bench.py

# The Airflow UI on http://127.0.0.1:8080 (loopback only); the password is in .airflow/.
airflow-ui: $(AIRFLOW_HOME)/.migrated
	scripts/airflow_ui.sh

# Re-resolve requirements.txt into the hashed lock (needs the venv's uv).
lock: $(STAMP)
	$(VENV)/bin/uv pip compile requirements.txt --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf .airflow .data output .gx .bench
