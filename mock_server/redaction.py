"""Secret redaction: which header, query and body fields are credentials, and how their values are replaced.

One policy for everything that keeps or prints traffic: cassettes, the journal, the terminal log, exported state.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "REDACTED"
NOT_JSON: Any = object()  # what parse_json_body returns for a body that is not JSON

DEFAULT_REDACT_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "apikey",
    "x-auth-token", "x-access-token", "x-refresh-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token",
    "x-goog-api-key", "private-token", "x-session-token", "x-client-secret",
})
DEFAULT_REDACT_FIELDS = frozenset({
    "access_token", "refresh_token", "id_token", "token", "auth_token", "session_token", "bearer_token",
    "password", "passwd", "new_password", "old_password", "current_password", "passphrase",
    "secret", "client_secret", "api_key", "apikey", "private_key", "resume_token", "task_token",
    "authorization", "code_verifier", "otp", "signature",
})


class RedactionLists(Protocol):
    """Anything that names extra secrets (`redact`) and default ones to leave alone (`keep`), such as a cassette."""

    @property
    def redact(self) -> Iterable[str]: ...

    @property
    def keep(self) -> Iterable[str]: ...


def field_key(name: str) -> str:
    """Normalise a field name so access_token, accessToken and access-token compare equal."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


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
    def of(cls, source: RedactionLists) -> Redaction:
        """The policy a cassette (or anything with `redact`/`keep` lists) was recorded with."""
        return cls(tuple(source.redact), tuple(source.keep))


DEFAULT_REDACTION = Redaction()  # the default policy; immutable, so its name sets are worked out once


def redact_header_value(name: str, value: str) -> str:
    """A credential header's value with the secret replaced (the scheme and cookie names stay readable)."""
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


def redacted_header_value(name: str, value: str, redaction: Redaction | None = None) -> str:
    """The value of a header, redacted when its name is a credential header (`Authorization`, `X-Api-Key`, ...)."""
    return redact_header_value(name, value) if name.lower() in (redaction or DEFAULT_REDACTION).headers else value


def redact_query_string(query: str, fields: frozenset[str]) -> str:
    """A query (or form) string with the values of the named fields replaced."""
    parts = []
    for segment in query.split("&"):
        key, eq, _value = segment.partition("=")
        parts.append(f"{key}={REDACTED}" if eq and field_key(unquote_plus(key)) in fields else segment)
    return "&".join(parts)


def redact_query(query: str, redaction: Redaction | None = None) -> str:
    """A query string with the values of token-like parameters (`api_key`, `access_token`, ...) replaced."""
    return redact_query_string(query, (redaction or DEFAULT_REDACTION).fields) if query else query


def redact_url(url: str, redaction: Redaction | None = None) -> str:
    """A URL without user:password and with token-like query parameters redacted (for logs and messages)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, redact_query(parts.query, redaction), parts.fragment))


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


def parse_json_body(body: bytes, ctype: str) -> Any:
    """The parsed JSON of a body whose media type is JSON (or unset and it parses), else a sentinel."""
    jsonish = ctype == "application/json" or ctype.endswith("+json") or (ctype.endswith("/json"))
    if not body or not (jsonish or (not ctype and body.lstrip()[:1] in (b"{", b"["))):
        return NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


def redact_body(body: bytes, ctype: str, fields: frozenset[str]) -> bytes:
    """A JSON or form body with the named fields' values replaced (other bodies are returned as they are)."""
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
        new_text = redact_query_string(text, fields)
        return body if new_text == text else new_text.encode("utf-8")
    return body
