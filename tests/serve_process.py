"""`flowmock serve` as a real subprocess, with its output read line by line while it runs."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

FLOWMOCK = str(Path(sys.executable).with_name("flowmock"))


class ServeProcess:
    """Starts `flowmock serve ARGS --port 0`, waits for the banner, knows the URL it printed."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([FLOWMOCK, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        self.url = ""

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, fragment: str, timeout: float = 60) -> str:
        """The first new line containing `fragment` (every line read is kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    raise AssertionError(f"flowmock exited ({self.proc.returncode}) before printing {fragment!r}: "
                                         f"{self.proc.stderr.read() if self.proc.stderr else ''}") from None
                continue
            self.seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"no line with {fragment!r} within {timeout}s; got {self.seen}")

    def start(self) -> ServeProcess:
        """Wait for the banner's inspector line (the last one) and take the base URL from it."""
        line = self.wait_for("inspector:")
        self.url = line.split("inspector:", 1)[1].split()[0].removesuffix("/__flowmock/")
        return self

    def rest(self) -> list[str]:
        """Every line printed and not yet read (call after `stop`)."""
        lines = []
        while not self.lines.empty():
            lines.append(self.lines.get())
        self.seen += lines
        return lines

    def stop(self) -> tuple[int, str]:
        """Ctrl+C, then the exit code and whatever went to stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        return self.proc.returncode, self.proc.stderr.read() if self.proc.stderr else ""
