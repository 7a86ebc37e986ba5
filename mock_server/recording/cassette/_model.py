"""The cassette model: requests, responses, interactions, and the constants they share."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from mock_server.errors import ConfigError
from mock_server.redaction import DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS, NOT_JSON, REDACTED, field_key  # noqa: F401

logger = logging.getLogger(__name__)

CASSETTE_VERSION = 1
Headers = dict[str, list[str]]

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
})
class CassetteError(ConfigError):
    """A cassette file that is missing, unparsable or of an unknown version."""


# ---------------------------------------------------------------- model


@dataclass
class Request:
    """A recorded request; `uri` is a full URL (or a path with query), `body` raw bytes."""

    method: str
    uri: str
    headers: Headers = field(default_factory=dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        """The decoded path of the URI."""
        return unquote(urlsplit(self.uri).path) or "/"

    @property
    def raw_query(self) -> str:
        """The query string as sent, without `?`."""
        return urlsplit(self.uri).query

    @property
    def query(self) -> list[tuple[str, str]]:
        """Decoded query parameters, in order, blanks kept."""
        return parse_qsl(self.raw_query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        """A header's values joined with `, ` (case-insensitive), or None."""
        return header_value(self.headers, name)


@dataclass
class Response:
    """A recorded response: status, reason, headers and raw body bytes."""

    status: int
    message: str = ""
    headers: Headers = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header's values joined with `, ` (case-insensitive), or None."""
        return header_value(self.headers, name)


@dataclass
class Interaction:
    """One request and the response it got."""

    request: Request
    response: Response
    recorded_at: str | None = None


@dataclass
class Cassette:
    """A list of interactions plus flowmock's metadata (where they were recorded, what was redacted)."""

    interactions: list[Interaction] = field(default_factory=list)
    upstream: str | None = None
    redact: tuple[str, ...] = ()  # names redacted on top of the defaults when it was recorded
    keep: tuple[str, ...] = ()  # default names that were not redacted


def header_value(headers: Headers, name: str) -> str | None:
    """Look a header up case-insensitively; several values are joined with `, `."""
    wanted = name.lower()
    values = [v for k, vs in headers.items() if k.lower() == wanted for v in vs]
    return ", ".join(values) if values else None


def media_type(headers: Headers) -> str:
    """The bare media type of a Content-Type header, lower case (`` when absent)."""
    return (header_value(headers, "content-type") or "").split(";")[0].strip().lower()
