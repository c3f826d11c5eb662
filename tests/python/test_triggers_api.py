"""Event source mapping REST API against AWS's behaviour (spec §2.1-2.4, edge cases 51-55, 68).

Requests that boto3 would refuse client-side (out-of-range integers, missing members) go
over raw HTTP (`rest`), which also shows the wire: status, `x-amzn-ErrorType`, message
casing.
"""

# ruff: noqa: F811 - `h` is a pytest fixture imported from triggers_util

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError

from triggers_util import (  # noqa: F401
    ACCOUNT,
    ESM_PATH,
    PLAIN,
    REGION,
    UUID_RE,
    h,
    rest,
    unique,
    wait_until,
)

NOOP = "def handler(event, context):\n    return None\n"


def create_raw(h, body):
    return rest(h.endpoint, "POST", ESM_PATH, body)


def assert_lambda_error(r, status, code, message=None, match=None):
    """An error in Lambda's envelope: status, x-amzn-ErrorType, `Type`, one message key."""
    assert r.status == status, f"expected {status} {code}, got {r.status} {r.body!r}"
    assert r.headers.get("x-amzn-errortype", "").split(":")[0] == code, (r.headers, r.body)
    assert isinstance(r.body, dict) and r.body.get("Type") == ("Service" if status >= 500 else "User"), r.body
    # Per-shape casing (spec §2.1): ResourceNotFound/ResourceInUse/Service use `Message`.
    key = (
        "Message" if code in ("ResourceNotFoundException", "ResourceInUseException", "ServiceException") else "message"
    )
    assert key in r.body, f"expected `{key}` in {r.body!r}"
    if message is not None:
        assert r.body[key] == message
    if match is not None:
        assert re.search(match, r.body[key]), r.body[key]


@pytest.fixture
def fn_stream(h):
    """A no-op function and a table with a stream: (function, stream ARN)."""
    fn = h.function(NOOP)
    _, arn = h.source_table()
    return fn, arn


def test_create_with_required_fields_only_returns_202_and_defaults(h, fn_stream):
    """Edge case 51."""
    fn, arn = fn_stream
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "LATEST"})
    assert r.status == 202, r.body
    m = r.body
    h.mappings.append(m["UUID"])
    assert re.match(UUID_RE, m["UUID"])
    expected = {
        "EventSourceArn": arn,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}",
        "EventSourceMappingArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{m['UUID']}",
        "StartingPosition": "LATEST",
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 0,
        "ParallelizationFactor": 1,
        "MaximumRetryAttempts": -1,
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": False,
        "TumblingWindowInSeconds": 0,
        "DestinationConfig": {"OnFailure": {}},
        "FunctionResponseTypes": [],
        "State": "Creating",
        "StateTransitionReason": "User action",
        "LastProcessingResult": "No records processed",
    }
    assert {k: m.get(k) for k in expected} == expected
    assert isinstance(m["LastModified"], (int, float)) and m["LastModified"] > 1.6e9
    assert "FilterCriteria" not in m
    got = h.wait_state(m["UUID"], "Enabled")
    assert {k: got[k] for k in expected if k not in ("State",)} == {k: v for k, v in expected.items() if k != "State"}


def test_create_disabled_reports_disabled(h, fn_stream):
    fn, arn = fn_stream
    m = h.mapping(fn, arn, "TRIM_HORIZON", Enabled=False)
    assert m["State"] == "Disabled"
    assert h.get_mapping(m["UUID"])["State"] == "Disabled"


@pytest.mark.parametrize(
    "field,value,member",
    [
        ("BatchSize", 0, "batchSize"),
        ("BatchSize", 10001, "batchSize"),
        ("MaximumBatchingWindowInSeconds", 301, "maximumBatchingWindowInSeconds"),
        ("ParallelizationFactor", 0, "parallelizationFactor"),
        ("ParallelizationFactor", 11, "parallelizationFactor"),
        ("MaximumRetryAttempts", -2, "maximumRetryAttempts"),
        ("MaximumRetryAttempts", 10001, "maximumRetryAttempts"),
        ("MaximumRecordAgeInSeconds", 604801, "maximumRecordAgeInSeconds"),
        ("TumblingWindowInSeconds", 901, "tumblingWindowInSeconds"),
    ],
)
def test_out_of_range_parameters_are_rejected(h, fn_stream, field, value, member):
    """Edge case 52 (model ranges: ValidationException naming the member), on Create and Update."""
    fn, arn = fn_stream
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "LATEST", field: value})
    assert_lambda_error(
        r, 400, "ValidationException", match=rf"^1 validation error detected: Value '{value}' at '{member}'"
    )
    assert h.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []
    m = h.mapping(fn, arn, "LATEST")
    r = rest(h.endpoint, "PUT", f"{ESM_PATH}/{m['UUID']}", {field: value})
    assert_lambda_error(r, 400, "ValidationException", match=rf"'{member}'")
    assert h.get_mapping(m["UUID"])[field] != value


def test_record_age_bounds(h, fn_stream):
    """Edge case 52: 30 is inside the model range but refused by the service; -1 and 60 accepted."""
    fn, arn = fn_stream
    r = create_raw(
        h, {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "LATEST", "MaximumRecordAgeInSeconds": 30}
    )
    assert_lambda_error(r, 400, "InvalidParameterValueException")
    for age in (-1, 60):
        m = h.mapping(fn, arn, "LATEST", MaximumRecordAgeInSeconds=age)
        assert m["MaximumRecordAgeInSeconds"] == age
        h.lam.delete_event_source_mapping(UUID=m["UUID"])


def test_starting_position_errors(h, fn_stream):
    """Edge case 53."""
    fn, arn = fn_stream
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": arn})
    assert_lambda_error(
        r,
        400,
        "InvalidParameterValueException",
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
        "Member must not be null.",
    )
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "AT_TIMESTAMP"})
    assert_lambda_error(r, 400, "InvalidParameterValueException", f"Unsupported starting position for arn type: {arn}")
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "invalid"})
    assert_lambda_error(
        r,
        400,
        "ValidationException",
        "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: "
        "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    )
    assert h.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []


def test_unknown_stream_duplicate_and_unknown_function(h, fn_stream):
    """Edge case 54, plus the other create-time errors of spec §2.4."""
    fn, arn = fn_stream
    missing = re.sub(r"table/[^/]+/", f"table/{unique('gone')}/", arn)
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": missing, "StartingPosition": "LATEST"})
    assert_lambda_error(r, 400, "InvalidParameterValueException", f"Stream not found: {missing}")
    r = create_raw(h, {"FunctionName": unique("nofn"), "EventSourceArn": arn, "StartingPosition": "LATEST"})
    assert_lambda_error(r, 400, "InvalidParameterValueException", "Function does not exist")
    r = create_raw(h, {"FunctionName": fn, "StartingPosition": "LATEST"})
    assert_lambda_error(r, 400, "InvalidParameterValueException", "Unrecognized event source.")
    r = create_raw(
        h,
        {
            "FunctionName": fn,
            "EventSourceArn": arn,
            "StartingPosition": "LATEST",
            "DestinationConfig": {"OnSuccess": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"}},
        },
    )
    assert_lambda_error(
        r,
        400,
        "InvalidParameterValueException",
        "Unsupported DestinationConfig parameter for given event source mapping type.",
    )
    first = h.mapping(fn, arn, "LATEST")
    r = create_raw(h, {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "TRIM_HORIZON"})
    assert_lambda_error(
        r,
        409,
        "ResourceConflictException",
        f'The event source arn (" {arn} ") and function (" {fn} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
    )
    # boto3 sees the same error.
    with pytest.raises(ClientError) as e:
        h.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="LATEST")
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"


def test_unknown_uuid_and_delete(h, fn_stream):
    """Edge case 55."""
    fn, arn = fn_stream
    ghost = "11111111-2222-3333-4444-555555555555"
    msg = "The resource you requested does not exist."
    for method, body in (("GET", None), ("PUT", {"BatchSize": 5}), ("DELETE", None)):
        r = rest(h.endpoint, method, f"{ESM_PATH}/{ghost}", body)
        assert_lambda_error(r, 404, "ResourceNotFoundException", msg)
    m = h.mapping(fn, arn, "LATEST")
    r = rest(h.endpoint, "DELETE", f"{ESM_PATH}/{m['UUID']}")
    assert r.status == 202 and r.body["State"] == "Deleting" and r.body["UUID"] == m["UUID"]
    wait_until(lambda: rest(h.endpoint, "GET", f"{ESM_PATH}/{m['UUID']}").status == 404, what="Get 404 after delete")
    assert h.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []
    with pytest.raises(ClientError) as e:
        h.lam.get_event_source_mapping(UUID=m["UUID"])
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_update_reports_transitional_states(h, fn_stream):
    """Spec §2.3: Update shows the requested values at once with Updating/Disabling/Enabling."""
    fn, arn = fn_stream
    m = h.mapping(fn, arn, "LATEST")
    h.wait_state(m["UUID"], "Enabled")
    u = h.lam.update_event_source_mapping(UUID=m["UUID"], BatchSize=7)
    assert u["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (u["State"], u["BatchSize"]) == ("Updating", 7)
    assert h.wait_state(m["UUID"], "Enabled")["BatchSize"] == 7
    assert h.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)["State"] == "Disabling"
    h.wait_state(m["UUID"], "Disabled")
    assert h.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)["State"] == "Enabling"
    h.wait_state(m["UUID"], "Enabled")


def test_filter_criteria_validation(h, fn_stream):
    """Edge case 68: > 5 filters rejected; invalid pattern message; `Filters: []` omits the field."""
    fn, arn = fn_stream
    base = {"FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "LATEST"}
    six = [{"Pattern": json.dumps({"eventName": [f"E{i}"]})} for i in range(6)]
    r = create_raw(h, {**base, "FilterCriteria": {"Filters": six}})
    assert_lambda_error(r, 400, "InvalidParameterValueException")
    for bad in ("not json", '{"eventName": "INSERT"}', '{"eventName": [{"prefix": 1}]}'):
        r = create_raw(h, {**base, "FilterCriteria": {"Filters": [{"Pattern": bad}]}})
        assert_lambda_error(r, 400, "InvalidParameterValueException", "Invalid filter pattern definition.")
    assert h.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []
    r = create_raw(h, {**base, "FilterCriteria": {"Filters": []}})
    assert r.status == 202, r.body
    h.mappings.append(r.body["UUID"])
    assert "FilterCriteria" not in r.body
    five = {"Filters": six[:5]}
    u = rest(h.endpoint, "PUT", f"{ESM_PATH}/{r.body['UUID']}", {"FilterCriteria": five})
    assert u.status == 202 and u.body["FilterCriteria"] == five
    u = rest(h.endpoint, "PUT", f"{ESM_PATH}/{r.body['UUID']}", {"FilterCriteria": {}})
    assert u.status == 202 and "FilterCriteria" not in u.body
    assert "FilterCriteria" not in h.get_mapping(r.body["UUID"])


def test_list_filters_and_pages(h):
    fn = h.function(NOOP)
    other = h.function(NOOP)
    arns = [h.source_table()[1] for _ in range(3)]
    uuids = {h.mapping(fn, a, "LATEST")["UUID"] for a in arns}
    h.mapping(other, arns[0], "LATEST")
    mine = h.lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert {m["UUID"] for m in mine} == uuids
    by_src = h.lam.list_event_source_mappings(EventSourceArn=arns[0])["EventSourceMappings"]
    assert len(by_src) == 2
    seen, marker = [], None
    for _ in range(10):
        kw = {"FunctionName": fn, "MaxItems": 1} | ({"Marker": marker} if marker else {})
        page = h.lam.list_event_source_mappings(**kw)
        seen += [m["UUID"] for m in page["EventSourceMappings"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert sorted(seen) == sorted(uuids)


@pytest.mark.skipif(shutil.which("aws") is None, reason="aws CLI not installed (scripts/test.sh installs it)")
def test_aws_cli_creates_a_working_mapping(h):
    fn, out = h.recorder(PLAIN)
    table, arn = h.source_table()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}
    env.pop("AWS_PROFILE", None)
    cmd = [
        "aws", "lambda", "create-event-source-mapping", "--endpoint-url", h.endpoint,
        "--function-name", fn, "--event-source-arn", arn, "--starting-position", "LATEST",
        "--batch-size", "10", "--maximum-retry-attempts", "2", "--output", "json",
    ]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    m = json.loads(p.stdout)
    h.mappings.append(m["UUID"])
    assert (m["BatchSize"], m["MaximumRetryAttempts"], m["EventSourceArn"]) == (10, 2, arn)
    p = subprocess.run(
        ["aws", "lambda", "list-event-source-mappings", "--endpoint-url", h.endpoint, "--function-name", fn],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert [x["UUID"] for x in json.loads(p.stdout)["EventSourceMappings"]] == [m["UUID"]]
    h.put(table, id="cli-1")
    h.wait_keys(out, ["cli-1"])
