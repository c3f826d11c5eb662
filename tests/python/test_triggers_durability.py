"""Mappings across `kill -9` and restarts, and across shard rollovers (issue 6, "Behaviour
that must hold"): at-least-once delivery of every acknowledged write, in order per item."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import defaultdict

import boto3
from botocore.config import Config

from conftest import DUMMY_KEYS, REGION
from eddy_proc import Eddy
from triggers_util import RECORDER, Harness, rkey, rnew, wait_until

SLOW = (
    RECORDER
    + """

def handler(event, context):
    start = time.time_ns()
    time.sleep(float(os.environ.get("SLEEP", "0")))
    record(event, context, start_ns=start)
"""
)


class Writer(threading.Thread):
    """Writes versions 0, 1, 2... of `keys` round-robin; remembers the acknowledged ones."""

    def __init__(self, endpoint, table, keys, first=0, last=None, pause=0.0):
        super().__init__(daemon=True)
        self.ddb = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
            **DUMMY_KEYS,
        )
        self.table, self.keys, self.first, self.last, self.pause = table, keys, first, last, pause
        self.acked: set[tuple[str, int]] = set()
        self.stop = threading.Event()
        self.error: Exception | None = None

    def run(self):
        v = self.first
        while not self.stop.is_set() and (self.last is None or v <= self.last):
            for k in self.keys:
                try:
                    self.ddb.put_item(TableName=self.table, Item={"id": {"S": k}, "v": {"N": str(v)}})
                except Exception as e:  # noqa: BLE001 - the server was killed under us
                    self.error = e
                    return
                self.acked.add((k, v))
                if self.pause:
                    time.sleep(self.pause)
            v += 1


def versions_by_key(calls):
    out = defaultdict(list)
    for c in calls:
        for r in c.records:
            out[rkey(r)].append(int(rnew(r, "v")))
    return out


def test_mapping_survives_kill_9_with_nothing_lost(tmp_path):
    server = Eddy(data_dir=tmp_path)
    h = Harness(server.endpoint)
    fn, out = h.recorder(SLOW, env={"SLEEP": "0.05"})  # slower than the writer: a backlog builds
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", BatchSize=5)
    keys = [f"k{i}" for i in range(5)]
    w = Writer(server.endpoint, table, keys)
    w.start()
    try:
        # Kill while writes are flowing and batches are being delivered.
        wait_until(lambda: len(w.acked) >= 150 and len(h.invocations(out)) >= 5, timeout=30, what="delivery under way")
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
    finally:
        w.stop.set()
        w.join(10)
    acked = set(w.acked)
    first_endpoint = server.endpoint
    server2 = Eddy(data_dir=tmp_path)
    h2 = Harness(server2.endpoint)
    try:
        got = h2.lam.get_event_source_mapping(UUID=m["UUID"])
        assert (got["State"], got["EventSourceArn"]) == ("Enabled", arn)
        # More writes after the restart, then everything acknowledged must arrive.
        top = max(v for _, v in acked) + 1
        w2 = Writer(server2.endpoint, table, keys, first=top, last=top + 4)
        w2.run()
        assert w2.error is None, w2.error
        acked |= w2.acked
        want = defaultdict(set)
        for k, v in acked:
            want[k].add(v)

        def complete(calls):
            seen = versions_by_key(calls)
            return all(want[k] <= set(seen[k]) for k in keys)

        calls = h2.wait_invocations(out, complete, timeout=60, what="every acknowledged write delivered")
        assert {c.endpoint for c in calls} <= {first_endpoint, server2.endpoint}
        # The kill happened mid-delivery: the first run had not delivered everything.
        first_run = sum(len(c.records) for c in calls if c.endpoint == first_endpoint)
        assert 0 < first_run < len(w.acked), (first_run, len(w.acked))
        # In order per key within each run of eddy (a restart may replay from the checkpoint).
        for endpoint in (first_endpoint, server2.endpoint):
            per_key = versions_by_key([c for c in calls if c.endpoint == endpoint])
            for k, vs in per_key.items():
                assert vs == sorted(set(vs)), (endpoint, k, vs)
        # Redelivery after the restart starts no later than where the first run stopped.
        before = versions_by_key([c for c in calls if c.endpoint == first_endpoint])
        after = versions_by_key([c for c in calls if c.endpoint == server2.endpoint])
        for k in keys:
            assert after[k], k
            assert min(after[k]) <= (max(before[k]) + 1 if before[k] else 0), (k, before[k][-3:], after[k][:3])
    finally:
        h2.cleanup()
        server2.close()
        server.close()


def test_mapping_follows_shard_rollovers():
    """A mapping keeps delivering across shard rollovers: every record once, in order."""
    server = Eddy("--stream-shard-rollover", "0.3")
    h = Harness(server.endpoint)
    try:
        fn, out = h.recorder(SLOW)
        table, arn = h.source_table()
        h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=4)
        keys = ["a", "b", "c"]
        w = Writer(server.endpoint, table, keys, last=29, pause=0.01)
        w.run()
        assert w.error is None
        calls = h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= 90, timeout=30)
        per_key = versions_by_key(calls)
        assert {k: per_key[k] for k in keys} == {k: list(range(30)) for k in keys}
        streams = boto3.client("dynamodbstreams", endpoint_url=server.endpoint, region_name=REGION, **DUMMY_KEYS)
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        assert len(shards) > 1, "no rollover happened: the test proves nothing"
        assert len({c.event["Records"][0]["eventSourceARN"] for c in calls}) == 1
    finally:
        h.cleanup()
        server.close()


def test_graceful_restart_neither_loses_nor_repeats(tmp_path):
    """LATEST is pinned durably at creation; after a SIGTERM restart delivery resumes exactly
    at the checkpoint; a disabled mapping stays disabled."""
    server = Eddy(data_dir=tmp_path)
    h = Harness(server.endpoint)
    fn, out = h.recorder()
    table, arn = h.source_table()
    _, arn2 = h.source_table()
    h.put(table, id="before")
    m = h.mapping(fn, arn, "LATEST")
    off = h.mapping(fn, arn2, "LATEST", Enabled=False)
    assert server.terminate() == 0  # before any record was written after the mapping
    server = Eddy(data_dir=tmp_path)
    h = Harness(server.endpoint)
    try:
        assert h.get_mapping(off["UUID"])["State"] == "Disabled"
        h.put(table, id="x1")
        h.wait_keys(out, ["x1"])
        assert server.terminate() == 0
        server = Eddy(data_dir=tmp_path)
        h = Harness(server.endpoint)
        h.put(table, id="x2")
        h.wait_keys(out, ["x2"])
        keys = [k for c in h.invocations(out) for k in c.keys]
        assert keys == ["x1", "x2"]
        assert h.get_mapping(m["UUID"])["State"] == "Enabled"
    finally:
        h.mappings += [m["UUID"], off["UUID"]]
        h.functions.append(fn)
        h.cleanup()
        server.close()
