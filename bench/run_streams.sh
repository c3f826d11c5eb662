#!/usr/bin/env bash
# DynamoDB Streams benchmark: eddy vs freshly started DynamoDB Local, on loopback (issue 5 "Speed").
#
#   ./bench/run_streams.sh                                   # full run, defaults below (~15-25 min)
#   DURATION=3 WARMUP=2 LAT_N=300 CATCHUP_RECORDS=20000 CATCHUP_SMALL=5000 \
#     LOCAL_CATCHUP_RECORDS=5000 ./bench/run_streams.sh      # quick end-to-end check
#   EDDY_BIN=target/release/eddy PARTS="2 3" ./bench/run_streams.sh
#
# What it measures (bench/streams.py; every eddy is a fresh durable release build in a temp
# --data-dir, every DynamoDB Local is freshly started on LOCAL_PORT for its part and stopped):
#   1. PutItem req/s with wrk + bench/streams_put.lua (inserts mixed with overwrites that change
#      the item, so the stream gets INSERT and MODIFY records) at each CONNECTIONS, after a
#      warm-up: eddy without a stream, eddy with a NEW_AND_OLD_IMAGES stream, DynamoDB Local with
#      the same stream. Ratios eddy-stream/Local-stream (target >= 10x) and
#      eddy-stream/eddy-no-stream (target >= 0.8).
#   2. write -> GetRecords visibility latency (p50/p99/max over LAT_N writes): PutItem, then
#      GetRecords in a tight loop on a LATEST iterator until the record shows up.
#   3. GetRecords catch-up: BatchWriteItem-load CATCHUP_SMALL records, read them from TRIM_HORIZON
#      (Limit 1000, one consumer); load up to CATCHUP_RECORDS, read them all; the same for
#      DynamoDB Local with LOCAL_CATCHUP_RECORDS (skipped if its load exceeds LOCAL_LOAD_TIMEOUT).
#   eddy RSS is sampled before/after each part. The summary is printed and written to
#   bench/results/streams-<date>.md (bench/results is git-ignored).
#
# Environment:
#   DURATION (20)               seconds per measured wrk run
#   WARMUP (10)                 seconds of wrk warm-up per target
#   CONNECTIONS ("16 64")       wrk connection counts, THREADS (2) wrk threads
#   OVERWRITE_PCT (50)          % of PutItems that overwrite an earlier key with changed content
#   LAT_N (2000)                writes in the visibility-latency test
#   CATCHUP_RECORDS (1000000)   eddy stream length for the catch-up read
#   CATCHUP_SMALL (100000)      the short log read first, to compare rates
#   LOCAL_CATCHUP_RECORDS (100000; 0 skips)  LOCAL_LOAD_TIMEOUT (300 s)
#   LOAD_THREADS (4)            BatchWriteItem loader connections
#   LOCAL_PORT (8004)           port for the fresh DynamoDB Local (must be free)
#   PARTS ("1 2 3")             which parts to run
#   EDDY_BIN                    a prebuilt eddy (otherwise: cargo build --release -p eddy)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
LOCAL_PORT=${LOCAL_PORT:-8004}
export LOCAL_PORT
DDB_LOCAL_SCRIPT="$REPO/../shared/tools/dynamodb-local.sh"
[ -f "$DDB_LOCAL_SCRIPT" ] || { echo "missing $DDB_LOCAL_SCRIPT (DynamoDB Local launcher)" >&2; exit 1; }

if [ -z "${EDDY_BIN:-}" ]; then
  echo "==> cargo build --release -p eddy"
  (cd "$REPO" && cargo build --release -p eddy)
  EDDY_BIN="$REPO/target/release/eddy"
fi
EDDY_BIN=$(realpath "$EDDY_BIN")
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
python3 -c "import orjson" 2>/dev/null || python3 -m pip install -q orjson >/dev/null

if bash "$DDB_LOCAL_SCRIPT" status "$LOCAL_PORT" >/dev/null 2>&1; then
  echo "something already answers on port $LOCAL_PORT; the benchmark needs a fresh DynamoDB Local there (set LOCAL_PORT)" >&2
  exit 1
fi
trap 'bash "$DDB_LOCAL_SCRIPT" stop "$LOCAL_PORT" >/dev/null 2>&1 || true' EXIT

cd "$REPO/bench"
python3 streams.py "$EDDY_BIN" "$REPO/bench/results/streams-$(date +%Y-%m-%d-%H%M%S).md"
