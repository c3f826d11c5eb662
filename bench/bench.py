#!/usr/bin/env python3
"""HTTP benchmark of eddy against DynamoDB Local; driven by bench/run.sh (see there).

Usage: bench.py EDDY_BIN DDB_LOCAL_ENDPOINT RESULTS_MD
Environment: DURATION (s per wrk run, 20), WARMUP (s, 10), CONNECTIONS ("16 64"),
THREADS (2), SUSTAIN_SECONDS (60), SAMPLE_EVERY (10).

Everything is on loopback and bounded in time; every process started here is stopped here.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fsync_cost

HERE = Path(__file__).resolve().parent
AUTH = "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
DURATION = int(os.environ.get("DURATION", "20"))
WARMUP = int(os.environ.get("WARMUP", "10"))
CONNECTIONS = [int(c) for c in os.environ.get("CONNECTIONS", "16 64").split()]
THREADS = int(os.environ.get("THREADS", "2"))
SUSTAIN = int(os.environ.get("SUSTAIN_SECONDS", "60"))
SAMPLE_EVERY = int(os.environ.get("SAMPLE_EVERY", "10"))
SETTLE_MAX = float(os.environ.get("SETTLE_MAX", "60"))
# EDDY_IN_MEMORY=1 runs eddy with `--in-memory` (no disk, nothing synced), the mode that
# matches DynamoDB Local's `-inMemory`; the default is eddy's durable default.
IN_MEMORY = os.environ.get("EDDY_IN_MEMORY") == "1"
EDDY_MODE = "in memory (`--in-memory`, EDDY_IN_MEMORY=1)" if IN_MEMORY else "durable (`--data-dir`, default settings)"
LISTENING = re.compile(r"eddy listening on http://[0-9.]+:(\d+)")


class Conn:
    """A keep-alive JSON 1.0 client for one endpoint."""

    def __init__(self, port: int):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, op: str, body: dict) -> tuple[int, dict]:
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810." + op,
            "Authorization": AUTH,
            "X-Amz-Date": "20260101T000000Z",
        }
        try:
            self.c.request("POST", "/", json.dumps(body), headers)
            r = self.c.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException):
            self.c.close()
            self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        try:
            return r.status, json.loads(raw or b"{}")
        except ValueError:
            return r.status, {"raw": raw[:200].decode(errors="replace")}


def rss_kib(pid: int) -> int | None:
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds a process has used so far (all its threads)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def settle(pid: int | None) -> float:
    """Waits (at most SETTLE_MAX s) until the server is quiet: under 5% of a core over half
    a second. After a write run eddy compacts what it just wrote and the JVM collects
    garbage; a run that starts before that ends measures two things at once. Returns the
    seconds waited."""
    t0 = time.monotonic()
    while pid is not None and time.monotonic() - t0 < SETTLE_MAX:
        c0 = cpu_seconds(pid)
        time.sleep(0.5)
        c1 = cpu_seconds(pid)
        if c0 is None or c1 is None or c1 - c0 < 0.025:
            break
    return time.monotonic() - t0


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on 127.0.0.1:port (DynamoDB Local's java)."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    m = re.search(r"pid=(\d+)", out)
    return int(m.group(1)) if m else None


def start_eddy(binary: str, data_dir: str, log: Path):
    """Starts eddy (durable, defaults; `--in-memory` with EDDY_IN_MEMORY=1) and measures
    spawn -> first served ListTables."""
    storage = ["--in-memory"] if IN_MEMORY else ["--data-dir", data_dir]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "serve", "--port", "0", "--bind", "127.0.0.1", *storage],
        stdout=open(log, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    port = None
    deadline = t0 + 30
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"eddy exited with {proc.returncode}: {log.read_text()[-1500:]}")
        if port is None:
            m = LISTENING.search(log.read_text(errors="replace"))
            if m:
                port = int(m.group(1))
        if port is not None:
            try:
                status, _ = Conn(port).call("ListTables", {})
                if status == 200:
                    return proc, port, (time.perf_counter() - t0) * 1000
            except OSError:
                pass
        time.sleep(0.001)
    proc.kill()
    raise RuntimeError(f"eddy did not serve ListTables within 30 s: {log.read_text()[-1500:]}")


def prepare(port: int) -> None:
    """Creates table `bench` and preloads the 1,000 items get.lua reads."""
    c = Conn(port)
    status, body = c.call("CreateTable", {
        "TableName": "bench",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "BillingMode": "PAY_PER_REQUEST",
    })
    if status != 200 and "ResourceInUse" not in json.dumps(body):
        raise RuntimeError(f"CreateTable failed: {status} {body}")
    for _ in range(100):
        status, body = c.call("DescribeTable", {"TableName": "bench"})
        if status == 200 and body.get("Table", {}).get("TableStatus") == "ACTIVE":
            break
        time.sleep(0.1)
    for n in range(1, 1001):
        item = {"pk": {"S": f"k-0-{n}"}, "sk": {"N": str(n)}, "customer": {"S": "alice@example.com"},
                "item": {"S": "book"}, "qty": {"N": "2"}, "price": {"N": "12.50"}}
        status, body = c.call("PutItem", {"TableName": "bench", "Item": item})
        if status != 200:
            raise RuntimeError(f"preload PutItem failed: {status} {body}")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    m = re.match(r"([0-9.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")


RUNS = itertools.count(1)


def wrk_env() -> dict:
    """wrk's environment with a fresh WRK_RUN: put.lua's keys must not repeat an earlier
    run's (see there)."""
    return dict(os.environ, WRK_RUN=f"r{os.getpid()}x{next(RUNS)}")


def wrk(port: int, script: str, seconds: int, conns: int, pid: int | None = None) -> dict:
    cmd = ["wrk", f"-t{min(THREADS, conns)}", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", str(HERE / script),
           f"http://127.0.0.1:{port}/"]
    res_settle = settle(pid)
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, env=wrk_env()).stdout
    cpu1 = cpu_seconds(pid)
    res = {"rps": float("nan"), "p50": float("nan"), "p99": float("nan"), "errors": 0, "requests": 0,
           "cpu_us": float("nan"), "settle_s": res_settle}
    if m := re.search(r"Requests/sec:\s+([0-9.]+)", out):
        res["rps"] = float(m.group(1))
    if m := re.search(r"^\s+50%\s+(\S+)", out, re.M):
        res["p50"] = to_ms(m.group(1))
    if m := re.search(r"^\s+99%\s+(\S+)", out, re.M):
        res["p99"] = to_ms(m.group(1))
    if m := re.search(r"(\d+) requests in", out):
        res["requests"] = int(m.group(1))
    if cpu0 is not None and cpu1 is not None and res["requests"]:
        res["cpu_us"] = (cpu1 - cpu0) * 1e6 / res["requests"]
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        res["errors"] += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        res["errors"] += sum(int(x) for x in m.groups())
    bad = [line for line in out.splitlines() if re.match(r"^\d{3}\s", line)]
    if bad:
        res["first_error"] = bad[0][:200]
    return res


OPS = (("PutItem", "put.lua"), ("GetItem", "get.lua"))
FLOOR = ("ListTables", "noop.lua")


def run_target(name: str, port: int, pid: int | None) -> dict:
    """Warm-up, then every op at every connection count, then the HTTP floor (ListTables)
    at the highest count. Each result carries the server's CPU µs per request."""
    print(f"--- {name}: warm-up {WARMUP}s put + {WARMUP}s get", flush=True)
    wrk(port, "put.lua", WARMUP, CONNECTIONS[0])
    wrk(port, "get.lua", WARMUP, CONNECTIONS[0])
    runs = [(op, script, conns) for conns in CONNECTIONS for op, script in OPS]
    runs.append((*FLOOR, CONNECTIONS[-1]))
    results = {}
    for op, script, conns in runs:
        r = wrk(port, script, DURATION, conns, pid)
        results[(op, conns)] = r
        print(f"{name:15} {op:10} c={conns:<3} {r['rps']:>10.0f} req/s  p50 {r['p50']:8.2f} ms  p99 {r['p99']:8.2f} ms"
              f"  server CPU {r['cpu_us']:7.1f} µs/req  (settled {r['settle_s']:.1f} s)" + (f"  errors {r['errors']}" if r["errors"] else ""), flush=True)
    return results


def sustained(pid: int, port: int) -> list[tuple[int, int | None]]:
    """RSS samples (seconds, KiB) while wrk writes for SUSTAIN seconds."""
    print(f"--- eddy: sustained PutItem load for {SUSTAIN}s, RSS every {SAMPLE_EVERY}s", flush=True)
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS[0]}", f"-d{SUSTAIN}s", "-s", str(HERE / "put.lua"), f"http://127.0.0.1:{port}/"]
    load = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=wrk_env())
    samples, t0 = [], time.monotonic()
    try:
        while True:
            elapsed = int(round(time.monotonic() - t0))
            samples.append((elapsed, rss_kib(pid)))
            print(f"    t={elapsed:4}s  rss={samples[-1][1]} KiB", flush=True)
            if load.poll() is not None or elapsed >= SUSTAIN:
                break
            time.sleep(SAMPLE_EVERY)
    finally:
        load.wait(timeout=SUSTAIN + 60)
    end = int(round(time.monotonic() - t0))
    if end != samples[-1][0]:
        samples.append((end, rss_kib(pid)))
    return samples


def fmt(v: float, spec: str) -> str:
    return "n/a" if v != v else format(v, spec)


def ratio(a: float, b: float) -> float:
    return a / b if b and b == b and a == a else float("nan")


def times(v: float) -> str:
    return f"{fmt(v, '.2f')}{'x' if v == v else ''}"


def report(eddy: dict | None, local: dict | None, extra: list[str], eddy_note: str) -> str:
    nan = float("nan")
    lines = ["| operation | conns | eddy req/s | Local req/s | eddy/Local | eddy p50 ms | Local p50 ms | eddy p99 ms | Local p99 ms "
             "| eddy CPU µs/req | Local CPU µs/req | Local/eddy CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = [(op, conns) for conns in CONNECTIONS for op, _ in OPS] + [(FLOOR[0], CONNECTIONS[-1])]
    for op, conns in rows:
        e = (eddy or {}).get((op, conns), {})
        lo = (local or {}).get((op, conns), {})
        er, lr = e.get("rps", nan), lo.get("rps", nan)
        ec, lc = e.get("cpu_us", nan), lo.get("cpu_us", nan)
        lines.append(f"| {op} | {conns} | {fmt(er, '.0f')} | {fmt(lr, '.0f')} | {times(ratio(er, lr))} | "
                     f"{fmt(e.get('p50', nan), '.2f')} | {fmt(lo.get('p50', nan), '.2f')} | "
                     f"{fmt(e.get('p99', nan), '.2f')} | {fmt(lo.get('p99', nan), '.2f')} | "
                     f"{fmt(ec, '.1f')} | {fmt(lc, '.1f')} | {times(ratio(lc, ec))} |")
    if eddy and local:
        top = CONNECTIONS[-1]
        floor = eddy.get((FLOOR[0], top), {}).get("rps", nan)
        get = local.get(("GetItem", top), {}).get("rps", nan)
        put = local.get(("PutItem", top), {}).get("rps", nan)
        lines += ["", f"Ceiling: eddy's HTTP floor (ListTables, c={top}) is {fmt(floor, '.0f')} req/s, "
                      f"{times(ratio(floor, get))} Local's GetItem and {times(ratio(floor, put))} its PutItem: "
                      "no eddy operation can exceed these ratios on this machine, because wrk and the "
                      "kernel's loopback TCP share its cores."]
    errs = [f"- {who} {op} c={c}: {r['errors']} errors ({r.get('first_error', '')})"
            for who, res in (("eddy", eddy), ("Local", local)) if res
            for (op, c), r in res.items() if r["errors"]]
    body = "\n".join(lines)
    if eddy_note:
        body += f"\n\neddy: {eddy_note}"
    if errs:
        body += "\n\nNon-200 responses / socket errors:\n" + "\n".join(errs)
    return body + "\n\n" + "\n".join(extra) + "\n"


def main() -> int:
    binary, local_endpoint, results_md = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    local_port = int(local_endpoint.rsplit(":", 1)[1].strip("/"))
    header = [
        f"# eddy vs DynamoDB Local — {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        f"wrk {THREADS} threads, {DURATION}s per run after {WARMUP}s warm-up per op; table `bench` (pk S, sk N, on-demand); "
        f"{os.cpu_count()} cores, loopback. eddy: {EDDY_MODE}, release build; "
        "DynamoDB Local: freshly started, `-inMemory`.",
        "",
    ]
    data_dir = tempfile.mkdtemp(prefix="eddy-bench-")
    log = Path(data_dir + ".log")
    proc = None
    eddy_res, eddy_note, extra = None, "", []
    try:
        try:
            proc, port, startup_ms = start_eddy(binary, data_dir, log)
            time.sleep(1)
            idle = rss_kib(proc.pid)
            extra += [f"- eddy startup to first served request (spawn → ListTables 200): **{startup_ms:.1f} ms**",
                      f"- eddy idle RSS after startup: **{idle / 1024:.1f} MiB** ({idle} KiB)"]
            print(extra[-2], extra[-1], sep="\n", flush=True)
            prepare(port)
            eddy_res = run_target("eddy", port, proc.pid)
        except Exception as e:  # report what could be measured; the engine may not be ready
            eddy_note = f"not measured: {e}"
            print("eddy:", eddy_note, flush=True)
        prepare(local_port)
        local_res = run_target("DynamoDB Local", local_port, listening_pid(local_port))
        wall, cpu = fsync_cost.cost(data_dir)
        extra += [f"- one durable journal append on eddy's data filesystem (write 1 KiB + fdatasync, "
                  f"`bench/fsync_cost.py`): **{wall:.0f} µs wall, {cpu:.0f} µs CPU**; a commit group pays it once"]
        print(extra[-1], flush=True)
        if eddy_res is not None and proc is not None and SUSTAIN > 0:
            samples = sustained(proc.pid, port)
            kib = [s for _, s in samples if s]
            extra += ["", f"eddy RSS during {SUSTAIN}s of sustained PutItem load (c={CONNECTIONS[0]}), every {SAMPLE_EVERY}s:", "",
                      "| t (s) | RSS (MiB) |", "|---|---|"]
            extra += [f"| {t} | {fmt((s or float('nan')) / 1024, '.1f')} |" for t, s in samples]
            if kib:
                extra += ["", f"min {min(kib) / 1024:.1f} MiB, max {max(kib) / 1024:.1f} MiB, "
                              f"last/first {kib[-1] / kib[0]:.2f}"]
        text = "\n".join(header) + "\n" + report(eddy_res, local_res, extra, eddy_note)
        results_md.parent.mkdir(parents=True, exist_ok=True)
        results_md.write_text(text)
        print("\n" + text)
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        log.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
