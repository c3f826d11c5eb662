"""`eddy logs FUNCTION [--follow]` against the real binary: a function's output as its
processes wrote it, then new lines as they arrive."""

from __future__ import annotations

import io
import os
import subprocess
import threading
import time
import uuid
import zipfile

import boto3
import pytest

from conftest import DUMMY_KEYS, REGION
from eddy_proc import Eddy, eddy_binary

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


PID_CODE = "import os\n\ndef handler(event, context):\n    print('line before the answer')\n    return os.getpid()\n"


def test_function_processes_die_with_eddy_even_after_kill_9():
    """A warm function process must not outlive a `kill -9`ed eddy (no destructor runs)."""
    server = Eddy()
    try:
        lam = boto3.client("lambda", endpoint_url=server.endpoint, region_name=REGION, **DUMMY_KEYS)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", PID_CODE)
        lam.create_function(FunctionName="pid", Runtime="python3.11", Handler="app.handler",
                            Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": buf.getvalue()})
        pid = int(lam.invoke(FunctionName="pid")["Payload"].read())
        os.kill(pid, 0)  # alive and warm
        server.kill()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        pytest.fail(f"function process {pid} outlived eddy")
    finally:
        server.close()


def test_output_written_before_the_answer_precedes_end_and_report(eddy):
    lam, name = make_function(eddy.endpoint)
    for n in range(20):
        lam.invoke(FunctionName=name, Payload=f'{{"n": {n}}}'.encode())
    lines = logs(eddy.endpoint, "--lines", "1000", name).stdout.splitlines()
    ends = [i for i, line in enumerate(lines) if line.startswith("END RequestId:")]
    hellos = [i for i, line in enumerate(lines) if line.startswith("hello from")]
    assert len(ends) == len(hellos) == 20
    assert all(h < e for h, e in zip(hellos, ends))
