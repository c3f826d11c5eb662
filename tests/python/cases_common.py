"""Small builders shared by the `cases_*.py` data files (no behaviour of their own)."""

from __future__ import annotations

from differ import ANY

__all__ = ["ANY", "case", "aws_error", "ks", "ad", "table", "put", "S", "N", "B"]


def case(id: str, op: str, body=None, **kw) -> dict:
    """One differential case: `id`, operation, JSON body and optional extras:
    `setup` (list of (op, body) run first on each target), `raw` (a body sent verbatim),
    `headers`, `expect_divergence` + `eddy` (AWS's answer where DynamoDB Local differs)."""
    d = {"id": id, "op": op, "body": {} if body is None else body}
    d.update(kw)
    return d


def aws_error(type_: str, message, status: int = 400) -> dict:
    """An expected eddy error answer for `expect_divergence` cases."""
    return {"status": status, "type": type_, "message": message}


def ks(*keys) -> list:
    """KeySchema from names: the first is HASH, the second RANGE."""
    return [{"AttributeName": k, "KeyType": "HASH" if i == 0 else "RANGE"} for i, k in enumerate(keys)]


def ad(**types) -> list:
    """AttributeDefinitions from name=type pairs."""
    return [{"AttributeName": k, "AttributeType": t} for k, t in types.items()]


def table(name: str = "@NEW@", keys=("pk",), types=None, **extra) -> dict:
    """A CreateTable body; on-demand unless `extra` says otherwise."""
    body = {
        "TableName": name,
        "KeySchema": ks(*keys),
        "AttributeDefinitions": ad(**(types or {k: "S" for k in keys})),
    }
    if "ProvisionedThroughput" not in extra and "BillingMode" not in extra:
        body["BillingMode"] = "PAY_PER_REQUEST"
    body.update(extra)
    return body


def put(tbl: str, item: dict) -> tuple:
    """A setup step writing `item` to `tbl`."""
    return ("PutItem", {"TableName": tbl, "Item": item})


def S(v: str) -> dict:
    return {"S": v}


def N(v) -> dict:
    return {"N": str(v)}


def B(v: str) -> dict:
    return {"B": v}
