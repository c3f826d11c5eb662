"""Tumbling windows (edge case 70), ParallelizationFactor (69), and mappings whose stream is
disabled (spec §2.5: drain what is left, never follow the table's next stream)."""

# ruff: noqa: F811 - `h` is a pytest fixture imported from triggers_util

from __future__ import annotations

import itertools
import time
from datetime import datetime

from eddy_proc import Eddy
from triggers_util import PLAIN, RECORDER, Harness, h, rkey, rnew, stays, wait_until  # noqa: F401

# Counts records per window in the state; the first time it sees a record with `nostate`
# it answers without `state` (which must count as a failed invocation).
WINDOW = (
    RECORDER
    + """

def handler(event, context):
    if "window" not in event:  # a warm-up call
        return {}
    record(event, context)
    recs = event["Records"]
    if any(attr(r, "nostate") for r in recs) and first_time(recs[0]["dynamodb"]["SequenceNumber"]):
        return {"batchItemFailures": []}
    state = dict(event["state"])
    state["count"] = state.get("count", 0) + len(recs)
    state["keys"] = state.get("keys", []) + [r["dynamodb"]["Keys"]["id"]["S"] for r in recs]
    return {"state": state}
"""
)


def iso(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()


def test_tumbling_window_passes_state_and_ends_with_a_final_invocation(h):
    """Edge case 70."""
    width = 2
    fn, out = h.recorder(WINDOW)
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", BatchSize=1, TumblingWindowInSeconds=width)
    assert m["TumblingWindowInSeconds"] == width
    h.wait_state(m["UUID"], "Enabled")
    h.lam.invoke(FunctionName=fn, Payload=b"{}")  # warm: a cold start must not outlast the window
    # Start right after a window boundary so the three writes share one window.
    wait_until(lambda: 0.05 < time.time() % width < 0.5, timeout=5, interval=0.01, what="a fresh window")
    h.put(table, id="w1")
    h.put(table, id="w2", nostate=True)
    h.put(table, id="w3")
    calls = h.wait_invocations(out, lambda cs: any(c.event.get("isFinalInvokeForWindow") for c in cs), timeout=15)
    shape = [(c.keys, c.event["state"], c.event["isFinalInvokeForWindow"]) for c in calls]
    assert shape == [
        (["w1"], {}, False),
        (["w2"], {"count": 1, "keys": ["w1"]}, False),  # answered without state: failed
        (["w2"], {"count": 1, "keys": ["w1"]}, False),  # retried with the same state
        (["w3"], {"count": 2, "keys": ["w1", "w2"]}, False),
        ([], {"count": 3, "keys": ["w1", "w2", "w3"]}, True),
    ]
    windows = {(c.event["window"]["start"], c.event["window"]["end"]) for c in calls}
    assert len(windows) == 1
    start, end = windows.pop()
    assert iso(end) - iso(start) == width
    for c in calls:
        assert c.event["eventSourceARN"] == arn
        assert c.event["shardId"].startswith("shardId-")
        assert c.event["isWindowTerminatedEarly"] is False
        for r in c.records:
            assert iso(start) <= r["dynamodb"]["ApproximateCreationDateTime"] < iso(end)
    # The next window starts with empty state again.
    h.put(table, id="w4")
    calls = h.wait_keys(out, ["w4"])
    w4 = next(c for c in calls if c.keys == ["w4"])
    assert w4.event["state"] == {} and w4.event["window"]["start"] >= end


# Sleeps a little so that concurrent batches (if any) would overlap in time.
SLOW = (
    RECORDER
    + """

def handler(event, context):
    start = time.time_ns()
    time.sleep(float(os.environ.get("SLEEP", "0.03")))
    record(event, context, start_ns=start)
"""
)


def test_parallelization_factor_keeps_per_key_order(h):
    """Edge case 69: records of one key are never processed concurrently or out of order."""
    fn, out = h.recorder(SLOW)
    table, arn = h.source_table()
    keys = [f"k{i}" for i in range(4)]
    versions = 8
    m = h.mapping(fn, arn, "LATEST", BatchSize=2, ParallelizationFactor=4)
    assert m["ParallelizationFactor"] == 4
    for v in range(versions):
        for k in keys:
            h.put(table, id=k, v=v)
    calls = h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= len(keys) * versions, timeout=30)
    for k in keys:
        mine = [c for c in calls if k in c.keys]
        seen = [int(rnew(r, "v")) for c in mine for r in c.records if rkey(r) == k]
        assert seen == list(range(versions)), (k, seen)
        for a, b in itertools.pairwise(mine):
            assert a.end_ns <= b.start_ns, f"{k}: two batches holding it overlapped"


def test_disabled_stream_is_drained_and_the_next_stream_is_not_followed(h):
    """Spec §2.5: records left in a disabled stream are still delivered; a re-enabled stream
    (a new ARN) is not read by the old mapping."""
    fn, out = h.recorder(SLOW, env={"SLEEP": "0.2"})
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", BatchSize=1)
    keys = [f"s{i}" for i in range(5)]
    for k in keys:
        h.put(table, id=k)
    h.ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    h.put(table, id="after-disable")  # no stream: no record
    calls = h.wait_keys(out, keys)
    assert [k for c in calls for k in c.keys] == keys
    # A new stream on the same table: the old mapping must not fire for it.
    new = h.ddb.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    )["TableDescription"]["LatestStreamArn"]
    assert new != arn
    h.put(table, id="new-stream")
    assert stays(lambda: h.delivered_keys(out), seconds=1.5) == keys
    assert h.get_mapping(m["UUID"])["EventSourceArn"] == arn
    # A mapping on the new stream does see it.
    h.mapping(fn, new, "TRIM_HORIZON")
    h.wait_keys(out, ["new-stream"])


def test_deleted_table_mapping_drains_and_stops(h):
    fn, out = h.recorder(SLOW, env={"SLEEP": "0.1"})
    table, arn = h.source_table()
    h.mapping(fn, arn, "LATEST", BatchSize=1)
    keys = [f"t{i}" for i in range(4)]
    for k in keys:
        h.put(table, id=k)
    h.ddb.delete_table(TableName=table)
    h.wait_keys(out, keys)
    # Recreated under the same name with a stream: the old mapping does not fire for it.
    _, new = h.source_table(name=table)
    assert new != arn
    h.put(table, id="recreated")
    assert stays(lambda: h.delivered_keys(out), seconds=1.5) == keys


def test_tumbling_window_closes_at_shard_end():
    """Spec §2.10: windows do not survive resharding; the shard's end closes the window
    (final invocation) and the child shard starts with empty state."""
    server = Eddy("--stream-shard-rollover", "1")
    h = Harness(server.endpoint)
    try:
        fn, out = h.recorder(WINDOW)
        table, arn = h.source_table()
        h.mapping(fn, arn, "LATEST", BatchSize=1, TumblingWindowInSeconds=900)
        h.put(table, id="w1")
        calls = h.wait_invocations(out, lambda cs: any(c.event["isFinalInvokeForWindow"] for c in cs), timeout=15)
        assert [(c.keys, c.event["state"], c.event["isFinalInvokeForWindow"]) for c in calls] == [
            (["w1"], {}, False),
            ([], {"count": 1, "keys": ["w1"]}, True),
        ]
        assert calls[0].event["shardId"] == calls[1].event["shardId"]
        h.put(table, id="w2")
        calls = h.wait_keys(out, ["w2"])
        w2 = next(c for c in calls if c.keys == ["w2"])
        assert w2.event["state"] == {}
        assert w2.event["shardId"] != calls[0].event["shardId"]
    finally:
        h.cleanup()
        server.close()
