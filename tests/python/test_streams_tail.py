"""`eddy tail TABLE`: follows a table's stream and prints one record per line (JSON with
`--json`), following shard lineage, until killed. Issue 5 "eddy tail".
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time

import pytest

from conftest import DUMMY_KEYS, REGION, boto_client
from eddy_proc import Eddy, eddy_binary
from streams_util import create_table


def tail_available() -> bool:
    """Whether this eddy binary has the `tail` subcommand."""
    try:
        out = subprocess.run([str(eddy_binary()), "tail", "--help"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0


pytestmark = pytest.mark.skipif(
    not tail_available(), reason="`eddy tail --help` fails: the tail command has not landed"
)


class Tail:
    """`eddy tail` as a subprocess whose stdout lines are collected by a reader thread."""

    def __init__(self, *args: str):
        env = os.environ | {
            "AWS_ACCESS_KEY_ID": DUMMY_KEYS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_KEYS["aws_secret_access_key"],
            "AWS_REGION": REGION,
        }
        self.proc = subprocess.Popen(
            [str(eddy_binary()), "tail", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float) -> str | None:
        """The next non-empty line, or None if none arrives within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line.strip():
                return line
        return None

    def read(self, n: int, timeout: float = 15.0) -> list[str]:
        """The next `n` non-empty lines, waiting at most `timeout` seconds in all."""
        deadline = time.monotonic() + timeout
        out: list[str] = []
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                err = self.stop()
                raise AssertionError(f"got {len(out)} of {n} lines from eddy tail: {out}\nstderr: {err[-2000:]}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line.strip():
                out.append(line)
        return out

    def stop(self) -> str:
        """Kills the process (it runs until killed); returns its stderr."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        return self.proc.stderr.read() if self.proc.stderr else ""


@pytest.fixture
def server():
    s = Eddy()
    yield s
    s.close()


def test_tail_json_from_trim_horizon(server):
    client = boto_client(server.endpoint)
    name, _ = create_table(client, "NEW_AND_OLD_IMAGES")
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    tail = Tail("--endpoint", server.endpoint, "--from", "trim-horizon", "--json", name)
    try:
        client.put_item(TableName=name, Item={"pk": {"S": "b"}, "v": {"N": "2"}})
        client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "3"}})
        records = [json.loads(line) for line in tail.read(3)]
        assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
            ("INSERT", "a"),
            ("INSERT", "b"),
            ("MODIFY", "a"),
        ]
        assert records[2]["dynamodb"]["NewImage"]["v"] == {"N": "3"}
        assert records[2]["dynamodb"]["OldImage"]["v"] == {"N": "1"}
        assert all(r["eventSource"] == "aws:dynamodb" for r in records)
        assert tail.proc.poll() is None, "eddy tail keeps following until killed"
    finally:
        tail.stop()


def test_tail_plain_lines_from_latest(server):
    client = boto_client(server.endpoint)
    name, _ = create_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item={"pk": {"S": "before"}})
    tail = Tail("--endpoint", server.endpoint, "--from", "latest", name)
    try:
        # write probes until tail prints one: from then on it is positioned and following
        for i in range(100):
            client.put_item(TableName=name, Item={"pk": {"S": f"probe{i}"}})
            line = tail.next_line(timeout=0.3)
            if line is not None:
                break
        else:
            raise AssertionError(f"eddy tail printed nothing for 30 s; stderr: {tail.stop()[-2000:]}")
        assert "before" not in line
        while tail.next_line(timeout=0.5) is not None:  # the other probes
            pass
        client.put_item(TableName=name, Item={"pk": {"S": "after1"}})
        client.put_item(TableName=name, Item={"pk": {"S": "after2"}})
        lines = tail.read(2)
        assert "after1" in lines[0] and "INSERT" in lines[0], lines
        assert "after2" in lines[1], lines
        assert not any("before" in line for line in lines)
    finally:
        tail.stop()


def test_tail_follows_rollover():
    server = Eddy("--stream-shard-rollover", "0.5")
    try:
        client = boto_client(server.endpoint)
        name, _ = create_table(client, "KEYS_ONLY")
        tail = Tail("--endpoint", server.endpoint, "--from", "trim-horizon", "--json", name)
        try:
            keys = []
            for i in range(6):
                keys.append(f"k{i}")
                client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
                time.sleep(0.3)  # spreads the writes over several shards; not a timing assertion
            records = [json.loads(line) for line in tail.read(6, timeout=30)]
            assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == keys
        finally:
            tail.stop()
    finally:
        server.close()
