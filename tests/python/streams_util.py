"""Helpers for the DynamoDB Streams end-to-end suites (`test_streams_*.py`).

The reference is AWS (../shared/spec/aws-behaviour.md §1 and edge cases 1-50 of §5), not
DynamoDB Local. Two ways to talk to eddy's streams API (served on the DynamoDB port):

- boto3 (`streams_client`), the way applications do; it parses timestamps into datetimes,
  decodes base64 binaries and validates some parameters client-side;
- raw JSON over HTTP (`raw_streams`), to see the wire: numbers vs strings, absent vs
  null, base64 binaries, and requests boto3 would refuse to send.

`LineageReader` is a small consumer that follows shard lineage the way the KCL adapter
does (a child shard is read only after its parent has been read to its end).
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Callable
from decimal import Context, Decimal
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import ddbhttp
from conftest import DUMMY_KEYS, REGION

T = TypeVar("T")

STREAMS_TARGET = "DynamoDBStreams_20120810."
VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
ACCOUNT = "000000000000"

SEQ_RE = re.compile(r"^[0-9]{21,40}$")
SHARD_ID_RE = re.compile(r"^shardId-[0-9]{20}-[0-9a-f]{8}$")
EVENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
LABEL_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$")

# Spec §1.9, image inclusion matrix: view type -> event name -> images present.
IMAGES = {
    "KEYS_ONLY": {"INSERT": (), "MODIFY": (), "REMOVE": ()},
    "NEW_IMAGE": {"INSERT": ("NewImage",), "MODIFY": ("NewImage",), "REMOVE": ()},
    "OLD_IMAGE": {"INSERT": (), "MODIFY": ("OldImage",), "REMOVE": ("OldImage",)},
    "NEW_AND_OLD_IMAGES": {
        "INSERT": ("NewImage",),
        "MODIFY": ("NewImage", "OldImage"),
        "REMOVE": ("OldImage",),
    },
}


# --- clients and names ---------------------------------------------------------------------


def streams_client(endpoint: str, region: str = REGION, keys: dict[str, str] | None = None):
    """A boto3 `dynamodbstreams` client for `endpoint` (same port as DynamoDB)."""
    return boto3.client(
        "dynamodbstreams",
        endpoint_url=endpoint,
        region_name=region,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        **(keys or DUMMY_KEYS),
    )


def unique(prefix: str = "st") -> str:
    """A table name no other test of the session uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def stream_spec(view_type: str | None) -> dict[str, Any]:
    """`StreamSpecification` enabling a stream of `view_type` (None: disabling)."""
    if view_type is None:
        return {"StreamEnabled": False}
    return {"StreamEnabled": True, "StreamViewType": view_type}


def create_table(
    client,
    view_type: str | None = "NEW_AND_OLD_IMAGES",
    *,
    name: str | None = None,
    hash_key: tuple[str, str] = ("pk", "S"),
    range_key: tuple[str, str] | None = None,
    **extra: Any,
) -> tuple[str, str | None]:
    """Creates an on-demand table (with a stream of `view_type` unless None).

    Returns (table name, LatestStreamArn from the CreateTable response or None).
    """
    name = name or unique()
    keys = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    attrs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key:
        keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        attrs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    attrs += extra.pop("ExtraAttributeDefinitions", [])
    kwargs: dict[str, Any] = dict(
        TableName=name, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST", **extra
    )
    if view_type is not None:
        kwargs["StreamSpecification"] = stream_spec(view_type)
    desc = client.create_table(**kwargs)["TableDescription"]
    return name, desc.get("LatestStreamArn")


def set_stream(client, table: str, view_type: str | None) -> dict[str, Any]:
    """UpdateTable enabling a `view_type` stream (or disabling with None); the description."""
    return client.update_table(TableName=table, StreamSpecification=stream_spec(view_type))["TableDescription"]


def latest_stream_arn(client, table: str) -> str | None:
    """DescribeTable's LatestStreamArn (None when absent)."""
    return client.describe_table(TableName=table)["Table"].get("LatestStreamArn")


def error_code(exc: ClientError) -> str:
    """The AWS error code of a boto3 ClientError."""
    return exc.response["Error"]["Code"]


def error_message(exc: ClientError) -> str:
    """The message of a boto3 ClientError ('' when absent)."""
    return exc.response["Error"].get("Message", "")


# --- raw HTTP ------------------------------------------------------------------------------


def raw_streams(endpoint: str, op: str, body: Any, **kwargs: Any) -> ddbhttp.Response:
    """POSTs a DynamoDB Streams request (`X-Amz-Target: DynamoDBStreams_20120810.<op>`)."""
    headers = {"X-Amz-Target": STREAMS_TARGET + op}
    headers.update(kwargs.pop("headers", {}) or {})
    return ddbhttp.call(endpoint, None, body, headers=headers, **kwargs)


def raw_ok(endpoint: str, op: str, body: Any) -> dict[str, Any]:
    """A raw streams call that must succeed; returns the decoded JSON body."""
    resp = raw_streams(endpoint, op, body)
    assert resp.status == 200, f"{op} {body} -> {resp.status} {resp.raw[:500]!r}"
    return resp.body


def assert_error(resp: ddbhttp.Response, code: str, message: str | None = None, match: str | None = None) -> None:
    """`resp` is an HTTP 400 AWS error of type `code` (exact `message` / regex `match` if given)."""
    assert resp.status == 400, f"expected 400 {code}, got {resp.status} {resp.raw[:500]!r}"
    assert resp.error_type == code, f"expected {code}, got {resp.raw[:500]!r}"
    if message is not None:
        assert resp.error_message == message, f"message {resp.error_message!r}, expected {message!r}"
    if match is not None:
        assert re.search(match, resp.error_message or "", re.IGNORECASE), (
            f"message {resp.error_message!r} does not match /{match}/"
        )


def raw_get_records(endpoint: str, iterator: str, limit: int | None = None) -> dict[str, Any]:
    """Raw GetRecords that must succeed; the decoded JSON body."""
    body: dict[str, Any] = {"ShardIterator": iterator}
    if limit is not None:
        body["Limit"] = limit
    return raw_ok(endpoint, "GetRecords", body)


def raw_read_shard(endpoint: str, arn: str, shard_id: str, max_calls: int = 50) -> list[dict[str, Any]]:
    """Every record of one shard from TRIM_HORIZON, as raw JSON, read until drained."""
    it = raw_ok(
        endpoint, "GetShardIterator", {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
    )["ShardIterator"]
    out: list[dict[str, Any]] = []
    for _ in range(max_calls):
        page = raw_get_records(endpoint, it)
        out += page["Records"]
        it = page.get("NextShardIterator")
        if it is None or not page["Records"]:
            return out
    raise AssertionError(f"shard {shard_id} not drained in {max_calls} GetRecords calls")


def raw_read_stream(endpoint: str, arn: str) -> list[dict[str, Any]]:
    """Every record of every shard of a stream (in ShardId order), as raw JSON."""
    desc = raw_ok(endpoint, "DescribeStream", {"StreamArn": arn})["StreamDescription"]
    assert "LastEvaluatedShardId" not in desc, "more than 100 shards: use LineageReader"
    out: list[dict[str, Any]] = []
    for shard in desc["Shards"]:
        out += raw_read_shard(endpoint, arn, shard["ShardId"])
    return out


# --- boto3 reading -------------------------------------------------------------------------


def describe_all(streams, arn: str, **kwargs: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """DescribeStream, following LastEvaluatedShardId; (last StreamDescription, all shards)."""
    shards: list[dict[str, Any]] = []
    start: str | None = None
    for _ in range(1000):
        args = dict(StreamArn=arn, **kwargs)
        if start:
            args["ExclusiveStartShardId"] = start
        desc = streams.describe_stream(**args)["StreamDescription"]
        shards += desc["Shards"]
        start = desc.get("LastEvaluatedShardId")
        if not start:
            return desc, shards
    raise AssertionError("DescribeStream paging did not end")


def only_shard(streams, arn: str) -> str:
    """The ShardId of a stream that must have exactly one shard."""
    _, shards = describe_all(streams, arn)
    assert len(shards) == 1, f"expected one shard, got {shards}"
    return shards[0]["ShardId"]


def shard_iterator(streams, arn: str, shard_id: str, kind: str = "TRIM_HORIZON", seq: str | None = None) -> str:
    """GetShardIterator through boto3."""
    args = dict(StreamArn=arn, ShardId=shard_id, ShardIteratorType=kind)
    if seq is not None:
        args["SequenceNumber"] = seq
    return streams.get_shard_iterator(**args)["ShardIterator"]


def drain(streams, iterator: str, limit: int | None = None, max_calls: int = 100) -> tuple[list[dict], str | None]:
    """Reads from `iterator` until a page is empty (open shard) or NextShardIterator is absent.

    Returns (records, the iterator to continue from, or None once the shard has ended).
    """
    out: list[dict] = []
    for _ in range(max_calls):
        args = {"ShardIterator": iterator}
        if limit:
            args["Limit"] = limit
        page = streams.get_records(**args)
        out += page["Records"]
        nxt = page.get("NextShardIterator")
        if nxt is None:
            return out, None
        iterator = nxt
        if not page["Records"]:
            return out, iterator
    raise AssertionError(f"shard not drained in {max_calls} GetRecords calls")


def read_stream(streams, arn: str) -> list[dict]:
    """Every record currently in a stream, following shard lineage (boto3 shapes)."""
    return LineageReader(streams, arn).poll()


class LineageReader:
    """A stream consumer that follows shard lineage, like the KCL adapter.

    A shard is started (at `start`, TRIM_HORIZON by default) once its parent has been read
    to its end (NextShardIterator absent) or is no longer listed; each `poll()` returns the
    records that arrived since the previous poll, and `records` holds all of them. Like the
    KCL, it restarts a shard at TRIM_HORIZON when its position has been trimmed.
    """

    def __init__(self, streams, arn: str, start: str = "TRIM_HORIZON"):
        self.streams = streams
        self.arn = arn
        self.start = start
        self.iterators: dict[str, str] = {}
        self.finished: set[str] = set()
        self.records: list[dict] = []
        self.restarts = 0  # TRIM_HORIZON restarts after TrimmedDataAccessException

    def poll(self) -> list[dict]:
        """Reads every readable shard as far as it goes; returns the new records."""
        new: list[dict] = []
        progressed = True
        while progressed:
            progressed = False
            _, shards = describe_all(self.streams, self.arn)
            listed = {s["ShardId"] for s in shards}
            for shard in sorted(shards, key=lambda s: s["ShardId"]):
                sid = shard["ShardId"]
                parent = shard.get("ParentShardId")
                if sid in self.finished or (parent in listed and parent not in self.finished):
                    continue
                try:
                    if sid not in self.iterators:
                        self.iterators[sid] = shard_iterator(self.streams, self.arn, sid, self.start)
                    records, nxt = drain(self.streams, self.iterators[sid])
                except ClientError as e:
                    # records trimmed under our feet (short retention): restart at the horizon
                    if error_code(e) != "TrimmedDataAccessException" or self.restarts >= 100:
                        raise
                    self.restarts += 1
                    self.iterators[sid] = shard_iterator(self.streams, self.arn, sid, "TRIM_HORIZON")
                    progressed = True
                    continue
                new += records
                if nxt is None:
                    self.finished.add(sid)
                    self.iterators.pop(sid)
                    progressed = True
                else:
                    self.iterators[sid] = nxt
        self.records += new
        return new


def wait_until(cond: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, what: str = "condition") -> T:
    """Polls `cond` until it returns something truthy (which is returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def seqs(records: list[dict]) -> list[int]:
    """The SequenceNumbers of `records` as integers."""
    return [int(r["dynamodb"]["SequenceNumber"]) for r in records]


def assert_increasing(records: list[dict]) -> None:
    """Sequence numbers are 21-40 digits and strictly increasing (as big integers)."""
    for r in records:
        assert SEQ_RE.match(r["dynamodb"]["SequenceNumber"]), r["dynamodb"]["SequenceNumber"]
    numbers = seqs(records)
    assert numbers == sorted(set(numbers)), f"sequence numbers not strictly increasing: {numbers}"


def keys_of(records: list[dict], attr: str = "pk") -> list[str]:
    """The (string or number) value of key attribute `attr` of each record, in order."""
    out = []
    for r in records:
        v = r["dynamodb"]["Keys"][attr]
        out.append(v.get("S", v.get("N")))
    return out


def events(records: list[dict]) -> list[tuple[str, str]]:
    """(eventName, pk) of each record, in order."""
    return list(zip((r["eventName"] for r in records), keys_of(records), strict=True))


# --- DynamoDB item size (SizeBytes) --------------------------------------------------------

_CTX = Context(prec=60)


def number_size(text: str) -> int:
    """Stored size of an N value: base-100 digit pairs + exponent byte (+1 if negative)."""
    d = Decimal(text)
    if d == 0:
        return 1
    sign, digits, exp = d.normalize(_CTX).as_tuple()
    n = len(digits)
    point = exp + n  # the value is 0.DIGITS x 10^point
    straddles = n % 2 == 0 and point % 2 != 0
    return 1 + (n + 1) // 2 + int(straddles) + int(bool(sign))


def _binary_len(v: Any) -> int:
    return len(v) if isinstance(v, (bytes, bytearray)) else len(base64.b64decode(v))


def attribute_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one AttributeValue (wire JSON or boto3 shape), name excluded."""
    [(kind, v)] = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return number_size(v)
    if kind == "B":
        return _binary_len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(number_size(n) for n in v)
    if kind == "BS":
        return sum(_binary_len(b) for b in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(x) for k, x in v.items())
    if kind == "L":
        return 3 + sum(1 + attribute_size(x) for x in v)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: every attribute name's UTF-8 length plus its value's size."""
    return sum(len(k.encode()) + attribute_size(v) for k, v in item.items())


def expected_size_bytes(record: dict[str, Any]) -> int:
    """SizeBytes by spec §1.9: size(Keys) + size(NewImage) + size(OldImage), as present."""
    ddb = record["dynamodb"]
    return sum(item_size(ddb[part]) for part in ("Keys", "NewImage", "OldImage") if part in ddb)
