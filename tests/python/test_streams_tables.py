"""Streams: StreamSpecification on CreateTable/UpdateTable, ARNs and labels, the stream
lifecycle (disable, re-enable, DeleteTable). Spec aws-behaviour.md §1.2-1.4, edge cases 1-11
and 50.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from conftest import DUMMY_KEYS, boto_client
from eddy_proc import Eddy
from streams_util import (
    ACCOUNT,
    LABEL_RE,
    create_table,
    describe_all,
    error_code,
    error_message,
    events,
    keys_of,
    latest_stream_arn,
    read_stream,
    set_stream,
    stream_spec,
    streams_client,
    unique,
)

TABLE_ARGS = dict(
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)


@pytest.fixture(scope="module")
def streams(eddy):
    return streams_client(eddy.endpoint)


def put(client, table: str, key: str, **attrs: str) -> None:
    item = {"pk": {"S": key}} | {k: {"S": v} for k, v in attrs.items()}
    client.put_item(TableName=table, Item=item)


def create_error(client, spec: dict) -> ClientError:
    """CreateTable with `spec` must fail; returns the error (and no table may exist)."""
    name = unique()
    with pytest.raises(ClientError) as e:
        client.create_table(TableName=name, StreamSpecification=spec, **TABLE_ARGS)
    assert name not in client.list_tables()["TableNames"]
    return e.value


def update_error(client, table: str, spec: dict) -> ClientError:
    """UpdateTable with `spec` must fail; returns the error."""
    with pytest.raises(ClientError) as e:
        client.update_table(TableName=table, StreamSpecification=spec)
    return e.value


# edge case 1
@pytest.mark.parametrize("view_type", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_create_table_response_has_stream_fields(client, view_type):
    name = unique()
    desc = client.create_table(TableName=name, StreamSpecification=stream_spec(view_type), **TABLE_ARGS)[
        "TableDescription"
    ]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": view_type}
    arn, label = desc["LatestStreamArn"], desc["LatestStreamLabel"]
    described = client.describe_table(TableName=name)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["StreamSpecification"] == desc["StreamSpecification"]
    assert (described["LatestStreamArn"], described["LatestStreamLabel"]) == (arn, label)
    updated = client.update_table(TableName=name, DeletionProtectionEnabled=True)["TableDescription"]
    assert updated["StreamSpecification"] == desc["StreamSpecification"]
    assert (updated["LatestStreamArn"], updated["LatestStreamLabel"]) == (arn, label)


# edge case 1 (UpdateTable enabling a stream on an existing table)
def test_update_table_enables_stream(client, streams):
    name, arn = create_table(client, None)
    assert arn is None
    assert "StreamSpecification" not in client.describe_table(TableName=name)["Table"]
    desc = set_stream(client, name, "NEW_IMAGE")
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    described = client.describe_table(TableName=name)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["LatestStreamArn"] == desc["LatestStreamArn"]
    assert described["LatestStreamLabel"] == desc["LatestStreamLabel"]
    sd = streams.describe_stream(StreamArn=desc["LatestStreamArn"])["StreamDescription"]
    assert sd["StreamStatus"] == "ENABLED"
    assert sd["StreamViewType"] == "NEW_IMAGE"


# edge case 2
def test_stream_arn_and_label_format(client, streams):
    before = time.time()
    name, arn = create_table(client, "KEYS_ONLY")
    after = time.time()
    label = client.describe_table(TableName=name)["Table"]["LatestStreamLabel"]
    assert LABEL_RE.match(label), label
    assert arn == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{name}/stream/{label}"
    created = datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
    assert before - 1 <= created <= after + 1, f"label {label} is not the UTC creation time"
    sd = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert (sd["StreamArn"], sd["StreamLabel"], sd["TableName"]) == (arn, label, name)
    assert sd["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert before - 1 <= sd["CreationRequestDateTime"].timestamp() <= after + 1


# edge cases 2 and 44: the ARN and awsRegion follow --region, the account follows the table's
def test_region_flag_is_used_in_arn_and_records():
    server = Eddy("--region", "eu-west-1")
    try:
        client = boto_client(server.endpoint)
        name, arn = create_table(client, "KEYS_ONLY")
        table_arn = client.describe_table(TableName=name)["Table"]["TableArn"]
        account = table_arn.split(":")[4]
        assert re.match(rf"^arn:aws:dynamodb:eu-west-1:{account}:table/{name}/stream/", arn), arn
        put(client, name, "k1")
        streams = streams_client(server.endpoint, region="eu-west-1")
        records = read_stream(streams, arn)
        assert [r["awsRegion"] for r in records] == ["eu-west-1"]
    finally:
        server.close()


# edge case 3
def test_enabled_without_view_type_is_rejected(client):
    err = create_error(client, {"StreamEnabled": True})
    assert error_code(err) == "ValidationException"
    name, _ = create_table(client, None)
    err = update_error(client, name, {"StreamEnabled": True})
    assert error_code(err) == "ValidationException"
    assert "StreamSpecification" not in client.describe_table(TableName=name)["Table"]


# edge case 4
def test_disabled_with_view_type_on_create_is_rejected(client):
    err = create_error(client, {"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"})
    assert error_code(err) == "ValidationException"


# edge case 5
@pytest.mark.parametrize("bad", ["Fisk", "keys_only", ""])
def test_unknown_view_type_is_rejected(client, bad):
    err = create_error(client, {"StreamEnabled": True, "StreamViewType": bad})
    assert error_code(err) == "ValidationException"
    name, _ = create_table(client, None)
    err = update_error(client, name, {"StreamEnabled": True, "StreamViewType": bad})
    assert error_code(err) == "ValidationException"
    assert latest_stream_arn(client, name) is None


def test_stream_enabled_false_alone_creates_no_stream(client):
    name = unique()
    desc = client.create_table(TableName=name, StreamSpecification={"StreamEnabled": False}, **TABLE_ARGS)[
        "TableDescription"
    ]
    for field in ("StreamSpecification", "LatestStreamArn", "LatestStreamLabel"):
        assert field not in desc
        assert field not in client.describe_table(TableName=name)["Table"]


# edge case 6
@pytest.mark.parametrize("second", ["NEW_IMAGE", "KEYS_ONLY"])
def test_enabling_twice_is_rejected(client, second):
    name, arn = create_table(client, "NEW_IMAGE")
    err = update_error(client, name, stream_spec(second))
    assert error_code(err) == "ValidationException"
    assert "already has an enabled stream" in error_message(err)
    table = client.describe_table(TableName=name)["Table"]
    assert table["LatestStreamArn"] == arn
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"


# edge case 7
def test_disabling_without_stream_is_rejected(client):
    name, _ = create_table(client, None)
    err = update_error(client, name, {"StreamEnabled": False})
    assert error_code(err) == "ValidationException"
    assert re.search(r"stream.*disable", error_message(err), re.IGNORECASE), error_message(err)


# edge case 7 (a stream that was already disabled cannot be disabled again)
def test_disabling_twice_is_rejected(client):
    name, _ = create_table(client, "KEYS_ONLY")
    set_stream(client, name, None)
    err = update_error(client, name, {"StreamEnabled": False})
    assert error_code(err) == "ValidationException"


# edge case 8
def test_disable_keeps_latest_arn_and_closes_shards(client, streams):
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES")
    put(client, name, "k1", a="1")
    label = client.describe_table(TableName=name)["Table"]["LatestStreamLabel"]
    desc = set_stream(client, name, None)
    assert "StreamSpecification" not in desc
    table = client.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert "StreamSpecification" not in table
    assert (table["LatestStreamArn"], table["LatestStreamLabel"]) == (arn, label)
    sd, shards = describe_all(streams, arn)
    assert sd["StreamStatus"] == "DISABLED"
    assert shards
    for shard in shards:
        rng = shard["SequenceNumberRange"]
        assert re.fullmatch(r"[0-9]{21,40}", rng["EndingSequenceNumber"]), shard
        assert int(rng["EndingSequenceNumber"]) >= int(rng["StartingSequenceNumber"])
    # writes after the disable produce no record anywhere
    put(client, name, "k2")
    assert keys_of(read_stream(streams, arn)) == ["k1"]


# edge case 9
def test_disable_then_reenable_creates_a_new_stream(client, streams):
    name, old = create_table(client, "NEW_IMAGE")
    put(client, name, "old")
    set_stream(client, name, None)
    desc = set_stream(client, name, "KEYS_ONLY")
    new = desc["LatestStreamArn"]
    assert new != old
    assert desc["LatestStreamLabel"] != old.rsplit("/", 1)[1]
    assert latest_stream_arn(client, name) == new
    listed = streams.list_streams(TableName=name)["Streams"]
    assert sorted(s["StreamArn"] for s in listed) == sorted([old, new])
    assert {s["TableName"] for s in listed} == {name}
    for s in listed:
        assert s["StreamArn"].endswith("/stream/" + s["StreamLabel"])
    assert streams.describe_stream(StreamArn=old)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert streams.describe_stream(StreamArn=new)["StreamDescription"]["StreamStatus"] == "ENABLED"
    assert streams.describe_stream(StreamArn=new)["StreamDescription"]["StreamViewType"] == "KEYS_ONLY"
    assert read_stream(streams, new) == []
    assert keys_of(read_stream(streams, old)) == ["old"]
    put(client, name, "new")
    assert keys_of(read_stream(streams, new)) == ["new"]
    assert keys_of(read_stream(streams, old)) == ["old"]


# edge case 10
def test_iterator_from_before_disable_reads_to_the_end(client, streams):
    name, arn = create_table(client, "KEYS_ONLY")
    put(client, name, "a")
    put(client, name, "b")
    _, shards = describe_all(streams, arn)
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shards[0]["ShardId"], ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    set_stream(client, name, None)
    seen = []
    for _ in range(20):
        page = streams.get_records(ShardIterator=it)
        seen += page["Records"]
        if "NextShardIterator" not in page:
            break
        it = page["NextShardIterator"]
    else:
        raise AssertionError("NextShardIterator never went away on the closed shard")
    assert keys_of(seen) == ["a", "b"]
    # new iterators of any type can still be obtained on the closed shard
    for kind in ("TRIM_HORIZON", "LATEST"):
        streams.get_shard_iterator(StreamArn=arn, ShardId=shards[0]["ShardId"], ShardIteratorType=kind)


# edge case 11
def test_tagging_does_not_change_the_stream(client, streams):
    name, arn = create_table(client, "NEW_IMAGE")
    table_arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    client.tag_resource(ResourceArn=table_arn, Tags=[{"Key": "team", "Value": "streams"}])
    client.untag_resource(ResourceArn=table_arn, TagKeys=["team"])
    client.update_table(TableName=name, DeletionProtectionEnabled=True)
    assert latest_stream_arn(client, name) == arn
    assert [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]] == [arn]
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "ENABLED"


# edge case 50
def test_delete_table_disables_stream_and_keeps_it_readable(client, streams):
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES")
    put(client, name, "k1", a="x")
    client.delete_item(TableName=name, Key={"pk": {"S": "k1"}})
    put(client, name, "k2")
    client.delete_table(TableName=name)
    sd, shards = describe_all(streams, arn)
    assert sd["StreamStatus"] == "DISABLED"
    assert sd["TableName"] == name
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in shards)
    listed = []
    kwargs: dict = {}
    while True:
        page = streams.list_streams(**kwargs)
        listed += [s["StreamArn"] for s in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        kwargs = {"ExclusiveStartStreamArn": page["LastEvaluatedStreamArn"]}
    assert listed.count(arn) == 1, "the deleted table's stream must stay listed"
    assert events(read_stream(streams, arn)) == [("INSERT", "k1"), ("REMOVE", "k1"), ("INSERT", "k2")]


# edge case 50 (a recreated table never inherits the old stream)
def test_recreated_table_does_not_inherit_stream(client, streams):
    name, arn = create_table(client, "KEYS_ONLY")
    put(client, name, "old")
    client.delete_table(TableName=name)
    desc = client.create_table(TableName=name, **TABLE_ARGS)["TableDescription"]
    for field in ("StreamSpecification", "LatestStreamArn", "LatestStreamLabel"):
        assert field not in desc
        assert field not in client.describe_table(TableName=name)["Table"]
    assert keys_of(read_stream(streams, arn)) == ["old"]
    # with a stream again: a new ARN whose stream starts empty
    desc = set_stream(client, name, "KEYS_ONLY")
    assert desc["LatestStreamArn"] != arn
    assert read_stream(streams, desc["LatestStreamArn"]) == []


def test_stream_status_is_never_transitional(client, streams):
    """eddy's contract: ENABLED / DISABLED at once (no ENABLING/DISABLING phase), table ACTIVE."""
    name, arn = create_table(client, "KEYS_ONLY")
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "ENABLED"
    set_stream(client, name, None)
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_streams_client_with_dummy_keys_is_accepted(eddy):
    """The streams API is served on the DynamoDB port with the same (open) authentication."""
    s = streams_client(eddy.endpoint, keys=DUMMY_KEYS)
    assert isinstance(s.list_streams(Limit=1)["Streams"], list)
