"""Starting and stopping the real `eddy` binary for the Python suites.

The binary is `$EDDY_BIN` when set, else `<repo>/target/debug/eddy` (built by
`cargo build -p eddy`). It is started with `--port 0`; the port is read from the line
`eddy listening on http://127.0.0.1:PORT` it prints. Output goes to a log file (never a
pipe, so a chatty server can't block on a full pipe), which is shown when startup fails.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"eddy listening on (http://[0-9.]+:(\d+))")


def eddy_binary() -> Path:
    """The eddy binary under test; raises with a build hint when it is missing."""
    path = Path(os.environ.get("EDDY_BIN") or REPO / "target" / "debug" / "eddy")
    if not path.is_file():
        raise FileNotFoundError(
            f"eddy binary not found at {path}: run `cargo build -p eddy` or set EDDY_BIN"
        )
    return path


class Eddy:
    """One running eddy server process."""

    def __init__(self, *args: str, data_dir: str | os.PathLike | None = None, timeout: float = 30.0):
        self.args = list(args)
        self.data_dir = None if data_dir is None else str(data_dir)
        self.log = tempfile.NamedTemporaryFile(prefix="eddy-", suffix=".log", delete=False)
        cmd = [str(eddy_binary()), "serve", "--port", "0", "--bind", "127.0.0.1"]
        cmd += ["--data-dir", self.data_dir] if self.data_dir else ["--in-memory"]
        cmd += self.args
        self.cmd = cmd
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.endpoint, self.port = self._wait_for_port(timeout)

    def _wait_for_port(self, timeout: float) -> tuple[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = LISTENING.search(self.output())
            if m:
                return m.group(1), int(m.group(2))
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"eddy exited with code {self.proc.returncode} before listening\n"
                    f"command: {' '.join(self.cmd)}\noutput:\n{self.output()[-4000:]}"
                )
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(
            f"eddy did not print its port within {timeout}s\n"
            f"command: {' '.join(self.cmd)}\noutput:\n{self.output()[-4000:]}"
        )

    def output(self) -> str:
        """Everything the process has printed so far (stdout and stderr)."""
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait; returns the exit code (SIGKILL after `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        """Stops the process (if still running) and removes the log file."""
        self.terminate()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass
