"""Filters that redact secrets from requests and responses before anything is written."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from mock_server.recording.cassette._model import Headers, Interaction, Request, Response, media_type
from mock_server.redaction import (  # noqa: F401  (re-exported: the cassette package is where recording code finds them)
    Redaction,
    redact_body,
    redact_header_value,
    redact_json,
    redact_query,
    redact_query_string,
    redact_url,
    redacted_header_value,
)

logger = logging.getLogger(__name__)


RequestFilter = Callable[[Request], Request]
ResponseFilter = Callable[[Response], Response]


def _redacted_headers(headers: Headers, names: frozenset[str]) -> Headers:
    if not any(k.lower() in names for k in headers):
        return headers
    return {k: [redact_header_value(k, v) for v in vs] if k.lower() in names else vs for k, vs in headers.items()}


def header_filter(names: frozenset[str]) -> RequestFilter:
    """Replace the values of the named request headers."""
    return lambda req: replace(req, headers=_redacted_headers(req.headers, names))


def response_header_filter(names: frozenset[str]) -> ResponseFilter:
    """Replace the values of the named response headers (Set-Cookie keeps its attributes)."""
    return lambda res: replace(res, headers=_redacted_headers(res.headers, names))










def query_filter(fields: frozenset[str]) -> RequestFilter:
    """Replace token-like query parameters, and drop user:password from the URI."""
    def apply(req: Request) -> Request:
        parts = urlsplit(req.uri)
        netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
        query = redact_query_string(parts.query, fields) if parts.query else parts.query
        if netloc == parts.netloc and query == parts.query:
            return req
        return replace(req, uri=urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))
    return apply






def body_filter(fields: frozenset[str]) -> RequestFilter:
    """Replace token-like fields of JSON (recursively) and form request bodies."""
    return lambda req: replace(req, body=redact_body(req.body, media_type(req.headers), fields))


def response_body_filter(fields: frozenset[str]) -> ResponseFilter:
    """Replace token-like fields of JSON response bodies, recursively."""
    return lambda res: replace(res, body=redact_body(res.body, media_type(res.headers), fields))


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
