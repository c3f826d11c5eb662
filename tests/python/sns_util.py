"""Helpers for the SNS suites: boto3 clients, a recording HTTP receiver (webhooks, the
fake WhatsApp Cloud API, the SMS gateway), a real SMTP server (aiosmtpd), and waiting."""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid

import boto3
from botocore.config import Config

CREDS = dict(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def sns_client(endpoint: str):
    return boto3.client("sns", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}), **CREDS)


def sqs_client(endpoint: str):
    return boto3.client("sqs", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}), **CREDS)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_for(pred, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Request:
    def __init__(self, method: str, path: str, headers: dict, body: bytes):
        self.method, self.path, self.body = method, path, body
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.at = time.monotonic()

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Receiver:
    """A threaded HTTP server recording every request. `statuses` is a list of statuses
    to answer in order (then 200), or a callable(Request) -> status."""

    def __init__(self, statuses=None, delay: float = 0.0):
        self.requests: list[Request] = []
        self.statuses = list(statuses or []) if not callable(statuses) else statuses
        self.delay = delay
        self.lock = threading.RLock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                n = int(self.headers.get("content-length") or 0)
                req = Request(self.command, self.path, dict(self.headers), self.rfile.read(n))
                if outer.delay:
                    time.sleep(outer.delay)
                with outer.lock:
                    outer.requests.append(req)
                    if callable(outer.statuses):
                        status = outer.statuses(req)
                    elif outer.statuses:
                        status = outer.statuses.pop(0)
                    else:
                        status = 200
                body = b"{}" if status < 300 else b'{"error":"nope"}'
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = _handle
            do_GET = _handle

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def of_type(self, message_type: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.headers.get("x-amz-sns-message-type") == message_type]

    def wait(self, n: int = 1, message_type: str | None = None, timeout: float = 10.0) -> list[Request]:
        def got():
            reqs = self.of_type(message_type) if message_type else list(self.requests)
            return reqs if len(reqs) >= n else None

        return wait_for(got, timeout, what=f"{n} {message_type or 'requests'} at {self.url}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def confirm_http(sns, receiver: Receiver, topic_arn: str, path: str = "/hook", **sub_attrs) -> str:
    """Subscribes `receiver` over http, confirms through the SubscribeURL (a plain GET),
    and returns the subscription ARN."""
    import urllib.request

    before = len(receiver.of_type("SubscriptionConfirmation"))
    kwargs = {"Attributes": sub_attrs} if sub_attrs else {}
    sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=receiver.url + path, **kwargs)
    conf = receiver.wait(before + 1, "SubscriptionConfirmation")[-1].json()
    body = urllib.request.urlopen(conf["SubscribeURL"], timeout=10).read().decode()
    assert "<ConfirmSubscriptionResult>" in body, body
    arn = body.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]
    return arn


class Smtp:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 collecting messages in memory."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outer.messages.append(envelope)
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"

    def parsed(self):
        import email
        from email import policy

        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.messages]

    def wait(self, n: int = 1, timeout: float = 10.0):
        wait_for(lambda: len(self.messages) >= n, timeout, what=f"{n} e-mails")
        return self.parsed()

    def close(self):
        self.controller.stop()
