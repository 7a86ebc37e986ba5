"""Matchers: `(r1, r2)` functions that raise AssertionError naming what differs."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from mock_server.recording.cassette._model import NOT_JSON, Request, media_type
from mock_server.redaction import parse_json_body  # noqa: F401  (re-exported by the cassette package)

logger = logging.getLogger(__name__)


Matcher = Callable[[Request, Request], None]


def match_method(r1: Request, r2: Request) -> None:
    """Same HTTP method."""
    if r1.method.upper() != r2.method.upper():
        raise AssertionError(f"method {r1.method.upper()} != {r2.method.upper()}")


def match_path(r1: Request, r2: Request) -> None:
    """Same decoded path."""
    if r1.path != r2.path:
        raise AssertionError(f"path {r1.path} != {r2.path}")


def match_query(r1: Request, r2: Request) -> None:
    """Same query parameters, in any order."""
    q1, q2 = sorted(r1.query), sorted(r2.query)
    if q1 != q2:
        only1 = [f"{k}={v}" for k, v in q1 if (k, v) not in q2]
        only2 = [f"{k}={v}" for k, v in q2 if (k, v) not in q1]
        raise AssertionError(f"query differs: {'&'.join(only1) or '(nothing)'} vs {'&'.join(only2) or '(nothing)'}")


def match_body(r1: Request, r2: Request) -> None:
    """JSON bodies compared as JSON, form bodies as parameters; other non-empty bodies are not compared."""
    j1, j2 = parse_json_body(r1.body, media_type(r1.headers)), parse_json_body(r2.body, media_type(r2.headers))
    if j1 is not NOT_JSON or j2 is not NOT_JSON:
        if j1 is NOT_JSON or j2 is NOT_JSON:
            raise AssertionError(f"body: JSON vs {'empty' if not (r1.body and r2.body) else 'non-JSON'} body")
        difference = json_difference(j1, j2)
        if difference:
            raise AssertionError(f"body differs at {difference}")
        return
    forms = [media_type(r.headers) == "application/x-www-form-urlencoded" for r in (r1, r2)]
    if all(forms):
        f1 = sorted(parse_qsl(r1.body.decode("utf-8", "replace"), keep_blank_values=True))
        f2 = sorted(parse_qsl(r2.body.decode("utf-8", "replace"), keep_blank_values=True))
        if f1 != f2:
            raise AssertionError("form body differs")
    elif bool(r1.body) != bool(r2.body):
        raise AssertionError("body: one request has a body, the other none")


def json_difference(a: Any, b: Any, where: str = "$") -> str | None:
    """The first place where two JSON values differ (`$.tasks[0].name: 'x' != 'y'`), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{where}.{key}: {'missing' if key not in a else _short(a[key])} != " \
                       f"{'missing' if key not in b else _short(b[key])}"
            found = json_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = json_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return f"{where}: {_short(a)} != {_short(b)}"
    return None if a == b else f"{where}: {_short(a)} != {_short(b)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


MATCHERS: dict[str, Matcher] = {"method": match_method, "path": match_path, "query": match_query, "body": match_body}
DEFAULT_MATCH_ON: tuple[str, ...] = ("method", "path", "query", "body")


def failed_matchers(r1: Request, r2: Request, match_on: Iterable[str] = DEFAULT_MATCH_ON) -> list[tuple[str, str]]:
    """Run the named matchers; return (name, reason) for each that failed."""
    failures = []
    for name in match_on:
        try:
            MATCHERS[name](r1, r2)
        except AssertionError as exc:
            failures.append((name, str(exc)))
    return failures
