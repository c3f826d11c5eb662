"""Streams: which writes produce which records (INSERT / MODIFY / REMOVE / nothing), through
every write path. Spec aws-behaviour.md §1.9 (event classification), edge cases 33-36 and
38-41.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from streams_util import create_table, error_code, events, read_stream, streams_client

KEY = {"pk": {"S": "k"}}


@pytest.fixture(scope="module")
def streams(eddy):
    return streams_client(eddy.endpoint)


@pytest.fixture
def table(client):
    """A fresh NEW_AND_OLD_IMAGES table: (name, stream arn)."""
    return create_table(client, "NEW_AND_OLD_IMAGES")


def update(client, table: str, expr: str | None, values: dict | None = None, key: dict = KEY, **kw):
    args = dict(TableName=table, Key=key, **kw)
    if expr:
        args["UpdateExpression"] = expr
    if values:
        args["ExpressionAttributeValues"] = values
    return client.update_item(**args)


# edge case 33
def test_no_op_writes_produce_no_records(client, streams, table):
    name, arn = table
    item = {"pk": {"S": "k"}, "a": {"N": "1"}, "s": {"S": "x"}, "tags": {"SS": ["p", "q"]}}
    client.put_item(TableName=name, Item=item)
    client.put_item(TableName=name, Item=item)  # identical put
    update(client, name, "SET a = :v", {":v": {"N": "1"}})  # same value
    update(client, name, "SET s = :v", {":v": {"S": "x"}})
    update(client, name, "ADD a :z", {":z": {"N": "0"}})  # ADD 0
    update(client, name, "REMOVE absentattr")  # REMOVE of a missing attribute
    update(client, name, "DELETE tags :d", {":d": {"SS": ["zz"]}})  # DELETE of a missing member
    update(client, name, "DELETE absentset :d", {":d": {"SS": ["zz"]}})  # DELETE on a missing attribute
    client.delete_item(TableName=name, Key={"pk": {"S": "missing"}})  # delete of a missing item
    update(client, name, "SET a = :v", {":v": {"N": "2"}})  # the one real change
    records = read_stream(streams, arn)
    assert events(records) == [("INSERT", "k"), ("MODIFY", "k")]
    assert records[1]["dynamodb"]["OldImage"]["a"] == {"N": "1"}
    assert records[1]["dynamodb"]["NewImage"]["a"] == {"N": "2"}


# edge case 34
def test_put_replacing_an_item_is_one_modify(client, streams, table):
    name, arn = table
    old = {"pk": {"S": "k"}, "a": {"S": "1"}, "b": {"S": "2"}}
    new = {"pk": {"S": "k"}, "c": {"S": "3"}}
    client.put_item(TableName=name, Item=old)
    client.put_item(TableName=name, Item=new)
    records = read_stream(streams, arn)
    assert events(records) == [("INSERT", "k"), ("MODIFY", "k")]
    assert records[1]["dynamodb"]["OldImage"] == old
    assert records[1]["dynamodb"]["NewImage"] == new


# edge case 35
def test_update_item_upserts_are_inserts(client, streams, table):
    name, arn = table
    update(client, name, "SET a = :v", {":v": {"S": "x"}}, key={"pk": {"S": "set"}})
    update(client, name, None, key={"pk": {"S": "bare"}})  # no update clauses at all
    update(client, name, "ADD n :one", {":one": {"N": "1"}}, key={"pk": {"S": "add"}})
    client.update_item(  # legacy AttributeUpdates
        TableName=name, Key={"pk": {"S": "legacy"}}, AttributeUpdates={"z": {"Value": {"S": "1"}, "Action": "PUT"}}
    )
    records = read_stream(streams, arn)
    assert events(records) == [("INSERT", "set"), ("INSERT", "bare"), ("INSERT", "add"), ("INSERT", "legacy")]
    assert records[0]["dynamodb"]["NewImage"] == {"pk": {"S": "set"}, "a": {"S": "x"}}
    assert records[1]["dynamodb"]["NewImage"] == {"pk": {"S": "bare"}}
    assert records[2]["dynamodb"]["NewImage"] == {"pk": {"S": "add"}, "n": {"N": "1"}}
    for r in records:
        assert "OldImage" not in r["dynamodb"]


# edge case 35 (REMOVE-only on a missing key creates nothing)
def test_update_remove_only_on_missing_item(client, streams, table):
    name, arn = table
    update(client, name, "REMOVE a, b", key={"pk": {"S": "ghost"}})
    assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "ghost"}}, ConsistentRead=True)
    client.put_item(TableName=name, Item={"pk": {"S": "marker"}})
    assert events(read_stream(streams, arn)) == [("INSERT", "marker")]


# edge case 36
def test_remove_all_attributes_then_set(client, streams, table):
    name, arn = table
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": {"S": "1"}, "b": {"N": "2"}})
    update(client, name, "REMOVE a, b")
    update(client, name, "SET c = :v", {":v": {"S": "3"}})
    records = read_stream(streams, arn)
    assert events(records) == [("INSERT", "k"), ("MODIFY", "k"), ("MODIFY", "k")]
    assert records[1]["dynamodb"]["NewImage"] == KEY
    assert records[1]["dynamodb"]["OldImage"] == {"pk": {"S": "k"}, "a": {"S": "1"}, "b": {"N": "2"}}
    assert records[2]["dynamodb"]["OldImage"] == KEY
    assert records[2]["dynamodb"]["NewImage"] == {"pk": {"S": "k"}, "c": {"S": "3"}}


# edge case 38
def test_old_image_with_lsi_has_exactly_the_item(client, streams):
    name, arn = create_table(
        client,
        "OLD_IMAGE",
        range_key=("sk", "S"),
        ExtraAttributeDefinitions=[{"AttributeName": "lsik", "AttributeType": "S"}],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_lsik",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lsik", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    item = {"pk": {"S": "p"}, "sk": {"S": "s"}, "lsik": {"S": "idx"}, "extra": {"N": "7"}}
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    client.put_item(TableName=name, Item=item)
    client.update_item(
        TableName=name, Key=key, UpdateExpression="SET extra = :v", ExpressionAttributeValues={":v": {"N": "8"}}
    )
    client.delete_item(TableName=name, Key=key)
    records = read_stream(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["OldImage"] == item
    assert records[2]["dynamodb"]["OldImage"] == item | {"extra": {"N": "8"}}
    for r in records:
        assert r["dynamodb"]["Keys"] == key


# edge case 39
def test_semantic_equality_means_no_record(client, streams, table):
    name, arn = table
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"N": "1"}})
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"N": "1.0"}})
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"N": "10E-1"}})
    update(client, name, "SET n = :v", {":v": {"N": "1.00"}})
    m1 = {"M": {"a": {"N": "1"}, "b": {"S": "2"}}}
    m2 = {"M": {"b": {"S": "2"}, "a": {"N": "1"}}}
    client.put_item(TableName=name, Item={"pk": {"S": "m"}, "m": m1, "s": {"SS": ["x", "y"]}})
    client.put_item(TableName=name, Item={"pk": {"S": "m"}, "m": m2, "s": {"SS": ["y", "x"]}})
    update(client, name, "SET m = :v", {":v": m2}, key={"pk": {"S": "m"}})
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"N": "2"}})
    assert events(read_stream(streams, arn)) == [("INSERT", "k"), ("INSERT", "m"), ("MODIFY", "k")]


# edge case 40
def test_batch_write_records(client, streams):
    name, arn = create_table(client, "NEW_IMAGE", range_key=("sk", "N"))
    client.put_item(TableName=name, Item={"pk": {"S": "same"}, "sk": {"N": "0"}})
    requests = [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": str(i)}}}} for i in (1, 2, 3)]
    requests.append({"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"N": "99"}}}})  # missing item
    requests.append({"PutRequest": {"Item": {"pk": {"S": "same"}, "sk": {"N": "0"}}}})  # identical: no-op
    assert client.batch_write_item(RequestItems={name: requests})["UnprocessedItems"] == {}
    records = read_stream(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT"] * 4
    keys = sorted((r["dynamodb"]["Keys"]["pk"]["S"], r["dynamodb"]["Keys"]["sk"]["N"]) for r in records)
    assert keys == [("p", "1"), ("p", "2"), ("p", "3"), ("same", "0")]
    client.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"N": "2"}}}}]})
    assert [r["eventName"] for r in read_stream(streams, arn)][-1] == "REMOVE"


# edge case 41
def test_failed_conditions_produce_no_records(client, streams, table):
    name, arn = table
    client.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    attempts = [
        lambda: client.put_item(
            TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "2"}}, ConditionExpression="attribute_not_exists(pk)"
        ),
        lambda: update(client, name, "SET v = :v", {":v": {"N": "3"}}, ConditionExpression="v = :v"),
        lambda: client.delete_item(
            TableName=name, Key=KEY, ConditionExpression="v = :x", ExpressionAttributeValues={":x": {"N": "9"}}
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ClientError) as e:
            attempt()
        assert error_code(e.value) == "ConditionalCheckFailedException"
    assert events(read_stream(streams, arn)) == [("INSERT", "k")]


# edge case 41
def test_transactions(client, streams, table):
    name, arn = table
    for k in ("mod", "del", "check"):
        client.put_item(TableName=name, Item={"pk": {"S": k}, "v": {"N": "1"}})
    cancelled = [
        {"Put": {"TableName": name, "Item": {"pk": {"S": "new"}}}},
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": {"pk": {"S": "check"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    with pytest.raises(ClientError) as e:
        client.transact_write_items(TransactItems=cancelled)
    assert error_code(e.value) == "TransactionCanceledException"
    ok = [
        {"Put": {"TableName": name, "Item": {"pk": {"S": "new"}, "v": {"N": "1"}}}},
        {
            "Update": {
                "TableName": name,
                "Key": {"pk": {"S": "mod"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"N": "2"}},
            }
        },
        {"Delete": {"TableName": name, "Key": {"pk": {"S": "del"}}}},
        {
            "ConditionCheck": {
                "TableName": name,
                "Key": {"pk": {"S": "check"}},
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ]
    client.transact_write_items(TransactItems=ok)
    got = events(read_stream(streams, arn))
    assert got[:3] == [("INSERT", "mod"), ("INSERT", "del"), ("INSERT", "check")]
    assert sorted(got[3:]) == [("INSERT", "new"), ("MODIFY", "mod"), ("REMOVE", "del")]


def test_partiql_writes(client, streams, table):
    name, arn = table
    client.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'q', 'v': 1}}")
    client.execute_statement(Statement=f"UPDATE \"{name}\" SET v = 2 WHERE pk = 'q'")
    client.execute_statement(Statement=f"UPDATE \"{name}\" SET v = 2 WHERE pk = 'q'")  # no-op
    client.execute_statement(Statement=f"DELETE FROM \"{name}\" WHERE pk = 'q'")
    client.execute_statement(Statement=f"DELETE FROM \"{name}\" WHERE pk = 'q'")  # missing: no-op
    client.batch_execute_statement(
        Statements=[{"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 'b{i}'}}"} for i in range(2)]
    )
    client.execute_transaction(
        TransactStatements=[
            {"Statement": f"INSERT INTO \"{name}\" VALUE {{'pk': 't'}}"},
            {"Statement": f"DELETE FROM \"{name}\" WHERE pk = 'b0'"},
        ]
    )
    got = events(read_stream(streams, arn))
    assert got[:3] == [("INSERT", "q"), ("MODIFY", "q"), ("REMOVE", "q")]
    assert sorted(got[3:5]) == [("INSERT", "b0"), ("INSERT", "b1")]
    assert sorted(got[5:]) == [("INSERT", "t"), ("REMOVE", "b0")]


def test_per_item_order_follows_modification_order(client, streams, table):
    name, arn = table
    for i in range(30):
        key = {"pk": {"S": f"k{i % 3}"}}
        client.put_item(TableName=name, Item=key | {"v": {"N": str(i)}})
    records = read_stream(streams, arn)
    assert len(records) == 30
    for k in range(3):
        versions = [
            int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == f"k{k}"
        ]
        assert versions == list(range(k, 30, 3))
