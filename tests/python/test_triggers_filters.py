"""FilterCriteria on DynamoDB stream mappings (spec §2.11, edge cases 65-67).

One recording function; one source table per pattern, all fed the same five writes. A
mapping is settled when `/metrics` shows every record either delivered or filtered, so
no test waits on a timer to conclude that something was NOT delivered.
"""

# ruff: noqa: F811 - `h` is a pytest fixture imported from triggers_util

from __future__ import annotations

import json

import pytest

from triggers_util import h, rkey, wait_until  # noqa: F401

P = json.dumps

# The five records every table gets, labelled eventName-initial:key.
LABELS = ["I:a", "I:b", "M:a", "R:b", "I:c"]


def write_script(h, table):
    h.put(table, id="a", status="PAID", amount=150, name="Alice", region="us-west-2", file="img.png")
    h.put(table, id="b", status="NEW", amount=50, name="BOB", region="eu-west-1", file="doc.txt", flag=True)
    h.ddb.update_item(
        TableName=table,
        Key={"id": {"S": "a"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "SHIPPED"}},
    )
    h.ddb.delete_item(TableName=table, Key={"id": {"S": "b"}})
    h.put(table, id="c", status="PAID", name="carol", region="us-east-1")


def label(rec):
    return f"{rec['eventName'][0]}:{rkey(rec)}"


CASES = {
    # edge case 65
    "eventName INSERT": ([{"eventName": ["INSERT"]}], ["I:a", "I:b", "I:c"]),
    "two filters are ORed": (
        [{"eventName": ["REMOVE"]}, {"dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}}],
        ["I:a", "R:b", "I:c"],
    ),
    "typed image value": ([{"dynamodb": {"NewImage": {"status": {"S": ["PAID"]}}}}], ["I:a", "I:c"]),
    "untyped image value never matches": ([{"dynamodb": {"NewImage": {"status": ["PAID"]}}}], []),
    "numeric on N never matches": ([{"dynamodb": {"NewImage": {"amount": {"N": [{"numeric": [">", 100]}]}}}}], []),
    "N as string equality": ([{"dynamodb": {"NewImage": {"amount": {"N": ["150"]}}}}], ["I:a", "M:a"]),
    "numeric on ApproximateCreationDateTime": (
        [{"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 1000000000]}]}}],
        LABELS,
    ),
    "numeric range on SizeBytes": ([{"dynamodb": {"SizeBytes": [{"numeric": [">", 0, "<", 5]}]}}], []),
    # edge case 66
    "exists false": (
        [{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"amount": [{"exists": False}]}}}],
        ["I:c"],
    ),
    "exists true": ([{"dynamodb": {"NewImage": {"flag": [{"exists": True}]}}}], ["I:b"]),
    "prefix": ([{"dynamodb": {"NewImage": {"region": {"S": [{"prefix": "us-"}]}}}}], ["I:a", "M:a", "I:c"]),
    "suffix": ([{"dynamodb": {"NewImage": {"file": {"S": [{"suffix": ".png"}]}}}}], ["I:a", "M:a"]),
    "equals-ignore-case": ([{"dynamodb": {"NewImage": {"name": {"S": [{"equals-ignore-case": "bob"}]}}}}], ["I:b"]),
    "anything-but": (
        [{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["PAID"]}]}}}}],
        ["I:b"],
    ),
    "$or": (
        [{"$or": [{"eventName": ["REMOVE"]}, {"dynamodb": {"NewImage": {"name": {"S": ["carol"]}}}}]}],
        ["R:b", "I:c"],
    ),
    "Keys": ([{"dynamodb": {"Keys": {"id": {"S": ["b"]}}}}], ["I:b", "R:b"]),
    "OldImage and eventName ANDed": (
        [{"eventName": ["MODIFY"], "dynamodb": {"OldImage": {"status": {"S": ["PAID"]}}}}],
        ["M:a"],
    ),
    "INSERT or MODIFY": ([{"eventName": ["INSERT", "MODIFY"]}], ["I:a", "I:b", "M:a", "I:c"]),
}


def settled(h, uuid, total):
    m = h.metrics(uuid)
    done = m.get("eddy_esm_records_delivered_total", 0) + m.get("eddy_esm_records_filtered_total", 0)
    assert done <= total, m
    return done == total


def test_filter_patterns(h):
    """Edge cases 65-66: every pattern sees the same five records; only matches are delivered."""
    fn, out = h.recorder()
    arns = {}
    for name, (filters, _) in CASES.items():
        table, arn = h.source_table()
        write_script(h, table)
        m = h.mapping(
            fn, arn, "TRIM_HORIZON", BatchSize=10, FilterCriteria={"Filters": [{"Pattern": P(f)} for f in filters]}
        )
        arns[arn] = (name, m["UUID"])
    for name, uuid in arns.values():
        wait_until(lambda u=uuid: settled(h, u, len(LABELS)), timeout=20, what=f"mapping for {name!r} settled")
    got = {name: [] for name in CASES}
    for call in h.invocations(out):
        for rec in call.records:
            got[arns[rec["eventSourceARN"]][0]].append(label(rec))
    expected = {name: want for name, (_, want) in CASES.items()}
    assert got == expected


def test_filtered_out_records_are_checkpointed(h):
    """Edge case 67: removing the filter later does not redeliver what it dropped."""
    fn, out = h.recorder()
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST", FilterCriteria={"Filters": [{"Pattern": P({"eventName": ["INSERT"]})}]})
    write_script(h, table)
    wait_until(lambda: settled(h, m["UUID"], len(LABELS)), what="filter settled")
    assert h.metrics(m["UUID"])["eddy_esm_records_filtered_total"] == 2
    u = h.lam.update_event_source_mapping(UUID=m["UUID"], FilterCriteria={})
    assert "FilterCriteria" not in u
    h.wait_state(m["UUID"], "Enabled")
    h.ddb.delete_item(TableName=table, Key={"id": {"S": "c"}})
    calls = h.wait_invocations(out, lambda cs: any(r["eventName"] == "REMOVE" for c in cs for r in c.records))
    assert [label(r) for c in calls for r in c.records] == ["I:a", "I:b", "I:c", "R:c"]


@pytest.mark.parametrize("pattern", [{"eventName": ["REMOVE"]}])
def test_filter_added_by_update_applies_to_later_records(h, pattern):
    fn, out = h.recorder()
    table, arn = h.source_table()
    m = h.mapping(fn, arn, "LATEST")
    h.put(table, id="x")
    h.wait_keys(out, ["x"])
    u = h.lam.update_event_source_mapping(UUID=m["UUID"], FilterCriteria={"Filters": [{"Pattern": P(pattern)}]})
    assert json.loads(u["FilterCriteria"]["Filters"][0]["Pattern"]) == pattern
    h.wait_state(m["UUID"], "Enabled")
    h.put(table, id="y")
    h.ddb.delete_item(TableName=table, Key={"id": {"S": "x"}})
    calls = h.wait_invocations(out, lambda cs: len(cs) >= 2)
    assert [label(r) for c in calls for r in c.records] == ["I:x", "R:x"]


def test_filtering_happens_before_batching(h):
    """Spec §2.11: with a batching window, BatchSize counts records that passed the filter."""
    fn, out = h.recorder()
    table, arn = h.source_table()
    write_script(h, table)  # I:a I:b M:a R:b I:c
    h.mapping(
        fn,
        arn,
        "TRIM_HORIZON",
        BatchSize=3,
        MaximumBatchingWindowInSeconds=1,
        FilterCriteria={"Filters": [{"Pattern": P({"eventName": ["INSERT"]})}]},
    )
    calls = h.wait_invocations(out, lambda cs: sum(len(c.records) for c in cs) >= 3)
    assert [[label(r) for r in c.records] for c in calls] == [["I:a", "I:b", "I:c"]]
