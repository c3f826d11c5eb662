"""Streams: the exact shape of stream records on the wire (golden checks per view type and
event name), SizeBytes, binaries, eventID / eventSource / eventVersion / awsRegion and
ApproximateCreationDateTime. Spec aws-behaviour.md §1.9, edge cases 37 and 42-45.

Records are read as raw JSON (boto3 would turn timestamps into datetimes, decode base64
and hide the difference between an absent and a null member).
"""

from __future__ import annotations

import base64
import math
import time
from typing import Any

import pytest

import ddbhttp
from streams_util import (
    EVENT_ID_RE,
    IMAGES,
    SEQ_RE,
    VIEW_TYPES,
    create_table,
    expected_size_bytes,
    item_size,
    raw_ok,
    raw_read_stream,
    read_stream,
    streams_client,
)

RECORD_KEYS = {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb"}
B64 = base64.b64encode(b"foobar").decode()  # "Zm9vYmFy"

OLD = {
    "pk": {"S": "k1"},
    "n": {"N": "12"},
    "b": {"B": B64},
    "bs": {"BS": [base64.b64encode(b"\x00\x01").decode(), base64.b64encode(b"\xff").decode()]},
    "l": {"L": [{"S": "x"}, {"BOOL": True}, {"NULL": True}]},
    "m": {"M": {"z": {"N": "-1.5"}, "y": {"SS": ["a", "b"]}}},
    "ns": {"NS": ["1", "2.5"]},
}
NEW = {"pk": {"S": "k1"}, "n": {"N": "-3.25"}, "s": {"S": "héllo"}, "ok": {"BOOL": False}}
KEYS = {"pk": {"S": "k1"}}


@pytest.fixture(scope="module")
def streams(eddy):
    return streams_client(eddy.endpoint)


def raw_put(endpoint: str, table: str, item: dict[str, Any]) -> None:
    """PutItem with a wire-format item (binaries already base64)."""
    resp = ddbhttp.call(endpoint, "PutItem", {"TableName": table, "Item": item})
    assert resp.status == 200, resp.raw


def canonical(value: Any) -> Any:
    """A comparable form of wire AttributeValues: set members sorted (their order is free)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[k] = sorted(v) if k in ("SS", "NS", "BS") else canonical(v)
        return out
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def check_record(
    rec: dict[str, Any],
    *,
    event: str,
    view_type: str,
    keys: dict,
    new: dict | None,
    old: dict | None,
    region: str = "us-east-1",
    t0: float | None = None,
    t1: float | None = None,
) -> None:
    """Golden check of one raw GetRecords record (spec §1.9)."""
    assert set(rec) == RECORD_KEYS, f"unexpected top-level members: {sorted(rec)}"
    assert EVENT_ID_RE.match(rec["eventID"]), rec["eventID"]
    assert rec["eventName"] == event
    assert rec["eventVersion"] == "1.1"
    assert rec["eventSource"] == "aws:dynamodb"
    assert rec["awsRegion"] == region
    ddb = rec["dynamodb"]
    images = IMAGES[view_type][event]
    expected_members = {"ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes", "StreamViewType"}
    assert set(ddb) == expected_members | set(images), f"{view_type} {event}: members {sorted(ddb)}"
    assert ddb["StreamViewType"] == view_type
    assert canonical(ddb["Keys"]) == canonical(keys)
    if "NewImage" in images:
        assert canonical(ddb["NewImage"]) == canonical(new)
    if "OldImage" in images:
        assert canonical(ddb["OldImage"]) == canonical(old)
    assert isinstance(ddb["SequenceNumber"], str) and SEQ_RE.match(ddb["SequenceNumber"])
    assert isinstance(ddb["SizeBytes"], int) and not isinstance(ddb["SizeBytes"], bool)
    assert ddb["SizeBytes"] == expected_size_bytes(rec) >= 1
    when = ddb["ApproximateCreationDateTime"]
    assert isinstance(when, (int, float)) and not isinstance(when, bool), f"not a JSON number: {when!r}"
    assert float(when).is_integer(), f"not whole seconds: {when!r}"
    if t0 is not None and t1 is not None:
        assert math.floor(t0) <= when <= t1 + 1, f"{when} not within [{t0}, {t1}] (rounded to the minute?)"


# edge cases 37, 42, 43, 44, 45: golden records for every view type and event name
@pytest.mark.parametrize("view_type", VIEW_TYPES)
def test_golden_records(eddy, client, view_type):
    name, arn = create_table(client, view_type)
    t0 = time.time()
    raw_put(eddy.endpoint, name, OLD)
    raw_put(eddy.endpoint, name, NEW)
    client.delete_item(TableName=name, Key={"pk": {"S": "k1"}})
    t1 = time.time()
    records = raw_read_stream(eddy.endpoint, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    common = dict(view_type=view_type, keys=KEYS, t0=t0, t1=t1)
    check_record(records[0], event="INSERT", new=OLD, old=None, **common)
    check_record(records[1], event="MODIFY", new=NEW, old=OLD, **common)
    check_record(records[2], event="REMOVE", new=None, old=NEW, **common)
    assert len({r["eventID"] for r in records}) == 3


# edge case 37: absent images are omitted, never null, on the raw wire
@pytest.mark.parametrize("view_type", VIEW_TYPES)
def test_absent_images_are_not_null(eddy, client, view_type):
    name, arn = create_table(client, view_type)
    raw_put(eddy.endpoint, name, {"pk": {"S": "a"}})
    raw_put(eddy.endpoint, name, {"pk": {"S": "a"}, "x": {"S": "1"}})
    client.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    for rec in raw_read_stream(eddy.endpoint, arn):
        for member in ("NewImage", "OldImage"):
            assert rec["dynamodb"].get(member, "absent") is not None, f"{member} is null in {rec}"
        assert "userIdentity" not in rec


# edge case 42: the AWS reference cases
def test_size_bytes_reference_id_table(eddy, client):
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES", hash_key=("id", "S"))
    raw_put(eddy.endpoint, name, {"id": {"S": "id_value"}})
    raw_put(eddy.endpoint, name, {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}})
    raw_put(eddy.endpoint, name, {"id": {"S": "id_value_1"}})
    raw_put(eddy.endpoint, name, {"id": {"S": "id_value_2"}, "presentKey": {"S": "presentValue"}})
    sizes = [r["dynamodb"]["SizeBytes"] for r in raw_read_stream(eddy.endpoint, arn)]
    assert sizes == [20, 46, 24, 46]
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES", hash_key=("id", "S"))
    raw_put(eddy.endpoint, name, {"id": {"S": "id_value"}, "id2": {"S": "id2_value"}})
    assert [r["dynamodb"]["SizeBytes"] for r in raw_read_stream(eddy.endpoint, arn)] == [32]


# edge case 42
def test_size_bytes_reference_new_image_table(eddy, client):
    name, arn = create_table(client, "NEW_IMAGE", hash_key=("my_partition_key", "S"))
    raw_put(eddy.endpoint, name, {"my_partition_key": {"S": "hello world"}, "binary_key": {"B": B64}})
    raw_put(eddy.endpoint, name, {"my_partition_key": {"S": "testId0"}, "should_fail": {"BOOL": True}})
    sizes = [r["dynamodb"]["SizeBytes"] for r in raw_read_stream(eddy.endpoint, arn)]
    assert sizes == [70, 58]


# edge case 42
def test_size_bytes_keys_only(eddy, client):
    name, arn = create_table(client, "KEYS_ONLY")
    raw_put(eddy.endpoint, name, {"pk": {"S": "k1"}, "big": {"S": "x" * 1000}})
    client.delete_item(TableName=name, Key={"pk": {"S": "k1"}})
    assert [r["dynamodb"]["SizeBytes"] for r in raw_read_stream(eddy.endpoint, arn)] == [4, 4]


# edge case 42: the formula on composite keys and numbers
def test_size_bytes_composite_key_and_numbers(eddy, client):
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES", range_key=("sk", "N"))
    first = {"pk": {"S": "p"}, "sk": {"N": "123456"}, "a": {"N": "3.14159"}, "m": {"M": {"q": {"L": [{"N": "-1"}]}}}}
    second = {"pk": {"S": "p"}, "sk": {"N": "123456"}, "a": {"N": "1E125"}}
    raw_put(eddy.endpoint, name, first)
    raw_put(eddy.endpoint, name, second)
    records = raw_read_stream(eddy.endpoint, arn)
    keys = {"pk": {"S": "p"}, "sk": {"N": "123456"}}
    assert [r["dynamodb"]["SizeBytes"] for r in records] == [
        item_size(keys) + item_size(first),
        item_size(keys) + item_size(first) + item_size(second),
    ]


# edge case 43
def test_binary_key_and_values_are_base64(eddy, client, streams):
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES", hash_key=("pk", "B"))
    key = base64.b64encode(b"\x00\x01\x02\xfe").decode()
    item = {"pk": {"B": key}, "b": {"B": B64}, "bs": {"BS": [B64]}, "m": {"M": {"inner": {"B": B64}}}}
    raw_put(eddy.endpoint, name, item)
    [rec] = raw_read_stream(eddy.endpoint, arn)
    assert rec["dynamodb"]["Keys"] == {"pk": {"B": key}}
    assert canonical(rec["dynamodb"]["NewImage"]) == canonical(item)
    check_record(rec, event="INSERT", view_type="NEW_AND_OLD_IMAGES", keys={"pk": {"B": key}}, new=item, old=None)
    [parsed] = read_stream(streams, arn)  # boto3 decodes them back to bytes
    assert parsed["dynamodb"]["Keys"]["pk"]["B"] == b"\x00\x01\x02\xfe"
    assert parsed["dynamodb"]["NewImage"]["b"]["B"] == b"foobar"


# edge case 44
def test_event_ids_unique_and_constant_fields(eddy, client):
    ids = []
    for _ in range(2):
        name, arn = create_table(client, "KEYS_ONLY")
        for i in range(25):
            raw_put(eddy.endpoint, name, {"pk": {"S": f"k{i}"}})
        for rec in raw_read_stream(eddy.endpoint, arn):
            assert (rec["eventSource"], rec["eventVersion"], rec["awsRegion"]) == ("aws:dynamodb", "1.1", "us-east-1")
            assert EVENT_ID_RE.match(rec["eventID"]), rec["eventID"]
            ids.append(rec["eventID"])
    assert len(ids) == 50
    assert len(set(ids)) == 50


# edge case 45
def test_approximate_creation_date_time_is_whole_seconds_number(eddy, client, streams):
    name, arn = create_table(client, "KEYS_ONLY")
    stamps = []
    for i in range(3):
        t0 = time.time()
        raw_put(eddy.endpoint, name, {"pk": {"S": f"k{i}"}})
        stamps.append((t0, time.time()))
        time.sleep(0.4)  # spreads the writes over more than one second; not a timing assertion
    records = raw_read_stream(eddy.endpoint, arn)
    for rec, (t0, t1) in zip(records, stamps, strict=True):
        when = rec["dynamodb"]["ApproximateCreationDateTime"]
        assert isinstance(when, (int, float)) and not isinstance(when, bool), repr(when)
        assert float(when).is_integer()
        assert math.floor(t0) <= when <= t1 + 1
    parsed = read_stream(streams, arn)  # boto3 parses the number into a datetime
    assert [p["dynamodb"]["ApproximateCreationDateTime"].timestamp() for p in parsed] == [
        float(r["dynamodb"]["ApproximateCreationDateTime"]) for r in records
    ]


def test_get_records_response_members(eddy, client):
    name, arn = create_table(client, "KEYS_ONLY")
    raw_put(eddy.endpoint, name, {"pk": {"S": "k"}})
    shard = raw_ok(eddy.endpoint, "DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"][0]["ShardId"]
    body = {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}
    it = raw_ok(eddy.endpoint, "GetShardIterator", body)["ShardIterator"]
    assert isinstance(it, str) and 1 <= len(it) <= 2048
    page = raw_ok(eddy.endpoint, "GetRecords", {"ShardIterator": it})
    assert set(page) == {"Records", "NextShardIterator"}
    assert len(page["Records"]) == 1
