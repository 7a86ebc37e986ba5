"""Bounded HTTP load on 127.0.0.1: wrk when it is installed, else an asyncio keep-alive generator; same figures."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_LATENCY_SAMPLES = 200_000  # the Python generator keeps at most this many latencies (memory stays bounded)


@dataclass(frozen=True)
class Request:
    """One kind of request a row sends again and again."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    expect: int = 200


@dataclass
class LoadResult:
    """What one bounded load run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    unexpected: int  # answers whose status was not the expected one (or socket errors)
    loader: str


def wrk_available() -> bool:
    """True when the wrk binary is on PATH."""
    return shutil.which("wrk") is not None


def install_wrk() -> str:
    """Install wrk from the Debian packages when we are root; returns what happened, for the report."""
    if wrk_available():
        return "wrk found"
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return "wrk missing and not installable here (needs root and apt-get)"
    for step in (["apt-get", "install", "-y", "-q", "wrk"], ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "wrk"]):
        if step[1] == "update" and wrk_available():
            break
        subprocess.run(step, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False)
    return "wrk installed with apt-get" if wrk_available() else "apt-get could not install wrk"


def run_load(base_url: str, request: Request, duration: float, connections: int, loader: str) -> LoadResult:
    """Load one URL for `duration` seconds with `connections` keep-alive connections."""
    if loader == "wrk":
        return _run_wrk(base_url, request, duration, connections)
    return asyncio.run(_python_load(base_url, request, duration, connections))


# ---- wrk ----

def _lua_script(request: Request) -> str:
    """A wrk script that sends this request (method, headers and body) on every call."""
    lines = [f'wrk.method = "{request.method}"']
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")  # spaces: `[[` would open a string
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode())}")
    return "\n".join(lines) + "\n"


def _lua_string(text: str) -> str:
    """A Lua long-bracket literal holding `text` verbatim."""
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def _run_wrk(base_url: str, request: Request, duration: float, connections: int) -> LoadResult:
    """Run `wrk -t1 -cN -dS --latency` and read its report."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua_script(request))
    try:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "--latency",
                   "-s", script.name, base_url + request.path]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    finally:
        os.unlink(script.name)
    if done.returncode != 0 or "error" in done.stderr.lower():
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return parse_wrk(done.stdout, request.expect)


def parse_wrk(output: str, expect: int) -> LoadResult:
    """Requests/s, p50, p99 and the count of unexpected answers from wrk's `--latency` report."""
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)", output, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)", output, re.M)
    if not (total and rps and p50 and p99):
        raise RuntimeError(f"could not read wrk's report:\n{output}")
    requests = int(total.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    off_status = int(non_2xx.group(1)) if non_2xx else 0
    unexpected = off_status if expect < 400 else requests - off_status
    unexpected += sum(int(n) for n in errors.groups()) if errors else 0
    return LoadResult(requests, _ms(total.group(2), total.group(3)) / 1000, float(rps.group(1)),
                      _ms(p50.group(1), p50.group(2)), _ms(p99.group(1), p99.group(2)), unexpected, "wrk")


def _ms(value: str, unit: str) -> float:
    """A wrk duration in milliseconds."""
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


# ---- asyncio generator (when wrk cannot be installed) ----

async def _python_load(base_url: str, request: Request, duration: float, connections: int) -> LoadResult:
    """`connections` keep-alive HTTP/1.1 clients sending the request in a loop until the time is up."""
    url = urlsplit(base_url)
    head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {url.netloc}"]
    head += [f"{name}: {value}" for name, value in request.headers.items()]
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(request.body)}")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + request.body
    latencies: list[float] = []
    counts = {"requests": 0, "unexpected": 0}
    started = time.perf_counter()
    deadline = started + duration

    async def client() -> None:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                writer.write(raw)
                status = await _read_response(reader)
                counts["requests"] += 1
                counts["unexpected"] += status != request.expect
                if len(latencies) < MAX_LATENCY_SAMPLES:
                    latencies.append((time.perf_counter() - sent) * 1000)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts["unexpected"] += 1
        finally:
            writer.close()

    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(connections))), timeout=duration + 30)
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return LoadResult(counts["requests"], seconds, counts["requests"] / seconds, _percentile(ordered, 50), _percentile(ordered, 99),
                      counts["unexpected"], "python")


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked body) and return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status


def _percentile(ordered: list[float], pct: float) -> float:
    """The pct-th percentile of sorted values (nearest rank)."""
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]
