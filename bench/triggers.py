#!/usr/bin/env python3
"""Trigger benchmark: stream -> event source mapping -> warm python function; driven by
bench/run_triggers.sh.

Usage: triggers.py EDDY_BIN RESULTS_MD
Environment: LAT_N (1000) writes for the latency part, THROUGHPUT_RECORDS (200000)
records for the throughput part, LOAD_THREADS (4).

1. write -> handler-invocation latency: a warm python handler (BatchSize 1, LATEST) notes
   time.time() when invoked and writes it, with the record's key, to a DynamoDB table;
   the client PutItems one item at a time (t0 just before sending), waits for that item's
   note, and reports handler_time - t0 (p50/p99/max). Same machine, same clock.
2. sustained delivery: THROUGHPUT_RECORDS records are loaded first (BatchWriteItem), then
   a mapping with BatchSize 100 from TRIM_HORIZON delivers them to a no-op python handler;
   records/s = records / (time from CreateEventSourceMapping to the mapping's
   eddy_esm_records_delivered_total reaching the count, read from /metrics).
There is no local peer to compare with (DynamoDB Local has no triggers).
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import boto3
import orjson

from bench import rss_kib, start_eddy
from streams import Api

LAT_N = int(os.environ.get("LAT_N", "1000"))
RECORDS = int(os.environ.get("THROUGHPUT_RECORDS", "200000"))
LOAD_THREADS = int(os.environ.get("LOAD_THREADS", "4"))

NOTE_HANDLER = '''
import time, boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    t = time.time()
    for r in event["Records"]:
        k = r["dynamodb"]["Keys"]["pk"]["S"]
        ddb.put_item(TableName="notes", Item={"pk": {"S": k}, "t": {"N": repr(t)}})
    return None
'''

NOOP_HANDLER = '''
def handler(event, context):
    return {"n": len(event["Records"])}
'''


def zipped(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


def clients(port: int):
    kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
              aws_access_key_id="x", aws_secret_access_key="x")
    return boto3.client("dynamodb", **kw), boto3.client("lambda", **kw)


def table(api: Api, name: str, stream: bool) -> str | None:
    body = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    if stream:
        body["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return api.ddb("CreateTable", body)["TableDescription"].get("LatestStreamArn")


def function(lam, name: str, code: str) -> None:
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                        Role="arn:aws:iam::000000000000:role/bench", Code={"ZipFile": zipped(code)},
                        Timeout=30)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def latency(port: int) -> dict:
    api = Api(port)
    _, lam = clients(port)
    arn = table(api, "lat_orders", True)
    table(api, "notes", False)
    function(lam, "noter", NOTE_HANDLER)
    lam.create_event_source_mapping(FunctionName="noter", EventSourceArn=arn,
                                    StartingPosition="LATEST", BatchSize=1)
    lats = []
    for i in range(LAT_N + 20):  # the first 20 warm the function up
        key = f"k{i}"
        t0 = time.time()
        api.ddb("PutItem", {"TableName": "lat_orders", "Item": {"pk": {"S": key}, "v": {"N": str(i)}}})
        deadline = t0 + 30
        while True:
            got = api.ddb("GetItem", {"TableName": "notes", "Key": {"pk": {"S": key}}, "ConsistentRead": True})
            if "Item" in got:
                if i >= 20:
                    lats.append((float(got["Item"]["t"]["N"]) - t0) * 1000)
                break
            if time.time() > deadline:
                raise RuntimeError(f"record {key} not delivered within 30 s")
    return {"n": len(lats), "p50": pct(lats, 0.5), "p99": pct(lats, 0.99), "max": max(lats)}


def load(port: int, table_name: str, n: int) -> float:
    per = (n + LOAD_THREADS - 1) // LOAD_THREADS
    errors: list[Exception] = []

    def worker(w: int) -> None:
        try:
            api = Api(port)
            lo, hi = w * per, min(n, (w + 1) * per)
            for start in range(lo, hi, 25):
                reqs = [{"PutRequest": {"Item": {"pk": {"S": f"r{j}"}, "v": {"N": str(j)}}}}
                        for j in range(start, min(hi, start + 25))]
                api.ddb("BatchWriteItem", {"RequestItems": {table_name: reqs}})
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(LOAD_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return n / (time.perf_counter() - t0)


def delivered(port: int, uuid_: str) -> int:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    m = re.search(r'eddy_esm_records_delivered_total\{mapping="%s"[^}]*\} (\d+)' % uuid_, text)
    return int(m.group(1)) if m else 0


def throughput(port: int) -> dict:
    api = Api(port)
    _, lam = clients(port)
    arn = table(api, "tp_orders", True)
    load_rate = load(port, "tp_orders", RECORDS)
    function(lam, "noop", NOOP_HANDLER)
    lam.invoke(FunctionName="noop", Payload=b'{"Records": []}')  # warm
    t0 = time.perf_counter()
    m = lam.create_event_source_mapping(FunctionName="noop", EventSourceArn=arn,
                                        StartingPosition="TRIM_HORIZON", BatchSize=100)
    deadline = t0 + 600
    while (d := delivered(port, m["UUID"])) < RECORDS:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {d} of {RECORDS} delivered in 600 s")
        time.sleep(0.05)
    secs = time.perf_counter() - t0
    return {"records": RECORDS, "secs": secs, "rate": RECORDS / secs, "load_rate": load_rate}


def main() -> int:
    binary, out = sys.argv[1], Path(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="eddy-bench-triggers-") as d:
        proc, port, _ = start_eddy(binary, str(Path(d) / "data"), Path(d) / "eddy.log")
        try:
            rss0 = rss_kib(proc.pid)
            lat = latency(port)
            tp = throughput(port)
            rss1 = rss_kib(proc.pid)
        finally:
            proc.kill()
    lines = [
        "# eddy trigger benchmark", "",
        f"machine: {os.cpu_count()} cores; durable eddy; python3.11 handlers; no local peer exists",
        "",
        "| measure | value |", "|---|---|",
        f"| write -> invocation latency p50 (BatchSize 1, warm, n={lat['n']}) | {lat['p50']:.2f} ms |",
        f"| write -> invocation latency p99 | {lat['p99']:.2f} ms |",
        f"| write -> invocation latency max | {lat['max']:.2f} ms |",
        f"| sustained delivery, BatchSize 100, no-op handler ({tp['records']} records) | {tp['rate']:,.0f} records/s ({tp['secs']:.1f} s) |",
        f"| load rate (BatchWriteItem, {LOAD_THREADS} connections) | {tp['load_rate']:,.0f} items/s |",
        f"| eddy RSS before / after | {rss0 / 1024:.1f} / {rss1 / 1024:.1f} MiB |",
    ]
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
