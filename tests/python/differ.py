"""Normalising and comparing DynamoDB responses for the differential suite.

Only documented, deliberate differences are normalised away, in both responses alike:

- ARNs: the region and account (`ddblocal:000000000000` on DynamoDB Local).
- Timestamps (`CreationDateTime`, `Last*DateTime`, stream labels): any value matches any
  value; a value of 0 (DynamoDB Local's "never") counts as absent.
- `NextToken` (PartiQL paging): an opaque string that differs by design; only its presence
  is compared.
- `TableId`: DynamoDB Local omits it; AWS returns a UUID. It is removed from both, and the
  eddy response is checked separately to carry a UUID (see `check_eddy_only`).
- `ItemCount`, `TableSizeBytes`, `IndexSizeBytes`: AWS refreshes them about every six
  hours; DynamoDB Local counts live. Removed.
- `WarmThroughput`: AWS-only field DynamoDB Local does not model. Removed.
- Table/index status in the CreateTable/UpdateTable/DeleteTable responses: AWS answers
  CREATING / UPDATING / DELETING, DynamoDB Local ACTIVE; both spellings are accepted.
- Set members (`SS`, `NS`, `BS`) and the items of a BatchGetItem response table: unordered
  on AWS, so sorted. Tags are sorted by key. Attribute definitions by name, indexes by name.
- The per-table `ConsumedCapacity` list of a batch operation: unordered in DynamoDB, so
  compared sorted by table name.
- `Items` of a Scan, and of a Query a case marks `unordered=True` (an index without a sort
  key): DynamoDB defines no order there and eddy returns storage (hash) order, so they are
  compared sorted. Only whole-result cases use this: a paged Scan's page contents differ.
- Errors: `message` vs DynamoDB Local's `Message` (spec L15).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from typing import Any

ARN = re.compile(r"^arn:aws:dynamodb:[^:]*:[0-9]*:")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP_KEYS = {
    "CreationDateTime",
    "LastIncreaseDateTime",
    "LastDecreaseDateTime",
    "LastUpdateToPayPerRequestDateTime",
    "LatestStreamLabel",
    "InaccessibleDateTime",
    "LastUpdateDateTime",
}
OPAQUE_KEYS = {"NextToken"}
DROPPED_KEYS = {"TableId", "ItemCount", "TableSizeBytes", "IndexSizeBytes", "WarmThroughput"}
TRANSITIONAL = {"CREATING", "DELETING", "UPDATING", "ACTIVE"}
SET_TYPES = {"SS", "NS", "BS"}

ANY = object()  # in an expected eddy response: any value (or absence) is accepted


def canonical(v: Any) -> str:
    return json.dumps(v, sort_keys=True)


def normalise(body: Any, op: str, unordered: bool = False) -> Any:
    """A copy of a success body with the documented differences removed."""
    body = copy.deepcopy(body)
    transitional = op in ("CreateTable", "DeleteTable", "UpdateTable")
    body = _walk(body, transitional)
    if (op == "Scan" or unordered) and isinstance(body, dict) and isinstance(body.get("Items"), list):
        body["Items"] = sorted(body["Items"], key=canonical)
    return body


def _walk(v: Any, transitional: bool) -> Any:
    if isinstance(v, list):
        return [_walk(x, transitional) for x in v]
    if isinstance(v, str):
        return ARN.sub("arn:aws:dynamodb:<region>:<account>:", v)
    if not isinstance(v, dict):
        return v
    out = {}
    for k, x in v.items():
        if k in DROPPED_KEYS:
            continue
        if k in OPAQUE_KEYS and isinstance(x, str):
            out[k] = "<opaque>"
            continue
        if k in TIMESTAMP_KEYS:
            if x in (0, 0.0, None):
                continue
            out[k] = "<timestamp>"
            continue
        if transitional and k in ("TableStatus", "IndexStatus") and x in TRANSITIONAL:
            out[k] = "<status>"
            continue
        if k in SET_TYPES and isinstance(x, list):
            out[k] = sorted(x)
            continue
        x = _walk(x, transitional)
        if k == "Tags" and isinstance(x, list):
            x = sorted(x, key=lambda t: canonical(t))
        elif k == "AttributeDefinitions" and isinstance(x, list):
            x = sorted(x, key=lambda a: a.get("AttributeName", "") if isinstance(a, dict) else "")
        elif k in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes") and isinstance(x, list):
            x = sorted(x, key=lambda a: a.get("IndexName", "") if isinstance(a, dict) else "")
        elif k == "ConsumedCapacity" and isinstance(x, list):
            # one entry per table of a batch; DynamoDB documents no order
            x = sorted(x, key=lambda c: c.get("TableName", "") if isinstance(c, dict) else "")
        elif k == "Responses" and isinstance(x, dict):
            x = {t: sorted(items, key=canonical) if isinstance(items, list) else items for t, items in x.items()}
        out[k] = x
    return out


def error_view(resp) -> dict:
    """What is compared for an error: status, `__type` after `#`, message, other fields."""
    body = resp.body if isinstance(resp.body, dict) else {}
    extra = {k: v for k, v in body.items() if k != "__type" and k.lower() != "message"}
    return {
        "status": resp.status,
        "type": resp.error_type,
        "message": resp.error_message,
        "extra": _walk(extra, False),
    }


def view(resp, op: str, unordered: bool = False) -> dict:
    """The comparable view of one response (`unordered`: compare `Items` as a set)."""
    if resp.status == 200 and not (isinstance(resp.body, dict) and "__type" in resp.body):
        return {"status": 200, "body": normalise(resp.body, op, unordered)}
    return error_view(resp)


def matches(expected: Any, actual: Any) -> bool:
    """Deep equality where `ANY` in `expected` accepts anything."""
    if expected is ANY:
        return True
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = set(expected) | set(actual)
        return all(
            expected.get(k) is ANY or (k in expected and k in actual and matches(expected[k], actual[k]))
            for k in keys
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(matches(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, (int, float)) and isinstance(expected, (int, float)) and expected == actual
    return type(expected) is type(actual) and expected == actual


def pretty(v: Any) -> str:
    return json.dumps(v, indent=2, sort_keys=True, default=lambda o: "<ANY>" if o is ANY else str(o))


def diff(expected: Any, actual: Any, expected_name: str, actual_name: str) -> str:
    a = pretty(expected).splitlines()
    b = pretty(actual).splitlines()
    return "\n".join(difflib.unified_diff(a, b, expected_name, actual_name, lineterm="", n=3))


def check_eddy_only(resp, op: str) -> list[str]:
    """AWS-only facts that DynamoDB Local cannot witness: returns problems found."""
    problems = []
    if resp.status == 200 and isinstance(resp.body, dict):
        for key in ("Table", "TableDescription"):
            desc = resp.body.get(key)
            if isinstance(desc, dict) and op != "DeleteTable":
                tid = desc.get("TableId")
                if not (isinstance(tid, str) and UUID.match(tid)):
                    problems.append(f"{key}.TableId should be a UUID (AWS always returns one), got {tid!r}")
    return problems
