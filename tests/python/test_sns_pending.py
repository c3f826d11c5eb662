"""`eddy sns pending` (ADR 0010) against a real eddy: an http subscription whose endpoint
answers 500 keeps its notification in the outbox, the CLI lists it (table and --json),
and once the endpoint answers 200 the list drains to "no pending deliveries"."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from eddy_proc import Eddy, eddy_binary
from sns_util import Receiver, confirm_http, sns_client, unique, wait_for

# Retry every second, for long enough that the delivery stays pending while we look.
FAST_RETRY = json.dumps(
    {"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 1, "maxDelayTarget": 1, "numNoDelayRetries": 0}}
)


def pending(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EDDY_ENDPOINT"}
    return subprocess.run(
        [str(eddy_binary()), "sns", "pending", "--endpoint", endpoint, *args],
        capture_output=True, text=True, timeout=30, env=env,
    )


def pending_json(endpoint: str) -> dict:
    out = pending(endpoint, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def server():
    s = Eddy()
    yield s
    s.close()


def test_pending_lists_a_failing_webhook_then_drains(server):
    sns = sns_client(server.endpoint)
    out = pending(server.endpoint)
    assert (out.returncode, out.stdout) == (0, "no pending deliveries\n"), out.stderr

    broken = {"on": True}

    def status(req):
        if req.headers.get("x-amz-sns-message-type") == "Notification" and broken["on"]:
            return 500
        return 200

    rx = Receiver(statuses=status)
    try:
        topic_arn = sns.create_topic(Name=unique("pending"))["TopicArn"]
        sub_arn = confirm_http(sns, rx, topic_arn, DeliveryPolicy=FAST_RETRY)
        mid = sns.publish(TopicArn=topic_arn, Message="order o-1 placed")["MessageId"]

        def failed_once():
            d = pending_json(server.endpoint)["Deliveries"]
            return d if d and d[0]["Attempts"] >= 1 and "LastError" in d[0] else None

        deliveries = wait_for(failed_once, timeout=15, what="a failed attempt in the pending list")
        assert len(deliveries) == 1, deliveries
        d = deliveries[0]
        assert d["SubscriptionArn"] == sub_arn
        assert d["TopicArn"] == topic_arn
        assert d["Protocol"] == "http"
        assert d["Endpoint"] == rx.url + "/hook"
        assert d["MessageId"] == mid
        assert d["Type"] == "Notification"
        assert "500" in d["LastError"], d
        assert abs(d["EnqueuedAt"] - time.time()) < 30, d
        # Between attempts the next one is scheduled about a second ahead.
        wait_for(
            lambda: any("NextAttemptAt" in x for x in pending_json(server.endpoint)["Deliveries"]),
            timeout=10, what="a scheduled retry",
        )
        assert len(rx.of_type("Notification")) >= 1

        out = pending(server.endpoint)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0].split()[:3] == ["SUBSCRIPTION", "PROTOCOL", "ENDPOINT"], out.stdout
        row = next(line for line in lines if mid in line)
        for part in (sub_arn, " http ", rx.url + "/hook", " Notification ", "HTTP 500"):
            assert part in row, (part, out.stdout)
        assert lines[-1] == "1 pending delivery", out.stdout

        broken["on"] = False
        wait_for(lambda: pending(server.endpoint).stdout == "no pending deliveries\n",
                 timeout=15, what="the outbox to drain")
        ok = [r for r in rx.of_type("Notification") if r.json()["MessageId"] == mid]
        assert len(ok) >= 2, "failed attempts, then the successful one"
        assert pending_json(server.endpoint) == {"Deliveries": [], "Truncated": False}
    finally:
        rx.close()


def test_pending_against_nothing_fails_with_a_message():
    out = pending("http://127.0.0.1:1")
    assert out.returncode == 1
    assert "cannot connect to http://127.0.0.1:1" in out.stderr
