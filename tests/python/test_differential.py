"""Differential test: the same raw JSON requests to eddy and to DynamoDB Local.

Each case (see `cases_*.py`) is one request, optionally preceded by setup requests. The
response of DynamoDB Local is the oracle: eddy must answer with the same HTTP status,
error `__type` (the part after `#`), error message and, on success, the same body after
the normalisation documented in `differ.py`.

Where DynamoDB Local is known to differ from AWS (spec `aws-behaviour.md` §1.13 and other
recorded AWS behaviour), a case carries `expect_divergence="reason"` and an explicit
`eddy` expectation encoding AWS's behaviour; eddy is checked against that instead, and
DynamoDB Local is not asked.

Table names: tokens `@HASH@`, `@COMP@`, ... in a case name the session tables (created
once on both targets, see `TABLES`); `@NEW@`/`@NEW2@` name fresh tables unique to the case
(deleted after it); `@RUN@` is this run's unique prefix.

`known_failures.txt` (one case id per line, `#` comments) marks cases as strict xfail: a
listed case that starts passing fails the run, so the list can only shrink.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

import cases_batch
import cases_expr
import cases_indexes
import cases_items
import cases_misc
import cases_partiql
import cases_query_scan
import cases_tables
import cases_transactions
import cases_ttl
from ddbhttp import call
from differ import check_eddy_only, diff, matches, pretty, view

CASES = (
    cases_tables.CASES
    + cases_items.CASES
    + cases_expr.CASES
    + cases_batch.CASES
    + cases_misc.CASES
    + cases_ttl.CASES
    + cases_indexes.CASES
    + cases_transactions.CASES
    + cases_partiql.CASES
    + cases_query_scan.CASES
)
RUN = "eddydiff_" + uuid.uuid4().hex[:8] + "_"


def _key(name, typ, kt="HASH"):
    return {"AttributeName": name, "KeyType": kt}, {"AttributeName": name, "AttributeType": typ}


def _table(name, keys, extra=None):
    ks, ad = zip(*[_key(*k) for k in keys])
    body = {"TableName": name, "KeySchema": list(ks), "AttributeDefinitions": list(ad)}
    body.update(extra or {"BillingMode": "PAY_PER_REQUEST"})
    return body


# The session tables every case may use. Names sort in this order (ListTables cases rely on it).
TABLES = {
    "HASH": _table("a_hash", [("pk", "S")]),
    "COMP": _table("b_comp", [("pk", "S"), ("sk", "N", "RANGE")]),
    "NUM": _table("c_num", [("pk", "N")]),
    "BIN": _table("d_bin", [("pk", "B")]),
    "PROV": _table(
        "e_prov",
        [("pk", "S")],
        {"ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}},
    ),
    "IDX": {
        "TableName": "f_idx",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "lsk", "AttributeType": "N"},
            {"AttributeName": "gpk", "AttributeType": "S"},
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": "lsi1",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    },
}


def substitute(value, case_idx: int, arn: str = "arn:aws:dynamodb:us-east-1:000000000000:table/"):
    """Replaces the @TOKENS@ inside every string of a JSON value (or a raw body string).

    `@ARN@` is the target's own table-ARN prefix (region and account differ per target)."""
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.replace("@ARN@", arn)
    for token, body in TABLES.items():
        text = text.replace(f"@{token}@", RUN + body["TableName"])
    text = text.replace("@NEW@", f"{RUN}new_{case_idx}").replace("@NEW2@", f"{RUN}new2_{case_idx}")
    text = text.replace("@RUN@", RUN)
    return text if isinstance(value, str) else json.loads(text)


def _known_failures() -> set[str]:
    path = Path(__file__).with_name("known_failures.txt")
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line}


KNOWN = _known_failures()


def _params():
    seen = set()
    for idx, case in enumerate(CASES):
        assert case["id"] not in seen, f"duplicate case id {case['id']}"
        seen.add(case["id"])
        marks = []
        if case["id"] in KNOWN:
            marks.append(pytest.mark.xfail(reason="listed in known_failures.txt", strict=True))
        yield pytest.param(idx, case, id=case["id"], marks=marks)


def _create_session_tables(endpoint: str, who: str):
    for token, body in TABLES.items():
        r = call(endpoint, "CreateTable", substitute(dict(body, TableName=f"@{token}@"), 0))
        if r.status != 200:
            pytest.fail(f"creating session table {token} on {who} failed: {r.status} {r.raw[:500]!r}", pytrace=False)
        arn = (r.body or {}).get("TableDescription", {}).get("TableArn", "")
        ARN_PREFIX[endpoint] = arn[: arn.find(":table/") + len(":table/")]


def _delete_tables(endpoint: str, names):
    for name in names:
        call(endpoint, "DeleteTable", {"TableName": name})


@pytest.fixture(scope="module")
def targets(eddy, ddb_local):
    _create_session_tables(ddb_local, "DynamoDB Local")
    eddy_ok = True
    try:
        _create_session_tables(eddy.endpoint, "eddy")
    except pytest.fail.Exception as e:  # every case will report its own failure
        eddy_ok = str(e)
    yield {"eddy": eddy.endpoint, "local": ddb_local, "eddy_setup": eddy_ok}
    names = [RUN + b["TableName"] for b in TABLES.values()]
    _delete_tables(ddb_local, names)
    _delete_tables(eddy.endpoint, names)


ARN_PREFIX = {}  # endpoint -> "arn:aws:dynamodb:<region>:<account>:table/", learnt at session setup


def _send(endpoint, case, idx, request):
    op, body = request[0], request[1]
    headers = request[2] if len(request) > 2 else None
    return call(endpoint, op, substitute(body, idx, ARN_PREFIX.get(endpoint, "")), headers=headers)


def _run(endpoint, case, idx):
    """Runs setup then the request; returns (response, error-string-or-None)."""
    for n, step in enumerate(case.get("setup", [])):
        r = _send(endpoint, case, idx, step)
        if r.status != 200:
            return None, f"setup step {n} ({step[0]}) failed: {r.status} {r.raw[:600].decode(errors='replace')}"
    body = case["raw"] if "raw" in case else case.get("body", {})
    return _send(endpoint, case, idx, (case["op"], body, case.get("headers"))), None


def _cleanup(endpoint, case, idx):
    """Deletes the tables a case created (`@NEW@`, `@NEW2@` and any listed in `cleanup`)."""
    text = json.dumps([case.get("body"), case.get("setup")])
    names = [tok for tok in ("@NEW@", "@NEW2@") if tok in text] + case.get("cleanup", [])
    names = [substitute(t, idx) for t in names]
    if "DeletionProtectionEnabled" in text:
        for name in names:
            call(endpoint, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False})
    _delete_tables(endpoint, names)


def _report(case, request, extra):
    lines = [f"case {case['id']}: {case['op']}", "request: " + pretty(request)[:3000]]
    return "\n".join(lines + extra)


@pytest.mark.parametrize("idx,case", list(_params()))
def test_differential(targets, idx, case):
    request = substitute(case["raw"] if "raw" in case else case.get("body", {}), idx)
    try:
        if targets["eddy_setup"] is not True:
            pytest.fail(f"eddy could not create the session tables: {targets['eddy_setup']}", pytrace=False)
        if case.get("expect_divergence"):
            got, err = _run(targets["eddy"], case, idx)
            if err:
                pytest.fail(_report(case, request, [f"eddy {err}"]), pytrace=False)
            expected = dict(case["eddy"])
            if isinstance(expected.get("message"), str):
                expected["message"] = substitute(expected["message"], idx)
            actual = view(got, case["op"], case.get("unordered", False))
            if "body" not in expected and expected.get("status", 400) != 200:
                expected.setdefault("extra", {})
            if not matches(expected, actual):
                pytest.fail(
                    _report(
                        case,
                        request,
                        [
                            f"deliberate divergence from DynamoDB Local ({case['expect_divergence']});"
                            " eddy must answer like AWS:",
                            diff(expected, actual, "expected (AWS)", "eddy"),
                        ],
                    ),
                    pytrace=False,
                )
            return
        want, err = _run(targets["local"], case, idx)
        if err:
            pytest.fail(_report(case, request, [f"BROKEN CASE: DynamoDB Local {err}"]), pytrace=False)
        got, err = _run(targets["eddy"], case, idx)
        if err:
            pytest.fail(_report(case, request, [f"eddy {err}"]), pytrace=False)
        unordered = case.get("unordered", False)
        expected, actual = view(want, case["op"], unordered), view(got, case["op"], unordered)
        problems = [] if matches(expected, actual) else [diff(expected, actual, "DynamoDB Local", "eddy")]
        problems += check_eddy_only(got, case["op"])
        if problems:
            pytest.fail(_report(case, request, problems), pytrace=False)
    finally:
        _cleanup(targets["local"], case, idx) if not case.get("expect_divergence") else None
        _cleanup(targets["eddy"], case, idx)


def test_case_count():
    """The suite is meant to stay broad; shrinking it should be a deliberate decision."""
    assert len(CASES) >= 150, len(CASES)
