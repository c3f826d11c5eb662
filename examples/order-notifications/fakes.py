"""The three receivers of the order-notifications demo, all local and in-process:

- `SmtpSink`: a real SMTP server (aiosmtpd) standing in for the customer's mailbox. When
  the subscription-confirmation mail arrives it "clicks" the SubscribeURL, as a human would.
- `FakeWhatsApp`: a stand-in for the WhatsApp Cloud API (graph.facebook.com). It checks
  the path, the Bearer token and the payload shape, and answers like Meta does.
- `Webhook`: the shop's own HTTP endpoint. It confirms its subscription by fetching the
  SubscribeURL of the SubscriptionConfirmation, then collects Notifications.

Everything they see goes to one `Inbox`: deliveries by channel, and protocol problems
(a wrong token, a malformed payload) that make `demo.py --check` fail.
"""

from __future__ import annotations

import email
import http.server
import json
import re
import socket
import threading
import time
import urllib.request
from email import policy


class Inbox:
    """What the receivers saw, shared between their threads and the demo's main thread."""

    def __init__(self, say):
        self.say = say  # the demo's printer (quiet under --check)
        self.lock = threading.Lock()
        self.deliveries: list[tuple[str, float, dict]] = []  # (channel, arrival time, details)
        self.problems: list[str] = []

    def add(self, channel: str, **details) -> None:
        with self.lock:
            self.deliveries.append((channel, time.monotonic(), details))

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)
        self.say(f"!! {text}")

    def find(self, channel: str, pred) -> tuple[float, dict] | None:
        """The first delivery on `channel` whose details satisfy `pred`."""
        with self.lock:
            for ch, at, details in self.deliveries:
                if ch == channel and pred(details):
                    return at, details
        return None


def confirm(url: str, who: str, inbox: Inbox) -> None:
    """Fetches a SubscribeURL (a plain GET, like clicking the link) in the background, so
    the receiver has already answered the request that carried the link."""

    def run():
        try:
            body = urllib.request.urlopen(url, timeout=10).read().decode()
            if "<ConfirmSubscriptionResult>" not in body:
                inbox.problem(f"{who}: unexpected answer from SubscribeURL: {body[:200]}")
            else:
                inbox.say(f"   {who}: subscription confirmed")
        except Exception as exc:  # noqa: BLE001 - reported, and the demo then times out
            inbox.problem(f"{who}: fetching SubscribeURL failed: {exc}")

    threading.Thread(target=run, daemon=True).start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """A local SMTP server; eddy gets `--smtp-url smtp://127.0.0.1:<port>`."""

    def __init__(self, inbox: Inbox):
        from aiosmtpd.controller import Controller

        outer = self
        self.inbox = inbox

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outer._received(envelope)
                return "250 Message accepted for delivery"

        # aiosmtpd needs a concrete port (it connects to it once to check it is up).
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"

    def _received(self, envelope) -> None:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_content() if not msg.is_multipart() else msg.get_body(("plain",)).get_content()
        to = ", ".join(envelope.rcpt_tos)
        if "Action=ConfirmSubscription" in text:
            url = next(l.strip() for l in text.splitlines() if "Action=ConfirmSubscription" in l)
            self.inbox.say(f"   e-mail to {to}: \"{msg['Subject']}\"")
            self.inbox.say(f"   (a human would click this link; the demo fetches it) {url}")
            confirm(url, "e-mail", self.inbox)
            return
        self.inbox.add("email", to=to, sender=msg["From"], subject=str(msg["Subject"]), body=text)

    def close(self) -> None:
        self.controller.stop()


class _Server:
    """A threaded HTTP server on 127.0.0.1 (or `host`) running `handle(request_handler)`."""

    def __init__(self, handle, host: str = "127.0.0.1"):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                status, body = handle(self.path, self.headers, self.rfile.read(length))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the demo's output readable
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeWhatsApp(_Server):
    """POST /<version>/<phone-number-id>/messages, as the WhatsApp Cloud API serves it."""

    def __init__(self, inbox: Inbox, token: str, phone_number_id: str, version: str = "v21.0"):
        self.inbox, self.token = inbox, token
        self.path = f"/{version}/{phone_number_id}/messages"
        super().__init__(self._handle)

    def _handle(self, path, headers, raw):
        if headers.get("authorization") != f"Bearer {self.token}":
            self.inbox.problem(f"whatsapp: bad Authorization header {headers.get('authorization')!r}")
            return 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        if path != self.path:
            self.inbox.problem(f"whatsapp: POST to {path}, expected {self.path}")
            return 404, {"error": {"message": "Unknown path", "code": 100}}
        try:
            body = json.loads(raw)
            ok = (
                body["messaging_product"] == "whatsapp"
                and body["type"] == "text"
                and re.fullmatch(r"\d{6,15}", body["to"])  # E.164 digits, no "+"
                and isinstance(body["text"]["body"], str)
            )
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            self.inbox.problem(f"whatsapp: malformed message payload {raw[:300]!r}")
            return 400, {"error": {"message": "Invalid parameter", "code": 100}}
        self.inbox.add("whatsapp", to="+" + body["to"], body=body["text"]["body"])
        # The Cloud API's answer to a successfully queued message.
        wamid = f"wamid.demo{int(time.time() * 1000)}"
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }


class Webhook(_Server):
    """The shop's webhook: an SNS http subscription endpoint."""

    def __init__(self, inbox: Inbox, host: str = "127.0.0.1"):
        self.inbox = inbox
        super().__init__(self._handle, host)
        self.url += "/sns/orders"

    def _handle(self, path, headers, raw):
        kind = headers.get("x-amz-sns-message-type")
        try:
            msg = json.loads(raw)
        except ValueError:
            self.inbox.problem(f"webhook: body is not JSON: {raw[:200]!r}")
            return 400, {}
        # Every SNS message is signed; a production webhook verifies Signature against
        # the certificate at SigningCertURL before trusting it. Here we check it is there.
        if not (msg.get("Signature") and msg.get("SigningCertURL")):
            self.inbox.problem(f"webhook: {kind} without Signature/SigningCertURL")
        if kind == "SubscriptionConfirmation":
            self.inbox.say(f"   webhook: SubscriptionConfirmation for {msg.get('TopicArn')}, fetching SubscribeURL")
            confirm(msg["SubscribeURL"], "webhook", self.inbox)
        elif kind == "Notification":
            self.inbox.add(
                "webhook",
                message_id=msg.get("MessageId"),
                subject=msg.get("Subject"),
                message=msg.get("Message"),
                attributes=msg.get("MessageAttributes", {}),
            )
        else:
            self.inbox.problem(f"webhook: unexpected message type {kind!r}")
        return 200, {}
