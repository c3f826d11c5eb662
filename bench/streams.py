#!/usr/bin/env python3
"""DynamoDB Streams benchmark of eddy against DynamoDB Local; driven by bench/run_streams.sh.

Usage: streams.py EDDY_BIN RESULTS_MD
Environment (see run_streams.sh for the meaning): DURATION (20), WARMUP (10), CONNECTIONS
("16 64"), THREADS (2), OVERWRITE_PCT (50), LAT_N (2000), CATCHUP_RECORDS (1000000),
CATCHUP_SMALL (100000), LOCAL_CATCHUP_RECORDS (100000; 0 skips), LOCAL_LOAD_TIMEOUT (300),
LOAD_THREADS (4), LOCAL_PORT (8004), PARTS ("1 2 3").

Three parts, every DynamoDB Local freshly started for its part and stopped after it:
1. PutItem throughput (wrk + streams_put.lua, inserts mixed with changed overwrites) on
   eddy without a stream, eddy with a NEW_AND_OLD_IMAGES stream (two fresh durable eddys)
   and DynamoDB Local with the same stream, interleaved per connection count.
2. write -> GetRecords visibility latency: PutItem, then GetRecords in a tight loop on a
   LATEST iterator until the record is there; LAT_N times, one keep-alive connection.
3. GetRecords catch-up: BatchWriteItem-load CATCHUP_SMALL records, read them from
   TRIM_HORIZON with Limit 1000 on one connection; load up to CATCHUP_RECORDS and read all
   of them again; the same for DynamoDB Local with LOCAL_CATCHUP_RECORDS.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

from bench import AUTH, EDDY_MODE, fmt, listening_pid, ratio, rss_kib, start_eddy, wrk

HERE = Path(__file__).resolve().parent
DDB_LOCAL_SCRIPT = HERE.parent.parent / "shared" / "tools" / "dynamodb-local.sh"

DURATION = int(os.environ.get("DURATION", "20"))
WARMUP = int(os.environ.get("WARMUP", "10"))
CONNECTIONS = [int(c) for c in os.environ.get("CONNECTIONS", "16 64").split()]
LAT_N = int(os.environ.get("LAT_N", "2000"))
CATCHUP_RECORDS = int(os.environ.get("CATCHUP_RECORDS", "1000000"))
CATCHUP_SMALL = min(int(os.environ.get("CATCHUP_SMALL", "100000")), CATCHUP_RECORDS)
LOCAL_CATCHUP_RECORDS = int(os.environ.get("LOCAL_CATCHUP_RECORDS", "100000"))
LOCAL_LOAD_TIMEOUT = float(os.environ.get("LOCAL_LOAD_TIMEOUT", "300"))
LOAD_THREADS = int(os.environ.get("LOAD_THREADS", "4"))
LOCAL_PORT = int(os.environ.get("LOCAL_PORT", "8004"))
PARTS = os.environ.get("PARTS", "1 2 3").split()
NAN = float("nan")

DDB = "DynamoDB_20120810."
STREAMS = "DynamoDBStreams_20120810."


class Api:
    """A keep-alive AWS JSON 1.0 client (DynamoDB and DynamoDB Streams) on one connection."""

    def __init__(self, port: int, timeout: float = 60):
        self.port, self.timeout = port, timeout
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def raw(self, target: str, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target,
                   "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"}
        try:
            self.c.request("POST", "/", body, headers)
            r = self.c.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            self.c.close()
            self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise

    def call(self, target: str, body: dict) -> dict:
        status, raw = self.raw(target, orjson.dumps(body))
        out = orjson.loads(raw or b"{}")
        if status != 200:
            raise RuntimeError(f"{target} -> {status} {out}")
        return out

    def ddb(self, op: str, body: dict) -> dict:
        return self.call(DDB + op, body)

    def streams(self, op: str, body: dict) -> dict:
        return self.call(STREAMS + op, body)


# ---------------------------------------------------------------- servers

def local_start(port: int) -> None:
    if subprocess.run(["bash", str(DDB_LOCAL_SCRIPT), "status", str(port)], capture_output=True).returncode == 0:
        raise RuntimeError(f"something already answers on port {port}; set LOCAL_PORT to a free port")
    subprocess.run(["bash", str(DDB_LOCAL_SCRIPT), "start", str(port)], check=True, timeout=180)


def local_stop(port: int) -> None:
    subprocess.run(["bash", str(DDB_LOCAL_SCRIPT), "stop", str(port)], capture_output=True, timeout=60)
    for _ in range(100):  # wait for the port to be released before the next fresh start
        if subprocess.run(["bash", str(DDB_LOCAL_SCRIPT), "status", str(port)], capture_output=True).returncode != 0:
            return
        time.sleep(0.1)


def mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f}"


class Eddy:
    """A fresh eddy (release build, default settings; durable in a temp --data-dir unless
    EDDY_IN_MEMORY=1)."""

    def __init__(self, binary: str, label: str):
        self.dir = tempfile.mkdtemp(prefix=f"eddy-streams-{label}-")
        self.proc, self.port, _ = start_eddy(binary, os.path.join(self.dir, "data"), Path(self.dir) / "eddy.log")

    def rss(self) -> int | None:
        return rss_kib(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def create_table(api: Api, name: str, stream: bool) -> str | None:
    """Creates NAME (pk S, sk N, on-demand), optionally with a NEW_AND_OLD_IMAGES stream;
    returns the stream ARN."""
    body = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if stream:
        body["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    api.ddb("CreateTable", body)
    for _ in range(300):
        t = api.ddb("DescribeTable", {"TableName": name})["Table"]
        if t.get("TableStatus") == "ACTIVE":
            return t.get("LatestStreamArn")
        time.sleep(0.1)
    raise RuntimeError(f"table {name} did not become ACTIVE")


def shards(api: Api, arn: str) -> list[dict]:
    out, start = [], None
    while True:
        body = {"StreamArn": arn}
        if start:
            body["ExclusiveStartShardId"] = start
        d = api.streams("DescribeStream", body)["StreamDescription"]
        out += d.get("Shards", [])
        start = d.get("LastEvaluatedShardId")
        if not start:
            return out


def iterator(api: Api, arn: str, shard_id: str, kind: str) -> str:
    return api.streams("GetShardIterator", {"StreamArn": arn, "ShardId": shard_id,
                                            "ShardIteratorType": kind})["ShardIterator"]


def open_shard(api: Api, arn: str) -> str:
    ss = shards(api, arn)
    for s in ss:
        if "EndingSequenceNumber" not in s.get("SequenceNumberRange", {}):
            return s["ShardId"]
    return ss[-1]["ShardId"]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return NAN
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# ---------------------------------------------------------------- part 1: PutItem throughput

def put_wrk(port: int, table: str, seconds: int, conns: int, pid: int | None = None) -> dict:
    """One wrk run of streams_put.lua (`wrk` gives it a fresh WRK_RUN key space)."""
    os.environ["WRK_TABLE"] = table
    return wrk(port, "streams_put.lua", seconds, conns, pid)


def event_mix(api: Api, arn: str, pages: int = 3) -> dict:
    """eventName counts in the first pages of the stream (sanity: INSERT and MODIFY present)."""
    counts: dict = {}
    it = iterator(api, arn, shards(api, arn)[0]["ShardId"], "TRIM_HORIZON")
    for _ in range(pages):
        out = api.streams("GetRecords", {"ShardIterator": it, "Limit": 1000})
        for r in out["Records"]:
            counts[r["eventName"]] = counts.get(r["eventName"], 0) + 1
        it = out.get("NextShardIterator")
        if not it or not out["Records"]:
            break
    return counts


def part1(binary: str, lines: list[str]) -> None:
    print("=== part 1: PutItem throughput (no stream / stream / DynamoDB Local stream)", flush=True)
    a = b = None
    local_up = False
    try:
        a, b = Eddy(binary, "nostream"), Eddy(binary, "stream")
        local_start(LOCAL_PORT)
        local_up = True
        create_table(Api(a.port), "bench", stream=False)
        arn_b = create_table(Api(b.port), "bench", stream=True)
        arn_l = create_table(Api(LOCAL_PORT), "bench", stream=True)
        targets = [("eddy no stream", a.port), ("eddy stream", b.port), ("Local stream", LOCAL_PORT)]
        pids = {"eddy no stream": a.proc.pid, "eddy stream": b.proc.pid, "Local stream": listening_pid(LOCAL_PORT)}
        rss0 = {"a": a.rss(), "b": b.rss(), "l": rss_kib(listening_pid(LOCAL_PORT) or 0)}
        for name, port in targets:
            print(f"--- {name}: warm-up {WARMUP}s", flush=True)
            put_wrk(port, "bench", WARMUP, CONNECTIONS[0])
        res: dict = {}
        for conns in CONNECTIONS:
            for name, port in targets:
                r = put_wrk(port, "bench", DURATION, conns, pids[name])
                res[(name, conns)] = r
                print(f"{name:15} PutItem c={conns:<3} {r['rps']:>9.0f} req/s  p50 {r['p50']:7.2f} ms  "
                      f"p99 {r['p99']:7.2f} ms  server CPU {r['cpu_us']:6.1f} µs/req" + (f"  errors {r['errors']} {r.get('first_error', '')}" if r["errors"] else ""),
                      flush=True)
        rss1 = {"a": a.rss(), "b": b.rss(), "l": rss_kib(listening_pid(LOCAL_PORT) or 0)}
        mix_b = event_mix(Api(b.port), arn_b)
        mix_l = event_mix(Api(LOCAL_PORT), arn_l)
        print(f"first stream pages: eddy {mix_b}, Local {mix_l}", flush=True)
    finally:
        for e in (a, b):
            if e:
                e.stop()
        if local_up:
            local_stop(LOCAL_PORT)

    lines += ["## 1. PutItem throughput", "",
              f"wrk `streams_put.lua` ({os.environ.get('OVERWRITE_PCT', '50')}% overwrites of earlier keys with changed "
              f"content, the rest inserts), {DURATION}s per run after {WARMUP}s warm-up, interleaved per connection count. "
              f"Two fresh eddys, {EDDY_MODE}; one fresh DynamoDB Local (`-inMemory`); streams are NEW_AND_OLD_IMAGES.",
              "",
              "| conns | eddy no stream req/s | eddy stream req/s | Local stream req/s | eddy-stream / Local-stream (≥10x) | "
              "eddy-stream / eddy-no-stream (≥0.8) | p99 ms (no stream / stream / Local) | "
              "server CPU µs/req (no stream / stream / Local) | Local / eddy-stream CPU |",
              "|---|---|---|---|---|---|---|---|---|"]
    for conns in CONNECTIONS:
        ra, rb, rl = (res[(n, conns)] for n, _ in targets)
        vs_local, vs_self = ratio(rb["rps"], rl["rps"]), ratio(rb["rps"], ra["rps"])
        lines.append(f"| {conns} | {ra['rps']:.0f} | {rb['rps']:.0f} | {rl['rps']:.0f} | **{fmt(vs_local, '.2f')}x** | "
                     f"**{fmt(vs_self, '.2f')}** | {ra['p99']:.2f} / {rb['p99']:.2f} / {rl['p99']:.2f} | "
                     f"{fmt(ra['cpu_us'], '.1f')} / {fmt(rb['cpu_us'], '.1f')} / {fmt(rl['cpu_us'], '.1f')} | "
                     f"{fmt(ratio(rl['cpu_us'], rb['cpu_us']), '.2f')}x |")
    errs = [f"- {n} c={c}: {r['errors']} errors ({r.get('first_error', '')})" for (n, c), r in res.items() if r["errors"]]
    if errs:
        lines += ["", "Non-200 responses / socket errors:", *errs]
    lines += ["", f"- RSS MiB before → after the PutItem runs: eddy no stream {mib(rss0['a'])} → {mib(rss1['a'])}, "
                  f"eddy stream {mib(rss0['b'])} → {mib(rss1['b'])}, Local {mib(rss0['l'])} → {mib(rss1['l'])}",
              f"- eventName counts in the first ≤3,000 stream records: eddy {mix_b}, Local {mix_l}", ""]


# ---------------------------------------------------------------- part 2: visibility latency

def visibility(port: int, n: int) -> dict:
    """PutItem then GetRecords (LATEST iterator, tight loop, no sleep) until the record is there."""
    api = Api(port)
    arn = create_table(api, "lat", stream=True)
    it = iterator(api, arn, open_shard(api, arn), "LATEST")
    keys = 200  # first 200 writes insert, the rest overwrite with a changed `ver` (MODIFY)
    lat, after_ack, put_ms, polls_needed, wrong, timeouts = [], [], [], [], [], 0
    for i in range(n):
        k = i % keys
        marker = f"v{i}"
        body = orjson.dumps({"TableName": "lat", "Item": {"pk": {"S": f"lat-{k}"}, "sk": {"N": str(k)},
                                                         "ver": {"S": marker}, "payload": {"S": "x" * 64}}})
        t0 = time.perf_counter()
        status, raw = api.raw(DDB + "PutItem", body)
        ta = time.perf_counter()
        if status != 200:
            raise RuntimeError(f"PutItem -> {status} {raw[:300]!r}")
        polls, found = 0, None
        while found is None:
            polls += 1
            status, raw = api.raw(STREAMS + "GetRecords", orjson.dumps({"ShardIterator": it, "Limit": 1000}))
            if status != 200:
                raise RuntimeError(f"GetRecords -> {status} {raw[:300]!r}")
            out = orjson.loads(raw)
            for r in out["Records"]:
                if r["dynamodb"].get("NewImage", {}).get("ver", {}).get("S") == marker:
                    found = r
                else:
                    wrong.append(f"unexpected record while waiting for {marker}: {r.get('eventName')} "
                                 f"{r['dynamodb'].get('Keys')}")
            it = out.get("NextShardIterator") or iterator(api, arn, open_shard(api, arn), "TRIM_HORIZON")
            if found is None and time.perf_counter() - t0 > 10:
                timeouts += 1
                break
        t1 = time.perf_counter()
        if found is None:
            continue
        expect = "INSERT" if i < keys else "MODIFY"
        if found["eventName"] != expect or (expect == "MODIFY") != ("OldImage" in found["dynamodb"]):
            wrong.append(f"write {i}: eventName {found['eventName']}, OldImage present: {'OldImage' in found['dynamodb']}")
        lat.append((t1 - t0) * 1000)
        after_ack.append((t1 - ta) * 1000)
        put_ms.append((ta - t0) * 1000)
        polls_needed.append(polls)
    first_poll = sum(1 for p in polls_needed if p == 1)
    return {"n": n, "seen": len(lat), "timeouts": timeouts, "wrong": wrong,
            "p50": pct(lat, 50), "p99": pct(lat, 99), "max": max(lat, default=NAN),
            "ack_p50": pct(after_ack, 50), "ack_p99": pct(after_ack, 99), "put_p50": pct(put_ms, 50),
            "put_p99": pct(put_ms, 99),
            "first_poll_pct": 100 * first_poll / len(polls_needed) if polls_needed else NAN,
            "polls_mean": sum(polls_needed) / len(polls_needed) if polls_needed else NAN,
            "polls_max": max(polls_needed, default=0)}


def part2(binary: str, lines: list[str]) -> None:
    print(f"=== part 2: write -> GetRecords visibility latency, {LAT_N} writes", flush=True)
    res = {}
    e = Eddy(binary, "latency")
    try:
        rss0 = e.rss()
        visibility(e.port, min(200, LAT_N))  # warm-up on a throwaway table
        Api(e.port).ddb("DeleteTable", {"TableName": "lat"})
        res["eddy"] = visibility(e.port, LAT_N)
        rss1 = e.rss()
    finally:
        e.stop()
    local_start(LOCAL_PORT)
    try:
        visibility(LOCAL_PORT, min(200, LAT_N))
        Api(LOCAL_PORT).ddb("DeleteTable", {"TableName": "lat"})
        time.sleep(0.5)
        res["Local"] = visibility(LOCAL_PORT, LAT_N)
    finally:
        local_stop(LOCAL_PORT)
    lines += ["## 2. Write → GetRecords visibility latency", "",
              f"{LAT_N} sequential PutItems (200 keys: inserts, then changed overwrites) on a table `lat` with a "
              "NEW_AND_OLD_IMAGES stream; after each, GetRecords (Limit 1000) in a tight loop without sleeping on a LATEST "
              "iterator until the record is there. t0 = PutItem sent, t1 = GetRecords response holding the record "
              "received; one keep-alive connection (Python http.client), after a 200-write warm-up on a throwaway table.",
              "",
              "| target | p50 ms | p99 ms | max ms | p50 after PutItem ack ms | p99 after ack ms | PutItem p50 / p99 ms | "
              "visible on 1st poll | polls mean / max | timeouts (10 s) | wrong records |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in res.items():
        print(f"{name:6} p50 {r['p50']:.3f} ms p99 {r['p99']:.3f} ms max {r['max']:.3f} ms; first poll "
              f"{r['first_poll_pct']:.1f}%, polls max {r['polls_max']}, timeouts {r['timeouts']}, wrong {len(r['wrong'])}",
              flush=True)
        lines.append(f"| {name} | {r['p50']:.3f} | {r['p99']:.3f} | {r['max']:.3f} | {r['ack_p50']:.3f} | {r['ack_p99']:.3f} | "
                     f"{r['put_p50']:.3f} / {r['put_p99']:.3f} | {r['first_poll_pct']:.1f}% | {r['polls_mean']:.2f} / {r['polls_max']} | "
                     f"{r['timeouts']} | {len(r['wrong'])} |")
    for name, r in res.items():
        for w in r["wrong"][:5]:
            lines.append(f"- {name}: {w}")
    lines += ["", f"- eddy RSS MiB before → after: {mib(rss0)} → {mib(rss1)}", ""]


# ---------------------------------------------------------------- part 3: catch-up throughput

def load(port: int, table: str, first: int, last: int, deadline: float | None = None) -> tuple[int, float]:
    """BatchWriteItem (25 small items per call) of items first..last-1 from LOAD_THREADS
    connections; returns (items written, seconds). Stops early past `deadline`."""
    written = [0] * LOAD_THREADS
    errors: list[str] = []

    def worker(w: int, lo: int, hi: int) -> None:
        api = Api(port)
        try:
            for start in range(lo, hi, 25):
                if deadline is not None and time.monotonic() > deadline:
                    return
                batch = [{"PutRequest": {"Item": {"pk": {"S": f"c-{n}"}, "sk": {"N": str(n)}, "v": {"N": "1"}}}}
                         for n in range(start, min(start + 25, hi))]
                pending = batch
                for _ in range(100):
                    out = api.ddb("BatchWriteItem", {"RequestItems": {table: pending}})
                    pending = out.get("UnprocessedItems", {}).get(table)
                    if not pending:
                        break
                    time.sleep(0.02)
                else:
                    raise RuntimeError("BatchWriteItem kept returning UnprocessedItems")
                written[w] += len(batch)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            errors.append(repr(e))

    step = -(-(last - first) // LOAD_THREADS)
    step += (-step) % 25
    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(w, first + w * step, min(first + (w + 1) * step, last)))
          for w in range(LOAD_THREADS) if first + w * step < last]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"load failed: {errors[0]}")
    return sum(written), time.perf_counter() - t0


def consume(port: int, arn: str, expected: int, marks: tuple[int, ...] = ()) -> dict:
    """One consumer reads every shard from TRIM_HORIZON with Limit 1000 until it has
    `expected` records. Checks sequence numbers increase within a shard and counts events.
    `marks`: record counts at which the elapsed time is noted (for per-slice rates)."""
    api = Api(port, timeout=120)
    count, calls, empty, events, client = 0, 0, 0, {}, 0.0
    at: dict = {}
    pending_marks = sorted(m for m in marks if 0 < m <= expected)
    order_errors = 0
    t0 = time.perf_counter()
    for shard in shards(api, arn):
        if count >= expected:
            break
        it = iterator(api, arn, shard["ShardId"], "TRIM_HORIZON")
        last_seq, idle_since = -1, None
        while it and count < expected:
            status, raw = api.raw(STREAMS + "GetRecords", b'{"ShardIterator":' + orjson.dumps(it) + b',"Limit":1000}')
            calls += 1
            if status != 200:
                raise RuntimeError(f"GetRecords -> {status} {raw[:300]!r}")
            tc = time.perf_counter()
            out = orjson.loads(raw)
            recs = out["Records"]
            for r in recs:
                seq = int(r["dynamodb"]["SequenceNumber"])
                if seq <= last_seq:
                    order_errors += 1
                last_seq = seq
                ev = r["eventName"]
                events[ev] = events.get(ev, 0) + 1
            count += len(recs)
            client += time.perf_counter() - tc
            while pending_marks and count >= pending_marks[0]:
                at[pending_marks.pop(0)] = time.perf_counter() - t0
            it = out.get("NextShardIterator")
            if recs:
                idle_since = None
            else:
                empty += 1
                idle_since = idle_since or time.perf_counter()
                if time.perf_counter() - idle_since > 5:  # open shard with nothing more to read
                    break
    secs = time.perf_counter() - t0
    return {"count": count, "secs": secs, "rate": count / secs if secs else NAN, "calls": calls,
            "empty": empty, "events": events, "order_errors": order_errors, "marks": at,
            "client_pct": 100 * client / secs if secs else NAN,
            "server_rate": count / (secs - client) if secs > client else NAN}


def part3(binary: str, lines: list[str]) -> None:
    print(f"=== part 3: GetRecords catch-up ({CATCHUP_SMALL:,} then {CATCHUP_RECORDS:,} records on eddy)", flush=True)
    rows, notes = [], []
    e = Eddy(binary, "catchup")
    try:
        api = Api(e.port)
        rss = [("idle", e.rss())]
        arn = create_table(api, "catchup", stream=True)
        n1, s1 = load(e.port, "catchup", 0, CATCHUP_SMALL)
        print(f"eddy loaded {n1:,} items in {s1:.1f} s ({n1 / s1:,.0f} items/s)", flush=True)
        rss.append((f"after loading {n1:,}", e.rss()))
        small = consume(e.port, arn, n1)
        print(f"eddy read {small['count']:,} records in {small['secs']:.2f} s = {small['rate']:,.0f} records/s", flush=True)
        rows.append(("eddy", n1, small, f"{n1 / s1:,.0f}"))
        rss.append((f"after reading {n1:,}", e.rss()))
        if CATCHUP_RECORDS > n1:
            n2, s2 = load(e.port, "catchup", n1, CATCHUP_RECORDS)
            print(f"eddy loaded {n2:,} more items in {s2:.1f} s ({n2 / s2:,.0f} items/s)", flush=True)
            total = n1 + n2
            rss.append((f"after loading {total:,}", e.rss()))
            big = consume(e.port, arn, total, marks=(n1, total - n1))
            print(f"eddy read {big['count']:,} records in {big['secs']:.2f} s = {big['rate']:,.0f} records/s", flush=True)
            rows.append(("eddy", total, big, f"{n2 / s2:,.0f}"))
            rss.append((f"after reading {total:,}", e.rss()))
            m = big["marks"]
            if n1 in m and (total - n1) in m and total - n1 > n1:
                first_rate = n1 / m[n1]
                last_rate = n1 / (big["secs"] - m[total - n1])
                notes.append(f"- eddy, within the {total:,}-record read: first {n1:,} records at {first_rate:,.0f} records/s, "
                             f"last {n1:,} at {last_rate:,.0f} records/s (a {n1:,}-record log alone: {small['rate']:,.0f})")
        notes.append("- eddy RSS MiB: " + ", ".join(f"{k} {mib(v)}" for k, v in rss))
    finally:
        e.stop()
    if LOCAL_CATCHUP_RECORDS > 0:
        local_start(LOCAL_PORT)
        try:
            api = Api(LOCAL_PORT)
            arn = create_table(api, "catchup", stream=True)
            n, s = load(LOCAL_PORT, "catchup", 0, LOCAL_CATCHUP_RECORDS, deadline=time.monotonic() + LOCAL_LOAD_TIMEOUT)
            print(f"Local loaded {n:,} items in {s:.1f} s ({n / s:,.0f} items/s)", flush=True)
            if n < LOCAL_CATCHUP_RECORDS:
                notes.append(f"- DynamoDB Local: skipped, loading {LOCAL_CATCHUP_RECORDS:,} items did not finish within "
                             f"LOCAL_LOAD_TIMEOUT={LOCAL_LOAD_TIMEOUT:.0f} s ({n:,} written)")
            else:
                r = consume(LOCAL_PORT, arn, n)
                print(f"Local read {r['count']:,} records in {r['secs']:.2f} s = {r['rate']:,.0f} records/s", flush=True)
                rows.append(("Local", n, r, f"{n / s:,.0f}"))
        finally:
            local_stop(LOCAL_PORT)
    else:
        notes.append("- DynamoDB Local: skipped (LOCAL_CATCHUP_RECORDS=0)")
    lines += ["## 3. GetRecords catch-up throughput", "",
              f"Loaded with BatchWriteItem (25 small items per call, {LOAD_THREADS} connections) into a table with a "
              "NEW_AND_OLD_IMAGES stream, then one consumer (Python, one keep-alive connection, orjson) reads every shard "
              "from TRIM_HORIZON with Limit 1000 until it has all records. The bigger eddy log is the smaller one plus "
              "the rest, read again from the start. \"client parse share\": the consumer's own time (JSON parse and "
              "checks) as a share of the read; the rest is waiting for the server's responses (\"excl. client\": records "
              "over that waiting time only).", "",
              "| target | log records | read | seconds | records/s | GetRecords calls | empty pages | events | "
              "order errors | client parse share | records/s excl. client | load items/s |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, n, r, load_rate in rows:
        lines.append(f"| {name} | {n:,} | {r['count']:,} | {r['secs']:.2f} | **{r['rate']:,.0f}** | {r['calls']} | "
                     f"{r['empty']} | {r['events']} | {r['order_errors']} | {r['client_pct']:.0f}% | {r['server_rate']:,.0f} | {load_rate} |")
    lines += ["", *notes, ""]


def main() -> int:
    binary, out_md = sys.argv[1], Path(sys.argv[2])
    lines = [f"# DynamoDB Streams: eddy vs DynamoDB Local — {time.strftime('%Y-%m-%d %H:%M:%S')}", "",
             f"{os.cpu_count()} cores, loopback; eddy release build `{binary}`, {EDDY_MODE}; "
             f"DynamoDB Local freshly started (`-inMemory`) for each part. Settings: DURATION={DURATION} WARMUP={WARMUP} "
             f"CONNECTIONS=\"{' '.join(map(str, CONNECTIONS))}\" LAT_N={LAT_N} CATCHUP_SMALL={CATCHUP_SMALL} "
             f"CATCHUP_RECORDS={CATCHUP_RECORDS} LOCAL_CATCHUP_RECORDS={LOCAL_CATCHUP_RECORDS}.", ""]
    failures = []
    for part, fn in (("1", part1), ("2", part2), ("3", part3)):
        if part not in PARTS:
            continue
        try:
            fn(binary, lines)
        except Exception as e:  # noqa: BLE001 - report what could be measured
            print(f"part {part} failed: {e!r}", flush=True)
            failures.append(part)
            lines += [f"## part {part}: FAILED", "", f"`{e!r}`"[:2000], ""]
    text = "\n".join(lines)
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(text)
    print("\n" + text)
    print(f"(written to {out_md})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
