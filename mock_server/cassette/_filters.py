"""Filters that redact secrets from requests and responses before anything is written."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from mock_server.cassette._matchers import parse_json_body
from mock_server.cassette._model import (
    DEFAULT_REDACT_FIELDS,
    DEFAULT_REDACT_HEADERS,
    NOT_JSON,
    REDACTED,
    Cassette,
    Headers,
    Interaction,
    Request,
    Response,
    field_key,
    media_type,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Redaction:
    """The default secret names, plus `added` names and minus `kept` ones (each name is a header and a field)."""

    added: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    @cached_property
    def headers(self) -> frozenset[str]:
        """Header names to redact, lower case."""
        return frozenset((DEFAULT_REDACT_HEADERS | {n.lower() for n in self.added}) - {n.lower() for n in self.kept})

    @cached_property
    def fields(self) -> frozenset[str]:
        """Query, form and JSON field names to redact, normalised by `field_key`."""
        names = {field_key(n) for n in DEFAULT_REDACT_FIELDS} | {field_key(n) for n in self.added}
        return frozenset(names - {field_key(n) for n in self.kept})

    def adjusted(self, add: Iterable[str] = (), keep: Iterable[str] = ()) -> Redaction:
        """This policy with more names to redact and more default names to leave alone."""
        added = tuple(dict.fromkeys([*self.added, *add]))
        kept = tuple(dict.fromkeys([*self.kept, *keep]))
        return Redaction(added, kept)

    @classmethod
    def of(cls, cassette: Cassette) -> Redaction:
        """The policy a cassette was recorded with."""
        return cls(tuple(cassette.redact), tuple(cassette.keep))


RequestFilter = Callable[[Request], Request]
ResponseFilter = Callable[[Response], Response]


def _redact_header_value(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered == "cookie":
        return "; ".join(f"{part.split('=', 1)[0].strip()}={REDACTED}" if "=" in part else REDACTED
                         for part in value.split(";") if part.strip())
    if lowered == "set-cookie":
        first, sep, attributes = value.partition(";")
        cookie = f"{first.split('=', 1)[0].strip()}={REDACTED}" if "=" in first else REDACTED
        return cookie + sep + attributes
    scheme, space, credentials = value.partition(" ")
    if space and credentials and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", scheme):
        return f"{scheme} {REDACTED}"
    return REDACTED


def _redacted_headers(headers: Headers, names: frozenset[str]) -> Headers:
    if not any(k.lower() in names for k in headers):
        return headers
    return {k: [_redact_header_value(k, v) for v in vs] if k.lower() in names else vs for k, vs in headers.items()}


def header_filter(names: frozenset[str]) -> RequestFilter:
    """Replace the values of the named request headers."""
    return lambda req: replace(req, headers=_redacted_headers(req.headers, names))


def response_header_filter(names: frozenset[str]) -> ResponseFilter:
    """Replace the values of the named response headers (Set-Cookie keeps its attributes)."""
    return lambda res: replace(res, headers=_redacted_headers(res.headers, names))


def _redact_query_string(query: str, fields: frozenset[str]) -> str:
    parts = []
    for segment in query.split("&"):
        key, eq, _value = segment.partition("=")
        parts.append(f"{key}={REDACTED}" if eq and field_key(unquote_plus(key)) in fields else segment)
    return "&".join(parts)


def redact_query(query: str, redaction: Redaction | None = None) -> str:
    """A query string with the values of token-like parameters (`api_key`, `access_token`, ...) replaced."""
    return _redact_query_string(query, (redaction or Redaction()).fields) if query else query


def redact_url(url: str, redaction: Redaction | None = None) -> str:
    """A URL without user:password and with token-like query parameters redacted (for logs and messages)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, redact_query(parts.query, redaction), parts.fragment))


def redacted_header_value(name: str, value: str, redaction: Redaction | None = None) -> str:
    """The value of a header, redacted when its name is a credential header (`Authorization`, `X-Api-Key`, ...)."""
    return _redact_header_value(name, value) if name.lower() in (redaction or Redaction()).headers else value


def query_filter(fields: frozenset[str]) -> RequestFilter:
    """Replace token-like query parameters, and drop user:password from the URI."""
    def apply(req: Request) -> Request:
        parts = urlsplit(req.uri)
        netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
        query = _redact_query_string(parts.query, fields) if parts.query else parts.query
        if netloc == parts.netloc and query == parts.query:
            return req
        return replace(req, uri=urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))
    return apply


def redact_json(value: Any, fields: frozenset[str]) -> tuple[Any, bool]:
    """Replace token-like keys at any depth; return the new value and whether anything changed."""
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            if field_key(str(key)) in fields and item is not None and item != REDACTED:
                out[key], changed = REDACTED, True
            else:
                out[key], sub = redact_json(item, fields)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        results = [redact_json(item, fields) for item in value]
        return [r[0] for r in results], any(r[1] for r in results)
    return value, False


def _redact_body(body: bytes, ctype: str, fields: frozenset[str]) -> bytes:
    if not body:
        return body
    parsed = parse_json_body(body, ctype)
    if parsed is not NOT_JSON:
        new, changed = redact_json(parsed, fields)
        if not changed:
            return body
        spaced = b'": ' in body or b", " in body
        return json.dumps(new, ensure_ascii=False, separators=(", ", ": ") if spaced else (",", ":")).encode("utf-8")
    if ctype == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", errors="replace")
        new_text = _redact_query_string(text, fields)
        return body if new_text == text else new_text.encode("utf-8")
    return body


def body_filter(fields: frozenset[str]) -> RequestFilter:
    """Replace token-like fields of JSON (recursively) and form request bodies."""
    return lambda req: replace(req, body=_redact_body(req.body, media_type(req.headers), fields))


def response_body_filter(fields: frozenset[str]) -> ResponseFilter:
    """Replace token-like fields of JSON response bodies, recursively."""
    return lambda res: replace(res, body=_redact_body(res.body, media_type(res.headers), fields))


def request_filters(redaction: Redaction) -> list[RequestFilter]:
    """The default request filter chain for a redaction policy."""
    return [header_filter(redaction.headers), query_filter(redaction.fields), body_filter(redaction.fields)]


def response_filters(redaction: Redaction) -> list[ResponseFilter]:
    """The default response filter chain for a redaction policy."""
    return [response_header_filter(redaction.headers), response_body_filter(redaction.fields)]


def scrub_request(req: Request, redaction: Redaction) -> Request:
    """Run the request filter chain."""
    for apply in request_filters(redaction):
        req = apply(req)
    return req


def scrub(interaction: Interaction, redaction: Redaction) -> Interaction:
    """Run both filter chains over an interaction (the input is not modified)."""
    res = interaction.response
    for apply in response_filters(redaction):
        res = apply(res)
    return Interaction(scrub_request(interaction.request, redaction), res, interaction.recorded_at)
