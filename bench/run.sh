#!/usr/bin/env bash
# HTTP benchmark: eddy vs DynamoDB Local, PutItem and GetItem, on loopback.
#
#   ./bench/run.sh                      # defaults: 20 s runs, c=16 and c=64, 60 s sustained load
#   DURATION=10 SUSTAIN_SECONDS=300 ./bench/run.sh
#
# What it does (bounded; stops everything it starts):
#   1. cargo build --release -p eddy   (skipped when EDDY_BIN names a binary)
#   2. installs wrk with apt-get if missing
#   3. starts a fresh DynamoDB Local on port 8002 (../shared/tools/dynamodb-local.sh), stopped at the end
#   4. bench/bench.py: starts eddy (durable, default settings, fresh temp --data-dir), measures
#      startup to first served request and idle RSS, creates table `bench` (pk S, sk N,
#      PAY_PER_REQUEST) on both, preloads k-0-1..1000, warms each target up (WARMUP s of wrk
#      per op), runs wrk with bench/put.lua and bench/get.lua for DURATION s at each
#      connection count, then samples eddy's RSS every SAMPLE_EVERY s during SUSTAIN_SECONDS
#      of PutItem load.
#   5. prints the summary table and writes it to bench/results/latest.md
#
# Environment: DURATION (20) WARMUP (10) CONNECTIONS ("16 64") THREADS (2)
#              SUSTAIN_SECONDS (60; the memory-flatness check asks for 300) SAMPLE_EVERY (10)
#              LOCAL_PORT (8002) EDDY_BIN (path of a prebuilt eddy)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
LOCAL_PORT=${LOCAL_PORT:-8002}
DDB_LOCAL_SCRIPT="$REPO/../shared/tools/dynamodb-local.sh"

if [ -z "${EDDY_BIN:-}" ]; then
  echo "==> cargo build --release -p eddy"
  cargo build --release -p eddy
  EDDY_BIN="$REPO/target/release/eddy"
fi

if ! command -v wrk >/dev/null; then
  echo "==> installing wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

[ -f "$DDB_LOCAL_SCRIPT" ] || { echo "missing $DDB_LOCAL_SCRIPT (DynamoDB Local launcher)" >&2; exit 1; }
if bash "$DDB_LOCAL_SCRIPT" status "$LOCAL_PORT" >/dev/null 2>&1; then
  echo "something already answers on port $LOCAL_PORT; the benchmark needs a fresh DynamoDB Local there (set LOCAL_PORT)" >&2
  exit 1
fi
trap 'bash "$DDB_LOCAL_SCRIPT" stop "$LOCAL_PORT" >/dev/null 2>&1 || true' EXIT
bash "$DDB_LOCAL_SCRIPT" start "$LOCAL_PORT"

python3 "$REPO/bench/bench.py" "$EDDY_BIN" "http://127.0.0.1:$LOCAL_PORT" "$REPO/bench/results/latest.md"
