"""Delivery by event source mappings to real function processes (spec §2.5-2.6, §2.3).

Edge cases 56 (disable/enable resumes from the checkpoint) and 57 (event payload), LATEST
and TRIM_HORIZON, batching, per-key order, and Node.js handlers (async and callback).
"""

# ruff: noqa: F811 - `h` is a pytest fixture imported from triggers_util

from __future__ import annotations

import base64
import json
import time

import pytest

from eddy_proc import Eddy
from triggers_util import (  # noqa: F401
    PLAIN,
    RECORDER,
    Harness,
    h,
    raw_stream_records,
    rkey,
    rnew,
    stays,
    wait_until,
)


def test_latest_delivers_the_first_record_written_after_create(h):
    """LATEST is pinned at creation: a write right after the call returns is never lost."""
    fn, out = h.recorder()
    tables = [h.source_table() for _ in range(3)]
    for table, arn in tables:
        h.put(table, id=f"{table}-before")
    for table, arn in tables:
        h.mapping(fn, arn, "LATEST")
        h.put(table, id=f"{table}-first")  # immediately, no waiting for State Enabled
    calls = h.wait_keys(out, [f"{t}-first" for t, _ in tables])
    keys = [k for c in calls for k in c.keys]
    # Per shard, delivery is in order: "before" would have come first had it been delivered.
    assert not [k for k in keys if k.endswith("-before")], keys
    assert sorted(keys) == sorted(f"{t}-first" for t, _ in tables), keys


def test_trim_horizon_delivers_everything_in_order_in_batches(h):
    fn, out = h.recorder()
    table, arn = h.source_table()
    for i in range(7):
        h.put(table, id="k", v=i)
    m = h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=3)
    calls = h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= 7)
    # Written before the mapping existed: the poller reads full batches of 3, 3, 1.
    assert [len(c.records) for c in calls] == [3, 3, 1]
    assert [rnew(r, "v") for c in calls for r in c.records] == [str(i) for i in range(7)]
    assert [r["eventName"] for c in calls for r in c.records] == ["INSERT"] + ["MODIFY"] * 6
    got = h.wait_state(m["UUID"], "Enabled")
    assert got["LastProcessingResult"] == "OK"
    for c in calls:
        seqs = [int(s) for s in c.seqs]
        assert seqs == sorted(seqs)


def test_batching_window_gathers_records(h):
    """MaximumBatchingWindowInSeconds: records arriving within the window share a batch."""
    fn, out = h.recorder()
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", BatchSize=50, MaximumBatchingWindowInSeconds=1)
    h.wait_state(m["UUID"], "Enabled")
    for i in range(5):
        h.put(table, id=f"w{i}")
    calls = h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= 5)
    assert len(calls) == 1, [c.keys for c in calls]
    assert calls[0].keys == [f"w{i}" for i in range(5)]


def test_event_payload_is_the_getrecords_record_plus_event_source_arn(h):
    """Edge cases 57 and 43: each record equals its GetRecords record plus `eventSourceARN`."""
    fn, out = h.recorder()
    table, arn = h.source_table()
    h.put(table, id="p1", n=42, blob=b"foobar", tags={"a": "b"})
    h.ddb.update_item(
        TableName=table,
        Key={"id": {"S": "p1"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "43"}},
    )
    h.ddb.delete_item(TableName=table, Key={"id": {"S": "p1"}})
    h.mapping(fn, arn, "TRIM_HORIZON")
    calls = h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= 3)
    event = calls[0].event
    assert set(event) == {"Records"}, event.keys()
    got = [r for c in calls for r in c.records]
    wire = raw_stream_records(h.endpoint, arn)
    assert len(got) == len(wire) == 3
    for ev, rec in zip(got, wire):
        assert ev.pop("eventSourceARN") == arn
        assert ev == rec  # ApproximateCreationDateTime compares numerically (1.7e9 == 1.7e9.0)
        assert isinstance(ev["dynamodb"]["ApproximateCreationDateTime"], (int, float))
        assert "userIdentity" not in ev
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
    assert got[0]["dynamodb"]["NewImage"]["blob"] == {"B": base64.b64encode(b"foobar").decode()}
    assert {r["eventSource"] for r in got} == {"aws:dynamodb"}
    assert {r["eventVersion"] for r in got} == {"1.1"}
    assert {r["awsRegion"] for r in got} == {"us-east-1"}


def test_ttl_delete_has_lowercase_user_identity():
    """Edge case 57: TTL deletes carry `userIdentity` with the event casing (type/principalId)."""
    server = Eddy("--ttl-interval", "0.2")
    h = Harness(server.endpoint)
    try:
        fn, out = h.recorder()
        table, arn = h.source_table()
        h.ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        h.mapping(fn, arn, "TRIM_HORIZON")
        h.put(table, id="keep")
        h.put(table, id="old", exp=int(time.time()) - 60)  # expired (but < 5 years ago)
        calls = h.wait_invocations(
            out, lambda cs: any(r["eventName"] == "REMOVE" for c in cs for r in c.records), timeout=20
        )
        removes = [r for c in calls for r in c.records if r["eventName"] == "REMOVE"]
        assert len(removes) == 1
        assert removes[0]["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
        assert removes[0]["dynamodb"]["OldImage"]["id"] == {"S": "old"}
        assert all("userIdentity" not in r for c in calls for r in c.records if r["eventName"] != "REMOVE")
        # The TTL-deletes-only filter of spec §2.11 (lowercase keys, as in the event).
        fn2, out2 = h.recorder()
        ttl_only = json.dumps({"userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}})
        h.mapping(fn2, arn, "TRIM_HORIZON", FilterCriteria={"Filters": [{"Pattern": ttl_only}]})
        only = h.wait_invocations(out2, lambda cs: len(cs) >= 1)
        assert [(r["eventName"], rkey(r)) for c in only for r in c.records] == [("REMOVE", "old")]
        # GetRecords keeps the capitalised members (spec §1.9).
        wire = [r for r in raw_stream_records(h.endpoint, arn) if r["eventName"] == "REMOVE"]
        assert wire[0]["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    finally:
        h.cleanup()
        server.close()


def test_disable_enable_resumes_from_the_checkpoint(h):
    """Edge case 56: no redelivery of what was delivered, no gap for what was written meanwhile."""
    fn, out = h.recorder()
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", BatchSize=10)
    for i in range(3):
        h.put(table, id=f"a{i}")
    h.wait_keys(out, ["a0", "a1", "a2"])
    u = h.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    assert u["State"] == "Disabling"
    h.wait_state(m["UUID"], "Disabled")
    for i in range(3):
        h.put(table, id=f"b{i}")
    stays(lambda: len(h.invocations(out)), seconds=1.0)  # disabled: nothing is delivered
    u = h.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
    assert u["State"] == "Enabling"
    h.wait_state(m["UUID"], "Enabled")
    h.put(table, id="c0")
    h.wait_keys(out, ["b0", "b1", "b2", "c0"])
    keys = stays(lambda: h.delivered_keys(out), seconds=0.5)
    assert keys == ["a0", "a1", "a2", "b0", "b1", "b2", "c0"]


def test_per_key_order_with_concurrent_writers(h):
    """Records of one item arrive in write order; every write is delivered exactly once here."""
    import threading

    fn, out = h.recorder()
    table, arn = h.source_table()
    h.mapping(fn, arn, "LATEST", BatchSize=7)

    def writer(k):
        from triggers_util import clients

        ddb, _ = clients(h.endpoint)
        for v in range(15):
            ddb.put_item(TableName=table, Item={"id": {"S": k}, "v": {"N": str(v)}})

    threads = [threading.Thread(target=writer, args=(f"k{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= 60)
    calls = h.invocations(out)
    for i in range(4):
        vs = [int(rnew(r, "v")) for c in calls for r in c.records if rkey(r) == f"k{i}"]
        assert vs == list(range(15)), (f"k{i}", vs)


NODE_ASYNC = r"""
// Unmodified AWS-style async handler; records its event into OUT_TABLE with a plain
// DynamoDB JSON request (Node.js has no AWS SDK here; eddy accepts any well-formed signature).
const record = async (event, context) => {
  const body = JSON.stringify({
    TableName: process.env.OUT_TABLE,
    Item: {
      id: { S: context.awsRequestId }, request_id: { S: context.awsRequestId },
      start_ns: { N: String(BigInt(Date.now()) * 1000000n) }, end_ns: { N: String(BigInt(Date.now()) * 1000000n) },
      pid: { N: String(process.pid) }, endpoint: { S: process.env.AWS_ENDPOINT_URL },
      event: { S: JSON.stringify(event) }, x_style: { S: JSON.stringify(STYLE) },
    },
  });
  const res = await fetch(process.env.AWS_ENDPOINT_URL, {
    method: 'POST', body,
    headers: {
      'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.PutItem',
      'X-Amz-Date': '20260101T000000Z',
      Authorization: 'AWS4-HMAC-SHA256 Credential=' + process.env.AWS_ACCESS_KEY_ID +
        '/20260101/' + process.env.AWS_REGION + '/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
  });
  if (res.status !== 200) throw new Error('PutItem failed: ' + res.status + ' ' + (await res.text()));
};
"""


@pytest.mark.parametrize("style", ["async", "callback"])
def test_node_handler_is_triggered(h, style):
    if style == "async":
        src = (
            "const STYLE = 'async';\n"
            + NODE_ASYNC
            + "exports.handler = async (event, context) => {\n  await record(event, context);\n  return { ok: true };\n};\n"
        )
    else:
        src = (
            "const STYLE = 'callback';\n" + NODE_ASYNC + "exports.handler = (event, context, callback) => {\n"
            "  record(event, context).then(() => callback(null, { ok: true }), (err) => callback(err));\n};\n"
        )
    out = h.out_table()
    fn = h.function(src, runtime="nodejs20.x", env={"OUT_TABLE": out})
    table, arn = h.source_table()
    h.mapping(fn, arn, "LATEST")
    h.put(table, id=f"node-{style}", n=1)
    calls = h.wait_keys(out, [f"node-{style}"])
    assert calls[0].extra["style"] == style
    r = calls[0].records[0]
    assert r["eventSourceARN"] == arn and r["dynamodb"]["NewImage"]["n"] == {"N": "1"}


def test_function_output_is_irrelevant_without_report_batch_item_failures(h):
    """Spec §2.8: without ReportBatchItemFailures a normal return is success, whatever it says."""
    src = PLAIN.replace(
        "    record(event, context)",
        "    record(event, context)\n"
        "    return {'batchItemFailures': [{'itemIdentifier': event['Records'][0]['dynamodb']['SequenceNumber']}]}",
    )
    assert src != PLAIN
    fn, out = h.recorder(src)
    table, arn = h.source_table()
    h.put(table, id="x1")
    h.put(table, id="x2")
    h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=1, MaximumRetryAttempts=3)
    h.wait_keys(out, ["x2"])  # x2 comes after x1 on the shard: x1 was settled first
    assert h.delivered_keys(out) == ["x1", "x2"]


# Records a summary instead of the event (big batches would not fit in one item).
SUMMARY = (
    RECORDER
    + """

def handler(event, context):
    recs = event["Records"]
    keys = [r["dynamodb"]["Keys"]["id"]["S"] for r in recs]
    record({"keys": keys, "bytes": len(json.dumps(event))}, context)
"""
)


def test_batch_size_above_one_getrecords_page(h):
    """Spec §2.2: BatchSize up to 10000; Lambda aggregates several GetRecords pages (≤ 1000)."""
    fn, out = h.recorder(SUMMARY)
    table, arn = h.source_table("KEYS_ONLY")
    h.put_many(table, [{"id": f"n{i:04d}"} for i in range(1500)])
    h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=2000)
    calls = h.wait_invocations(out, lambda cs: sum(len(c.event["keys"]) for c in cs) >= 1500, timeout=30)
    assert len(calls) == 1, [len(c.event["keys"]) for c in calls]
    assert calls[0].event["keys"] == [f"n{i:04d}" for i in range(1500)]


def test_batches_stay_under_the_6_mb_invocation_limit(h):
    """Spec §2.5: a batch is cut before its payload would exceed 6 MB."""
    fn, out = h.recorder(SUMMARY)
    table, arn = h.source_table("NEW_IMAGE")
    for i in range(20):
        h.put(table, id=f"big{i:02d}", blob="x" * 350_000)  # 20 x 350 KB = 7 MB
    m = h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=100)
    calls = h.wait_invocations(out, lambda cs: sum(len(c.event["keys"]) for c in cs) >= 20, timeout=30)
    assert [k for c in calls for k in c.event["keys"]] == [f"big{i:02d}" for i in range(20)]
    assert len(calls) >= 2
    assert all(c.event["bytes"] <= 6 * 1024 * 1024 for c in calls), [c.event["bytes"] for c in calls]
    assert h.metrics(m["UUID"]).get("eddy_esm_errors_total") == 0


def test_created_disabled_then_enabled_starts_at_trim_horizon(h):
    fn, out = h.recorder()
    table, arn = h.source_table()
    h.put(table, id="e1")
    m = h.mapping(fn, arn, "TRIM_HORIZON", Enabled=False)
    h.put(table, id="e2")
    stays(lambda: len(h.invocations(out)), seconds=0.5)
    h.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
    h.wait_keys(out, ["e1", "e2"])
    assert h.delivered_keys(out) == ["e1", "e2"]


def test_update_function_name_retargets_the_mapping(h):
    fn_a, out_a = h.recorder()
    fn_b, out_b = h.recorder()
    table, arn = h.source_table()
    m = h.mapping(fn_a, arn, "LATEST")
    h.put(table, id="to-a")
    h.wait_keys(out_a, ["to-a"])
    u = h.lam.update_event_source_mapping(UUID=m["UUID"], FunctionName=fn_b)
    assert u["FunctionArn"].endswith(f":function:{fn_b}")
    h.wait_state(m["UUID"], "Enabled")
    h.put(table, id="to-b")
    h.wait_keys(out_b, ["to-b"])
    assert h.delivered_keys(out_a) == ["to-a"] and h.delivered_keys(out_b) == ["to-b"]


def test_batching_window_closes_early_when_the_batch_is_full(h):
    """Spec §2.5: BatchSize reached → invoke at once, without waiting for the window."""
    fn, out = h.recorder()
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", BatchSize=3, MaximumBatchingWindowInSeconds=10)
    h.wait_state(m["UUID"], "Enabled")
    t0 = time.time()
    for i in range(3):
        h.put(table, id=f"f{i}")
    calls = h.wait_keys(out, ["f0", "f1", "f2"], timeout=8)
    assert calls[0].keys == ["f0", "f1", "f2"]
    assert calls[0].start_ns / 1e9 - t0 < 5


def test_two_mappings_on_one_stream_and_delete_stops_delivery(h):
    fn_a, out_a = h.recorder()
    fn_b, out_b = h.recorder()
    table, arn = h.source_table()
    ma = h.mapping(fn_a, arn, "LATEST")
    h.mapping(fn_b, arn, "LATEST")
    h.put(table, id="both")
    h.wait_keys(out_a, ["both"])
    h.wait_keys(out_b, ["both"])
    h.lam.delete_event_source_mapping(UUID=ma["UUID"])
    h.put(table, id="only-b")
    h.wait_keys(out_b, ["only-b"])
    assert stays(lambda: h.delivered_keys(out_a), seconds=0.5) == ["both"]


# Sleeps so that concurrent batches overlap in time, then records the invocation span.
SLOW = (
    RECORDER
    + """

def handler(event, context):
    start = time.time_ns()
    time.sleep(0.3)
    record(event, context, start_ns=start)
"""
)


def test_parallelization_factor_runs_batches_of_one_shard_concurrently_in_key_order(h):
    """ParallelizationFactor 4: batches of different items overlap in time; the records of
    one item are still delivered one batch after another, in write order."""
    fn, out = h.recorder(SLOW)
    table, arn = h.source_table()
    items = [{"id": f"k{i}", "v": v} for v in range(3) for i in range(8)]
    for it in items:
        h.put(table, **it)
    h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=2, ParallelizationFactor=4)
    h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= len(items), timeout=30)
    calls = h.invocations(out)
    assert sum(len(c.records) for c in calls) == len(items)  # each record exactly once
    assert all(len(c.records) <= 2 for c in calls)
    overlapping = sum(
        1 for a in calls for b in calls if a is not b and a.start_ns < b.end_ns and b.start_ns < a.end_ns
    )
    assert overlapping > 0, "no two batches ran at the same time"
    for i in range(8):
        key = f"k{i}"
        mine = [c for c in calls if key in c.keys]
        vs = [int(rnew(r, "v")) for c in mine for r in c.records if rkey(r) == key]
        assert vs == [0, 1, 2], (key, vs)
        # One item's batches never overlap: its lane delivers them one after another.
        assert all(a.end_ns <= b.start_ns for a, b in zip(mine, mine[1:])), key
