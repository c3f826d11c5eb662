"""Streams: TTL expiry records, the UpdateTimeToLive error matrix, and `--stream-identity`
(who changed an item). Spec aws-behaviour.md §1.9, §4.1, §4.2, edge cases 46-48.

TTL tests run their own eddy with `--ttl-interval 0.2` and wait (polling, with a deadline)
for the expiry worker.
"""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import ClientError

import ddbhttp
from conftest import boto_client
from eddy_proc import Eddy
from streams_util import (
    assert_error,
    create_table,
    error_code,
    events,
    raw_read_stream,
    read_stream,
    streams_client,
    wait_until,
)

SERVICE = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
FIVE_YEARS = 5 * 365 * 86400


@pytest.fixture(scope="module")
def ttl_eddy():
    server = Eddy("--ttl-interval", "0.2")
    yield server
    server.close()


def ttl_table(client, view_type: str = "NEW_AND_OLD_IMAGES") -> tuple[str, str]:
    """A table with a stream and TTL on attribute `exp`."""
    name, arn = create_table(client, view_type)
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": "exp", "Enabled": True})
    return name, arn


def gone(client, table: str, key: str) -> bool:
    return "Item" not in client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True)


# edge case 46
@pytest.mark.parametrize("view_type", ["NEW_AND_OLD_IMAGES", "KEYS_ONLY"])
def test_ttl_expiry_is_a_service_remove(ttl_eddy, view_type):
    client = boto_client(ttl_eddy.endpoint)
    streams = streams_client(ttl_eddy.endpoint)
    name, arn = ttl_table(client, view_type)
    item = {"pk": {"S": "old"}, "exp": {"N": str(int(time.time()) - 60)}, "data": {"S": "payload"}}
    client.put_item(TableName=name, Item=item)
    wait_until(lambda: gone(client, name, "old"), what="the TTL worker to delete the item")
    records = read_stream(streams, arn)
    assert events(records) == [("INSERT", "old"), ("REMOVE", "old")]
    insert, remove = records
    assert "userIdentity" not in insert
    assert remove["userIdentity"] == SERVICE
    if view_type == "NEW_AND_OLD_IMAGES":
        assert remove["dynamodb"]["OldImage"] == item
    else:
        assert "OldImage" not in remove["dynamodb"]
    # on the raw wire, the members are capitalised
    raw = raw_read_stream(ttl_eddy.endpoint, arn)
    assert raw[1]["eventName"] == "REMOVE"
    assert raw[1]["userIdentity"] == SERVICE


# edge case 47
def test_ttl_values_that_expire_and_that_never_do(ttl_eddy):
    client = boto_client(ttl_eddy.endpoint)
    streams = streams_client(ttl_eddy.endpoint)
    name, arn = ttl_table(client, "KEYS_ONLY")
    now = int(time.time())
    keep = {
        "string": {"S": str(now - 60)},
        "missing": None,
        "too_old": {"N": str(now - FIVE_YEARS - 86400)},
        "future": {"N": str(now + 3600)},
        "set": {"NS": [str(now - 60)]},
    }
    expire = {
        "exponent": {"N": f"{(now - 100) // 10}e1"},  # like `1234567e1`, but within five years
        "fraction": {"N": f"{now - 60}.5"},
        "plain": {"N": str(now - 60)},
    }
    for key, exp in (keep | expire).items():
        item = {"pk": {"S": key}} | ({"exp": exp} if exp else {})
        client.put_item(TableName=name, Item=item)
    for key in expire:
        wait_until(lambda key=key: gone(client, name, key), what=f"item {key} to expire")
    # one more expiring sentinel, written afterwards: once it is gone, the worker has made a
    # full pass over a table that still held every item that must be kept
    client.put_item(TableName=name, Item={"pk": {"S": "sentinel"}, "exp": {"N": str(now - 60)}})
    wait_until(lambda: gone(client, name, "sentinel"), what="the sentinel to expire")
    for key in keep:
        assert not gone(client, name, key), f"item {key} must never expire"
    removed = sorted(k for e, k in events(read_stream(streams, arn)) if e == "REMOVE")
    assert removed == sorted(list(expire) + ["sentinel"])


# edge case 46 (a refreshed TTL saves the item; user deletes carry no identity)
def test_user_delete_of_expired_item_has_no_identity(ttl_eddy):
    client = boto_client(ttl_eddy.endpoint)
    streams = streams_client(ttl_eddy.endpoint)
    name, arn = create_table(client, "NEW_AND_OLD_IMAGES")  # TTL not enabled: nothing expires by itself
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "exp": {"N": str(int(time.time()) - 60)}})
    client.delete_item(TableName=name, Key={"pk": {"S": "k"}})
    records = read_stream(streams, arn)
    assert events(records) == [("INSERT", "k"), ("REMOVE", "k")]
    assert all("userIdentity" not in r for r in records)


def ttl_call(endpoint: str, table: str, spec: dict) -> ddbhttp.Response:
    return ddbhttp.call(endpoint, "UpdateTimeToLive", {"TableName": table, "TimeToLiveSpecification": spec})


# edge case 48
def test_update_time_to_live_error_matrix(eddy, client):
    name, _ = create_table(client, "KEYS_ONLY")
    # disabling when already disabled
    assert_error(ttl_call(eddy.endpoint, name, {"AttributeName": "exp", "Enabled": False}), "ValidationException")
    # empty and 256-character names
    assert_error(
        ttl_call(eddy.endpoint, name, {"AttributeName": "", "Enabled": True}), "ValidationException", match="length"
    )
    assert_error(
        ttl_call(eddy.endpoint, name, {"AttributeName": "a" * 256, "Enabled": True}),
        "ValidationException",
        match="length",
    )
    resp = ttl_call(eddy.endpoint, name, {"AttributeName": "exp", "Enabled": True})
    assert resp.status == 200 and resp.body == {"TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": True}}
    # enabling again (same attribute) and enabling another attribute
    assert_error(
        ttl_call(eddy.endpoint, name, {"AttributeName": "exp", "Enabled": True}),
        "ValidationException",
        match="active|enabled",
    )
    assert_error(ttl_call(eddy.endpoint, name, {"AttributeName": "other", "Enabled": True}), "ValidationException")
    # disabling with the wrong attribute
    assert_error(
        ttl_call(eddy.endpoint, name, {"AttributeName": "other", "Enabled": False}),
        "ValidationException",
        match="different",
    )
    desc = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert desc == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}


# --- who changed it: --stream-identity ----------------------------------------------------


def credentials_server(tmp_path, *flags: str) -> tuple[Eddy, dict[str, str]]:
    """An eddy verifying SigV4 against one key whose principal is `alice`."""
    creds = tmp_path / "credentials"
    creds.write_text("# access-key secret principal\nAKIDALICE alicesecret alice\n")
    server = Eddy("--credentials", str(creds), *flags)
    return server, {"aws_access_key_id": "AKIDALICE", "aws_secret_access_key": "alicesecret"}


def signed_clients(server: Eddy, keys: dict[str, str]):
    ddb = boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="us-east-1", **keys)
    return ddb, streams_client(server.endpoint, keys=keys)


def test_stream_identity_records_the_principal(tmp_path):
    server, keys = credentials_server(tmp_path, "--stream-identity", "--ttl-interval", "0.2")
    try:
        client, streams = signed_clients(server, keys)
        name, arn = ttl_table(client, "NEW_AND_OLD_IMAGES")
        client.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"S": "1"}})
        client.update_item(
            TableName=name,
            Key={"pk": {"S": "k"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "2"}},
        )
        client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]})
        client.transact_write_items(TransactItems=[{"Delete": {"TableName": name, "Key": {"pk": {"S": "k"}}}}])
        client.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'q'}}")
        client.put_item(TableName=name, Item={"pk": {"S": "ttl"}, "exp": {"N": str(int(time.time()) - 60)}})
        wait_until(lambda: gone(client, name, "ttl"), what="the TTL worker to delete the item")
        records = read_stream(streams, arn)
        assert len(records) == 7
        user = {"Type": "User", "PrincipalId": "alice"}
        for r in records[:-1]:
            assert r.get("userIdentity") == user, r
        assert events(records[-1:]) == [("REMOVE", "ttl")]
        assert records[-1]["userIdentity"] == SERVICE
    finally:
        server.close()


def test_no_identity_without_the_flag(tmp_path):
    server, keys = credentials_server(tmp_path)
    try:
        client, streams = signed_clients(server, keys)
        name, arn = create_table(client, "KEYS_ONLY")
        client.put_item(TableName=name, Item={"pk": {"S": "k"}})
        [record] = read_stream(streams, arn)
        assert "userIdentity" not in record
    finally:
        server.close()


def test_streams_api_verifies_signatures(tmp_path):
    """With --credentials, the streams API checks SigV4 (signing name `dynamodb`) too."""
    server, keys = credentials_server(tmp_path)
    try:
        client, streams = signed_clients(server, keys)
        create_table(client, "KEYS_ONLY")
        assert streams.list_streams()["Streams"]
        intruder = streams_client(
            server.endpoint, keys={"aws_access_key_id": "AKIDALICE", "aws_secret_access_key": "wrong"}
        )
        with pytest.raises(ClientError) as e:
            intruder.list_streams()
        assert error_code(e.value) == "InvalidSignatureException"
    finally:
        server.close()
