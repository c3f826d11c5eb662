"""Helpers for the event-source-mapping end-to-end suites (`test_triggers_*.py`).

The reference is AWS (../shared/spec/aws-behaviour.md §2 and edge cases 51-73 of §5). Every
test runs REAL function processes started by eddy: unmodified AWS-style handlers
(`def handler(event, context)` in Python, `exports.handler` in Node.js) zipped and created
with CreateFunction, triggered by a mapping on a table's stream.

Observation channel: the handler writes what it received into an eddy table. The Python
prelude `RECORDER` gives every handler `record(event, context, **extra)` (one item per
invocation: the JSON event as a string, the request id, the process id, start and end
times in ns) and `first_time(marker)` (a conditional put, true exactly once across all
instances of the function: handlers use it to fail a batch only on its first delivery).
`Harness.invocations(out)` scans the table back, sorted by start time. Function
processes get `AWS_ENDPOINT_URL`, a region and dummy credentials from eddy, so boto3
inside the handler reaches the same server.

Nothing here sleeps to assert: `wait_until` polls with a deadline; `stays` checks that a
condition holds for a short settle period (used only for "nothing more happens").
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

import ddbhttp
from conftest import DUMMY_KEYS, REGION

T = TypeVar("T")

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eddy-test"
ESM_PATH = "/2015-03-31/event-source-mappings"
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

# The Python prelude every recording handler starts with (see the module docstring).
RECORDER = '''
import json, os, time, uuid
import boto3

_ddb = boto3.client("dynamodb")
_OUT = os.environ["OUT_TABLE"]


def record(event, context, start_ns=None, **extra):
    """Stores one item describing this invocation in OUT_TABLE."""
    item = {
        "id": {"S": str(uuid.uuid4())},
        "request_id": {"S": context.aws_request_id},
        "start_ns": {"N": str(start_ns or time.time_ns())},
        "end_ns": {"N": str(time.time_ns())},
        "pid": {"N": str(os.getpid())},
        "endpoint": {"S": os.environ.get("AWS_ENDPOINT_URL", "")},
        "event": {"S": json.dumps(event)},
    }
    for k, v in extra.items():
        item["x_" + k] = {"S": json.dumps(v)}
    _ddb.put_item(TableName=_OUT, Item=item)


def first_time(marker):
    """True the first time any instance of this function asks about `marker`."""
    try:
        _ddb.put_item(
            TableName=_OUT,
            Item={"id": {"S": "marker:" + marker}},
            ConditionExpression="attribute_not_exists(id)",
        )
        return True
    except _ddb.exceptions.ConditionalCheckFailedException:
        return False


def attr(rec, name):
    """The scalar value of NewImage[name] of a stream record (None when absent)."""
    v = rec["dynamodb"].get("NewImage", {}).get(name)
    return None if v is None else next(iter(v.values()))
'''

# The plainest recording handler: records the event, returns nothing.
PLAIN = (
    RECORDER
    + """

def handler(event, context):
    record(event, context)
"""
)


# --- polling -------------------------------------------------------------------------------


def wait_until(cond: Callable[[], T], timeout: float = 15.0, interval: float = 0.05, what: str = "condition") -> T:
    """Polls `cond` until it returns something truthy (returned); fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = cond()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r:.2000})")
        time.sleep(interval)


def stays(value: Callable[[], T], seconds: float = 1.0, interval: float = 0.1) -> T:
    """`value()` does not change for `seconds` (a settle period for "nothing more happens")."""
    first = value()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(interval)
        now = value()
        assert now == first, f"changed during the settle period: {first!r:.1000} -> {now!r:.1000}"
    return first


def unique(prefix: str = "trg") -> str:
    """A name no other test of the session uses (valid as table and function name)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- values --------------------------------------------------------------------------------


def av(v: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB AttributeValue (str S, int N, bytes B, bool BOOL)."""
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, (int, float)):
        return {"N": str(v)}
    if isinstance(v, bytes):
        return {"B": v}
    if isinstance(v, dict):
        return {"M": {k: av(x) for k, x in v.items()}}
    return {"S": str(v)}


def item(**attrs: Any) -> dict[str, Any]:
    return {k: av(v) for k, v in attrs.items()}


def rkey(rec: dict[str, Any]) -> str:
    """The `id` key of a Lambda-event stream record."""
    return rec["dynamodb"]["Keys"]["id"]["S"]


def rnew(rec: dict[str, Any], name: str) -> Any:
    """The scalar value of NewImage[name] (None when absent)."""
    v = rec["dynamodb"].get("NewImage", {}).get(name)
    return None if v is None else next(iter(v.values()))


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip holding `files` (name -> text)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16
            z.writestr(info, text)
    return buf.getvalue()


@dataclass
class Invocation:
    """One recorded invocation."""

    event: dict[str, Any]
    request_id: str
    start_ns: int
    end_ns: int
    pid: int
    endpoint: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.event.get("Records", [])

    @property
    def keys(self) -> list[str]:
        return [rkey(r) for r in self.records]

    @property
    def seqs(self) -> list[str]:
        return [r["dynamodb"]["SequenceNumber"] for r in self.records]


# --- raw HTTP ------------------------------------------------------------------------------


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: Any


def rest(endpoint: str, method: str, path: str, body: Any = None) -> Raw:
    """A raw Lambda REST-JSON request (to see the wire, and send what boto3 would refuse)."""
    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
    headers = {
        "Content-Type": "application/json",
        "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "X-Amz-Date": "20260101T000000Z",
    }
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return Raw(resp.status, hdrs, parsed)


def raw_stream_records(endpoint: str, arn: str) -> list[dict[str, Any]]:
    """Every record of a stream (all shards, TRIM_HORIZON), as GetRecords returns it on the wire."""

    def call(op: str, body: dict[str, Any]) -> dict[str, Any]:
        r = ddbhttp.call(endpoint, None, body, headers={"X-Amz-Target": "DynamoDBStreams_20120810." + op})
        assert r.status == 200, f"{op}: {r.status} {r.raw[:300]!r}"
        return r.body

    out: list[dict[str, Any]] = []
    for shard in call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"]:
        it = call(
            "GetShardIterator", {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}
        )["ShardIterator"]
        for _ in range(100):
            page = call("GetRecords", {"ShardIterator": it})
            out += page["Records"]
            it = page.get("NextShardIterator")
            if not it or not page["Records"]:
                break
    return out


def metrics(endpoint: str, mapping_uuid: str) -> dict[str, float]:
    """The `/metrics` series of one mapping: name -> value."""
    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if f'mapping="{mapping_uuid}"' in line:
            name, value = line.split("{", 1)[0], line.rsplit(" ", 1)[1]
            out[name] = float(value)
    return out


# --- the harness ---------------------------------------------------------------------------


def clients(endpoint: str):
    """boto3 DynamoDB and Lambda clients for `endpoint`."""
    cfg = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60)
    kw = dict(endpoint_url=endpoint, region_name=REGION, config=cfg, **DUMMY_KEYS)
    return boto3.client("dynamodb", **kw), boto3.client("lambda", **kw)


class Harness:
    """Creates tables, functions and mappings on one eddy, and deletes them afterwards."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.ddb, self.lam = clients(endpoint)
        self.functions: list[str] = []
        self.mappings: list[str] = []

    # tables

    def source_table(self, view: str = "NEW_AND_OLD_IMAGES", name: str | None = None) -> tuple[str, str]:
        """A table (hash key `id` S) with a stream; returns (name, stream ARN)."""
        name = name or unique("src")
        out = self.ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        )
        return name, out["TableDescription"]["LatestStreamArn"]

    def out_table(self) -> str:
        """A stream-less table the recording handlers write into."""
        name = unique("out")
        self.ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return name

    def put(self, table: str, **attrs: Any) -> None:
        self.ddb.put_item(TableName=table, Item=item(**attrs))

    def put_many(self, table: str, items: list[dict[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25 (each item still gets its own stream record)."""
        for i in range(0, len(items), 25):
            reqs = [{"PutRequest": {"Item": item(**it)}} for it in items[i : i + 25]]
            self.ddb.batch_write_item(RequestItems={table: reqs})

    # functions

    def function(
        self,
        code: str | dict[str, str],
        *,
        runtime: str = "python3.12",
        handler: str | None = None,
        env: dict[str, str] | None = None,
        timeout: int = 10,
        name: str | None = None,
    ) -> str:
        """Creates a function from handler source (str: `h.py` / `index.js`) and waits until Active."""
        node = runtime.startswith("nodejs")
        if isinstance(code, str):
            code = {("index.js" if node else "h.py"): code}
        name = name or unique("fn")
        self.lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=ROLE,
            Handler=handler or ("index.handler" if node else "h.handler"),
            Code={"ZipFile": zip_bytes(code)},
            Timeout=timeout,
            Environment={"Variables": env or {}},
        )
        self.functions.append(name)
        wait_until(
            lambda: self.lam.get_function_configuration(FunctionName=name)["State"] == "Active",
            what=f"function {name} Active",
        )
        return name

    def recorder(self, handler_src: str = PLAIN, **kw: Any) -> tuple[str, str]:
        """A recording Python function and its output table: (function name, table)."""
        out = self.out_table()
        env = {"OUT_TABLE": out, **kw.pop("env", {})}
        return self.function(handler_src, env=env, **kw), out

    # on-failure destinations

    def failure_queue(self) -> tuple[str, str]:
        """An SQS queue for OnFailure records: (queue URL, queue ARN)."""
        sqs = boto3.client("sqs", endpoint_url=self.endpoint, region_name=REGION, **DUMMY_KEYS)
        url = sqs.create_queue(QueueName=unique("onfail"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def failure_records(self, queue_url: str, n: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Waits for `n` messages on `queue_url` and returns their bodies as JSON."""
        sqs = boto3.client("sqs", endpoint_url=self.endpoint, region_name=REGION, **DUMMY_KEYS)
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for msg in out.get("Messages", []):
                got.append(json.loads(msg["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
        assert len(got) >= n, f"expected {n} on-failure records, got {got}"
        return got

    # mappings

    def mapping(self, function: str, stream_arn: str, position: str = "TRIM_HORIZON", **kw: Any) -> dict[str, Any]:
        """CreateEventSourceMapping through boto3; returns the configuration."""
        out = self.lam.create_event_source_mapping(
            FunctionName=function, EventSourceArn=stream_arn, StartingPosition=position, **kw
        )
        self.mappings.append(out["UUID"])
        return out

    def get_mapping(self, mapping_uuid: str) -> dict[str, Any]:
        return self.lam.get_event_source_mapping(UUID=mapping_uuid)

    def wait_state(self, mapping_uuid: str, state: str, timeout: float = 10.0) -> dict[str, Any]:
        return wait_until(
            lambda: (m := self.get_mapping(mapping_uuid))["State"] == state and m,
            timeout=timeout,
            what=f"mapping {mapping_uuid} {state}",
        )

    def metrics(self, mapping_uuid: str) -> dict[str, float]:
        return metrics(self.endpoint, mapping_uuid)

    # observation

    def invocations(self, out: str) -> list[Invocation]:
        """Every recorded invocation in `out`, by start time."""
        items: list[dict[str, Any]] = []
        kw: dict[str, Any] = {"TableName": out, "ConsistentRead": True}
        while True:
            page = self.ddb.scan(**kw)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        calls = [
            Invocation(
                event=json.loads(it["event"]["S"]),
                request_id=it["request_id"]["S"],
                start_ns=int(it["start_ns"]["N"]),
                end_ns=int(it["end_ns"]["N"]),
                pid=int(it["pid"]["N"]),
                endpoint=it["endpoint"]["S"],
                extra={k[2:]: json.loads(v["S"]) for k, v in it.items() if k.startswith("x_")},
            )
            for it in items
            if "event" in it
        ]
        return sorted(calls, key=lambda c: (c.start_ns, c.end_ns))

    def wait_invocations(
        self, out: str, pred: Callable[[list[Invocation]], bool], timeout: float = 15.0, what: str = "invocations"
    ) -> list[Invocation]:
        """Polls the recorded invocations until `pred` holds; returns them."""
        seen: list[list[Invocation]] = [[]]

        def check():
            seen[0] = self.invocations(out)
            return pred(seen[0])

        try:
            wait_until(check, timeout=timeout, interval=0.1, what=what)
        except AssertionError as e:
            summary = [c.keys or c.event for c in seen[0]]
            raise AssertionError(f"{e}\nrecorded invocations: {summary!r:.3000}") from None
        return seen[0]

    def delivered_keys(self, out: str) -> list[str]:
        return [k for c in self.invocations(out) for k in c.keys]

    def wait_keys(self, out: str, keys: list[str] | set[str], timeout: float = 15.0) -> list[Invocation]:
        """Waits until every key in `keys` was delivered at least once."""
        want = set(keys)
        return self.wait_invocations(
            out, lambda calls: want <= {k for c in calls for k in c.keys}, timeout, f"keys {sorted(want)}"
        )

    def cleanup(self) -> None:
        """Deletes the mappings and functions (so idle pollers and warm processes go away)."""
        for m in self.mappings:
            with contextlib.suppress(Exception):  # already deleted by the test
                self.lam.delete_event_source_mapping(UUID=m)
        for f in self.functions:
            with contextlib.suppress(Exception):
                self.lam.delete_function(FunctionName=f)


@pytest.fixture
def h(eddy):
    """A Harness on the session's shared eddy; cleans up after the test."""
    harness = Harness(eddy.endpoint)
    yield harness
    harness.cleanup()
