#!/usr/bin/env python3
"""SNS benchmark (issue 7); driven by bench/run_sns.sh (see there).

Usage: sns.py EDDY_BIN RESULTS_MD
       sns.py --receiver N      (internal: N fast HTTP receivers in this process)
Environment: DURATION (20), WARMUP (5), CONNECTIONS ("16 64"), THREADS (2),
MESSAGE_BYTES (100), DRAIN_TIMEOUT (300), LAT_N (300), PARTS ("1 2"),
VARIANTS ("v1 v2 raw").

1. Publish throughput: a topic with 3 http subscriptions, each to its own local receiver
   (asyncio, uvloop when installed, in a separate process, answering 200 at once and
   counting distinct MessageIds); wrk drives form-encoded Publish with
   sns_publish.lua for DURATION seconds per connection count. Reported: publishes/s
   acknowledged (each answer comes after the outbox commit, fsynced), then how long the
   receivers took to get every message (3 x accepted, distinct ids, duplicates counted).
   Each variant is a fresh topic with 3 fresh subscriptions: v1 = SignatureVersion 1
   (AWS's default, the figure the target is about), v2 = SignatureVersion 2, raw =
   RawMessageDelivery (no envelope, no signature): the three show what signing costs.
2. order-write -> webhook latency: table with a stream -> event source mapping (LATEST,
   BatchSize 1) -> warm python function that publishes {"order": key} for each INSERT
   -> http subscription to a local receiver that notes time.time() on arrival. t0 is
   taken just before the PutItem is sent; p50/p99/max over LAT_N writes (after 20
   warm-up writes). Same machine, same clock.
eddy is a durable release build on a fresh temporary --data-dir.
"""

from __future__ import annotations

import asyncio
import http.server
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DURATION = int(os.environ.get("DURATION", "20"))
WARMUP = int(os.environ.get("WARMUP", "5"))
CONNECTIONS = [int(c) for c in os.environ.get("CONNECTIONS", "16 64").split()]
DRAIN_TIMEOUT = float(os.environ.get("DRAIN_TIMEOUT", "300"))
LAT_N = int(os.environ.get("LAT_N", "300"))
PARTS = os.environ.get("PARTS", "1 2").split()
VARIANTS = os.environ.get("VARIANTS", "v1 v2 raw").split()
SUBSCRIBERS = 3
TARGET_PUBLISH = 5000
TARGET_P50_MS = 20.0


# ---------------------------------------------------------------- the fast receivers

RESP_200 = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"


class ReceiverProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive server: counts Notifications (distinct MessageIds),
    confirms subscriptions through their SubscribeURL, answers `GET /stats`."""

    def __init__(self, idx: int, stats: dict):
        self.idx, self.stats, self.buf = idx, stats, b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        buf = self.buf + data
        while True:
            i = buf.find(b"\r\n\r\n")
            if i < 0:
                break
            lines = buf[:i].split(b"\r\n")
            method, path = lines[0].split(b" ", 2)[:2]
            clen, mtype, mid = 0, b"", b""
            for line in lines[1:]:
                k, _, v = line.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    clen = int(v)
                elif k == b"x-amz-sns-message-type":
                    mtype = v.strip()
                elif k == b"x-amz-sns-message-id":
                    mid = v.strip()
            end = i + 4 + clen
            if len(buf) < end:
                break
            body, buf = buf[i + 4:end], buf[end:]
            self.handle(method, path, mtype, mid, body)
        self.buf = buf

    def handle(self, method, path, mtype, mid, body):
        s = self.stats
        if method == b"GET" and path == b"/stats":
            out = json.dumps({"counts": s["counts"], "unique": [len(x) for x in s["ids"]],
                              "confirmed": s["confirmed"]}).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                                 % (len(out), out))
            return
        if mtype == b"Notification":
            s["counts"][self.idx] += 1
            s["ids"][self.idx].add(mid)
        elif mtype == b"SubscriptionConfirmation":
            url = json.loads(body)["SubscribeURL"]

            def confirm():
                urllib.request.urlopen(url, timeout=30).read()
                s["confirmed"] += 1

            asyncio.get_running_loop().run_in_executor(None, confirm)
        self.transport.write(RESP_200)


async def serve_receivers(n: int) -> None:
    stats = {"counts": [0] * n, "ids": [set() for _ in range(n)], "confirmed": 0}
    loop = asyncio.get_running_loop()
    ports = []
    for idx in range(n):
        server = await loop.create_server(lambda idx=idx: ReceiverProtocol(idx, stats), "127.0.0.1", 0, backlog=1024)
        ports.append(server.sockets[0].getsockname()[1])
    print(json.dumps({"ports": ports}), flush=True)
    await asyncio.Event().wait()


def receiver_main(n: int) -> None:
    try:
        import uvloop  # type: ignore

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve_receivers(n))


class Receivers:
    """The receiver subprocess."""

    def __init__(self, n: int):
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--receiver", str(n)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the receiver process did not start")
        self.ports = json.loads(line)["ports"]
        self.urls = [f"http://127.0.0.1:{p}/hook" for p in self.ports]

    def stats(self) -> dict:
        return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.ports[0]}/stats", timeout=10).read())

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


# ---------------------------------------------------------------- eddy helpers

def clients(port: int):
    import boto3
    from botocore.config import Config

    kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
              aws_access_key_id="x", aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
    return boto3.client("sns", **kw), boto3.client("dynamodb", **kw), boto3.client("lambda", **kw)


def metric(port: int, name: str, label: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and f'"{label}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait_for(pred, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def confirmed_subscriptions(sns, topic_arn: str) -> int:
    subs = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    return sum(1 for s in subs if s["SubscriptionArn"].startswith("arn:"))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


# ---------------------------------------------------------------- part 1

VARIANT_NOTES = {
    "v1": "SignatureVersion 1 (SHA1withRSA, AWS's default)",
    "v2": "SignatureVersion 2 (SHA256withRSA)",
    "raw": "RawMessageDelivery (no envelope, no signature)",
}


def publish_throughput(port: int, proc_pid: int) -> dict:
    from bench import rss_kib, wrk

    sns, _, _ = clients(port)
    rx = Receivers(SUBSCRIBERS)

    def drained(expected_unique: list[int]) -> bool:
        st = rx.stats()
        return all(u >= e for u, e in zip(st["unique"], expected_unique))

    try:
        runs = []
        for n_variant, variant in enumerate(VARIANTS):
            topic_attrs = {"SignatureVersion": "2"} if variant == "v2" else {}
            sub_attrs = {"RawMessageDelivery": "true"} if variant == "raw" else {}
            topic_arn = sns.create_topic(Name=f"bench-publish-{variant}", Attributes=topic_attrs)["TopicArn"]
            for url in rx.urls:
                sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=url, Attributes=sub_attrs)
            wait_for(lambda: confirmed_subscriptions(sns, topic_arn) == SUBSCRIBERS, 30, "3 confirmed subscriptions")
            os.environ["WRK_TOPIC_ARN"] = topic_arn

            def published() -> int:
                return int(metric(port, "eddy_sns_published_total", topic_arn))

            if WARMUP > 0 and n_variant == 0:
                print(f"--- publish warm-up {WARMUP}s at {CONNECTIONS[0]} connections", flush=True)
                os.environ["WRK_RUN"] = "warm"
                st0 = rx.stats()
                wrk(port, "sns_publish.lua", WARMUP, CONNECTIONS[0])
                n = published()
                wait_for(lambda: drained([u + n for u in st0["unique"]]), DRAIN_TIMEOUT, "the warm-up deliveries")
            for conns in CONNECTIONS:
                print(f"--- {variant}: publish {DURATION}s at {conns} connections", flush=True)
                os.environ["WRK_RUN"] = f"{variant}-c{conns}-{uuid.uuid4().hex[:6]}"
                pub0, st0 = published(), rx.stats()
                t0 = time.perf_counter()
                r = wrk(port, "sns_publish.lua", DURATION, conns)
                t_wrk = time.perf_counter()
                accepted = published() - pub0
                expected = [u + accepted for u in st0["unique"]]
                complete = True
                try:
                    wait_for(lambda: drained(expected), DRAIN_TIMEOUT, "every delivery", interval=0.02)
                except RuntimeError:
                    complete = False
                t_done = time.perf_counter()
                st1 = rx.stats()
                got = [u1 - u0 for u1, u0 in zip(st1["unique"], st0["unique"])]
                dups = sum((c1 - c0) - g for c1, c0, g in zip(st1["counts"], st0["counts"], got))
                runs.append({
                    "variant": variant, "conns": conns, "rps": r["rps"], "p50": r["p50"], "p99": r["p99"],
                    "errors": r["errors"], "first_error": r.get("first_error", ""), "accepted": accepted,
                    "accepted_rate": accepted / (t_wrk - t0), "received": got, "duplicates": dups,
                    "complete": complete and all(g >= accepted for g in got),
                    "drain_s": t_done - t_wrk, "delivered_rate": sum(got) / (t_done - t0),
                    "rss_mib": (rss_kib(proc_pid) or 0) / 1024,
                })
                print(f"    {runs[-1]}", flush=True)
        return {"runs": runs}
    finally:
        rx.close()


# ---------------------------------------------------------------- part 2

NOTIFY_HANDLER = '''
import json, os, boto3
sns = boto3.client("sns")
TOPIC = os.environ["TOPIC_ARN"]
def handler(event, context):
    for r in event["Records"]:
        if r["eventName"] == "INSERT":
            k = r["dynamodb"]["Keys"]["pk"]["S"]
            sns.publish(TopicArn=TOPIC, Message=json.dumps({"order": k}))
    return None
'''


class TimingReceiver:
    """Threaded HTTP receiver (keep-alive) noting time.time() when a notification arrives;
    confirms subscriptions itself."""

    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(n)
                t = time.time()
                kind = self.headers.get("x-amz-sns-message-type")
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                msg = json.loads(body)
                if kind == "Notification":
                    key = json.loads(msg["Message"])["order"]
                    with outer.cond:
                        outer.arrivals.setdefault(key, t)
                        outer.cond.notify_all()
                elif kind == "SubscriptionConfirmation":
                    threading.Thread(target=lambda: urllib.request.urlopen(msg["SubscribeURL"], timeout=30).read(),
                                     daemon=True).start()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, key: str, timeout: float) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: key in self.arrivals, timeout):
                raise RuntimeError(f"notification for {key} not received within {timeout} s")
            return self.arrivals[key]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def zipped(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


def write_to_webhook(port: int) -> dict:
    from streams import Api

    sns, _, lam = clients(port)
    api = Api(port)
    rx = TimingReceiver()
    try:
        stream_arn = api.ddb("CreateTable", {
            "TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        })["TableDescription"]["LatestStreamArn"]
        topic_arn = sns.create_topic(Name="order-events")["TopicArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=rx.url)
        wait_for(lambda: confirmed_subscriptions(sns, topic_arn) == 1, 30, "the confirmed subscription")
        lam.create_function(FunctionName="notify", Runtime="python3.11", Handler="app.handler",
                            Role="arn:aws:iam::000000000000:role/bench", Code={"ZipFile": zipped(NOTIFY_HANDLER)},
                            Timeout=30, Environment={"Variables": {"TOPIC_ARN": topic_arn}})
        lam.create_event_source_mapping(FunctionName="notify", EventSourceArn=stream_arn,
                                        StartingPosition="LATEST", BatchSize=1)
        lats, acks = [], []
        for i in range(LAT_N + 20):  # the first 20 warm the function (and its boto3 client) up
            key = f"o-{i}"
            t0 = time.time()
            api.ddb("PutItem", {"TableName": "orders", "Item": {"pk": {"S": key}, "total": {"N": str(i)}}})
            t_ack = time.time()
            t_rx = rx.wait(key, 30)
            if i >= 20:
                lats.append((t_rx - t0) * 1000)
                acks.append((t_ack - t0) * 1000)
        count = metric(port, "eddy_sns_delivery_latency_seconds_count", topic_arn)
        total = metric(port, "eddy_sns_delivery_latency_seconds_sum", topic_arn)
        return {"n": len(lats), "p50": pct(lats, 0.5), "p99": pct(lats, 0.99), "max": max(lats),
                "ack_p50": pct(acks, 0.5),
                "publish_to_delivered_mean": (total / count * 1000) if count else float("nan")}
    finally:
        rx.close()


# ---------------------------------------------------------------- main

def main() -> int:
    sys.path.insert(0, str(HERE))
    from bench import rss_kib, start_eddy

    binary, out = sys.argv[1], Path(sys.argv[2])
    tp = lat = None
    with tempfile.TemporaryDirectory(prefix="eddy-bench-sns-") as d:
        log = Path(d) / "eddy.log"
        proc, port, _ = start_eddy(binary, str(Path(d) / "data"), log)
        try:
            rss0 = rss_kib(proc.pid) or 0
            if "1" in PARTS:
                tp = publish_throughput(port, proc.pid)
            if "2" in PARTS:
                lat = write_to_webhook(port)
            rss1 = rss_kib(proc.pid) or 0
        except Exception:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            proc.kill()
            proc.wait()
    lines = [
        "# eddy SNS benchmark", "",
        f"machine: {os.cpu_count()} cores shared by eddy, wrk and the receivers; durable eddy "
        f"(fresh --data-dir); {SUBSCRIBERS} http subscribers answering 200 at once; "
        f"DURATION={DURATION}s WARMUP={WARMUP}s MESSAGE_BYTES={os.environ.get('MESSAGE_BYTES', '100')}",
        "",
    ]
    if tp:
        lines += [
            f"## Publish throughput (topic with {SUBSCRIBERS} http subscribers; target >= {TARGET_PUBLISH:,} publishes/s)",
            "",
            "| variant | connections | publishes/s (wrk, 200s) | accepted (eddy) | p50 / p99 | errors | receivers got every message | duplicates | drain after load | deliveries/s overall | RSS |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in tp["runs"]:
            got = " / ".join(f"{g:,}" for g in r["received"])
            ok = "yes" if r["complete"] else f"**no** ({got} of {r['accepted']:,} each)"
            lines.append(
                f"| {r['variant']} | {r['conns']} | {r['rps']:,.0f} {'✅' if r['rps'] >= TARGET_PUBLISH else '❌'} | {r['accepted']:,} "
                f"({r['accepted_rate']:,.0f}/s) | {r['p50']:.2f} / {r['p99']:.2f} ms | {r['errors']} | {ok} | "
                f"{r['duplicates']} | {r['drain_s']:.1f} s | {r['delivered_rate']:,.0f} | {r['rss_mib']:.0f} MiB |"
            )
        lines.append("")
        lines += [f"- first error ({r['variant']}, {r['conns']} connections): `{r['first_error']}`"
                  for r in tp["runs"] if r["first_error"]]
        lines += [f"- {v}: {VARIANT_NOTES.get(v, v)}" for v in VARIANTS]
        lines += ["- publishes/s: wrk's completed requests/s (every answer 200 = committed and fsynced); "
                  "drain: time after the load until each receiver had every accepted MessageId", ""]
    if lat:
        ok = "✅" if lat["p50"] <= TARGET_P50_MS else "❌"
        lines += [
            f"## order write -> webhook received (target p50 <= {TARGET_P50_MS:.0f} ms)", "",
            "PutItem -> stream -> mapping (LATEST, BatchSize 1) -> warm python function -> Publish -> http subscriber.",
            "",
            "| measure | value |", "|---|---|",
            f"| p50 (n={lat['n']}) | {lat['p50']:.2f} ms {ok} |",
            f"| p99 | {lat['p99']:.2f} ms |",
            f"| max | {lat['max']:.2f} ms |",
            f"| PutItem acknowledged, p50 | {lat['ack_p50']:.2f} ms |",
            f"| Publish -> delivered, mean (eddy's metric) | {lat['publish_to_delivered_mean']:.2f} ms |",
            "",
        ]
    lines.append(f"eddy RSS before / after: {rss0 / 1024:.1f} / {rss1 / 1024:.1f} MiB")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--receiver":
        receiver_main(int(sys.argv[2]))
    else:
        sys.exit(main())
