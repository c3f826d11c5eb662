"""SQS-compatible queues end to end: boto3 and the aws CLI against the eddy binary.

Covers the JSON protocol (`X-Amz-Target: AmazonSQS.*`) as current boto3 speaks it:
queue lifecycle and attributes, send/receive/delete with the MD5 digests checked here
independently, long polling, visibility timeouts, batches, dead-letter redrive, the
legacy error codes boto3 reports, and durability across kill -9 of the binary.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import threading
import time
import uuid

import boto3
import pytest
from botocore.config import Config

from conftest import DUMMY_KEYS, REGION
from eddy_proc import Eddy

ACCOUNT = "000000000000"


def sqs_client(endpoint: str):
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=40),
        **DUMMY_KEYS,
    )


@pytest.fixture(scope="module")
def sqs(eddy):
    return sqs_client(eddy.endpoint)


def qname(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def md5_of_attributes(attrs: dict) -> str:
    """The published algorithm: names sorted; each of name, type and value
    length-prefixed (4-byte big-endian), with a transport byte before the value."""
    h = hashlib.md5()

    def lv(b: bytes):
        h.update(struct.pack(">I", len(b)))
        h.update(b)

    for name in sorted(attrs):
        a = attrs[name]
        lv(name.encode())
        lv(a["DataType"].encode())
        if "BinaryValue" in a:
            h.update(b"\x02")
            value = a["BinaryValue"]
            lv(value if isinstance(value, bytes) else base64.b64decode(value))
        else:
            h.update(b"\x01")
            lv(a["StringValue"].encode())
    return h.hexdigest()


def test_create_send_receive_delete_with_digests(sqs, eddy):
    name = qname("basic")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{eddy.endpoint}/{ACCOUNT}/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    attrs = {
        "store": {"DataType": "String", "StringValue": "Amazon.com"},
        "price": {"DataType": "Number", "StringValue": "12.50"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "custom": {"DataType": "String.label", "StringValue": "h\u00e9llo \U0001f600"},
    }
    body = "order placed \u2713"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)

    got = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["MessageId"] == sent["MessageId"]
    assert m["Body"] == body
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01\xff"
    assert m["MessageAttributes"] == attrs
    assert m["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(m["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000
    assert m["Attributes"]["SenderId"]

    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)


def test_selected_message_attributes_have_their_own_digest(sqs):
    url = sqs.create_queue(QueueName=qname("sel"))["QueueUrl"]
    attrs = {
        "a.one": {"DataType": "String", "StringValue": "1"},
        "a.two": {"DataType": "Number", "StringValue": "2"},
        "b": {"DataType": "String", "StringValue": "x"},
    }
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["a.*"], VisibilityTimeout=0)["Messages"][0]
    assert set(m["MessageAttributes"]) == {"a.one", "a.two"}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes({k: attrs[k] for k in ("a.one", "a.two")})
    m = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "MessageAttributes" not in m and "Attributes" not in m


def test_queue_attributes_and_idempotent_create(sqs):
    name = qname("attrs")
    given = {
        "VisibilityTimeout": "45",
        "MessageRetentionPeriod": "3600",
        "DelaySeconds": "0",
        "ReceiveMessageWaitTimeSeconds": "2",
        "MaximumMessageSize": "2048",
        "Policy": json.dumps({"Version": "2012-10-17", "Statement": []}),
    }
    url = sqs.create_queue(QueueName=name, Attributes=given)["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes=given)["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists) as e:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "46"})
    assert e.value.response["Error"]["Code"] == "QueueAlreadyExists"

    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    for k, v in given.items():
        assert a[k] == v, k
    assert a["QueueArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    assert a["ApproximateNumberOfMessages"] == "0"
    assert abs(int(a["CreatedTimestamp"]) - time.time()) < 60
    only = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "VisibilityTimeout"])["Attributes"]
    assert set(only) == {"QueueArn", "VisibilityTimeout"}

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "10"})
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert a == {"VisibilityTimeout": "10"}
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"})
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Bogus"])
    # MaximumMessageSize applies to sends.
    with pytest.raises(sqs.exceptions.ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 2049)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_list_queues_prefix_and_paging(sqs, eddy):
    prefix = qname("list")
    names = [f"{prefix}-{i}" for i in range(5)]
    for n in names:
        sqs.create_queue(QueueName=n)
    urls = sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]
    assert urls == [f"{eddy.endpoint}/{ACCOUNT}/{n}" for n in names]
    seen, token = [], None
    while True:
        kw = {"QueueNamePrefix": prefix, "MaxResults": 2}
        if token:
            kw["NextToken"] = token
        page = sqs.list_queues(**kw)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == urls
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=qname("none"))
    paginated = [u for p in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix, PaginationConfig={"PageSize": 2}) for u in p.get("QueueUrls", [])]
    assert paginated == urls


def test_long_poll_returns_as_soon_as_a_message_arrives(sqs, eddy):
    url = sqs.create_queue(QueueName=qname("poll"))["QueueUrl"]
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert time.monotonic() - start >= 0.9

    other = sqs_client(eddy.endpoint)
    timer = threading.Timer(1.0, lambda: other.send_message(QueueUrl=url, MessageBody="wake up"))
    timer.start()
    start = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    elapsed = time.monotonic() - start
    timer.join()
    assert got["Messages"][0]["Body"] == "wake up"
    assert 0.8 <= elapsed < 5, elapsed


def test_queue_default_wait_time_applies(sqs):
    url = sqs.create_queue(QueueName=qname("wait"), Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert time.monotonic() - start >= 0.9


def test_visibility_timeout_redelivers_and_can_be_changed(sqs):
    url = sqs.create_queue(QueueName=qname("vis"), Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
    second = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MessageSystemAttributeNames=["All"])["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"

    # Extend, then release at once.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=60)
    time.sleep(1.2)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    assert third["MessageId"] == first["MessageId"]


def test_delay_seconds(sqs):
    url = sqs.create_queue(QueueName=qname("delay"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])["Attributes"]
    assert a["ApproximateNumberOfMessagesDelayed"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    start = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
    assert got["Messages"][0]["Body"] == "later"
    assert time.monotonic() - start < 3


def test_batches(sqs):
    url = sqs.create_queue(QueueName=qname("batch"))["QueueUrl"]
    entries = [{"Id": f"m{i}", "MessageBody": f"body {i}"} for i in range(9)]
    entries.append({"Id": "bad", "MessageBody": "x", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "NaN"}}})
    r = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(s["Id"] for s in r["Successful"]) == sorted(f"m{i}" for i in range(9))
    for s in r["Successful"]:
        assert s["MD5OfMessageBody"] == hashlib.md5(f"body {s['Id'][1:]}".encode()).hexdigest()
    assert [(f["Id"], f["SenderFault"], f["Code"]) for f in r["Failed"]] == [("bad", True, "InvalidParameterValue")]

    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": "x"} for i in range(11)])
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}])
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.delete_message_batch(QueueUrl=url, Entries=[])

    received = []
    while len(received) < 9:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        assert got, "messages went missing"
        received += got
    assert sorted(m["Body"] for m in received) == sorted(f"body {i}" for i in range(9))
    handles = [{"Id": f"h{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)]
    r = sqs.change_message_visibility_batch(
        QueueUrl=url, Entries=[dict(h, VisibilityTimeout=120) for h in handles[:5]] + [{"Id": "x", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 1}]
    )
    assert len(r["Successful"]) == 5
    assert r["Failed"][0]["Id"] == "x" and r["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    r = sqs.delete_message_batch(QueueUrl=url, Entries=handles[:9])
    assert len(r["Successful"]) == 9 and not r.get("Failed")
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def test_dead_letter_redrive(sqs):
    dlq = sqs.create_queue(QueueName=qname("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    src = sqs.create_queue(QueueName=qname("src"), Attributes={"RedrivePolicy": policy})["QueueUrl"]
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stored = json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert stored == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]

    sqs.send_message(QueueUrl=src, MessageBody="poison", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    for _ in range(2):
        got = sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]
        assert got[0]["Body"] == "poison"
    # The third receive would exceed maxReceiveCount: the message moves instead.
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=2, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])["Messages"][0]
    assert moved["Body"] == "poison"
    assert moved["MessageAttributes"]["k"]["StringValue"] == "v"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == src_arn

    bad = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{qname('missing')}", "maxReceiveCount": 1})
    with pytest.raises(sqs.exceptions.ClientError) as e:
        sqs.create_queue(QueueName=qname("x"), Attributes={"RedrivePolicy": bad})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_purge(sqs):
    url = sqs.create_queue(QueueName=qname("purge"))["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)


def test_tags(sqs):
    url = sqs.create_queue(QueueName=qname("tags"), tags={"team": "shop"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "shop", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}


def test_errors_use_sqs_codes(sqs, eddy):
    missing = f"{eddy.endpoint}/{ACCOUNT}/{qname('missing')}"
    for call in (
        lambda: sqs.send_message(QueueUrl=missing, MessageBody="x"),
        lambda: sqs.receive_message(QueueUrl=missing),
        lambda: sqs.get_queue_attributes(QueueUrl=missing, AttributeNames=["All"]),
        lambda: sqs.delete_queue(QueueUrl=missing),
        lambda: sqs.get_queue_url(QueueName="no-such-queue-here"),
    ):
        with pytest.raises(sqs.exceptions.QueueDoesNotExist) as e:
            call()
        err = e.value.response["Error"]
        assert err["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
        assert err["QueryErrorCode"] == "QueueDoesNotExist"
        assert err["Type"] == "Sender"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    url = sqs.create_queue(QueueName=qname("err"))["QueueUrl"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="bogus")
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    with pytest.raises(sqs.exceptions.ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (256 * 1024 + 1))
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    sqs.send_message(QueueUrl=url, MessageBody="x" * (256 * 1024))
    with pytest.raises(sqs.exceptions.ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.UnsupportedOperation) as e:
        sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})
    assert "FIFO" in e.value.response["Error"]["Message"]
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    with pytest.raises(sqs.exceptions.MessageNotInflight):
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=5)


def test_acknowledged_messages_survive_kill_9(tmp_path):
    server = Eddy(data_dir=tmp_path / "data")
    try:
        c = sqs_client(server.endpoint)
        url = c.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
        bodies = [f"message {i}" for i in range(20)]
        for b in bodies[:10]:
            c.send_message(QueueUrl=url, MessageBody=b, MessageAttributes={"i": {"DataType": "Number", "StringValue": b.split()[1]}})
        c.send_message_batch(QueueUrl=url, Entries=[{"Id": f"b{i}", "MessageBody": b} for i, b in enumerate(bodies[10:])])
        inflight = c.receive_message(QueueUrl=url)["Messages"][0]
        c.delete_message(QueueUrl=url, ReceiptHandle=c.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"])
        server.kill()

        server = Eddy(data_dir=tmp_path / "data")
        c = sqs_client(server.endpoint)
        url = c.get_queue_url(QueueName="durable")["QueueUrl"]
        a = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert a["VisibilityTimeout"] == "600"
        assert (a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"]) == ("18", "1")
        seen = []
        while True:
            got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
            if not got:
                break
            seen += got
        assert len(seen) == 18
        assert inflight["Body"] not in {m["Body"] for m in seen}
        # The receipt handle from before the crash still works.
        c.change_message_visibility(QueueUrl=url, ReceiptHandle=inflight["ReceiptHandle"], VisibilityTimeout=0)
        again = c.receive_message(QueueUrl=url, MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        assert again["MessageId"] == inflight["MessageId"]
        assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    finally:
        server.close()


def test_sigterm_ends_long_polls_promptly():
    server = Eddy()
    try:
        c = sqs_client(server.endpoint)
        url = c.create_queue(QueueName="idle")["QueueUrl"]
        result = {}
        poll = threading.Thread(target=lambda: result.update(c.receive_message(QueueUrl=url, WaitTimeSeconds=20)))
        poll.start()
        time.sleep(0.5)
        start = time.monotonic()
        assert server.terminate() == 0
        assert time.monotonic() - start < 5
        poll.join(5)
        assert not poll.is_alive() and "Messages" not in result
    finally:
        server.close()


@pytest.mark.skipif(shutil.which("aws") is None, reason="aws CLI not installed")
def test_aws_cli(eddy):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="dummy", AWS_DEFAULT_REGION=REGION)

    def aws(*args: str) -> dict:
        out = subprocess.run(
            ["aws", "--endpoint-url", eddy.endpoint, "--output", "json", "sqs", *args],
            env=env, capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}

    name = qname("cli")
    url = aws("create-queue", "--queue-name", name)["QueueUrl"]
    sent = aws("send-message", "--queue-url", url, "--message-body", "from the cli",
               "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"from the cli").hexdigest()
    got = aws("receive-message", "--queue-url", url, "--message-attribute-names", "All", "--wait-time-seconds", "1")
    m = got["Messages"][0]
    assert m["Body"] == "from the cli" and m["MessageAttributes"]["k"]["StringValue"] == "v"
    aws("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
    assert url in aws("list-queues", "--queue-name-prefix", name)["QueueUrls"]
    aws("delete-queue", "--queue-url", url)
    out = subprocess.run(["aws", "--endpoint-url", eddy.endpoint, "sqs", "get-queue-url", "--queue-name", name],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "NonExistentQueue" in out.stderr
