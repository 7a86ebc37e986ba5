"""Serve recorded responses from cassettes in front of the stateful mock.

A request matches a recorded one when every matcher passes (method, path, query, and the body when it is
JSON or a form, compared after the same secret redaction the recording applied). Identical requests are
answered in recorded order; once their recordings are used up the last one is repeated, so a client that
polls keeps seeing the final recorded state. Unmatched requests fall through to the wrapped app, or in
strict mode get a 404 problem naming the closest recorded requests and the matchers that failed.
"""
from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.request_path.asgi import read_body, receive_again
from mock_server.request_path.journal import JOURNAL_NOTE, REPLAY_CLOSEST
from mock_server.recording.cassette import (
    DEFAULT_MATCH_ON,
    HOP_BY_HOP,
    Redaction,
    Request,
    Response,
    failed_matchers,
    read_cassette,
    redact_url,
    scrub_request,
)

logger = logging.getLogger(__name__)

# How much each failed matcher counts when ranking near misses (lower total = closer).
_WEIGHTS = {"method": 3, "path": 5, "query": 2, "body": 2}
_PASS_THROUGH = ("/__flowmock",)
# Set by the serving server itself (uvicorn adds Date and Server); replaying them would duplicate them.
_SERVER_SET = frozenset({"content-length", "date", "server"})


@dataclass(frozen=True)
class Recorded:
    """One replayable exchange: where it came from, its request as matched, its response, its cassette's redaction."""

    source: str
    index: int
    request: Request
    response: Response
    redaction: Redaction


@dataclass(frozen=True)
class NearMiss:
    """A recorded request that almost matched, with the matchers that failed and why."""

    recorded: Recorded
    failures: list[tuple[str, str]]
    distance: float

    def as_dict(self) -> dict[str, Any]:
        """Render for the strict-miss problem body."""
        req = self.recorded.request
        return {"cassette": self.recorded.source, "interaction": self.recorded.index, "method": req.method,
                "path": req.path, "query": req.raw_query,
                "failed": [{"matcher": name, "reason": reason} for name, reason in self.failures]}


def _relative(req: Request, base_path: str) -> Request:
    """The request as a client of the replaying server sends it: path without the upstream's base path."""
    parts = urlsplit(req.uri)
    path = parts.path or "/"
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        path = path[len(base_path):] or "/"
    return replace(req, uri=path + (f"?{parts.query}" if parts.query else ""))


def load_recordings(paths: Iterable[Path]) -> list[Recorded]:
    """Every interaction of the cassettes, in order."""
    recordings: list[Recorded] = []
    for path in paths:
        cassette = read_cassette(Path(path))
        redaction = Redaction.of(cassette)
        base = urlsplit(cassette.upstream).path.rstrip("/") if cassette.upstream else ""
        for i, interaction in enumerate(cassette.interactions):
            recordings.append(Recorded(str(path), i, _relative(interaction.request, base), interaction.response, redaction))
    return recordings


class _Incoming:
    """A live request, scrubbed once per redaction policy so it compares with what each cassette stored."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._views: dict[Redaction, Request] = {}

    def seen_as(self, redaction: Redaction) -> Request:
        if redaction not in self._views:
            self._views[redaction] = scrub_request(self.request, redaction)
        return self._views[redaction]




class ReplayMiddleware:
    """ASGI middleware: answer from cassettes, else fall through to `app` (or 404 when `strict`)."""

    def __init__(self, app: ASGIApp, cassette_paths: list[Path], strict: bool = False,
                 match_on: tuple[str, ...] = DEFAULT_MATCH_ON, closest: int = 3) -> None:
        self.app = app
        self.strict = strict
        self.match_on = match_on
        self.closest = closest
        self.recordings = load_recordings(cassette_paths)
        self._by_route: dict[tuple[str, str], list[int]] = {}
        for i, rec in enumerate(self.recordings):
            self._by_route.setdefault((rec.request.method.upper(), rec.request.path), []).append(i)
        self._used: set[int] = set()
        logger.info("replaying %d recorded exchange(s) from %d cassette(s)", len(self.recordings), len(cassette_paths))

    def reset(self) -> None:
        """Start every sequence of identical requests from its first recording again."""
        self._used.clear()

    def find(self, request: Request) -> Recorded | None:
        """The recording to serve for a request, advancing through identical ones in recorded order."""
        incoming = _Incoming(request)
        pool = (self._by_route.get((request.method.upper(), request.path), [])
                if {"method", "path"} <= set(self.match_on) else range(len(self.recordings)))
        candidates = [i for i in pool if not self._failures(self.recordings[i], incoming)]
        if not candidates:
            return None
        chosen = next((i for i in candidates if i not in self._used), candidates[-1])
        self._used.add(chosen)
        return self.recordings[chosen]

    def _failures(self, rec: Recorded, incoming: _Incoming) -> list[tuple[str, str]]:
        return failed_matchers(rec.request, incoming.seen_as(rec.redaction), self.match_on)

    def near_misses(self, request: Request, same_route: bool = False) -> list[NearMiss]:
        """The recorded requests closest to `request`, closest first (only those of its method and path when `same_route`)."""
        misses = []
        incoming = _Incoming(request)
        target = f"{request.method} {request.path}?{request.raw_query}"
        pool = self._by_route.get((request.method.upper(), request.path), []) if same_route else range(len(self.recordings))
        for rec in (self.recordings[i] for i in pool):
            failures = self._failures(rec, incoming)
            similarity = difflib.SequenceMatcher(None, f"{rec.request.method} {rec.request.path}?{rec.request.raw_query}",
                                                 target).ratio()
            misses.append(NearMiss(rec, failures, sum(_WEIGHTS.get(n, 1) for n, _ in failures) + (1 - similarity)))
        return sorted(misses, key=lambda m: m.distance)[: self.closest]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_PASS_THROUGH):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        raw_path = scope.get("raw_path") or quote(scope["path"]).encode()
        query = scope.get("query_string", b"").decode("latin-1")
        headers: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        incoming = Request(scope["method"], raw_path.decode("latin-1") + (f"?{query}" if query else ""), headers, body)
        found = self.find(incoming)
        if found is not None:
            scope[JOURNAL_NOTE] = {"source": "replay"}
            logger.debug("replay %s %s from %s#%d", incoming.method, redact_url(incoming.uri), found.source, found.index)
            await _send_recorded(send, found.response, scope["method"] == "HEAD")
            return
        if self.strict and not _is_preflight(scope["method"], headers):
            scope[JOURNAL_NOTE] = {"source": "replay"}
            misses = self.near_misses(incoming)
            scope[REPLAY_CLOSEST] = [m.as_dict() for m in misses]
            logger.debug("replay miss %s %s (strict)", incoming.method, redact_url(incoming.uri))
            await _send_miss(send, scrub_request(incoming, Redaction()), misses)
            return
        logger.debug("replay miss %s %s: falling back to the mock", incoming.method, redact_url(incoming.uri))
        if not _is_preflight(scope["method"], headers):
            # a request the mock serves is compared only with recordings of its own route (cheap, and the ones that matter)
            scope[REPLAY_CLOSEST] = [m.as_dict() for m in self.near_misses(incoming, same_route=True)]
        await self.app(scope, receive_again(body, receive), send)


def _is_preflight(method: str, headers: dict[str, list[str]]) -> bool:
    return method == "OPTIONS" and "access-control-request-method" in {k.lower() for k in headers}


def _encode(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


async def _send_recorded(send: Send, response: Response, head: bool) -> None:
    raw = [(_encode(k.lower()), _encode(v)) for k, vs in response.headers.items()
           if k.lower() not in HOP_BY_HOP and k.lower() not in _SERVER_SET for v in vs]
    raw.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else response.body})


async def _send_miss(send: Send, incoming: Request, misses: list[NearMiss]) -> None:
    shown = f"{incoming.method} {incoming.path}" + (f"?{incoming.raw_query}" if incoming.raw_query else "")
    if misses:
        best = misses[0]
        closest = f"{best.recorded.request.method} {best.recorded.request.path}" + \
            (f"?{best.recorded.request.raw_query}" if best.recorded.request.raw_query else "")
        detail = f"No recorded request matches {shown}; closest: {closest} ({'; '.join(r for _, r in best.failures)})"
    else:
        detail = f"No recorded request matches {shown}; the cassettes are empty"
    problem = {"type": "https://flowmock.dev/problems/replay-miss", "title": "No Recorded Response", "status": 404,
               "detail": detail, "request": {"method": incoming.method, "path": incoming.path, "query": incoming.raw_query},
               "closest": [m.as_dict() for m in misses]}
    body = json.dumps(problem, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
