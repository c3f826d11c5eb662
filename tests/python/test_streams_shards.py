"""Streams: shard rollover and lineage, DescribeStream over several shards, retention and
trimming. Spec aws-behaviour.md §1.6, §1.10, §1.11, edge cases 18 and 49.

These tests run their own eddy with `--stream-shard-rollover` / `--stream-retention` set to
a second or two and poll (with deadlines) for the background workers.
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from conftest import boto_client
from eddy_proc import Eddy
from streams_util import (
    SHARD_ID_RE,
    LineageReader,
    assert_error,
    assert_increasing,
    create_table,
    describe_all,
    drain,
    error_code,
    keys_of,
    raw_streams,
    set_stream,
    shard_iterator,
    streams_client,
    wait_until,
)


@pytest.fixture(scope="module")
def rolling():
    """An eddy whose open shards roll over every second."""
    server = Eddy("--stream-shard-rollover", "1")
    yield server
    server.close()


def shard_count(streams, arn: str, at_least: int):
    """A predicate: the stream has at least `at_least` shards (returns them)."""

    def check():
        _, shards = describe_all(streams, arn)
        return shards if len(shards) >= at_least else None

    return check


def check_lineage(shards: list[dict]) -> None:
    """One chain: sorted by ShardId, each shard the child of the previous; only the last open."""
    assert [s["ShardId"] for s in shards] == sorted(s["ShardId"] for s in shards)
    for s in shards:
        assert SHARD_ID_RE.match(s["ShardId"]), s["ShardId"]
    assert "ParentShardId" not in shards[0]
    for parent, child in zip(shards[:-1], shards[1:], strict=True):
        assert child.get("ParentShardId") == parent["ShardId"], (parent, child)
        assert "EndingSequenceNumber" in parent["SequenceNumberRange"], parent


def closed_shard_records(streams, arn: str, shards: list[dict]) -> list[tuple[str, list[dict]]]:
    """(shard id, records) of every closed shard, each drained to its end."""
    out = []
    for shard in shards:
        if "EndingSequenceNumber" in shard["SequenceNumberRange"]:
            records, nxt = drain(streams, shard_iterator(streams, arn, shard["ShardId"]))
            assert nxt is None, f"drained closed shard {shard['ShardId']} must end (NextShardIterator absent)"
            out.append((shard["ShardId"], records))
    return out


# edge case 49
def test_rollover_closes_shard_and_creates_child(rolling):
    client, streams = boto_client(rolling.endpoint), streams_client(rolling.endpoint)
    name, arn = create_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item={"pk": {"S": "first"}})
    shards = wait_until(shard_count(streams, arn, 2), what="a rollover")
    check_lineage(shards)
    first = shards[0]["SequenceNumberRange"]
    assert int(first["EndingSequenceNumber"]) >= int(first["StartingSequenceNumber"])
    assert "EndingSequenceNumber" not in shards[-1]["SequenceNumberRange"], "the newest shard is open"
    # the record is in one of the closed shards (rollover may have come before the write)
    closed = closed_shard_records(streams, arn, shards)
    assert keys_of([r for _, recs in closed for r in recs]) == ["first"]
    # a write now lands in the open shard
    client.put_item(TableName=name, Item={"pk": {"S": "later"}})
    reader = LineageReader(streams, arn)
    assert keys_of(reader.poll()) == ["first", "later"]


# edge case 49
def test_lineage_consumer_sees_every_record_once_in_item_order(rolling):
    client, streams = boto_client(rolling.endpoint), streams_client(rolling.endpoint)
    name, arn = create_table(client, "NEW_IMAGE")
    reader = LineageReader(streams, arn)
    keys = [f"k{i}" for i in range(4)]
    written: list[tuple[str, int]] = []
    version = 0
    deadline = time.monotonic() + 20
    while True:
        for k in keys:
            client.put_item(TableName=name, Item={"pk": {"S": k}, "v": {"N": str(version)}})
            written.append((k, version))
        version += 1
        if version % 5 == 0:
            reader.poll()
        _, shards = describe_all(streams, arn)
        if len(shards) >= 4 and version >= 20:
            break
        assert time.monotonic() < deadline, f"only {len(shards)} shards after 20 s"
        time.sleep(0.02)
    reader.poll()
    check_lineage(describe_all(streams, arn)[1])
    seen = [(r["dynamodb"]["Keys"]["pk"]["S"], int(r["dynamodb"]["NewImage"]["v"]["N"])) for r in reader.records]
    assert len(seen) == len(set(seen)), "a record was delivered twice"
    assert sorted(seen) == sorted(written), "records missing or extra"
    for k in keys:
        versions = [v for key, v in seen if key == k]
        assert versions == sorted(versions), f"item {k} out of order: {versions}"
    assert len(reader.finished) >= 2, "the consumer should have finished (read to the end) closed parents"


# edge case 18
def test_describe_stream_paging_over_shards(rolling):
    client, streams = boto_client(rolling.endpoint), streams_client(rolling.endpoint)
    name, arn = create_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    wait_until(shard_count(streams, arn, 3), what="three shards")
    set_stream(client, name, None)  # no more rollovers: the shard list is now fixed
    _, full = describe_all(streams, arn)
    check_lineage(full)
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in full)
    paged, start, pages = [], None, 0
    while True:
        args = {"StreamArn": arn, "Limit": 1} | ({"ExclusiveStartShardId": start} if start else {})
        desc = streams.describe_stream(**args)["StreamDescription"]
        pages += 1
        assert len(desc["Shards"]) <= 1
        paged += desc["Shards"]
        start = desc.get("LastEvaluatedShardId")
        if start is None:
            break
        assert start == desc["Shards"][-1]["ShardId"]
        assert pages <= len(full) + 1
    assert paged == full
    two = streams.describe_stream(StreamArn=arn, Limit=2)["StreamDescription"]
    assert two["Shards"] == full[:2] and two["LastEvaluatedShardId"] == full[1]["ShardId"]
    last = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=full[-1]["ShardId"])["StreamDescription"]
    assert last["Shards"] == []


def test_shard_filter_child_shards(rolling):
    client, streams = boto_client(rolling.endpoint), streams_client(rolling.endpoint)
    name, arn = create_table(client, "KEYS_ONLY")
    wait_until(shard_count(streams, arn, 3), what="three shards")
    set_stream(client, name, None)
    _, shards = describe_all(streams, arn)
    for parent, child in zip(shards[:-1], shards[1:], strict=True):
        desc = streams.describe_stream(
            StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": parent["ShardId"]}
        )
        assert desc["StreamDescription"]["Shards"] == [child]
    last = streams.describe_stream(
        StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shards[-1]["ShardId"]}
    )
    assert last["StreamDescription"]["Shards"] == []


def test_new_iterators_on_closed_shards(rolling):
    client, streams = boto_client(rolling.endpoint), streams_client(rolling.endpoint)
    name, arn = create_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    client.put_item(TableName=name, Item={"pk": {"S": "b"}})
    wait_until(shard_count(streams, arn, 3), what="two rollovers")
    _, shards = describe_all(streams, arn)
    with_records = [(sid, recs) for sid, recs in closed_shard_records(streams, arn, shards) if recs]
    assert keys_of([r for _, recs in with_records for r in recs]) == ["a", "b"]
    closed, records = with_records[-1]
    last = records[-1]["dynamodb"]["SequenceNumber"]
    at, _ = drain(streams, shard_iterator(streams, arn, closed, "AT_SEQUENCE_NUMBER", last))
    assert [r["dynamodb"]["SequenceNumber"] for r in at] == [last]
    assert drain(streams, shard_iterator(streams, arn, closed, "AFTER_SEQUENCE_NUMBER", last)) == ([], None)
    assert drain(streams, shard_iterator(streams, arn, closed, "LATEST")) == ([], None)
    assert drain(streams, shard_iterator(streams, arn, closed, "TRIM_HORIZON"))[0] == records


# --- retention ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_retention():
    """An eddy that keeps stream records for two seconds."""
    server = Eddy("--stream-retention", "2")
    yield server
    server.close()


def test_retention_trims_old_records(short_retention):
    endpoint = short_retention.endpoint
    client, streams = boto_client(endpoint), streams_client(endpoint)
    name, arn = create_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item={"pk": {"S": "old"}})
    _, [shard] = describe_all(streams, arn)
    sid = shard["ShardId"]
    [old] = drain(streams, shard_iterator(streams, arn, sid))[0]
    seq = old["dynamodb"]["SequenceNumber"]
    held = shard_iterator(streams, arn, sid, "AT_SEQUENCE_NUMBER", seq)

    def horizon_empty() -> bool:
        try:
            return drain(streams, shard_iterator(streams, arn, sid))[0] == []
        except ClientError as e:  # trimmed between GetShardIterator and GetRecords: try again
            assert error_code(e) == "TrimmedDataAccessException", e.response
            return False

    wait_until(horizon_empty, timeout=15, interval=0.2, what="TRIM_HORIZON to start after the trimmed record")
    # an iterator obtained before the trim now points at trimmed data
    assert_error(raw_streams(endpoint, "GetRecords", {"ShardIterator": held}), "TrimmedDataAccessException")
    # a new iterator at a trimmed sequence number
    body = {"StreamArn": arn, "ShardId": sid, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": seq}
    assert_error(raw_streams(endpoint, "GetShardIterator", body), "TrimmedDataAccessException")
    # TRIM_HORIZON starts after the trimmed records
    client.put_item(TableName=name, Item={"pk": {"S": "new"}})
    records, _ = drain(streams, shard_iterator(streams, arn, sid))
    assert keys_of(records) == ["new"]
    assert_increasing([old] + records)
    _, [after] = describe_all(streams, arn)
    assert after["ShardId"] == sid, "trimming must not replace the open shard"
    # the shard's StartingSequenceNumber still reads everything retained (edge case 25)
    start = after["SequenceNumberRange"]["StartingSequenceNumber"]
    assert keys_of(drain(streams, shard_iterator(streams, arn, sid, "AT_SEQUENCE_NUMBER", start))[0]) == ["new"]


def test_retention_drops_expired_closed_shards():
    server = Eddy("--stream-retention", "2", "--stream-shard-rollover", "0.5")
    try:
        client, streams = boto_client(server.endpoint), streams_client(server.endpoint)
        name, arn = create_table(client, "KEYS_ONLY")
        client.put_item(TableName=name, Item={"pk": {"S": "a"}})
        _, shards = describe_all(streams, arn)
        first = shards[0]["ShardId"]

        def first_gone():
            _, now = describe_all(streams, arn)
            return now if first not in {s["ShardId"] for s in now} else None

        remaining = wait_until(first_gone, timeout=15, interval=0.2, what="the expired closed shard to disappear")
        assert remaining, "the open shard stays listed"
        assert "EndingSequenceNumber" not in remaining[-1]["SequenceNumberRange"]
        # a consumer starting now still works: the oldest listed shard's parent is gone
        client.put_item(TableName=name, Item={"pk": {"S": "b"}})
        assert "b" in keys_of(LineageReader(streams, arn).poll())
    finally:
        server.close()


@pytest.mark.parametrize("flag", ["--stream-retention", "--stream-shard-rollover"])
@pytest.mark.parametrize("value", ["-1", "abc"])
def test_bad_stream_flags_are_refused(flag, value):
    """Nonsense durations are refused at startup (the process exits instead of listening)."""
    with pytest.raises(RuntimeError, match="exited"):
        Eddy(flag, value, timeout=10).close()
