"""The recording proxy: forward every request to an upstream unchanged, answer with its response unchanged,
and append each exchange, scrubbed of secrets, to a cassette (rewritten after every exchange)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from starlette.types import Receive, Scope, Send

from mock_server.request_path.asgi import header, read_body, send_problem
from mock_server.request_path.exposure import HostPolicy, host_refused
from mock_server.recording.cassette import (
    HOP_BY_HOP,
    Cassette,
    CassetteWriter,
    Headers,
    Interaction,
    Redaction,
    Request,
    Response,
    read_cassette,
    redact_url,
    scrub,
)
from mock_server.errors import ConfigError

logger = logging.getLogger(__name__)


class RecordMode(str, Enum):
    """What to do with a cassette file that already exists."""

    APPEND = "append"
    OVERWRITE = "overwrite"

    @classmethod
    def parse(cls, value: str) -> RecordMode:
        """The mode named `value`; ConfigError lists the valid ones."""
        try:
            return cls(value)
        except ValueError:
            raise ConfigError(f"unknown record mode {value!r}; use one of: {', '.join(m.value for m in cls)}") from None


@dataclass(frozen=True)
class RecordLimits:
    """What one recording keeps at most: exchanges, cassette bytes, and the body size of one recorded exchange."""

    max_exchanges: int = 10_000
    max_bytes: int = 64 * 1024 * 1024
    max_body: int = 10 * 1024 * 1024


def open_cassette(path: Path, upstream: str, redaction: Redaction, mode: RecordMode = RecordMode.APPEND,
                  limits: RecordLimits = RecordLimits()) -> CassetteWriter:
    """A writer for `path`: existing interactions are kept in append mode; the file is written at once."""
    cassette = read_cassette(path) if mode is RecordMode.APPEND and Path(path).exists() else Cassette()
    cassette.upstream = upstream
    if cassette.interactions:  # appending: redact what either policy redacts
        redaction = Redaction(tuple(dict.fromkeys([*cassette.redact, *redaction.added])),
                              tuple(k for k in redaction.kept if k in cassette.keep))
    cassette.redact, cassette.keep = redaction.added, redaction.kept
    writer = CassetteWriter(path, cassette, limits.max_exchanges, limits.max_bytes)
    writer.flush()
    return writer


def _connection_tokens(headers: list[tuple[bytes, bytes]]) -> set[str]:
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return tokens


def _end_to_end(headers: list[tuple[bytes, bytes]], also_drop: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    drop = HOP_BY_HOP | _connection_tokens(headers) | also_drop
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers if k.decode("latin-1").lower() not in drop]


def _as_headers(pairs: list[tuple[str, str]]) -> Headers:
    out: Headers = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


class _RedactedUrls(logging.Filter):
    """Rewrites httpx's "HTTP Request: METHOD URL" log lines with the URL redacted (its query may carry credentials)."""

    def __init__(self, redaction: Redaction) -> None:
        super().__init__()
        self.redaction = redaction

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 2:
            record.args = (record.args[0], redact_url(str(record.args[1]), self.redaction), *record.args[2:])
        return True


def redact_httpx_logs(redaction: Redaction) -> None:
    """Make the httpx logger (which logs every upstream URL at INFO) print redacted URLs; installed once."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactedUrls) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactedUrls(redaction))


class RecordingProxy:
    """ASGI app: a transparent forwarder to `upstream` that records into `writer` (with the cassette's redaction)."""

    def __init__(self, upstream: str, writer: CassetteWriter, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None, max_body: int = RecordLimits.max_body,
                 hosts: HostPolicy | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--upstream must be an http(s) URL like https://api.example.com, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self.writer = writer
        self.redaction = Redaction.of(writer.cassette)
        redact_httpx_logs(self.redaction)
        self.timeout = timeout
        self.transport = transport
        self.max_body = max_body
        self.hosts = hosts or HostPolicy("127.0.0.1")  # the Host names it answers to: loopback only, unless told more
        self.skipped = 0  # exchanges forwarded but not recorded (a body over max_body, or a full cassette)
        self._full_warned = False
        self._client: httpx.AsyncClient | None = None
        self._lifespan_managed = False  # only a server that sends lifespan shutdown lets us close a connection pool

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            keepalive = None if self._lifespan_managed else 0
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False,
                                             transport=self.transport, limits=httpx.Limits(max_keepalive_connections=keepalive))
        return self._client

    async def aclose(self) -> None:
        """Close the upstream connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not proxied
        host = header(scope, b"host")
        if not self.hosts.allows(host):  # a page that rebound its name to this proxy: nothing is forwarded or recorded
            await send_problem(send, 403, "Forbidden", host_refused(host), "host-not-allowed")
            return
        body = await read_body(receive)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = self.upstream + raw_path.decode("latin-1") + (("?" + query.decode("latin-1")) if query else "")
        sent_headers = _end_to_end(scope["headers"], frozenset({"host", "content-length"}))
        try:
            upstream = await self._http().send(
                self._http().build_request(scope["method"], url, headers=sent_headers, content=body), stream=True)
            try:
                raw = b"".join([chunk async for chunk in upstream.aiter_raw()])
            finally:
                await upstream.aclose()
        except httpx.TimeoutException as exc:
            await _problem(send, 504, "Upstream Timeout", f"{scope['method']} {redact_url(url, self.redaction)}: {type(exc).__name__}")
            return
        except httpx.HTTPError as exc:
            await _problem(send, 502, "Bad Gateway", f"{scope['method']} {redact_url(url, self.redaction)} failed: {type(exc).__name__}: {exc}")
            return
        answer = _end_to_end(upstream.headers.raw, frozenset({"content-length"}))
        answer.append(("content-length", str(len(raw))))
        # Written before the client gets its answer: whatever a client has seen is on disk.
        self._record(scope["method"], url, sent_headers, body, upstream, answer, raw)
        await send({"type": "http.response.start", "status": upstream.status_code,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer]})
        await send({"type": "http.response.body", "body": raw})

    def _record(self, method: str, url: str, sent: list[tuple[str, str]], body: bytes, upstream: httpx.Response,
                answer: list[tuple[str, str]], raw: bytes) -> None:
        try:
            decoded = httpx.Response(upstream.status_code, headers=upstream.headers, content=raw).content
        except httpx.DecodingError:  # an encoding httpx cannot undo: keep the bytes as sent
            decoded = raw
        headers = answer
        if decoded != raw:  # store the decoded body, as VCR.py's decode_compressed_response does
            headers = [(k, v) for k, v in answer if k.lower() not in ("content-encoding", "content-length")]
            headers.append(("content-length", str(len(decoded))))
        where = f"{method} {redact_url(url, self.redaction)} -> {upstream.status_code}"
        largest = max(len(body), len(decoded))
        if largest > self.max_body:
            self.skipped += 1
            logger.warning("not recorded: %s has a body of %d bytes, over the %d-byte limit (--max-recorded-body)",
                           where, largest, self.max_body)
            return
        interaction = Interaction(
            Request(method, url, _as_headers(sent), body),
            Response(upstream.status_code, upstream.reason_phrase, _as_headers(headers), decoded),
            datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        )
        if not self.writer.append(scrub(interaction, self.redaction)):
            self.skipped += 1
            if not self._full_warned:
                self._full_warned = True
                logger.warning("the cassette is full (%d exchanges, %d bytes; --max-exchanges %s, --max-cassette-size %s "
                               "bytes): %s and later exchanges are forwarded but not recorded; record into another --out",
                               self.writer.count, self.writer.size, self.writer.max_interactions, self.writer.max_bytes, where)
            return
        logger.debug("recorded %s", where)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._lifespan_managed = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "https://flowmock.dev/problems/upstream", "title": title, "status": status,
                       "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def banner(host: str, port: int, upstream: str, out: Path, existing: int) -> str:
    """The start-up text of `flowmock record`."""
    kept = f" (appending to {existing} recorded exchange(s))" if existing else ""
    return (f"flowmock recording proxy on http://{host}:{port}\n"
            f"  forwarding to {upstream}\n  cassette:     {out}{kept}\n"
            f"  secrets in headers, query strings and JSON bodies are written as REDACTED")
