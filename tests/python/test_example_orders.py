"""The order-notifications example (examples/order-notifications), run exactly as a
newcomer runs it: `demo.py --check` starts its own eddy (the binary under test) with a
local SMTP server, a fake WhatsApp Cloud API and a webhook, sets up table → stream →
mapping → function → topic → subscriptions, writes one order and waits for the e-mail,
the WhatsApp message and the webhook notification.

The second test deploys a handler that never publishes and expects the demo to fail, so
the first one cannot pass by accident (e.g. by not waiting for anything)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import uuid

from eddy_proc import REPO, eddy_binary

DEMO = REPO / "examples" / "order-notifications" / "demo.py"


def run_demo(*args: str, timeout: float = 90.0) -> tuple[int, str]:
    """Runs the demo; returns (exit code, stdout+stderr). On a hang it is sent SIGTERM (so
    it stops its eddy) and the test fails with what it printed."""
    cmd = [sys.executable, str(DEMO), "--check", "--eddy", str(eddy_binary()), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        raise AssertionError(f"demo did not finish within {timeout}s:\n{out}")
    return proc.returncode, out


def test_demo_delivers_the_order_by_email_whatsapp_and_webhook():
    order_id = "o-" + uuid.uuid4().hex[:8]
    code, out = run_demo("--order-id", order_id)
    assert code == 0, out
    text = f"Order {order_id} placed: Espresso beans 1kg x2, total 59.80"
    assert re.search(rf'^==> email delivered to orders@shop\.example .*Subject "Order {order_id} placed"$', out, re.M), out
    assert re.search(rf'^==> whatsapp delivered to \+14155550100 .*"{re.escape(text)}"$', out, re.M), out
    assert re.search(rf'^==> webhook delivered .*Notification "{re.escape(text)}"$', out, re.M), out
    assert f"OK: order {order_id} reached email, whatsapp, webhook" in out, out


def test_demo_fails_when_the_function_does_not_publish(tmp_path):
    silent = tmp_path / "handler.py"
    silent.write_text("def handler(event, context):\n    return {'batchItemFailures': []}\n")
    code, out = run_demo("--handler", str(silent), "--timeout", "4")
    assert code == 1, out
    assert "FAILED: timed out after 4s: no email, no whatsapp, no webhook notification" in out, out
    assert "==> " not in out, out
