"""Failed invocations: retries, partial batch responses, bisect, record age (spec §2.7-2.8).

Edge cases 58, 59, 60, 61, 62, 63 (slow: set EDDY_SLOW_TESTS=1), and a function deleted
while mapped. On-failure records (spec §2.9) are read from a real SQS queue of the same eddy,
and once through an SNS topic.

Batches are made deterministic by writing the records BEFORE creating a TRIM_HORIZON
mapping: the poller then reads full batches of BatchSize in stream order.
"""

# ruff: noqa: F811 - `h` is a pytest fixture imported from triggers_util

from __future__ import annotations

import os
import time

import boto3
import pytest

from conftest import DUMMY_KEYS, REGION
from triggers_util import PLAIN, RECORDER, h, rkey, rnew, stays, wait_until  # noqa: F401

# Raises for any batch holding a record whose NewImage has `poison`.
POISON = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
    bad = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"] if attr(r, "poison")]
    if bad:
        raise ValueError("poison records: %s" % bad)
"""
)


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_handler_exception_is_retried_then_the_shard_moves_on(h, retries):
    """Edge case 58: MaximumRetryAttempts=1 → exactly 2 invocations with the same batch
    (and 0 → 1, 3 → 4), then processing continues with later records."""
    fn, out = h.recorder(POISON)
    table, arn = h.source_table()
    h.put(table, id="p", poison=True)
    h.put(table, id="g1")
    h.put(table, id="g2")
    queue, queue_arn = h.failure_queue()
    m = h.mapping(
        fn,
        arn,
        "TRIM_HORIZON",
        BatchSize=1,
        MaximumRetryAttempts=retries,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    calls = h.wait_keys(out, ["g1", "g2"])
    assert [c.keys for c in calls] == [["p"]] * (retries + 1) + [["g1"], ["g2"]]
    assert all(c.event == calls[0].event for c in calls[: retries + 1])  # the same batch, byte for byte
    assert len({c.request_id for c in calls}) == len(calls)
    [rec] = h.failure_records(queue, 1)
    assert rec["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert rec["requestContext"]["approximateInvokeCount"] == retries + 1
    assert rec["requestContext"]["functionArn"] == m["FunctionArn"]
    assert rec["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert rec["version"] == "1.0"
    info = rec["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == arn
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == calls[0].event["Records"][0]["dynamodb"]["SequenceNumber"]
    assert info["shardId"].startswith("shardId-")
    assert "payload" not in rec  # only S3 destinations carry the batch itself
    mm = h.metrics(m["UUID"])
    assert (mm["eddy_esm_records_discarded_total"], mm["eddy_esm_errors_total"]) == (1, retries + 1)
    assert h.get_mapping(m["UUID"])["LastProcessingResult"] == "OK"


def test_poison_batch_blocks_its_shard_until_retries_run_out(h):
    """Spec §2.7: with the default (-1) retries a failing batch is retried and later records
    of the shard wait; lowering MaximumRetryAttempts by Update lets the shard move on."""
    fn, out = h.recorder(POISON)
    table, arn = h.source_table()
    h.put(table, id="a")
    h.put(table, id="p", poison=True)
    h.put(table, id="b")
    m = h.mapping(fn, arn, "TRIM_HORIZON", BatchSize=3)
    h.wait_invocations(out, lambda cs: len(cs) >= 2)
    assert h.get_mapping(m["UUID"])["LastProcessingResult"] == "PROBLEM: Function call failed"
    h.put(table, id="after")
    n = len(h.invocations(out))
    calls = h.wait_invocations(out, lambda cs: len(cs) >= n + 2)
    assert all(c.keys == ["a", "p", "b"] for c in calls)  # "after" waits behind the poison batch
    h.lam.update_event_source_mapping(UUID=m["UUID"], MaximumRetryAttempts=0)
    calls = h.wait_keys(out, ["after"])
    assert calls[-1].keys == ["after"]
    assert all(c.keys == ["a", "p", "b"] for c in calls[:-1])


# Fails the two records marked `fail` the first time it sees them, by partial batch response.
PARTIAL = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
    failed = [
        {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
        for r in event["Records"]
        if attr(r, "fail") and first_time(r["dynamodb"]["SequenceNumber"])
    ]
    return {"batchItemFailures": list(reversed(failed))}
"""
)


@pytest.mark.parametrize("bisect", [False, True])
def test_partial_batch_response_retries_from_the_lowest_failure(h, bisect):
    """Edge case 59: records before the lowest reported sequence number are not redelivered.
    With BisectBatchOnFunctionError too, a partial response splits at the reported record
    and only the remainder is retried (spec §2.8): the same calls."""
    fn, out = h.recorder(PARTIAL)
    table, arn = h.source_table()
    for i in range(6):
        h.put(table, id=f"r{i}", **({"fail": True} if i in (2, 4) else {}))
    h.mapping(
        fn,
        arn,
        "TRIM_HORIZON",
        BatchSize=6,
        MaximumRetryAttempts=2,
        BisectBatchOnFunctionError=bisect,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    calls = h.wait_invocations(out, lambda cs: len(cs) >= 2)
    h.put(table, id="sentinel")
    calls = h.wait_keys(out, ["sentinel"])
    assert [c.keys for c in calls] == [
        [f"r{i}" for i in range(6)],
        ["r2", "r3", "r4", "r5"],
        ["sentinel"],
    ]


# Returns, the first time it sees a batch, the JSON text in the first record's `ret`
# attribute (with "$SEQ" replaced by the second record's sequence number).
RETURNS = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
    first = event["Records"][0]
    ret = attr(first, "ret")
    if ret is not None and first_time(first["dynamodb"]["SequenceNumber"]):
        seq = event["Records"][-1]["dynamodb"]["SequenceNumber"]
        return json.loads(ret.replace("$SEQ", seq))
    return None
"""
)

FAILURES = [
    '{"batchItemFailures": [{"itemIdentifier": ""}]}',
    '{"batchItemFailures": [{"itemIdentifier": null}]}',
    '{"batchItemFailures": [{"itemIdentifier": 123}]}',
    '{"batchItemFailures": [{"foo": "$SEQ"}]}',
    '{"batchItemFailures": [{"itemIdentifier": "$SEQ"}, {"itemIdentifier": ""}]}',
]
SUCCESSES = ["null", "{}", "[]", '{"batchItemFailures": []}', '{"batchItemFailures": null}']


def test_partial_batch_response_interpretation(h):
    """Edge case 60: malformed entries fail the whole batch; empty answers are success.

    Pairs of records (case, filler) form batches of 2; a failed batch is delivered again
    whole (both records), a successful one once.
    """
    fn, out = h.recorder(RETURNS)
    table, arn = h.source_table()
    cases = FAILURES + SUCCESSES
    for i, ret in enumerate(cases):
        h.put(table, id=f"c{i:02d}", ret=ret)
        h.put(table, id=f"f{i:02d}")
    h.put(table, id="zz-sentinel")
    h.mapping(
        fn, arn, "TRIM_HORIZON", BatchSize=2, MaximumRetryAttempts=1, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    calls = h.wait_keys(out, ["zz-sentinel"], timeout=30)
    batches = [c.keys for c in calls]
    expected = []
    for i, ret in enumerate(cases):
        expected += [[f"c{i:02d}", f"f{i:02d}"]] * (2 if ret in FAILURES else 1)
    expected.append(["zz-sentinel"])
    assert batches == expected


# Always reports the records marked `fail` as failed.
ALWAYS_PARTIAL = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
    return {"batchItemFailures": [
        {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in event["Records"] if attr(r, "fail")
    ]}
"""
)


def test_partial_failure_exhausted_discards_only_the_failed_range(h):
    """Edge case 61 (what is observable without SQS/SNS): after the retries of a partial
    failure run out, only the failed record is discarded and the shard moves on."""
    fn, out = h.recorder(ALWAYS_PARTIAL)
    table, arn = h.source_table()
    for i in range(5):
        h.put(table, id=f"r{i}", **({"fail": True} if i == 3 else {}))
    queue, queue_arn = h.failure_queue()
    m = h.mapping(
        fn,
        arn,
        "TRIM_HORIZON",
        BatchSize=4,
        MaximumRetryAttempts=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    calls = h.wait_keys(out, ["r4"])
    assert [c.keys for c in calls] == [["r0", "r1", "r2", "r3"], ["r3"], ["r4"]]
    assert h.metrics(m["UUID"])["eddy_esm_records_discarded_total"] == 1
    [rec] = h.failure_records(queue, 1)
    assert rec["responseContext"]["functionError"] is None
    assert rec["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert rec["DDBStreamBatchInfo"]["batchSize"] == 1
    r3 = calls[1].event["Records"][0]["dynamodb"]["SequenceNumber"]
    assert rec["DDBStreamBatchInfo"]["startSequenceNumber"] == r3


BISECT = POISON


def test_bisect_isolates_a_poison_record(h):
    """Edge case 62: bisection narrows the failure to the poison record; splits use no attempts."""
    fn, out = h.recorder(BISECT)
    table, arn = h.source_table()
    keys = [f"b{i}" for i in range(8)]
    for k in keys:
        h.put(table, id=k, **({"poison": True} if k == "b5" else {}))
    sns = boto3.client("sns", endpoint_url=h.endpoint, region_name=REGION, **DUMMY_KEYS)
    topic = sns.create_topic(Name=f"onfail-{int(time.time() * 1000)}")["TopicArn"]
    queue, queue_arn = h.failure_queue()
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    m = h.mapping(
        fn,
        arn,
        "TRIM_HORIZON",
        BatchSize=8,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": topic}},
    )
    calls = h.wait_invocations(out, lambda cs: cs and cs[-1].keys == ["b6", "b7"], timeout=30)
    ok = [c for c in calls if "b5" not in c.keys]
    delivered = {k for c in ok for k in c.keys}
    assert delivered == set(keys) - {"b5"}
    alone = [c for c in calls if c.keys == ["b5"]]
    # MaximumRetryAttempts=1: the isolated record is tried twice. Had the splits consumed
    # attempts, the batch would have been discarded before ever reaching one record.
    assert len(alone) == 2
    assert [c.keys for c in calls] == [keys, keys[:4], keys[4:], ["b4", "b5"], ["b4"], ["b5"], ["b5"], ["b6", "b7"]]
    # Only b5 was discarded; its OnFailure record went through the SNS topic.
    assert h.metrics(m["UUID"])["eddy_esm_records_discarded_total"] == 1
    [rec] = h.failure_records(queue, 1)
    assert rec["DDBStreamBatchInfo"]["batchSize"] == 1
    assert rec["requestContext"]["approximateInvokeCount"] == 2
    h.put(table, id="after")
    calls = h.wait_keys(out, ["after"])
    assert calls[-1].keys == ["after"]  # the configured BatchSize applies again


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("EDDY_SLOW_TESTS") != "1", reason="needs 60+ s; set EDDY_SLOW_TESTS=1")
def test_record_age_discards_old_records(h):
    """Edge case 63: with a handler that always fails, records older than 60 s are discarded."""
    fn, out = h.recorder(POISON)
    table, arn = h.source_table()
    written = time.time()
    h.put(table, id="p", poison=True)
    queue, queue_arn = h.failure_queue()
    m = h.mapping(
        fn,
        arn,
        "TRIM_HORIZON",
        BatchSize=1,
        MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    h.wait_invocations(out, lambda cs: len(cs) >= 3)
    # Written 30 s later than p: still young when p expires, so it must be delivered.
    wait_until(lambda: time.time() - written > 30, timeout=40, interval=0.5, what="30 s")
    h.put(table, id="young")
    calls = h.wait_keys(out, ["young"], timeout=60)
    assert time.time() - written >= 59
    tries = [c for c in calls if c.keys == ["p"]]
    assert calls[-1].keys == ["young"] and len(tries) == len(calls) - 1
    # The last try of p was made before the record was 60 s old (never after).
    assert (tries[-1].start_ns / 1e9) - written < 61
    assert h.metrics(m["UUID"])["eddy_esm_records_discarded_total"] == 1
    [rec] = h.failure_records(queue, 1)
    assert rec["requestContext"]["condition"] == "RecordAgeExceeded"


def test_function_deleted_while_mapped(h):
    """Deleting the target keeps the mapping (AWS: still Enabled); eddy keeps serving; a
    recreated function of the same name receives the records that were waiting."""
    fn, out = h.recorder(PLAIN)
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST")
    h.put(table, id="d1")
    h.wait_keys(out, ["d1"])
    h.lam.delete_function(FunctionName=fn)
    h.put(table, id="d2")
    h.put(table, id="d3")
    wait_until(
        lambda: h.get_mapping(m["UUID"])["LastProcessingResult"].startswith("PROBLEM"),
        what="LastProcessingResult PROBLEM",
    )
    got = h.get_mapping(m["UUID"])
    assert got["State"] == "Enabled"
    assert h.ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    # Same name again: the mapping's FunctionArn resolves to it; nothing was lost.
    h.function(PLAIN, name=fn, env={"OUT_TABLE": out})
    h.wait_keys(out, ["d2", "d3"])
    assert stays(lambda: h.delivered_keys(out), seconds=0.5) == ["d1", "d2", "d3"]


# Hangs past its timeout the first time it sees a batch.
HANG = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
    if first_time(event["Records"][0]["dynamodb"]["SequenceNumber"]):
        time.sleep(30)
"""
)

# Kills its own process the first time it sees a batch.
CRASH = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
    if first_time(event["Records"][0]["dynamodb"]["SequenceNumber"]):
        os._exit(3)
"""
)


def test_timed_out_handler_is_retried_and_does_not_stall_other_mappings(h):
    """Spec §2.7 (a timeout is a function error) and issue 6: a hanging function process
    never stalls other mappings."""
    hung_fn, hung_out = h.recorder(HANG, timeout=2)
    other_fn, other_out = h.recorder(PLAIN)
    hung_table, hung_arn = h.source_table()
    other_table, other_arn = h.source_table()
    h.mapping(hung_fn, hung_arn, "LATEST", MaximumRetryAttempts=2)
    h.mapping(other_fn, other_arn, "LATEST")
    h.put(hung_table, id="slow")
    h.wait_invocations(hung_out, lambda cs: len(cs) >= 1)
    h.put(other_table, id="fast")
    fast = h.wait_keys(other_out, ["fast"])[0]
    calls = h.wait_invocations(hung_out, lambda cs: len(cs) >= 2, timeout=20)
    assert [c.keys for c in calls] == [["slow"], ["slow"]]
    assert fast.start_ns < calls[1].start_ns  # delivered while the other function hung
    assert (calls[1].start_ns - calls[0].start_ns) / 1e9 >= 1.9  # killed at its 2 s timeout, not before
    assert stays(lambda: len(h.invocations(hung_out)), seconds=0.5) == 2


def test_crashed_runtime_is_retried_in_a_new_process(h):
    fn, out = h.recorder(CRASH)
    table, arn = h.source_table()
    h.mapping(fn, arn, "LATEST")
    h.put(table, id="boom")
    h.put(table, id="next")
    calls = h.wait_keys(out, ["next"])
    assert [c.keys for c in calls] == [["boom"], ["boom"], ["next"]] or [c.keys for c in calls] == [
        ["boom", "next"],
        ["boom", "next"],
    ]
    assert calls[0].pid != calls[1].pid


def test_throttles_do_not_use_retry_attempts(h):
    """Spec §2.7: a throttled invocation (reserved concurrency 0) is retried without counting
    as an attempt: with MaximumRetryAttempts=0 the record still arrives once throttling ends."""
    fn, out = h.recorder(PLAIN)
    h.lam.put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=0)
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", MaximumRetryAttempts=0)
    h.put(table, id="throttled")
    wait_until(lambda: h.metrics(m["UUID"]).get("eddy_esm_invocations_total", 0) >= 3, what="throttled attempts")
    assert h.invocations(out) == []
    h.lam.delete_function_concurrency(FunctionName=fn)
    h.wait_keys(out, ["throttled"])
    assert h.metrics(m["UUID"])["eddy_esm_records_discarded_total"] == 0


def test_init_error_fails_batches_until_the_code_is_fixed(h):
    """A handler module that raises at import fails every invocation (retries then discard);
    after UpdateFunctionCode the mapping delivers again."""
    from triggers_util import zip_bytes

    out = h.out_table()
    fn = h.function("raise RuntimeError('broken at import')\n", env={"OUT_TABLE": out})
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", MaximumRetryAttempts=1, BatchSize=1)
    h.put(table, id="lost")
    wait_until(lambda: h.metrics(m["UUID"]).get("eddy_esm_records_discarded_total") == 1, what="discard")
    assert h.metrics(m["UUID"])["eddy_esm_errors_total"] == 2
    h.lam.update_function_code(FunctionName=fn, ZipFile=zip_bytes({"h.py": PLAIN}))
    wait_until(
        lambda: h.lam.get_function_configuration(FunctionName=fn).get("LastUpdateStatus", "Successful") == "Successful",
        what="code update",
    )
    h.put(table, id="fixed")
    h.wait_keys(out, ["fixed"])
    assert h.delivered_keys(out) == ["fixed"]
