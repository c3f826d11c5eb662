"""Streams: GetShardIterator and GetRecords (positions, paging, limits, validation).
Spec aws-behaviour.md §1.7, §1.8, §1.11, edge cases 20-32. Iterator expiry after 15
minutes (edge case 31) is tested in Rust with an injected clock.
"""

from __future__ import annotations

import time

import pytest

from streams_util import (
    SEQ_RE,
    assert_error,
    assert_increasing,
    create_table,
    describe_all,
    drain,
    keys_of,
    only_shard,
    raw_get_records,
    raw_ok,
    raw_streams,
    read_stream,
    shard_iterator,
    streams_client,
)


@pytest.fixture(scope="module")
def streams(eddy):
    return streams_client(eddy.endpoint)


def put(client, table: str, key: str, value: str = "v") -> None:
    client.put_item(TableName=table, Item={"pk": {"S": key}, "v": {"S": value}})


def stream_with(client, streams, keys: list[str], view_type: str = "KEYS_ONLY") -> tuple[str, str, str]:
    """A fresh table + stream with one INSERT per key; (table, stream arn, shard id)."""
    name, arn = create_table(client, view_type)
    for k in keys:
        put(client, name, k)
    return name, arn, only_shard(streams, arn)


def iterator_body(arn: str, shard: str, kind: str | None, seq: str | None = None) -> dict:
    body = {"StreamArn": arn, "ShardId": shard}
    if kind is not None:
        body["ShardIteratorType"] = kind
    if seq is not None:
        body["SequenceNumber"] = seq
    return body


# edge case 20
def test_sequence_numbers_are_digits_and_increase(client, streams):
    name, arn, shard = stream_with(client, streams, [f"k{i}" for i in range(20)])
    client.delete_item(TableName=name, Key={"pk": {"S": "k3"}})
    put(client, name, "k4", "changed")
    _, shards = describe_all(streams, arn)
    start = shards[0]["SequenceNumberRange"]["StartingSequenceNumber"]
    assert SEQ_RE.match(start), start
    records = read_stream(streams, arn)
    assert len(records) == 22
    assert_increasing(records)
    assert int(start) <= int(records[0]["dynamodb"]["SequenceNumber"])


# edge case 21
@pytest.mark.parametrize("kind", ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"])
def test_at_after_require_sequence_number(eddy, client, streams, kind):
    _, arn, shard = stream_with(client, streams, ["a"])
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", iterator_body(arn, shard, kind)), "ValidationException")


# edge case 21
@pytest.mark.parametrize("kind", ["TRIM_HORIZON", "LATEST"])
def test_trim_horizon_latest_refuse_sequence_number(eddy, client, streams, kind):
    _, arn, shard = stream_with(client, streams, ["a"])
    seq = read_stream(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    resp = raw_streams(eddy.endpoint, "GetShardIterator", iterator_body(arn, shard, kind, seq))
    assert_error(resp, "ValidationException")


# edge case 22
@pytest.mark.parametrize(
    "seq", ["abcdefghijabcdefghija", "1" * 41, "1" * 20, "-00000000000000000001", "1.000000000000000000001"]
)
def test_bad_sequence_numbers(eddy, client, streams, seq):
    _, arn, shard = stream_with(client, streams, ["a"])
    body = iterator_body(arn, shard, "AT_SEQUENCE_NUMBER", seq)
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", body), "ValidationException")


# edge case 22
@pytest.mark.parametrize("kind", ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"])
def test_forty_digit_sequence_number_is_not_a_500(eddy, client, streams, kind):
    _, arn, shard = stream_with(client, streams, ["a"])
    resp = raw_streams(eddy.endpoint, "GetShardIterator", iterator_body(arn, shard, kind, "9" * 40))
    assert resp.status in (200, 400), resp.raw
    if resp.status == 400:
        assert resp.error_type in ("ValidationException", "TrimmedDataAccessException"), resp.raw
    else:
        page = raw_get_records(eddy.endpoint, resp.body["ShardIterator"])
        assert page["Records"] == []


# edge case 23
def test_unknown_shard(eddy, client, streams):
    _, arn, _ = stream_with(client, streams, ["a"])
    body = iterator_body(arn, "shardId-00000000000000000001-deadbeef", "TRIM_HORIZON")
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", body), "ResourceNotFoundException")


# edge case 23
@pytest.mark.parametrize("kind", ["DUMMY", "trim_horizon", "", None])
def test_invalid_iterator_type(eddy, client, streams, kind):
    _, arn, shard = stream_with(client, streams, ["a"])
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", iterator_body(arn, shard, kind)), "ValidationException")


def test_get_shard_iterator_malformed_or_unknown_arn(eddy, client, streams):
    _, arn, shard = stream_with(client, streams, ["a"])
    body = iterator_body("sdfadfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdf", shard, "TRIM_HORIZON")
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", body), "ValidationException")
    missing = arn.rsplit("/", 1)[0] + "/2001-01-01T00:00:00.000"
    body = iterator_body(missing, shard, "TRIM_HORIZON")
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", body), "ResourceNotFoundException")


# edge case 24
def test_at_and_after_sequence_number(client, streams):
    _, arn, shard = stream_with(client, streams, ["a", "b", "c"])
    s1, s2, s3 = (r["dynamodb"]["SequenceNumber"] for r in read_stream(streams, arn))
    at, _ = drain(streams, shard_iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", s2))
    assert keys_of(at) == ["b", "c"]
    assert at[0]["dynamodb"]["SequenceNumber"] == s2
    after = streams.get_records(ShardIterator=shard_iterator(streams, arn, shard, "AFTER_SEQUENCE_NUMBER", s1), Limit=1)
    assert [r["dynamodb"]["SequenceNumber"] for r in after["Records"]] == [s2]
    after_last, _ = drain(streams, shard_iterator(streams, arn, shard, "AFTER_SEQUENCE_NUMBER", s3))
    assert after_last == []


# edge case 25
def test_at_starting_sequence_number_reads_everything(client, streams):
    _, arn, shard = stream_with(client, streams, ["a", "b", "c"])
    _, shards = describe_all(streams, arn)
    start = shards[0]["SequenceNumberRange"]["StartingSequenceNumber"]
    records, _ = drain(streams, shard_iterator(streams, arn, shard, "AT_SEQUENCE_NUMBER", start))
    horizon, _ = drain(streams, shard_iterator(streams, arn, shard, "TRIM_HORIZON"))
    assert keys_of(records) == ["a", "b", "c"]
    assert records == horizon


# edge case 26
def test_latest(client, streams):
    name, arn, shard = stream_with(client, streams, ["old"])
    before = shard_iterator(streams, arn, shard, "LATEST")
    put(client, name, "w1")
    records, _ = drain(streams, before)
    assert keys_of(records) == ["w1"]
    after = shard_iterator(streams, arn, shard, "LATEST")
    records, nxt = drain(streams, after)
    assert records == [], "a LATEST iterator taken after w1 must not return w1"
    put(client, name, "w2")
    records, _ = drain(streams, nxt)
    assert keys_of(records) == ["w2"]


# edge case 27
def test_empty_open_shard(eddy, client, streams):
    _, arn, shard = stream_with(client, streams, [])
    it = raw_ok(eddy.endpoint, "GetShardIterator", iterator_body(arn, shard, "TRIM_HORIZON"))["ShardIterator"]
    page = raw_get_records(eddy.endpoint, it)
    assert page["Records"] == []
    assert isinstance(page["NextShardIterator"], str) and page["NextShardIterator"]
    again = raw_get_records(eddy.endpoint, page["NextShardIterator"])
    assert again["Records"] == [] and again["NextShardIterator"]


# edge case 28
def test_no_redelivery_and_later_write_on_same_shard(client, streams):
    name, arn, shard = stream_with(client, streams, ["k"])
    first = streams.get_records(ShardIterator=shard_iterator(streams, arn, shard))
    assert keys_of(first["Records"]) == ["k"]
    nxt = first["NextShardIterator"]
    second = streams.get_records(ShardIterator=nxt)
    assert second["Records"] == []
    put(client, name, "k", "changed")
    third = streams.get_records(ShardIterator=second["NextShardIterator"])
    assert [r["eventName"] for r in third["Records"]] == ["MODIFY"]
    assert only_shard(streams, arn) == shard


# edge case 29
@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_get_records_limit_out_of_range(eddy, client, streams, limit):
    _, arn, shard = stream_with(client, streams, ["a"])
    it = shard_iterator(streams, arn, shard)
    assert_error(raw_streams(eddy.endpoint, "GetRecords", {"ShardIterator": it, "Limit": limit}), "ValidationException")


# edge case 29
def test_get_records_limits(client, streams):
    _, arn, shard = stream_with(client, streams, ["a", "b", "c"])
    page = streams.get_records(ShardIterator=shard_iterator(streams, arn, shard), Limit=1000)
    assert keys_of(page["Records"]) == ["a", "b", "c"]
    it, got = shard_iterator(streams, arn, shard), []
    for _ in range(3):
        page = streams.get_records(ShardIterator=it, Limit=1)
        assert len(page["Records"]) == 1
        got += page["Records"]
        it = page["NextShardIterator"]
    assert keys_of(got) == ["a", "b", "c"]
    assert streams.get_records(ShardIterator=it, Limit=1)["Records"] == []


# edge case 30
@pytest.mark.parametrize("iterator", ["garbage", "", "x" * 2049, None, 42])
def test_bad_iterators(eddy, iterator):
    body = {} if iterator is None else {"ShardIterator": iterator}
    resp = raw_streams(eddy.endpoint, "GetRecords", body)
    if iterator == 42:  # a number where a string belongs: a serialization error on AWS
        assert resp.status == 400 and resp.error_type in ("SerializationException", "ValidationException"), resp.raw
    else:
        assert_error(resp, "ValidationException")


# edge case 30 (iterators are tamper-evident)
def test_edited_iterator_is_rejected(eddy, client, streams):
    _, arn, shard = stream_with(client, streams, ["a"])
    it = shard_iterator(streams, arn, shard)
    for pos in (len(it) // 2, len(it) // 3):
        c = it[pos]
        forged = it[:pos] + ("B" if c != "B" else "C") + it[pos + 1 :]
        resp = raw_streams(eddy.endpoint, "GetRecords", {"ShardIterator": forged})
        assert_error(resp, "ValidationException")
    assert keys_of(streams.get_records(ShardIterator=it)["Records"]) == ["a"]


# edge case 31 (reuse within the lifetime; the 15-minute expiry is tested in Rust)
def test_iterator_reuse_returns_same_records(client, streams):
    name, arn, shard = stream_with(client, streams, ["a", "b"])
    it = shard_iterator(streams, arn, shard)
    first = streams.get_records(ShardIterator=it)
    put(client, name, "c")
    second = streams.get_records(ShardIterator=it, Limit=2)
    assert first["Records"] == second["Records"]
    assert keys_of(first["Records"]) == ["a", "b"]
    nxt = first["NextShardIterator"]
    assert keys_of(streams.get_records(ShardIterator=nxt)["Records"]) == ["c"]
    assert keys_of(streams.get_records(ShardIterator=nxt)["Records"]) == ["c"]


# edge case 32
def test_get_records_one_megabyte_cap(client, streams):
    name, arn = create_table(client, "NEW_IMAGE")
    big = "x" * (300 * 1024)
    for i in range(6):
        put(client, name, f"big{i}", big)
    shard = only_shard(streams, arn)
    it, pages = shard_iterator(streams, arn, shard), []
    while True:
        page = streams.get_records(ShardIterator=it)
        if not page["Records"]:
            break
        pages.append(page["Records"])
        it = page["NextShardIterator"]
        assert len(pages) <= 6
    assert len(pages) >= 2, "six 300 KB records need at least two GetRecords calls"
    assert keys_of([r for p in pages for r in p]) == [f"big{i}" for i in range(6)]
    for page in pages:
        sizes = [r["dynamodb"]["SizeBytes"] for r in page]
        assert sum(sizes[:-1]) < 1024 * 1024, f"page went on after reaching 1 MB: {sizes}"


def test_at_timestamp(eddy, client, streams):
    """AT_TIMESTAMP (not in boto3's model yet, so raw): past → from the trim horizon; future → error."""
    _, arn, shard = stream_with(client, streams, ["a", "b"])
    body = iterator_body(arn, shard, "AT_TIMESTAMP") | {"Timestamp": time.time() - 3600}
    it = raw_ok(eddy.endpoint, "GetShardIterator", body)["ShardIterator"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in raw_get_records(eddy.endpoint, it)["Records"]] == ["a", "b"]
    body = iterator_body(arn, shard, "AT_TIMESTAMP") | {"Timestamp": time.time() + 3600}
    assert_error(raw_streams(eddy.endpoint, "GetShardIterator", body), "ValidationException")
    assert_error(
        raw_streams(eddy.endpoint, "GetShardIterator", iterator_body(arn, shard, "AT_TIMESTAMP")), "ValidationException"
    )


def test_get_records_reads_across_tables_independently(client, streams):
    """Two streams never see each other's records."""
    t1, a1, _ = stream_with(client, streams, ["x1"])
    t2, a2, _ = stream_with(client, streams, ["y1"])
    put(client, t1, "x2")
    assert keys_of(read_stream(streams, a1)) == ["x1", "x2"]
    assert keys_of(read_stream(streams, a2)) == ["y1"]
