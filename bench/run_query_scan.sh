#!/usr/bin/env bash
# Query/Scan benchmark: eddy vs a freshly started DynamoDB Local (port 8003), see query_scan.py.
#   ./bench/run_query_scan.sh                 # DURATION=20 SCAN_ITEMS=100000 BIG_ITEMS=1000000
# Writes bench/results/query_scan.md. Bounded; stops everything it starts.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
LOCAL_PORT=${LOCAL_PORT:-8003}
DDB_LOCAL_SCRIPT="$REPO/../shared/tools/dynamodb-local.sh"
if [ -z "${EDDY_BIN:-}" ]; then
  cargo build --release -p eddy
  EDDY_BIN="$REPO/target/release/eddy"
fi
python3 -c "import orjson" 2>/dev/null || python3 -m pip install -q orjson >/dev/null 2>&1 || true
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if bash "$DDB_LOCAL_SCRIPT" status "$LOCAL_PORT" >/dev/null 2>&1; then
  echo "something already answers on port $LOCAL_PORT; set LOCAL_PORT to a free port" >&2
  exit 1
fi
trap 'bash "$DDB_LOCAL_SCRIPT" stop "$LOCAL_PORT" >/dev/null 2>&1 || true' EXIT
bash "$DDB_LOCAL_SCRIPT" start "$LOCAL_PORT"
EDDY_BIN=$(realpath "$EDDY_BIN")
cd "$REPO/bench"
python3 query_scan.py "$EDDY_BIN" "$LOCAL_PORT" "$REPO/bench/results/query_scan.md"
