"""SNS across kill -9 and restart: an acknowledged Publish is delivered after the crash
(pending deliveries resume from the outbox), subscriptions and the signing certificate
survive; and lambda subscriptions invoke an eddy function with the SNS event shape."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile

import boto3

from eddy_proc import Eddy
from sns_util import CREDS, Receiver, confirm_http, sns_client, unique, wait_for

RETRY_FOREVER = json.dumps(
    {"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 1, "maxDelayTarget": 1}}
)


def test_pending_deliveries_survive_kill_9(tmp_path):
    up = {"ok": False}
    rx = Receiver(
        statuses=lambda r: 200
        if up["ok"] or r.headers.get("x-amz-sns-message-type") != "Notification"
        else 500
    )
    server = Eddy(data_dir=tmp_path)
    try:
        sns = sns_client(server.endpoint)
        arn = sns.create_topic(Name=unique("durable"))["TopicArn"]
        sub = confirm_http(sns, rx, arn, DeliveryPolicy=RETRY_FOREVER)
        cert_url = rx.of_type("SubscriptionConfirmation")[0].json()["SigningCertURL"]
        cert = urllib.request.urlopen(cert_url, timeout=10).read()
        ids = {sns.publish(TopicArn=arn, Message=f"m{i}")["MessageId"] for i in range(20)}
        rx.wait(20, "Notification")  # every message was attempted (and refused) once
        server.kill()

        up["ok"] = True
        server = Eddy(data_dir=tmp_path)
        sns = sns_client(server.endpoint)

        def delivered():
            got = {r.json()["MessageId"] for r in rx.of_type("Notification")[20:]}
            return got if ids <= got else None

        wait_for(delivered, timeout=20, what="redelivery after restart")
        assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"
        # The key pair is kept: the same certificate at the same URL (port aside).
        path = cert_url.split("/", 3)[3]
        assert urllib.request.urlopen(f"{server.endpoint}/{path}", timeout=10).read() == cert
        metrics = urllib.request.urlopen(server.endpoint + "/metrics", timeout=10).read().decode()
        pending = [l for l in metrics.splitlines() if l.startswith("eddy_sns_pending_deliveries") and sub in l]
        assert pending and pending[0].endswith(" 0"), pending
    finally:
        server.close()
        rx.close()


HANDLER = """
import json, urllib.request, os
def handler(event, context):
    rec = event["Records"][0]
    urllib.request.urlopen(urllib.request.Request(
        os.environ["SINK"], data=json.dumps(event).encode(), method="POST",
        headers={"x-amz-sns-message-type": "Lambda"}))
    return {"ok": True}
"""


def test_lambda_subscription_gets_the_sns_event(tmp_path):
    rx = Receiver()
    server = Eddy()
    try:
        sns = sns_client(server.endpoint)
        lam = boto3.client("lambda", endpoint_url=server.endpoint, **CREDS)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", HANDLER)
        name = unique("fn")
        fn_arn = lam.create_function(
            FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
            Handler="app.handler", Code={"ZipFile": buf.getvalue()}, Timeout=10,
            Environment={"Variables": {"SINK": rx.url + "/sink"}},
        )["FunctionArn"]
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        arn = sns.create_topic(Name=unique("t"))["TopicArn"]
        sub = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=fn_arn)["SubscriptionArn"]
        mid = sns.publish(
            TopicArn=arn, Message="to a function",
            MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}},
        )["MessageId"]
        event = rx.wait(1, "Lambda", timeout=30)[0].json()
        rec = event["Records"][0]
        assert rec["EventSource"] == "aws:sns" and rec["EventVersion"] == "1.0"
        assert rec["EventSubscriptionArn"] == sub
        s = rec["Sns"]
        assert s["Type"] == "Notification" and s["MessageId"] == mid and s["TopicArn"] == arn
        assert s["Subject"] is None and s["Message"] == "to a function"
        assert s["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
        assert "SigningCertUrl" in s and "UnsubscribeUrl" in s
        assert "SigningCertURL" not in s
    finally:
        server.close()
        rx.close()
