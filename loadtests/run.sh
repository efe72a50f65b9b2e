#!/usr/bin/env bash
# The production shape on this machine, under load: gunicorn with uvicorn workers and a
# background worker against the local PostgreSQL and Redis (a fresh database and key prefix,
# migrated, sample data loaded, credentials made with the CLI), then locust headless against
# 127.0.0.1 for a bounded time. Prints requests/s and p50/p95/p99 per endpoint plus failures,
# and removes everything it started or created, whatever happens (trap).
#
#   loadtests/run.sh                      # 60 s, 40 users, 2 web workers
#   DURATION=120 USERS=80 WORKERS=4 loadtests/run.sh
#
#   USER_CLASSES="Gate Traveller" USERS=100 loadtests/run.sh   # only these users of locustfile.py
#
# Variables: DURATION (s), USERS, SPAWN_RATE (users/s), WORKERS (gunicorn workers),
# PG_ADMIN_URL (postgresql://postgres@127.0.0.1:5432/postgres), REDIS_URL
# (redis://127.0.0.1:6379/0; keys go under a prefix of this run), KEEP_RUN_DIR=1 keeps logs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin

DURATION=${DURATION:-60}
USERS=${USERS:-40}
SPAWN_RATE=${SPAWN_RATE:-10}
WORKERS=${WORKERS:-2}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
REDIS_BASE_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
[[ ${USER_CLASSES:-} =~ ^[A-Za-z\ ]*$ ]] || { echo "run.sh: USER_CLASSES: class names only" >&2; exit 2; }
for number in "$DURATION" "$USERS" "$SPAWN_RATE" "$WORKERS"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: '$number' is not a positive integer" >&2; exit 2; }
done
[[ -x $BIN/locust && -x $BIN/gunicorn ]] || {
  echo "run.sh: needs locust and gunicorn in .venv (pip install -e '.[load]')" >&2; exit 2; }

RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
RUN_DIR=$(mktemp -d "/tmp/mobility-load-$RUN_ID.XXXX")
DB_NAME=mobility_load_$RUN_ID
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PIDS=()

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$BIN/python" - "$PG_ADMIN_URL" "$DB_NAME" "$REDIS_BASE_URL" "$REDIS_KEY_PREFIX" <<'PY' || true
import sys, psycopg, redis
admin, name, redis_url, prefix = sys.argv[1:]
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
client = redis.Redis.from_url(redis_url)
for key in client.scan_iter(match=prefix + "*", count=1000):
    client.delete(key)
PY
  if [[ ${KEEP_RUN_DIR:-0} == 1 ]]; then echo "logs kept in $RUN_DIR" >&2; else rm -rf "$RUN_DIR"; fi
  exit "$status"
}
REDIS_KEY_PREFIX="load:$RUN_ID:"
trap cleanup EXIT INT TERM

"$BIN/python" - "$PG_ADMIN_URL" "$DB_NAME" <<'PY'
import sys, psycopg
admin, name = sys.argv[1:]
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    conn.execute(f'CREATE DATABASE "{name}"')
PY

export DATABASE_URL=${PG_ADMIN_URL%/*}/$DB_NAME
export REDIS_URL=$REDIS_BASE_URL REDIS_KEY_PREFIX
export ENVIRONMENT=loadtest VAR_DIR=$RUN_DIR/var LOAD_SAMPLE_DATA=false LOG_FORMAT=json
export JWT_SECRET=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
export METRICS_TOKEN=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
export SIGNING_KEY_FILE=$RUN_DIR/signing-keys.json PAYMENT_PROVIDER=sandbox
# One registration per simulated traveller, all from 127.0.0.1: the default would refuse them.
export AUTH_RATE_LIMIT=100000/minute
# Credentials minted once for the whole run (the default lifetime is 15 min).
export ACCESS_TOKEN_TTL_S=86400
export GUNICORN_BIND=127.0.0.1:$PORT WEB_CONCURRENCY=$WORKERS
mkdir -p "$VAR_DIR"

step() { echo "== $*" >&2; }
step "database $DB_NAME: migrate, sample feed, tariffs, road network, freight data"
"$BIN/mobility" db upgrade
"$BIN/mobility" gtfs import data/sample/it_prato_cap_2016.zip --feed prato >/dev/null
"$BIN/mobility" ticketing load-tariffs data/sample/tariffs.toml >/dev/null
"$BIN/mobility" traffic import-network --name sioux-falls \
  --tntp data/tntp/SiouxFalls/SiouxFalls_net.tntp --nodes data/tntp/SiouxFalls/SiouxFalls_node.tntp \
  --trips data/tntp/SiouxFalls/SiouxFalls_trips.tntp --period am >/dev/null
FREIGHT=1
"$BIN/mobility" freight load data/freight/ligurian_tuscan_freight.toml >/dev/null 2>"$RUN_DIR/freight.err" \
  || { FREIGHT=0; echo "freight data not loaded: $(head -c 300 "$RUN_DIR/freight.err")" >&2; }
"$BIN/mobility" keys generate --file "$SIGNING_KEY_FILE" --kid load1 >/dev/null

step "credentials"
token() { "$BIN/mobility" auth token --ttl-s 86400 "$@"; }
STAFF_TOKEN=$(token --subject ops@cap.example --kind operator_staff --scope operator:manage --operator cap)
PLANNER_TOKEN=$(token --subject planner@load.example --kind planner \
  --scope traffic:read --scope traffic:manage)
FREIGHT_TOKEN=
if "$BIN/mobility" auth org create load-logistics --name "Load test logistics" \
  --owner planner@logistics.example >/dev/null 2>&1; then
  FREIGHT_TOKEN=$(token --subject planner@logistics.example --kind logistics \
    --scope freight:plan --organisation load-logistics 2>/dev/null || true)
fi

step "gunicorn ($WORKERS workers) on 127.0.0.1:$PORT and a worker"
# Its workers' metrics meet in one directory, so that a scrape of any of them sums them all.
PROMETHEUS_MULTIPROC_DIR=$RUN_DIR/metrics "$BIN/gunicorn" -c deploy/gunicorn.conf.py services.asgi:app >"$RUN_DIR/api.log" 2>&1 &
PIDS+=($!)
"$BIN/mobility" worker >"$RUN_DIR/worker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { tail -n 30 "$RUN_DIR/api.log" >&2; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "API not ready" >&2; exit 1; }

GATE=PO-STAZ-LOAD
GATE_KEY=$(curl -fsS -X POST "http://127.0.0.1:$PORT/v1/gates" \
  -H "Authorization: Bearer $STAFF_TOKEN" -H 'content-type: application/json' \
  -d "{\"id\": \"$GATE\", \"name\": \"Prato Stazione (load)\", \"location_kind\": \"stop\",
       \"location_ref\": \"prato:1412\", \"direction\": \"entry\", \"gate_group\": \"PO-STAZ\",
       \"network\": \"cap\", \"zones\": [\"prato\"]}" \
  | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["api_key"])')

step "locust: $USERS users for ${DURATION}s (freight users: $([[ -n $FREIGHT_TOKEN && $FREIGHT == 1 ]] && echo on || echo off))"
LOADTEST_STOPS=prato:1412,prato:0956,prato:2030 \
LOADTEST_GATE_ID=$GATE LOADTEST_GATE_KEY=$GATE_KEY LOADTEST_KEYRING=$SIGNING_KEY_FILE \
LOADTEST_BUYERS=1 LOADTEST_PLANNER_TOKEN=$PLANNER_TOKEN LOADTEST_FREIGHT_TOKEN=$FREIGHT_TOKEN \
  "$BIN/locust" -f loadtests/locustfile.py --host "http://127.0.0.1:$PORT" --headless \
  -u "$USERS" -r "$SPAWN_RATE" -t "${DURATION}s" --stop-timeout 10 \
  --csv "$RUN_DIR/locust" --only-summary --loglevel WARNING ${USER_CLASSES:-} \
  2>"$RUN_DIR/locust.log" || true
grep -E "^\[.*\] .*(INFO|WARNING)/loadtests" "$RUN_DIR/locust.log" | sed 's/^.*loadtests: /  /' >&2 || true

step "results (machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(date -u +%FT%TZ))"
"$BIN/python" loadtests/summary.py "$RUN_DIR/locust_stats.csv"
if [[ -s $RUN_DIR/locust_failures.csv ]] && [[ $(wc -l <"$RUN_DIR/locust_failures.csv") -gt 1 ]]; then
  echo; echo "failures:"; cut -c1-300 "$RUN_DIR/locust_failures.csv" | tail -n +2
fi
echo
echo "metrics (gunicorn's workers summed):"
curl -fsS -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" \
  | grep -E '^mobility_(gate_decisions_total|job_queue_depth|gtfs_import_rows_total)' | head -20 || true
echo "JSON log lines written by the API: $(wc -l <"$RUN_DIR/api.log")"
