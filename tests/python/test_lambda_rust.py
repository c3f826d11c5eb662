"""A `provided.al2023` function built from a Rust crate using the official AWS Lambda
runtime (`examples/rust-trigger`, built by scripts/test.sh), driven by a table's stream
through an event source mapping, with partial batch responses."""

from __future__ import annotations

import io
import json
import re
import urllib.request
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest

from conftest import DUMMY_KEYS, REGION
from eddy_proc import REPO

BOOTSTRAP = REPO / "target" / "debug" / "bootstrap"


def zip_bootstrap() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16  # executable, as `zip` would record it
        z.writestr(info, Path(BOOTSTRAP).read_bytes())
    return buf.getvalue()


@pytest.fixture(scope="module")
def rust_fn(eddy):
    if not BOOTSTRAP.is_file():
        pytest.fail(f"{BOOTSTRAP} missing: run `cargo build -p eddy-example-rust-trigger`")
    lam = boto3.client("lambda", endpoint_url=eddy.endpoint, region_name=REGION, **DUMMY_KEYS)
    name = f"rust-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                        Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": zip_bootstrap()},
                        Timeout=10)
    return lam, name


def test_the_lambda_runtime_crate_runs_unmodified(rust_fn):
    lam, name = rust_fn
    event = {"Records": [{
        "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {"ApproximateCreationDateTime": 1700000000.0, "Keys": {"pk": {"S": "a"}},
                     "NewImage": {"pk": {"S": "a"}}, "SequenceNumber": "100000000000000000001",
                     "SizeBytes": 4, "StreamViewType": "NEW_IMAGE"},
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000",
    }]}
    r = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert "FunctionError" not in r, r["Payload"].read()
    out = json.loads(r["Payload"].read())
    assert out["count"] == 1 and out["events"] == ["INSERT"]
    assert out["function"].endswith(f":function:{name}")


def test_a_stream_drives_the_rust_function_with_partial_failures(eddy, rust_fn):
    lam, name = rust_fn
    ddb = boto3.client("dynamodb", endpoint_url=eddy.endpoint, region_name=REGION, **DUMMY_KEYS)
    table = f"rust_{uuid.uuid4().hex[:8]}"
    desc = ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    m = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=desc["LatestStreamArn"], StartingPosition="LATEST",
        BatchSize=10, MaximumRetryAttempts=1, FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "ok-1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "bad"}, "fail": {"BOOL": True}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "ok-2"}})

    def metric(name_: str) -> int:
        text = urllib.request.urlopen(f"{eddy.endpoint}/metrics", timeout=10).read().decode()
        found = re.search(r'%s\{mapping="%s"[^}]*\} (\d+)' % (name_, m["UUID"]), text)
        return int(found.group(1)) if found else 0

    import time
    deadline = time.monotonic() + 20
    while metric("eddy_esm_records_discarded_total") < 1:
        assert time.monotonic() < deadline, "the failing record was never discarded"
        time.sleep(0.05)
    # The record reported as failed is retried once (MaximumRetryAttempts=1) and then
    # discarded; the others are delivered.
    assert metric("eddy_esm_errors_total") == 2
    assert metric("eddy_esm_records_discarded_total") >= 1
    got = lam.get_event_source_mapping(UUID=m["UUID"])
    assert got["State"] == "Enabled"
