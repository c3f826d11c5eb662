"""Streams: ListStreams and DescribeStream (paging, validation, shapes) and the wire
protocol of the streams endpoint. Spec aws-behaviour.md §1.1, §1.5, §1.6, edge cases 12-19
(DescribeStream paging over several shards is in test_streams_shards.py).
"""

from __future__ import annotations

import zlib

import pytest
from botocore.exceptions import ClientError

from streams_util import (
    SHARD_ID_RE,
    assert_error,
    create_table,
    describe_all,
    error_code,
    raw_ok,
    raw_streams,
    set_stream,
    streams_client,
)

BAD_ARN = "sdfadfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdfsdf"  # 45 chars: passes the length check


@pytest.fixture(scope="module")
def streams(eddy):
    return streams_client(eddy.endpoint)


def table_with_streams(client, count: int) -> tuple[str, list[str]]:
    """A table that has had `count` streams (the last one enabled); its ARNs, oldest first."""
    name, arn = create_table(client, "KEYS_ONLY")
    arns = [arn]
    for _ in range(count - 1):
        set_stream(client, name, None)
        arns.append(set_stream(client, name, "KEYS_ONLY")["LatestStreamArn"])
    assert len(set(arns)) == count
    return name, arns


def list_pages(streams, **kwargs) -> list[dict]:
    """Every ListStreams page, following LastEvaluatedStreamArn."""
    pages = []
    for _ in range(10_000):
        page = streams.list_streams(**kwargs)
        pages.append(page)
        if "LastEvaluatedStreamArn" not in page:
            return pages
        kwargs["ExclusiveStartStreamArn"] = page["LastEvaluatedStreamArn"]
    raise AssertionError("ListStreams paging did not end")


# edge case 12
def test_list_streams_pages_with_limit_1(client, streams):
    name, arns = table_with_streams(client, 3)
    pages = list_pages(streams, TableName=name, Limit=1)
    listed = [s["StreamArn"] for p in pages for s in p["Streams"]]
    assert sorted(listed) == sorted(arns), "every stream exactly once"
    for page in pages:
        assert len(page["Streams"]) <= 1
        if "LastEvaluatedStreamArn" in page:
            assert page["LastEvaluatedStreamArn"] == page["Streams"][-1]["StreamArn"]
    assert "LastEvaluatedStreamArn" not in pages[-1]


# edge case 12 (a non-full last page carries no cookie)
def test_list_streams_last_partial_page_has_no_cookie(client, streams):
    name, arns = table_with_streams(client, 3)
    first = streams.list_streams(TableName=name, Limit=2)
    assert len(first["Streams"]) == 2
    assert first["LastEvaluatedStreamArn"] == first["Streams"][-1]["StreamArn"]
    second = streams.list_streams(TableName=name, Limit=2, ExclusiveStartStreamArn=first["LastEvaluatedStreamArn"])
    assert len(second["Streams"]) == 1
    assert "LastEvaluatedStreamArn" not in second
    assert sorted(s["StreamArn"] for s in first["Streams"] + second["Streams"]) == sorted(arns)


# edge case 12 (unfiltered listing across all tables of the server)
def test_list_streams_unfiltered_paging_has_no_duplicates(client, streams):
    _, arns = table_with_streams(client, 2)
    pages = list_pages(streams, Limit=7)
    listed = [s["StreamArn"] for p in pages for s in p["Streams"]]
    assert len(listed) == len(set(listed)), "duplicates across pages"
    for arn in arns:
        assert arn in listed
    for page in pages:
        assert len(page["Streams"]) <= 7
        for s in page["Streams"]:
            assert s["StreamArn"] == f"{s['StreamArn'].split('/stream/')[0]}/stream/{s['StreamLabel']}"
            assert f":table/{s['TableName']}/stream/" in s["StreamArn"]


# edge case 13
@pytest.mark.parametrize("limit", [0, -1, 101])
def test_list_streams_limit_out_of_range(eddy, limit):
    assert_error(raw_streams(eddy.endpoint, "ListStreams", {"Limit": limit}), "ValidationException")


# edge case 13
def test_list_streams_limit_100_accepted(eddy):
    body = raw_ok(eddy.endpoint, "ListStreams", {"Limit": 100})
    assert len(body["Streams"]) <= 100


# edge case 14
@pytest.mark.parametrize("bad", [BAD_ARN, "arn:aws:dynamodb:us-east-1:000000000000:table/x", "x" * 40])
def test_list_streams_malformed_exclusive_start_arn(eddy, bad):
    resp = raw_streams(eddy.endpoint, "ListStreams", {"ExclusiveStartStreamArn": bad})
    assert_error(resp, "ValidationException")


@pytest.mark.parametrize("table", ["x", "bad name!", "t" * 256])
def test_list_streams_bad_table_name(eddy, table):
    assert_error(raw_streams(eddy.endpoint, "ListStreams", {"TableName": table}), "ValidationException")


# edge case 15
def test_list_streams_for_table_without_stream(eddy, client):
    name, _ = create_table(client, None)
    resp = raw_streams(eddy.endpoint, "ListStreams", {"TableName": name})
    assert resp.status == 200
    assert resp.body == {"Streams": []}


# edge case 16
def test_list_streams_resumes_after_table_deleted(client, streams):
    ours = [create_table(client, "KEYS_ONLY") for _ in range(3)]
    our_arns = {arn for _, arn in ours}
    by_arn = {arn: name for name, arn in ours}
    seen: list[str] = []
    kwargs: dict = {"Limit": 1}
    deleted = None
    for _ in range(10_000):
        page = streams.list_streams(**kwargs)
        seen += [s["StreamArn"] for s in page["Streams"]]
        cookie = page.get("LastEvaluatedStreamArn")
        if cookie is None:
            break
        if deleted is None and cookie in our_arns:
            deleted = cookie
            client.delete_table(TableName=by_arn[cookie])
        kwargs["ExclusiveStartStreamArn"] = cookie
    assert deleted is not None, "none of our streams was ever a page cookie"
    assert len(seen) == len(set(seen)), "a stream was listed twice"
    assert our_arns <= set(seen)


def test_list_streams_shape(eddy, client):
    name, arn = create_table(client, "NEW_IMAGE")
    body = raw_ok(eddy.endpoint, "ListStreams", {"TableName": name})
    label = arn.rsplit("/", 1)[1]
    assert body == {"Streams": [{"StreamArn": arn, "TableName": name, "StreamLabel": label}]}


# edge case 17
def test_describe_stream_malformed_arn(eddy):
    assert_error(raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": BAD_ARN}), "ValidationException")
    assert_error(raw_streams(eddy.endpoint, "DescribeStream", {}), "ValidationException")


# edge case 17
def test_describe_stream_unknown_table_or_label(eddy, client):
    missing = "arn:aws:dynamodb:us-east-1:000000000000:table/no_such_table_x/stream/2024-01-01T00:00:00.000"
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": missing})
    assert_error(
        resp, "ResourceNotFoundException", message=f"Requested resource not found: Stream: {missing} not found"
    )
    name, arn = create_table(client, "KEYS_ONLY")
    other_label = arn.rsplit("/", 1)[0] + "/2001-01-01T00:00:00.000"
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": other_label})
    assert_error(
        resp, "ResourceNotFoundException", message=f"Requested resource not found: Stream: {other_label} not found"
    )


def test_describe_stream_shape(eddy, client):
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES", range_key=("sk", "N"))
    desc = raw_ok(eddy.endpoint, "DescribeStream", {"StreamArn": arn})["StreamDescription"]
    assert set(desc) == {
        "StreamArn",
        "StreamLabel",
        "StreamStatus",
        "StreamViewType",
        "CreationRequestDateTime",
        "TableName",
        "KeySchema",
        "Shards",
    }
    assert desc["StreamStatus"] == "ENABLED"
    assert desc["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(desc["CreationRequestDateTime"], (int, float))
    assert desc["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    [shard] = desc["Shards"]
    assert SHARD_ID_RE.match(shard["ShardId"]), shard["ShardId"]
    assert set(shard) == {"ShardId", "SequenceNumberRange"}, "an open first shard has no parent"
    assert set(shard["SequenceNumberRange"]) == {"StartingSequenceNumber"}, "open shard: no EndingSequenceNumber"


# edge case 18 (single shard; multi-shard paging is in test_streams_shards.py)
def test_describe_stream_exclusive_start_last_shard(streams, client):
    _, arn = create_table(client, "KEYS_ONLY")
    desc = streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
    [shard] = desc["Shards"]
    if "LastEvaluatedShardId" in desc:
        assert desc["LastEvaluatedShardId"] == shard["ShardId"]
    rest = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=shard["ShardId"])["StreamDescription"]
    assert rest["Shards"] == []
    assert "LastEvaluatedShardId" not in rest
    assert rest["StreamArn"] == arn


# edge case 19
def test_describe_stream_unknown_exclusive_start_shard(streams, client):
    _, arn = create_table(client, "KEYS_ONLY")
    desc = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId="shardId-00000000000000000001-deadbeef")
    assert desc["StreamDescription"]["Shards"] == []


# edge case 19 (too short a shard id is a validation error)
def test_describe_stream_short_exclusive_start_shard(eddy, client):
    _, arn = create_table(client, "KEYS_ONLY")
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": arn, "ExclusiveStartShardId": "abc"})
    assert_error(resp, "ValidationException")


@pytest.mark.parametrize("limit", [0, 101])
def test_describe_stream_limit_out_of_range(eddy, client, limit):
    _, arn = create_table(client, "KEYS_ONLY")
    assert_error(
        raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": arn, "Limit": limit}), "ValidationException"
    )


def test_describe_stream_shard_filter_without_children(streams, client):
    _, arn = create_table(client, "KEYS_ONLY")
    _, shards = describe_all(streams, arn)
    desc = streams.describe_stream(
        StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shards[0]["ShardId"]}
    )["StreamDescription"]
    assert desc["Shards"] == []
    assert desc["StreamArn"] == arn and desc["StreamStatus"] == "ENABLED"


@pytest.mark.parametrize(
    "shard_filter,match",
    [
        ({"Type": "PARENT_SHARDS", "ShardId": "shardId-00000000000000000001-deadbeef"}, None),
        ({"ShardId": "shardId-00000000000000000001-deadbeef"}, None),
        ({"Type": "CHILD_SHARDS"}, None),
        ({"Type": "CHILD_SHARDS", "ShardId": "bad"}, r"shardFilter\.shardId"),
    ],
)
def test_describe_stream_bad_shard_filter(eddy, client, shard_filter, match):
    _, arn = create_table(client, "KEYS_ONLY")
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": arn, "ShardFilter": shard_filter})
    assert_error(resp, "ValidationException", match=match)


def test_unknown_streams_operation_is_not_a_500(eddy):
    resp = raw_streams(eddy.endpoint, "NoSuchOperation", {})
    assert resp.status == 400, resp.raw
    assert resp.error_type is not None


def test_streams_response_headers(eddy, client):
    _, arn = create_table(client, "KEYS_ONLY")
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": arn})
    assert resp.status == 200
    assert resp.headers["content-type"].startswith("application/x-amz-json-1.0")
    assert resp.headers.get("x-amzn-requestid")
    assert int(resp.headers["x-amz-crc32"]) == zlib.crc32(resp.raw)


@pytest.mark.parametrize("content_type", ["application/x-amz-json-1.1", "application/json"])
def test_streams_accepts_other_json_content_types(eddy, client, content_type):
    _, arn = create_table(client, "KEYS_ONLY")
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": arn}, headers={"Content-Type": content_type})
    assert resp.status == 200, resp.raw
    assert resp.body["StreamDescription"]["StreamArn"] == arn


def test_errors_use_lowercase_message(eddy):
    resp = raw_streams(eddy.endpoint, "DescribeStream", {"StreamArn": BAD_ARN})
    assert resp.status == 400
    assert "message" in resp.body and "Message" not in resp.body
    assert resp.body["__type"].endswith("#ValidationException")


def test_boto3_errors_are_modeled(streams):
    """boto3 maps eddy's error to the modeled exception class."""
    missing = "arn:aws:dynamodb:us-east-1:000000000000:table/no_such_table_y/stream/2024-01-01T00:00:00.000"
    with pytest.raises(streams.exceptions.ResourceNotFoundException):
        streams.describe_stream(StreamArn=missing)
    with pytest.raises(ClientError) as e:
        streams.list_streams(ExclusiveStartStreamArn=BAD_ARN)
    assert error_code(e.value) == "ValidationException"
