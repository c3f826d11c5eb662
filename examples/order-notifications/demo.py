#!/usr/bin/env python3
"""Order notifications on eddy, end to end, with one command:

    python3 examples/order-notifications/demo.py

A new row in the Orders table -> its stream -> an event source mapping -> the function in
handler.py -> an SNS topic -> an e-mail, a WhatsApp message and the shop's webhook.

By default it starts its own eddy (in memory, on a free port) wired to three local
receivers (fakes.py): an SMTP server, a fake WhatsApp Cloud API and a webhook. With
`--endpoint URL` it uses an eddy that is already running instead, and that eddy's own
--smtp-url / --whatsapp-* settings (real mail, real WhatsApp) apply; see README.md.

Exit status 0 when every expected delivery arrived, 1 otherwise (with the reason).
`--check` (used by the test suite) prints less and also fails on any protocol problem
or on a message whose text is not exactly the expected one.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import zipfile
from contextlib import ExitStack
from pathlib import Path

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    sys.exit("this demo needs boto3 and aiosmtpd: python3 -m pip install boto3 aiosmtpd")

from fakes import FakeWhatsApp, Inbox, SmtpSink, Webhook

HERE = Path(__file__).resolve().parent
LISTENING = re.compile(r"eddy listening on (http://\S+)")
# Credentials of the local fake WhatsApp Cloud API (eddy gets the same values).
WA_TOKEN = "demo-token-" + uuid.uuid4().hex[:8]
WA_PHONE_ID = "106540352242922"


class DemoError(Exception):
    """A step failed or timed out; the message says which."""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eddy", help="eddy binary (default: $EDDY_BIN, `eddy` on PATH, the newest of target/{release,debug}/eddy)")
    p.add_argument("--endpoint", help="use this running eddy instead of starting one (its SMTP/WhatsApp settings apply)")
    p.add_argument("--email", help="subscribe this address (default with a local eddy: orders@shop.example)")
    p.add_argument("--whatsapp-to", help="subscribe this E.164 number (default with a local eddy: +14155550100)")
    p.add_argument("--webhook-host", default="127.0.0.1", help="address the webhook listens on and eddy reaches it at")
    p.add_argument("--order-id", default=None, help="id of the order written (default: a random o-XXXXXX)")
    p.add_argument("--handler", default=str(HERE / "handler.py"), help="handler file to deploy (default: handler.py)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each step (default 30)")
    p.add_argument("--confirm-timeout", type=float, default=300.0, help="with --endpoint: seconds to wait for you to click the e-mail confirmation link")
    p.add_argument("--keep", action="store_true", help="with --endpoint: keep the table, topic, function and mapping")
    p.add_argument("--check", action="store_true", help="quiet and strict (for tests)")
    return p.parse_args(argv)


# --- eddy ----------------------------------------------------------------------------------


def find_eddy(explicit: str | None) -> Path:
    """--eddy, $EDDY_BIN, `eddy` on PATH, else the most recently built binary in target/."""
    for candidate in (explicit, os.environ.get("EDDY_BIN"), shutil.which("eddy")):
        if candidate:
            if not Path(candidate).is_file():
                raise DemoError(f"eddy binary not found at {candidate}")
            return Path(candidate)
    built = [HERE.parents[1] / "target" / p / "eddy" for p in ("release", "debug")]
    built = [b for b in built if b.is_file()]
    if not built:
        raise DemoError("no eddy binary: run `cargo build --release -p eddy`, or pass --eddy PATH")
    return max(built, key=lambda b: b.stat().st_mtime)


class EddyProcess:
    """`eddy serve --in-memory --port 0` with the delivery flags; output goes to a log file."""

    def __init__(self, binary: Path, flags: list[str], timeout: float):
        self.log = tempfile.NamedTemporaryFile(prefix="eddy-demo-", suffix=".log", delete=False)
        cmd = [str(binary), "serve", "--in-memory", "--port", "0", "--bind", "127.0.0.1", *flags]
        # setpriv (Linux) makes eddy die with this script even if it is killed with -9.
        setpriv = shutil.which("setpriv")
        if setpriv:
            cmd = [setpriv, "--pdeathsig", "TERM", "--", *cmd]
        # EDDY_* variables of the caller's shell (a data dir, credentials, a public URL)
        # would change this throwaway server: it gets exactly the flags above.
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDDY_")}
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout
        while not (m := LISTENING.search(self.output())):
            if self.proc.poll() is not None:
                raise DemoError(f"eddy exited with code {self.proc.returncode}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise DemoError(f"eddy did not start within {timeout}s:\n{self.output()[-3000:]}")
            time.sleep(0.05)
        self.endpoint = m.group(1)

    def output(self) -> str:
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log.name)


# --- helpers -------------------------------------------------------------------------------


def wait_until(what: str, cond, timeout: float, interval: float = 0.1):
    """Polls `cond` until it returns something truthy; DemoError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def sub_metrics(endpoint: str, subscription_arn: str) -> dict[str, float]:
    """eddy's delivery counters of one subscription, from its Prometheus /metrics."""
    text = urllib.request.urlopen(endpoint + "/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if f'subscription="{subscription_arn}"' in line:
            out[line.split("{", 1)[0]] = float(line.rsplit(" ", 1)[1])
    return out


def quietly(fn, **kw) -> None:
    """Best-effort cleanup call: a failure is reported, not raised."""
    try:
        fn(**kw)
    except Exception as exc:  # noqa: BLE001
        print(f"cleanup: {fn.__name__} failed: {exc}", file=sys.stderr)


def handler_zip(path: str) -> bytes:
    """A deployment package holding the handler as handler.py (Handler: handler.handler)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "handler.py")
    return buf.getvalue()


def clients(endpoint: str):
    # Any credentials do for an eddy without --credentials; real ones from the environment
    # are used when set (an eddy started with --credentials checks them).
    kw = dict(
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "demo"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "demo"),
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=60),
    )
    return boto3.client("dynamodb", **kw), boto3.client("sns", **kw), boto3.client("lambda", **kw)


# --- the demo ------------------------------------------------------------------------------


def run(args, say, inbox: Inbox, webhook: Webhook, endpoint: str, local: bool, cleanup: ExitStack) -> None:
    ddb, sns, lam = clients(endpoint)
    # A fresh in-memory eddy is empty and forgotten at exit. On a running eddy the names get
    # a suffix (no clashes) and everything is deleted again at the end unless --keep.
    def undo(fn, **kw):
        if not (local or args.keep):
            cleanup.callback(quietly, fn, **kw)

    suffix = "" if local else "-" + uuid.uuid4().hex[:6]
    table, topic, function = "Orders" + suffix, "order-notifications" + suffix, "order-notifier" + suffix
    order_id = args.order_id or "o-" + uuid.uuid4().hex[:6]

    say(f"1. Table {table} with a stream (NEW_AND_OLD_IMAGES)")
    stream_arn = ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    undo(ddb.delete_table, TableName=table)
    wait_until(f"table {table}", lambda: ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE", args.timeout)

    say(f"2. Topic {topic} and its subscriptions")
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    undo(sns.delete_topic, TopicArn=topic_arn)
    if args.email:
        sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=args.email)
        say(f"   email    {args.email} (pending until the link in the confirmation mail is opened)")
    if args.whatsapp_to:
        sns.subscribe(TopicArn=topic_arn, Protocol="whatsapp", Endpoint=args.whatsapp_to)
        say(f"   whatsapp {args.whatsapp_to} (no confirmation step)")
    sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=webhook.url)
    say(f"   http     {webhook.url} (the shop's webhook)")

    def pending():
        subs = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        return [s["Endpoint"] for s in subs if s["SubscriptionArn"] == "PendingConfirmation"]

    if not local and args.email:
        say(f"   Open the mail sent to {args.email} and click the confirmation link (waiting up to {args.confirm_timeout:g}s)")
    wait_until("the subscriptions to be confirmed", lambda: not pending(), args.timeout if local else args.confirm_timeout, 0.2)

    say(f"3. Function {function} (python3.12, {Path(args.handler).name}, TOPIC_ARN={topic_arn})")
    lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/order-notifier",
        Handler="handler.handler",
        Code={"ZipFile": handler_zip(args.handler)},
        Timeout=15,
        Environment={"Variables": {"TOPIC_ARN": topic_arn}},
    )
    undo(lam.delete_function, FunctionName=function)
    wait_until(f"function {function} Active", lambda: lam.get_function_configuration(FunctionName=function)["State"] == "Active", args.timeout)

    say("4. Event source mapping: the table's stream -> the function (LATEST, BatchSize 10)")
    mapping = lam.create_event_source_mapping(
        FunctionName=function,
        EventSourceArn=stream_arn,
        StartingPosition="LATEST",
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],  # handler.py reports failed records
    )["UUID"]
    undo(lam.delete_event_source_mapping, UUID=mapping)
    wait_until("the mapping to be Enabled", lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled", args.timeout)

    # With --endpoint, the e-mail and WhatsApp subscriptions reach the real world; their
    # delivery counters on eddy's /metrics tell the demo whether eddy handed them over.
    real = {}
    if not local:
        for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]:
            if s["Protocol"] in ("email", "whatsapp"):
                real[s["Protocol"]] = s["SubscriptionArn"]
    before = {channel: sub_metrics(endpoint, arn) for channel, arn in real.items()}

    order = {"orderId": order_id, "customer": "Ada", "item": "Espresso beans 1kg", "qty": 2, "total": "59.80"}
    say(f"5. A customer places order {order_id}: {order['item']} x{order['qty']}, total {order['total']}")
    written = time.monotonic()
    ddb.put_item(
        TableName=table,
        Item={
            "orderId": {"S": order_id},
            "customer": {"S": order["customer"]},
            "item": {"S": order["item"]},
            "qty": {"N": str(order["qty"])},
            "total": {"N": order["total"]},
            "status": {"S": "placed"},
        },
    )
    text = f"Order {order_id} placed: {order['item']} x{order['qty']}, total {order['total']}"
    subject = f"Order {order_id} placed"

    say("6. Waiting for the notifications ...")
    mentions = {
        "email": lambda d: order_id in d["subject"],
        "whatsapp": lambda d: order_id in d["body"],
        "webhook": lambda d: order_id in (d["message"] or ""),
    }
    expected = ["email", "whatsapp", "webhook"] if local else ["webhook"] + list(real)
    remaining = list(expected)
    deadline = time.monotonic() + args.timeout
    while remaining:
        for channel in list(remaining):
            if channel in real:
                # Real mail / WhatsApp: all the demo can see is eddy's own account of it.
                now = sub_metrics(endpoint, real[channel])
                if now.get("eddy_sns_failed_attempts_total", 0) > before[channel].get("eddy_sns_failed_attempts_total", 0):
                    raise DemoError(f"eddy could not deliver the {channel} notification (its log says why; it will retry)")
                if now.get("eddy_sns_delivered_total", 0) > before[channel].get("eddy_sns_delivered_total", 0):
                    remaining.remove(channel)
                    via = "the SMTP server" if channel == "email" else "the WhatsApp Cloud API"
                    print(f"==> {channel} accepted by {via} configured on eddy ({time.monotonic() - written:.1f}s after the write): look at your {'inbox' if channel == 'email' else 'phone'}")
                continue
            hit = inbox.find(channel, mentions[channel])
            if hit:
                remaining.remove(channel)
                show(channel, hit[0] - written, hit[1], say)
                if args.check:
                    strict(channel, hit[1], text, subject, order_id)
        if remaining and time.monotonic() > deadline:
            where = "its output is in eddy's log below" if local else f"see `eddy logs --endpoint {endpoint} {function}`"
            raise DemoError(
                f"timed out after {args.timeout:g}s: no {', no '.join(remaining)} notification for order {order_id} "
                f"(is the function publishing? {where})"
            )
        time.sleep(0.05)
    if args.check and inbox.problems:
        raise DemoError("protocol problems: " + "; ".join(inbox.problems))
    print(f"OK: order {order_id} reached {', '.join(expected)}")


def show(channel: str, after: float, d: dict, say) -> None:
    """One delivery, clearly: a greppable first line (always printed), details unless --check."""
    if channel == "email":
        print(f"==> email delivered to {d['to']} ({after:.1f}s after the write): Subject \"{d['subject']}\"")
        say(f"      From: {d['sender']}\n" + "".join(f"      | {l}\n" for l in d["body"].strip().splitlines()))
    elif channel == "whatsapp":
        print(f"==> whatsapp delivered to {d['to']} ({after:.1f}s after the write): \"{d['body']}\"")
    else:
        print(f"==> webhook delivered ({after:.1f}s after the write): Notification \"{d['message']}\"")
        attrs = ", ".join(f"{k}={v.get('Value')}" for k, v in sorted(d["attributes"].items()))
        say(f"      Subject: {d['subject']}\n      MessageId: {d['message_id']}\n      MessageAttributes: {attrs}")


def strict(channel: str, d: dict, text: str, subject: str, order_id: str) -> None:
    """--check: each channel carries exactly what handler.py published."""
    if channel == "email":
        ok = d["subject"] == subject and text in d["body"]
    elif channel == "whatsapp":
        ok = d["body"] == text
    else:
        attrs = d["attributes"]
        ok = (
            d["message"] == text
            and d["subject"] == subject
            and attrs.get("orderId") == {"Type": "String", "Value": order_id}
            and attrs.get("total", {}).get("Type") == "Number"
        )
    if not ok:
        raise DemoError(f"{channel}: unexpected content {d!r}, expected {text!r}")


def main(argv=None) -> int:
    args = parse_args(argv)
    local = not args.endpoint
    if local:
        args.email = args.email or "orders@shop.example"
        args.whatsapp_to = args.whatsapp_to or "+14155550100"

    def say(msg: str) -> None:
        if not args.check:
            print(msg, flush=True)

    # SIGTERM (e.g. from a test's timeout) unwinds like an error, so cleanup still runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    inbox = Inbox(say)
    eddy = None
    with ExitStack() as stack:
        try:
            webhook = Webhook(inbox, args.webhook_host)
            stack.callback(webhook.close)
            if local:
                smtp = SmtpSink(inbox)
                stack.callback(smtp.close)
                whatsapp = FakeWhatsApp(inbox, WA_TOKEN, WA_PHONE_ID)
                stack.callback(whatsapp.close)
                binary = find_eddy(args.eddy)
                say(f"Starting {binary} (in memory) with a local SMTP server and a fake WhatsApp Cloud API")
                eddy = EddyProcess(binary, [
                    "--smtp-url", smtp.url,
                    "--smtp-from", "Shop Orders <orders@eddy.localhost>",
                    "--whatsapp-api-url", whatsapp.url,
                    "--whatsapp-token", WA_TOKEN,
                    "--whatsapp-phone-number-id", WA_PHONE_ID,
                ], args.timeout)
                stack.callback(eddy.stop)
                endpoint = eddy.endpoint
            else:
                endpoint = args.endpoint.rstrip("/")
            say(f"eddy: {endpoint}\n")
            # With --endpoint, what the demo created is deleted again (in reverse) at the end.
            with ExitStack() as resources:
                run(args, say, inbox, webhook, endpoint, local, resources)
            return 0
        except (DemoError, BotoCoreError, ClientError, OSError) as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            if eddy is not None:
                print("--- last lines of eddy's output ---\n" + eddy.output()[-3000:], file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
