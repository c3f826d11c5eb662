#!/usr/bin/env bash
# SNS benchmark (issue 7): Publish throughput to a topic with 3 http subscribers, and
# order-write -> webhook latency through stream -> mapping -> python function -> SNS.
#
#   ./bench/run_sns.sh                                         # full run (~5-10 minutes)
#   DURATION=3 WARMUP=1 CONNECTIONS=16 LAT_N=30 ./bench/run_sns.sh   # quick check (~1 minute)
#   EDDY_BIN=target/release/eddy PARTS=2 ./bench/run_sns.sh
#
# What it measures (bench/sns.py; one fresh durable eddy, release build, temp --data-dir):
#   1. Publish throughput: wrk + bench/sns_publish.lua (form-encoded Action=Publish) for
#      DURATION seconds at each CONNECTIONS count, after WARMUP seconds of warm-up, against
#      a topic with 3 confirmed http subscriptions, each to its own local receiver (one
#      asyncio process, uvloop if installed, answering 200 at once). Reports publishes/s
#      acknowledged (target >= 5,000/s) and whether every receiver got every accepted
#      message (distinct MessageIds = accepted; duplicates; time to drain after the load).
#      Once per VARIANT, each a fresh topic: v1 (SignatureVersion 1, AWS's default: the
#      figure the target is about), v2 (SignatureVersion 2), raw (RawMessageDelivery: no
#      envelope, no signature), to show what signing costs.
#   2. order write -> webhook received: PutItem on a table with a stream, an event source
#      mapping (LATEST, BatchSize 1) to a warm python function that publishes each INSERT,
#      an http subscription to a local receiver noting arrival time; p50/p99/max over LAT_N
#      writes (target p50 <= 20 ms).
#   The summary is printed and written to bench/results/sns-<date>.md (git-ignored).
#
# Environment:
#   DURATION (20)          seconds per measured wrk run
#   WARMUP (5)             seconds of wrk warm-up (0 skips)
#   CONNECTIONS ("16 64")  wrk connection counts; THREADS (2) wrk threads
#   MESSAGE_BYTES (100)    size of each published message
#   DRAIN_TIMEOUT (300)    seconds allowed for the receivers to get every message
#   LAT_N (300)            writes in the latency part
#   PARTS ("1 2")          which parts to run
#   VARIANTS ("v1 v2 raw") publish variants of part 1
#   EDDY_BIN               a prebuilt eddy (otherwise: cargo build --release -p eddy)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${EDDY_BIN:-}" ]; then
  echo "==> cargo build --release -p eddy"
  (cd "$REPO" && cargo build --release -p eddy)
  EDDY_BIN="$REPO/target/release/eddy"
fi
EDDY_BIN=$(realpath "$EDDY_BIN")
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
python3 -c "import orjson, boto3" 2>/dev/null || python3 -m pip install -q orjson boto3 >/dev/null
# A faster event loop for the receivers, so they measure eddy rather than themselves.
python3 -c "import uvloop" 2>/dev/null || python3 -m pip install -q uvloop >/dev/null 2>&1 || true

cd "$REPO/bench"
python3 sns.py "$EDDY_BIN" "$REPO/bench/results/sns-$(date +%Y-%m-%d-%H%M%S).md"
