"""`eddy logs FUNCTION [--follow]` against the real binary: a function's output as its
processes wrote it, then new lines as they arrive."""

from __future__ import annotations

import io
import subprocess
import threading
import time
import uuid
import zipfile

import boto3

from conftest import DUMMY_KEYS, REGION
from eddy_proc import eddy_binary

CODE = "def handler(event, context):\n    print('hello from', event['n'])\n    return event['n']\n"


def make_function(endpoint: str) -> tuple[object, str]:
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name=REGION, **DUMMY_KEYS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", CODE)
    name = f"logs-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                        Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": buf.getvalue()})
    return lam, name


def logs(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(eddy_binary()), "logs", "--endpoint", endpoint, *args],
                          capture_output=True, text=True, timeout=30)


def test_logs_print_recent_output_and_name_unknown_functions(eddy):
    lam, name = make_function(eddy.endpoint)
    for n in range(3):
        lam.invoke(FunctionName=name, Payload=f'{{"n": {n}}}'.encode())
    out = logs(eddy.endpoint, name)
    assert out.returncode == 0, out.stderr
    printed = [line for line in out.stdout.splitlines() if line.startswith("hello from")]
    assert printed == ["hello from 0", "hello from 1", "hello from 2"]
    assert sum(line.startswith("REPORT RequestId:") for line in out.stdout.splitlines()) == 3
    last = logs(eddy.endpoint, "--lines", "1", name)
    assert last.stdout.startswith("REPORT RequestId:") and last.stdout.count("\n") == 1
    missing = logs(eddy.endpoint, "no-such-function")
    assert missing.returncode == 1
    assert "ResourceNotFoundException" in missing.stderr


def test_follow_prints_new_lines_once(eddy):
    lam, name = make_function(eddy.endpoint)
    lam.invoke(FunctionName=name, Payload=b'{"n": 0}')
    proc = subprocess.Popen([str(eddy_binary()), "logs", "-f", "--endpoint", eddy.endpoint, name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        for n in (1, 2):
            lam.invoke(FunctionName=name, Payload=f'{{"n": {n}}}'.encode())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sum("hello from 2" in x for x in lines) == 0:
            time.sleep(0.05)
        time.sleep(0.6)  # two more polls: nothing may be repeated
        hellos = [x.strip() for x in lines if x.startswith("hello from")]
        assert hellos == ["hello from 0", "hello from 1", "hello from 2"], lines
    finally:
        proc.terminate()
        proc.wait(timeout=10)
