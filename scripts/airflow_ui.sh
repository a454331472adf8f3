#!/usr/bin/env bash
# `make airflow-ui`: the Airflow UI on http://127.0.0.1:8080 for a person to look at the DAGs.
# What `airflow standalone` starts, but every server on loopback: standalone's log servers
# bind all interfaces (Airflow 3.3 hard-codes that), so they are skipped here; the UI reads
# task logs from the local log folder instead.
#
# Ctrl-C (or TERM) stops everything: each component runs in its own process group, gets TERM,
# and whatever is left after STOP_SECONDS (LocalExecutor workers ignore TERM) gets KILL, so
# nothing is left behind and the script ends with status 0.
set -euo pipefail
port="${AIRFLOW__API__PORT:-8080}"
STOP_SECONDS="${STOP_SECONDS:-20}"

# A JWT secret long enough for HS512 (64 bytes or more), made once and kept in AIRFLOW_HOME:
# every component must share it, and Airflow's generated one is 24 bytes.
secret_file="$AIRFLOW_HOME/jwt_secret"
if [ ! -s "$secret_file" ]; then
  (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(64))' > "$secret_file")
fi
AIRFLOW__API_AUTH__JWT_SECRET="$(cat "$secret_file")"
export AIRFLOW__API_AUTH__JWT_SECRET

# The first login: user admin (role Admin) with a password made once and kept in
# AIRFLOW_HOME, created before any component starts (each would otherwise set up FAB's
# roles at the same moment). Other people get their own user in one of the roles
# Secretariaat, Op or Viewer (README: "Who may do what").
password_file="$AIRFLOW_HOME/admin_password"
if [ ! -s "$password_file" ]; then
  (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(16))' > "$password_file.new")
  password="$(cat "$password_file.new")"
  created="$(airflow users create --username admin --role Admin --firstname Airflow \
    --lastname Admin --email admin@example.invalid --password "$password" 2>&1)" \
    || { echo "$created" | tail -20; exit 1; }
  case "$created" in  # a user admin from before, whose password file is gone
    *"already exists"*) airflow users reset-password --username admin --password "$password" \
                          >/dev/null 2>&1 ;;
  esac
  mv "$password_file.new" "$password_file"
fi

# Task processes report to the api-server's execution API: on the port chosen here, not the
# default 8080 (where another Airflow may be listening).
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://127.0.0.1:$port/execution/}"

groups=()
start() {  # start "airflow <args>" in a process group of its own
  setsid airflow "$@" &
  groups+=("$!")
}

stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  trap '' INT TERM  # a second Ctrl-C must not cut the clean stop short
  echo "Airflow stoppen …"
  for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq "$STOP_SECONDS"); do
    alive=0
    for group in "${groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Airflow gestopt; er draait niets meer."
  exit 0
}
trap stop_all INT TERM EXIT

start api-server --host 127.0.0.1 --port "$port"
start scheduler --skip-serve-logs
start dag-processor
start triggerer --skip-serve-logs

echo "Airflow UI: http://127.0.0.1:$port  (user admin; password in $password_file)"
echo "Het besluit van het college vult alleen een gebruiker met de rol Secretariaat in."
python "$(dirname "$0")/pause_states.py" --wait 120 || true
echo "Stoppen: Ctrl-C."
wait
