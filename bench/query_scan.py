#!/usr/bin/env python3
"""Query and Scan benchmark of eddy against DynamoDB Local; driven by bench/run_query_scan.sh.

Usage: query_scan.py EDDY_BIN DDB_LOCAL_PORT RESULTS_MD
Environment: DURATION (s per wrk run, 20), WARMUP (s, 5), SCAN_ITEMS (100000),
BIG_ITEMS (1000000: eddy's table size for the Query-cost-vs-table-size check).

Measures, side by side on the same machine and in the same run:
- Query throughput: the first page (Limit 10) of a 1,000-item partition, with wrk.
- Scan throughput: a full paged Scan of SCAN_ITEMS items (items/s), twice each.
- eddy only: Query throughput on a 10,000-item table vs a BIG_ITEMS-item table, to show a
  Query's cost does not depend on the table's size.
"""

from __future__ import annotations

import http.client
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import AUTH, Conn, start_eddy, wrk

DURATION = int(os.environ.get("DURATION", "20"))
WARMUP = int(os.environ.get("WARMUP", "5"))
SCAN_ITEMS = int(os.environ.get("SCAN_ITEMS", "100000"))
BIG_ITEMS = int(os.environ.get("BIG_ITEMS", "1000000"))


def create(port: int) -> None:
    c = Conn(port)
    status, body = c.call("CreateTable", {
        "TableName": "qsbench",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"}],
        "BillingMode": "PAY_PER_REQUEST",
    })
    if status != 200:
        raise RuntimeError(f"CreateTable failed: {status} {body}")


def item(pk: str, sk: int) -> dict:
    return {"PutRequest": {"Item": {"pk": {"S": pk}, "sk": {"N": str(sk)}, "customer": {"S": "alice@example.com"},
                                    "qty": {"N": "2"}, "price": {"N": "12.50"}}}}


def load(port: int, first: int, last: int, threads: int = 8) -> None:
    """Writes items first..last-1: the first 1,000 into partition p-hot, the rest into
    partitions of 10 items each, with BatchWriteItem (25 per request) from several threads."""
    def worker(lo: int, hi: int) -> None:
        c = Conn(port)
        batch = []
        for n in range(lo, hi):
            batch.append(item("p-hot", n) if n < 1000 else item(f"p-{n // 10}", n))
            if len(batch) == 25 or n == hi - 1:
                for _ in range(50):
                    status, body = c.call("BatchWriteItem", {"RequestItems": {"qsbench": batch}})
                    if status == 200 and not body.get("UnprocessedItems"):
                        break
                    if status == 200:
                        batch = body["UnprocessedItems"]["qsbench"]
                    time.sleep(0.05)
                else:
                    raise RuntimeError(f"BatchWriteItem kept failing: {status} {body}")
                batch = []
    step = (last - first + threads - 1) // threads
    ts = [threading.Thread(target=worker, args=(lo, min(lo + step, last))) for lo in range(first, last, step)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


try:  # the client parses 1 MB pages; orjson keeps it from being the bottleneck
    import orjson as fastjson
except ImportError:  # pragma: no cover - plain json still works, just slower
    import json as fastjson


def scan_all(port: int) -> tuple[int, float, float]:
    """A full paged Scan on one keep-alive connection; returns (items, seconds, seconds
    spent waiting for the server: from sending a request to having read its whole body,
    i.e. the total minus the client's own JSON encoding and parsing)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Scan",
               "Authorization": AUTH, "X-Amz-Date": "20260101T000000Z"}
    body: dict = {"TableName": "qsbench"}
    count, t0, waiting = 0, time.perf_counter(), 0.0
    while True:
        payload = fastjson.dumps(body)
        sent = time.perf_counter()
        conn.request("POST", "/", payload, headers)
        r = conn.getresponse()
        raw = r.read()
        waiting += time.perf_counter() - sent
        out = fastjson.loads(raw)
        if r.status != 200:
            raise RuntimeError(f"Scan failed: {r.status} {out}")
        count += out["Count"]
        if "LastEvaluatedKey" not in out:
            conn.close()
            return count, time.perf_counter() - t0, waiting
        body["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def measure(name: str, port: int, rows: list[str]) -> dict:
    res = {}
    wrk(port, "query.lua", WARMUP, 16)
    q = wrk(port, "query.lua", DURATION, 16)
    res["query"] = q["rps"]
    print(f"{name:15} Query c=16 {q['rps']:9.0f} req/s p50 {q['p50']:.2f} ms p99 {q['p99']:.2f} ms errors {q['errors']}", flush=True)
    best, best_server = 0.0, 0.0
    for _ in range(2):
        n, secs, waiting = scan_all(port)
        best = max(best, n / secs)
        best_server = max(best_server, n / waiting)
        print(f"{name:15} Scan {n} items in {secs:.2f} s = {n / secs:,.0f} items/s"
              f" ({n / waiting:,.0f} items/s excluding the client's JSON work)", flush=True)
    res["scan"] = best
    res["scan_server"] = best_server
    rows.append(f"| {name} | {q['rps']:.0f} | {q['p50']:.2f} | {q['p99']:.2f} | {best:,.0f} | {best_server:,.0f} |")
    return res


def main() -> int:
    binary, local_port, out_md = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="eddy-qs-") as tmp:
        proc, port, _ = start_eddy(binary, os.path.join(tmp, "data"), Path(tmp) / "eddy.log")
        try:
            for target, p in (("eddy", port), ("DynamoDB Local", local_port)):
                print(f"--- {target}: loading {SCAN_ITEMS} items", flush=True)
                create(p)
                t0 = time.perf_counter()
                load(p, 0, SCAN_ITEMS)
                print(f"    loaded in {time.perf_counter() - t0:.1f} s", flush=True)
            e = measure("eddy", port, rows)
            local = measure("DynamoDB Local", local_port, rows)
            # Query cost vs table size (eddy): 10,000 items, then BIG_ITEMS items.
            Conn(port).call("DeleteTable", {"TableName": "qsbench"})
            time.sleep(0.5)
            create(port)
            load(port, 0, 10_000)
            small = wrk(port, "query.lua", DURATION, 16)["rps"]
            load(port, 10_000, BIG_ITEMS)
            big = wrk(port, "query.lua", DURATION, 16)["rps"]
            print(f"eddy Query on 10,000 items: {small:.0f} req/s; on {BIG_ITEMS:,} items: {big:.0f} req/s", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    text = "\n".join([
        f"# Query / Scan: eddy vs DynamoDB Local — {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        f"Query: first page (Limit 10) of a 1,000-item partition, wrk 16 connections, {DURATION}s after {WARMUP}s warm-up.",
        f"Scan: full paged Scan of {SCAN_ITEMS:,} items (best of 2), one Python client (orjson); \"excl. client\" counts only"
        " the time from sending each page request to having read its body. eddy durable (fjall), release build;"
        " DynamoDB Local fresh, -inMemory.",
        "",
        "| target | Query req/s | p50 ms | p99 ms | Scan items/s | Scan items/s excl. client |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"- Query ratio eddy/Local: **{e['query'] / local['query']:.2f}x**; Scan ratio: **{e['scan'] / local['scan']:.2f}x**"
        f" (excluding the Python client's JSON work: **{e['scan_server'] / local['scan_server']:.2f}x**)",
        f"- eddy Query throughput on a 10,000-item table: {small:.0f} req/s; on a {BIG_ITEMS:,}-item table: {big:.0f} req/s"
        f" (ratio {big / small:.2f})",
        "",
    ])
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
