#!/usr/bin/env bash
# `make airflow-ui`: the Airflow UI on http://127.0.0.1:8080 for a person to look at the DAGs.
# What `airflow standalone` starts, but every server on loopback: standalone's log servers
# bind all interfaces (Airflow 3.3 hard-codes that), so they are skipped here; the UI reads
# task logs from the local log folder instead. Ctrl-C stops everything.
set -euo pipefail
port="${AIRFLOW__API__PORT:-8080}"
trap 'trap - EXIT; kill 0' EXIT INT TERM
airflow api-server --host 127.0.0.1 --port "$port" &
airflow scheduler --skip-serve-logs &
airflow dag-processor &
airflow triggerer --skip-serve-logs &
passwords="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
for _ in $(seq 60); do [ -s "$passwords" ] && break; sleep 1; done
echo "Airflow UI: http://127.0.0.1:$port  (user admin; password in $passwords)"
wait
