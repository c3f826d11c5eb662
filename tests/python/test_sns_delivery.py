"""SNS delivery end to end against real receivers (spec §4.3, edge case 78): HTTP
endpoints (confirmation flow, headers, bodies, raw delivery, retries, filter policies,
signatures), a real SMTP server (aiosmtpd), a fake WhatsApp Cloud API, an SMS gateway,
and SNS → SQS fan-out with redrive to a dead-letter queue."""

from __future__ import annotations

import base64
import json
import time
import urllib.request

import pytest

from eddy_proc import Eddy
from sns_util import Receiver, Smtp, confirm_http, sns_client, sqs_client, unique, wait_for

WA_TOKEN = "test-token-123"
WA_PHONE_ID = "1098765"
FAST_RETRY = json.dumps(
    {"healthyRetryPolicy": {"numRetries": 3, "minDelayTarget": 1, "maxDelayTarget": 1, "numNoDelayRetries": 0}}
)


@pytest.fixture(scope="module")
def env():
    smtp = Smtp()
    whatsapp = Receiver(
        statuses=lambda r: 200 if r.headers.get("authorization") == f"Bearer {WA_TOKEN}" else 401
    )
    sms = Receiver()
    server = Eddy(
        "--smtp-url", smtp.url,
        "--whatsapp-api-url", whatsapp.url,
        "--whatsapp-token", WA_TOKEN,
        "--whatsapp-phone-number-id", WA_PHONE_ID,
        "--sms-gateway-url", sms.url + "/send",
    )
    yield dict(server=server, smtp=smtp, whatsapp=whatsapp, sms=sms)
    server.close()
    smtp.close()
    whatsapp.close()
    sms.close()


@pytest.fixture(scope="module")
def sns(env):
    return sns_client(env["server"].endpoint)


@pytest.fixture
def rx():
    r = Receiver()
    yield r
    r.close()


def topic(sns, **attrs) -> str:
    return sns.create_topic(Name=unique("t"), Attributes=attrs)["TopicArn"]


def test_http_confirmation_then_notifications(sns, rx):
    """Edge case 78: an unconfirmed subscription receives only the confirmation; a
    notification carries Subject and MessageAttributes; without Subject the key is absent."""
    arn = topic(sns)
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=rx.url + "/hook")
    conf_req = rx.wait(1, "SubscriptionConfirmation")[0]
    assert conf_req.method == "POST" and conf_req.path == "/hook"
    assert conf_req.headers["x-amz-sns-topic-arn"] == arn
    assert conf_req.headers["content-type"].startswith("text/plain")
    assert conf_req.headers["user-agent"] == "Amazon Simple Notification Service Agent"
    conf = conf_req.json()
    assert conf["Type"] == "SubscriptionConfirmation"
    assert conf["TopicArn"] == arn and conf["Token"]
    assert arn in conf["Message"]
    assert set(conf) >= {"MessageId", "SubscribeURL", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"}
    assert conf_req.headers["x-amz-sns-message-id"] == conf["MessageId"]

    sns.publish(TopicArn=arn, Message="before confirmation")
    time.sleep(0.5)
    assert rx.of_type("Notification") == []

    body = urllib.request.urlopen(conf["SubscribeURL"], timeout=10).read().decode()
    sub_arn = body.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]
    assert sub_arn.startswith(arn + ":")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]
    assert attrs["PendingConfirmation"] == "false"

    mid = sns.publish(
        TopicArn=arn,
        Message="Order 1 placed",
        Subject="New order",
        MessageAttributes={
            "store": {"DataType": "String", "StringValue": "main"},
            "total": {"DataType": "Number", "StringValue": "12.5"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )["MessageId"]
    sns.publish(TopicArn=arn, Message="no subject")
    notes = rx.wait(2, "Notification")
    first = next(r for r in notes if r.json()["MessageId"] == mid)
    assert first.headers["x-amz-sns-message-id"] == mid
    assert first.headers["x-amz-sns-topic-arn"] == arn
    assert first.headers["x-amz-sns-subscription-arn"] == sub_arn
    n = first.json()
    assert n["Type"] == "Notification" and n["TopicArn"] == arn
    assert n["Subject"] == "New order" and n["Message"] == "Order 1 placed"
    assert n["MessageAttributes"] == {
        "store": {"Type": "String", "Value": "main"},
        "total": {"Type": "Number", "Value": "12.5"},
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
    }
    assert n["Timestamp"].endswith("Z") and len(n["Timestamp"]) == 24
    assert n["SignatureVersion"] == "1"
    assert n["UnsubscribeURL"].startswith(sns.meta.endpoint_url)
    other = next(r for r in notes if r.json()["MessageId"] != mid).json()
    assert "Subject" not in other and "MessageAttributes" not in other
    assert other["Message"] == "no subject"


def test_confirm_subscription_api_with_token(sns, rx):
    arn = topic(sns)
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=rx.url + "/api")
    token = rx.wait(1, "SubscriptionConfirmation")[0].json()["Token"]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        sns.confirm_subscription(TopicArn=arn, Token="wrong")
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    sub_arn = sns.confirm_subscription(TopicArn=arn, Token=token)["SubscriptionArn"]
    assert sns.confirm_subscription(TopicArn=arn, Token=token)["SubscriptionArn"] == sub_arn
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == [sub_arn]


@pytest.mark.parametrize("version", ["1", "2"])
def test_signatures_verify_against_the_served_certificate(sns, rx, version):
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    arn = topic(sns, SignatureVersion=version)
    confirm_http(sns, rx, arn)
    sns.publish(TopicArn=arn, Message="signed", Subject="S")
    conf = rx.of_type("SubscriptionConfirmation")[0].json()
    n = rx.wait(1, "Notification")[0].json()
    pem = urllib.request.urlopen(n["SigningCertURL"], timeout=10).read()
    cert = x509.load_pem_x509_certificate(pem)
    algo = hashes.SHA1() if version == "1" else hashes.SHA256()
    for msg, keys in [
        (n, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]),
        (conf, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]),
    ]:
        assert msg["SignatureVersion"] == version
        text = "".join(f"{k}\n{msg[k]}\n" for k in keys if k in msg)
        cert.public_key().verify(base64.b64decode(msg["Signature"]), text.encode(), padding.PKCS1v15(), algo)


def test_raw_message_delivery_http(sns, rx):
    arn = topic(sns)
    confirm_http(sns, rx, arn, RawMessageDelivery="true")
    sns.publish(TopicArn=arn, Message='{"raw": true}', Subject="ignored")
    r = rx.wait(1, "Notification")[0]
    assert r.body == b'{"raw": true}'
    assert r.headers["x-amz-sns-rawdelivery"] == "true"


def test_retries_after_500_reuse_the_message_id(env, sns):
    rx = Receiver(statuses=lambda r: 500 if r.headers.get("x-amz-sns-message-type") == "Notification" and len(rx.of_type("Notification")) <= 2 else 200)
    try:
        arn = topic(sns)
        sub = confirm_http(sns, rx, arn, DeliveryPolicy=FAST_RETRY)
        mid = sns.publish(TopicArn=arn, Message="retry me")["MessageId"]
        reqs = rx.wait(3, "Notification", timeout=15)
        assert [r.json()["MessageId"] for r in reqs] == [mid] * 3
        gaps = [b.at - a.at for a, b in zip(reqs, reqs[1:])]
        assert all(g >= 0.8 for g in gaps), gaps
        time.sleep(1.5)
        assert len(rx.of_type("Notification")) == 3
        metrics = urllib.request.urlopen(env["server"].endpoint + "/metrics", timeout=10).read().decode()
        line = next(l for l in metrics.splitlines() if l.startswith("eddy_sns_retried_total") and sub in l)
        assert line.endswith(" 2"), line
        # The SubscriptionConfirmation and the notification.
        line = next(l for l in metrics.splitlines() if l.startswith("eddy_sns_delivered_total") and sub in l)
        assert line.endswith(" 2"), line
    finally:
        rx.close()


def test_slow_endpoint_does_not_block_other_subscriptions(sns, rx):
    slow = Receiver(delay=0)
    try:
        arn = topic(sns)
        confirm_http(sns, slow, arn)
        confirm_http(sns, rx, arn)
        slow.delay = 3.0
        t0 = time.monotonic()
        for i in range(5):
            sns.publish(TopicArn=arn, Message=f"m{i}")
        rx.wait(5, "Notification", timeout=5)
        assert time.monotonic() - t0 < 2.5
    finally:
        slow.close()


def test_filter_policies(sns):
    attrs_rx, body_rx, all_rx = Receiver(), Receiver(), Receiver()
    try:
        arn = topic(sns)
        confirm_http(sns, attrs_rx, arn, FilterPolicy=json.dumps({"store": ["main"], "total": [{"numeric": [">", 10]}]}))
        confirm_http(
            sns, body_rx, arn,
            FilterPolicy=json.dumps({"order": {"status": ["placed"]}}),
            FilterPolicyScope="MessageBody",
        )
        confirm_http(sns, all_rx, arn)

        def pub(msg, **attrs):
            ma = {k: {"DataType": "Number" if isinstance(v, (int, float)) else "String", "StringValue": str(v)} for k, v in attrs.items()}
            sns.publish(TopicArn=arn, Message=msg, MessageAttributes=ma)

        pub('{"order": {"status": "placed"}}', store="main", total=20)
        pub('{"order": {"status": "shipped"}}', store="main", total=5)
        pub("not json", store="other", total=50)
        all_rx.wait(3, "Notification")
        time.sleep(0.5)
        assert [r.json()["Message"] for r in attrs_rx.of_type("Notification")] == ['{"order": {"status": "placed"}}']
        assert [r.json()["Message"] for r in body_rx.of_type("Notification")] == ['{"order": {"status": "placed"}}']
    finally:
        for r in (attrs_rx, body_rx, all_rx):
            r.close()


def test_message_structure_json_picks_the_protocol_message(env, sns, rx):
    arn = topic(sns)
    confirm_http(sns, rx, arn)
    phone = "+15550001111"
    sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint=phone)
    sns.publish(TopicArn=arn, MessageStructure="json", Message=json.dumps({"default": "plain", "http": "for http"}))
    assert rx.wait(1, "Notification")[0].json()["Message"] == "for http"
    sms = wait_for(lambda: [r for r in env["sms"].requests if r.json()["to"] == phone], what="sms")
    assert sms[0].json() == {"to": phone, "message": "plain"}
    assert sms[0].path == "/send"


def test_email_confirmation_and_notifications(env, sns):
    smtp = env["smtp"]
    arn = topic(sns)
    addr = f"{unique('user')}@example.com"
    assert sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=addr)["SubscriptionArn"] == "pending confirmation"
    mails = lambda: [m for m in smtp.parsed() if addr in m["To"]]
    wait_for(lambda: len(mails()) >= 1, what="confirmation e-mail")
    conf = mails()[0]
    assert conf["Subject"] == "AWS Notification - Subscription Confirmation"
    text = conf.get_content()
    url = next(line for line in text.splitlines() if "Action=ConfirmSubscription" in line).strip()
    urllib.request.urlopen(url, timeout=10).read()
    sns.publish(TopicArn=arn, Message="Your order shipped", Subject="Order update")
    wait_for(lambda: len(mails()) >= 2, what="notification e-mail")
    note = mails()[1]
    assert note["Subject"] == "Order update"
    assert "Your order shipped" in note.get_content()
    assert "Action=Unsubscribe" in note.get_content()

    json_addr = f"{unique('json')}@example.com"
    sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint=json_addr)
    jm = lambda: [m for m in smtp.parsed() if json_addr in m["To"]]
    wait_for(lambda: len(jm()) >= 1, what="email-json confirmation")
    url = next(l for l in jm()[0].get_content().splitlines() if "Action=ConfirmSubscription" in l).strip()
    urllib.request.urlopen(url, timeout=10).read()
    sns.publish(TopicArn=arn, Message="json please")
    wait_for(lambda: len(jm()) >= 2, what="email-json notification")
    payload = json.loads(jm()[1].get_content())
    assert payload["Type"] == "Notification" and payload["Message"] == "json please"


def test_whatsapp_cloud_api(env, sns):
    wa = env["whatsapp"]
    arn = topic(sns)
    sub = sns.subscribe(TopicArn=arn, Protocol="whatsapp", Endpoint="+447700900123")["SubscriptionArn"]
    assert sub.startswith(arn + ":")  # no confirmation for whatsapp
    sns.publish(TopicArn=arn, Message="Order 7 placed")
    req = wait_for(lambda: [r for r in wa.requests if r.json().get("to") == "447700900123"], what="whatsapp")[0]
    assert req.path == f"/v21.0/{WA_PHONE_ID}/messages"
    assert req.headers["authorization"] == f"Bearer {WA_TOKEN}"
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {
        "messaging_product": "whatsapp",
        "to": "447700900123",
        "type": "text",
        "text": {"body": "Order 7 placed"},
    }


def test_sqs_fan_out_raw_and_enveloped(env, sns):
    sqs = sqs_client(env["server"].endpoint)
    arn = topic(sns)
    queues = {}
    for name in ("env", "raw"):
        url = sqs.create_queue(QueueName=unique(name))["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attrs = {"RawMessageDelivery": "true"} if name == "raw" else {}
        sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes=attrs)["SubscriptionArn"]
        queues[name] = (url, sub)
    mid = sns.publish(
        TopicArn=arn, Message="fan out", Subject="S",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
    )["MessageId"]

    def receive(url):
        msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
        return msgs or None

    m = wait_for(lambda: receive(queues["env"][0]), what="enveloped SQS message")[0]
    body = json.loads(m["Body"])
    assert body["Type"] == "Notification" and body["MessageId"] == mid and body["Message"] == "fan out"
    assert body["Subject"] == "S" and body["MessageAttributes"]["kind"] == {"Type": "String", "Value": "order"}
    m = wait_for(lambda: receive(queues["raw"][0]), what="raw SQS message")[0]
    assert m["Body"] == "fan out"
    assert m["MessageAttributes"]["kind"]["StringValue"] == "order"


def test_undeliverable_messages_go_to_the_redrive_queue(env, sns):
    sqs = sqs_client(env["server"].endpoint)
    dead = Receiver(statuses=lambda r: 200 if r.headers.get("x-amz-sns-message-type") == "SubscriptionConfirmation" else 503)
    try:
        url = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        arn = topic(sns)
        policy = json.dumps({"healthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1, "maxDelayTarget": 1}})
        confirm_http(sns, dead, arn, DeliveryPolicy=policy, RedrivePolicy=json.dumps({"deadLetterTargetArn": qarn}))
        mid = sns.publish(TopicArn=arn, Message="lost?")["MessageId"]
        msgs = wait_for(
            lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), timeout=15, what="DLQ message"
        )
        body = json.loads(msgs[0]["Body"])
        assert body["MessageId"] == mid and body["Message"] == "lost?"
        assert len(dead.of_type("Notification")) == 2
    finally:
        dead.close()


def test_unsubscribe_sends_an_unsubscribe_confirmation(sns, rx):
    arn = topic(sns)
    sub = confirm_http(sns, rx, arn)
    n = rx.of_type("SubscriptionConfirmation")[0].json()
    sns.publish(TopicArn=arn, Message="one")
    note = rx.wait(1, "Notification")[0].json()
    # The UnsubscribeURL works with a plain GET, like the SubscribeURL.
    body = urllib.request.urlopen(note["UnsubscribeURL"], timeout=10).read().decode()
    assert "<UnsubscribeResponse" in body
    u = rx.wait(1, "UnsubscribeConfirmation")[0]
    assert u.json()["TopicArn"] == arn and u.json()["Token"] == n["Token"]
    sns.publish(TopicArn=arn, Message="two")
    time.sleep(0.5)
    assert len(rx.of_type("Notification")) == 1
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    assert sub
