"""Server processes for the benchmarks: start one, time it to its first answer, read its memory, stop it."""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90.0  # seconds a server may take to answer its first request before the run gives up on it


class ServerProcess:
    """A server in its own process group on 127.0.0.1; `with` stops it (the whole group) however the block ends."""

    def __init__(self, name: str, command: list[str], port: int, probe: str, headers: dict[str, str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.probe = probe
        self.headers = headers or {}
        self.env = {**os.environ, **(env or {})}
        self.startup_s = 0.0
        self.stderr_tail = b""
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:53211."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        """Start the process and wait for the first answered request (any status); records start-up seconds."""
        started = time.perf_counter()
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        threading.Thread(target=self._keep_stderr_tail, daemon=True).start()
        while time.perf_counter() - started < START_TIMEOUT:
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader thread collect the last words
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before answering:\n{self.stderr_tail.decode(errors='replace')}")
            if self._answers():
                self.startup_s = time.perf_counter() - started
                return self
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT:.0f} s")

    def _answers(self) -> bool:
        """True once the probe request gets any HTTP answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", self.probe, headers=self.headers)
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def _keep_stderr_tail(self) -> None:
        """Read the server's stderr to its end (a chatty server never blocks on a full pipe), keeping the last 2 kB."""
        stream = self.proc.stderr if self.proc else None
        while stream is not None:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            self.stderr_tail = (self.stderr_tail + chunk)[-2000:]

    def rss_mb(self) -> float | None:
        """Resident memory of the process and its children, in MB (None where /proc is not available)."""
        if self.proc is None:
            return None
        return tree_rss_mb(self.proc.pid)

    def cpu_seconds(self) -> float | None:
        """CPU seconds (user + system) the process and its children have used so far."""
        if self.proc is None:
            return None
        return tree_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        """Terminate the process group, then kill it if it has not exited after 5 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()


def tree_rss_mb(pid: int) -> float | None:
    """VmRSS of `pid` and all its descendants, in MB, from /proc."""
    tree = _process_tree(pid)
    return None if tree is None else sum(_rss_kb(member) for member in tree) / 1024


def tree_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds used so far by `pid` and its live descendants, from /proc."""
    tree = _process_tree(pid)
    return None if tree is None else sum(_cpu_ticks(member) for member in tree) / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int] | None:
    """`pid` and all its descendants (None where /proc is not available)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _cpu_ticks(pid: int) -> int:
    """utime + stime of one process in clock ticks (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def _rss_kb(pid: int) -> int:
    """VmRSS of one process in kB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """Samples a server's resident memory every 0.2 s while a load runs; `peak` is the highest seen."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.peak: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            value = self.server.rss_mb()
            if value is not None:
                self.peak = max(self.peak or 0.0, value)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(2)
