"""Smoke tests: unmodified boto3 (client and resource APIs) and the aws CLI against eddy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from decimal import Decimal

import pytest

from conftest import REGION, boto_client


def new_table(client, name=None, range_key=False):
    name = name or "smoke_" + uuid.uuid4().hex[:10]
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
    client.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    return name


def test_create_table_and_describe(client):
    name = new_table(client)
    desc = client.describe_table(TableName=name)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert desc["TableArn"].endswith(f":table/{name}")
    assert name in client.list_tables()["TableNames"]


def test_put_get_update_delete(client):
    name = new_table(client)
    item = {
        "pk": {"S": "k1"},
        "n": {"N": "1.50"},
        "ss": {"SS": ["a", "b"]},
        "m": {"M": {"x": {"L": [{"BOOL": True}, {"NULL": True}]}}},
        "b": {"B": b"\x00\x01"},
    }
    client.put_item(TableName=name, Item=item)
    got = client.get_item(TableName=name, Key={"pk": {"S": "k1"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "1.5"}
    assert sorted(got["ss"]["SS"]) == ["a", "b"]
    assert got["b"] == {"B": b"\x00\x01"}
    assert got["m"] == item["m"]

    out = client.update_item(
        TableName=name,
        Key={"pk": {"S": "k1"}},
        UpdateExpression="SET n = n + :one ADD c :one REMOVE ss",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert out["n"] == {"N": "2.5"} and out["c"] == {"N": "1"} and "ss" not in out

    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName=name, Item={"pk": {"S": "k1"}}, ConditionExpression="attribute_not_exists(pk)")

    old = client.delete_item(TableName=name, Key={"pk": {"S": "k1"}}, ReturnValues="ALL_OLD")["Attributes"]
    assert old["c"] == {"N": "1"}
    assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "k1"}})


def test_batch_write_and_get(client):
    name = new_table(client, range_key=True)
    requests = [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"S": f"v{i}"}}}} for i in range(25)]
    out = client.batch_write_item(RequestItems={name: requests})
    assert out["UnprocessedItems"] == {}
    keys = [{"pk": {"S": "p"}, "sk": {"N": str(i)}} for i in range(0, 30, 3)]
    got = client.batch_get_item(RequestItems={name: {"Keys": keys}})
    assert sorted(int(i["sk"]["N"]) for i in got["Responses"][name]) == list(range(0, 25, 3))
    assert got["UnprocessedKeys"] == {}
    client.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"N": "0"}}}}]})
    assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "0"}})


def test_resource_table_api_with_decimals(client, resource):
    name = new_table(client, range_key=True)
    table = resource.Table(name)
    table.put_item(Item={"pk": "order", "sk": 1, "price": Decimal("12.50"), "qty": 2, "tags": {"a", "b"}, "meta": {"ok": True}})
    item = table.get_item(Key={"pk": "order", "sk": 1})["Item"]
    assert item["price"] == Decimal("12.5")
    assert item["qty"] == Decimal(2)
    assert item["tags"] == {"a", "b"}
    assert item["meta"] == {"ok": True}
    table.update_item(
        Key={"pk": "order", "sk": 1},
        UpdateExpression="SET qty = qty + :d",
        ExpressionAttributeValues={":d": Decimal("0.5")},
    )
    assert table.get_item(Key={"pk": "order", "sk": 1})["Item"]["qty"] == Decimal("2.5")
    with table.batch_writer() as batch:
        for i in range(2, 40):
            batch.put_item(Item={"pk": "order", "sk": i, "price": Decimal(i) / 4})
    got = resource.batch_get_item(RequestItems={name: {"Keys": [{"pk": "order", "sk": i} for i in (2, 39)]}})
    assert sorted(i["price"] for i in got["Responses"][name]) == [Decimal("0.5"), Decimal("9.75")]
    table.delete_item(Key={"pk": "order", "sk": 1})
    assert "Item" not in table.get_item(Key={"pk": "order", "sk": 1})


def test_data_dir_server_round_trip(eddy_durable):
    client = boto_client(eddy_durable.endpoint)
    name = new_table(client)
    client.put_item(TableName=name, Item={"pk": {"S": "durable"}, "v": {"N": "7"}})
    assert client.get_item(TableName=name, Key={"pk": {"S": "durable"}})["Item"]["v"] == {"N": "7"}


def aws_cli(endpoint, *args):
    exe = shutil.which("aws")
    if exe is None:
        pytest.fail("the aws CLI is not installed (pip install awscli)", pytrace=False)
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY="dummy-secret",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_PAGER="",
    )
    env.pop("AWS_PROFILE", None)
    proc = subprocess.run(
        [exe, "dynamodb", *args, "--endpoint-url", endpoint, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"aws dynamodb {' '.join(args)} failed:\n{proc.stderr}"
    return json.loads(proc.stdout) if proc.stdout.strip() else {}


def test_aws_cli(eddy):
    name = "cli_" + uuid.uuid4().hex[:10]
    out = aws_cli(
        eddy.endpoint,
        "create-table",
        "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "--key-schema", "AttributeName=pk,KeyType=HASH",
        "--billing-mode", "PAY_PER_REQUEST",
    )
    assert out["TableDescription"]["TableName"] == name
    aws_cli(eddy.endpoint, "wait", "table-exists", "--table-name", name)
    aws_cli(eddy.endpoint, "put-item", "--table-name", name, "--item", '{"pk": {"S": "cli"}, "n": {"N": "42"}}')
    got = aws_cli(eddy.endpoint, "get-item", "--table-name", name, "--key", '{"pk": {"S": "cli"}}')
    assert got["Item"] == {"pk": {"S": "cli"}, "n": {"N": "42"}}
    assert name in aws_cli(eddy.endpoint, "list-tables")["TableNames"]
