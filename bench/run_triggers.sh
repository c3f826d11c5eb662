#!/usr/bin/env bash
# Trigger benchmark (issue 6): write -> handler-invocation latency and sustained delivery
# throughput through an event source mapping into a warm python function.
#   LAT_N=1000 THROUGHPUT_RECORDS=200000 LOAD_THREADS=4 ./bench/run_triggers.sh
# EDDY_BIN skips the release build. Results: bench/results/triggers-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${EDDY_BIN:-}" ]; then
  cargo build --release -p eddy
  EDDY_BIN=target/release/eddy
fi
python3 -c "import orjson, boto3" 2>/dev/null || pip install -q orjson boto3
EDDY_BIN=$(realpath "$EDDY_BIN")
cd bench
python3 triggers.py "$EDDY_BIN" "results/triggers-$(date +%Y-%m-%d-%H%M%S).md"
