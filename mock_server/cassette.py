"""Cassettes: recorded HTTP exchanges, their VCR.py-compatible YAML form, secret filters and request matchers.

The on-disk format *is* VCR.py's cassette format (version 1), so cassettes travel both ways between
flowmock and pytest-recording / VCR.py. flowmock adds keys VCR.py ignores: a top-level `flowmock`
mapping (upstream, redaction lists) and `recorded_at` on each interaction.

    version: 1
    flowmock: {upstream: https://api.example.com, redact: [X-Tenant], keep: []}
    interactions:
    - request:  {method: GET, uri: https://api.example.com/x?a=1, body: null, headers: {Accept: [application/json]}}
      response: {status: {code: 200, message: OK}, headers: {Content-Type: [application/json]}, body: {string: '{}'}}
      recorded_at: '2025-01-01T00:00:00.000+00:00'

Matchers are `(r1, r2)` functions that raise AssertionError with a reason; filters are `(request) -> request`
and `(response) -> response` functions applied in a chain before anything is written.
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit, urlunsplit

import yaml

from mock_server.errors import ConfigError

logger = logging.getLogger(__name__)

CASSETTE_VERSION = 1
REDACTED = "REDACTED"
NOT_JSON: Any = object()  # what parse_json_body returns for a body that is not JSON
Headers = dict[str, list[str]]

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
})
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


class CassetteError(ConfigError):
    """A cassette file that is missing, unparsable or of an unknown version."""


def field_key(name: str) -> str:
    """Normalise a field name so access_token, accessToken and access-token compare equal."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


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


# ---------------------------------------------------------------- serialize


def to_dict(cassette: Cassette) -> dict[str, Any]:
    """The VCR.py-compatible data of a cassette."""
    data: dict[str, Any] = {"version": CASSETTE_VERSION}
    meta = _meta(cassette)
    if meta:
        data["flowmock"] = meta
    data["interactions"] = [interaction_to_dict(i) for i in cassette.interactions]
    return data


def _meta(cassette: Cassette) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if cassette.upstream:
        meta["upstream"] = cassette.upstream
    if cassette.redact:
        meta["redact"] = list(cassette.redact)
    if cassette.keep:
        meta["keep"] = list(cassette.keep)
    return meta


def interaction_to_dict(interaction: Interaction) -> dict[str, Any]:
    """One interaction as VCR.py writes it (request keys exactly method, uri, body, headers)."""
    req, res = interaction.request, interaction.response
    out: dict[str, Any] = {
        "request": {"method": req.method, "uri": req.uri, "body": _text_or_bytes(req.body) if req.body else None,
                    "headers": {k: list(v) for k, v in req.headers.items()}},
        "response": {"status": {"code": res.status, "message": res.message},
                     "headers": {k: list(v) for k, v in res.headers.items()},
                     "body": {"string": _text_or_bytes(res.body)}},
    }
    if interaction.recorded_at:
        out["recorded_at"] = interaction.recorded_at
    return out


def _text_or_bytes(body: bytes) -> str | bytes:
    """UTF-8 text stays readable in YAML; anything else is written as !!binary."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def from_dict(data: Any, source: str = "<cassette>") -> Cassette:
    """Build a cassette from flowmock or VCR.py data; raise CassetteError naming the source and problem."""
    if isinstance(data, list) and data and isinstance(data[0], dict) and "request" in data[0]:
        raise CassetteError(f"{source}: a pre-1.0 VCR.py cassette (no version); re-record it or migrate it with VCR.py")
    if not isinstance(data, dict) or "interactions" not in data:
        raise CassetteError(f"{source}: not a cassette (expected a mapping with `version` and `interactions`)")
    data = _migrate(data, source)
    meta = data.get("flowmock") or {}
    try:
        interactions = [_interaction_from_dict(item) for item in data.get("interactions") or []]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CassetteError(f"{source}: malformed interaction: {exc!r}") from None
    return Cassette(interactions, meta.get("upstream"), tuple(str(n) for n in meta.get("redact") or ()),
                    tuple(str(n) for n in meta.get("keep") or ()))


# version -> function turning data of that version into the next one; none yet, version 1 is the first.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _migrate(data: dict[str, Any], source: str) -> dict[str, Any]:
    version = data.get("version")
    if not isinstance(version, int) or version < 1 or version > CASSETTE_VERSION:
        raise CassetteError(f"{source}: unsupported cassette version {version!r}; this flowmock reads versions "
                            f"1..{CASSETTE_VERSION}")
    while version < CASSETTE_VERSION:
        data = _MIGRATIONS[version](data)
        version = data["version"]
    return data


def _interaction_from_dict(item: dict[str, Any]) -> Interaction:
    req, res = item["request"], item["response"]
    status = res.get("status") or {}
    body = res.get("body")
    body = body.get("string") if isinstance(body, dict) else body
    return Interaction(
        Request(str(req["method"]).upper(), str(req["uri"]), _headers_in(req.get("headers")), _bytes_in(req.get("body"))),
        Response(int(status.get("code", 0)) if isinstance(status, dict) else int(status),
                 str(status.get("message", "") or "") if isinstance(status, dict) else "",
                 _headers_in(res.get("headers")), _bytes_in(body)),
        str(item["recorded_at"]) if item.get("recorded_at") else None,
    )


def _headers_in(raw: Any) -> Headers:
    out: Headers = {}
    for name, values in (raw or {}).items():
        values = values if isinstance(values, list) else [values]
        out[str(name)] = [str(v) for v in values if v is not None]
    return out


def _bytes_in(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")  # a hand-edited body written as YAML data


class _Loader(yaml.SafeLoader):
    """Safe loading, plus the harmless python/str tags old VCR.py cassettes carry."""


def _plain_scalar(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:python/str", _plain_scalar)
_Loader.add_constructor("tag:yaml.org,2002:python/unicode", _plain_scalar)


class _Dumper(yaml.SafeDumper):
    """Safe dumping that keeps NEL and Unicode line separators intact (PyYAML folds them in single quotes)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(ch in value for ch in "\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)


def dumps(cassette: Cassette) -> str:
    """Serialize a cassette to YAML text."""
    return _dump(to_dict(cassette))


def loads(text: str, source: str = "<string>") -> Cassette:
    """Parse YAML text into a cassette."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CassetteError(f"{source}: YAML syntax error: {str(exc).splitlines()[0]}") from None
    return from_dict(data, source)


# ---------------------------------------------------------------- persist


def read_cassette(path: Path) -> Cassette:
    """Load a cassette file; CassetteError names the file when it cannot."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read cassette: {exc.strerror or exc}") from None
    return loads(text, str(path))


def write_cassette(cassette: Cassette, path: Path) -> None:
    """Write a whole cassette atomically (a crash leaves the previous file intact)."""
    _atomic_write(Path(path), dumps(cassette))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CassetteWriter:
    """Appends interactions to a cassette file, rewriting it atomically after each one."""

    def __init__(self, path: Path, cassette: Cassette) -> None:
        self.path = Path(path)
        self.cassette = cassette
        self._chunks = [_dump([interaction_to_dict(i)]) for i in cassette.interactions]

    def append(self, interaction: Interaction) -> None:
        """Add one interaction and persist the whole cassette."""
        self.cassette.interactions.append(interaction)
        self._chunks.append(_dump([interaction_to_dict(interaction)]))
        self.flush()

    def flush(self) -> None:
        """Write the file now."""
        head: dict[str, Any] = {"version": CASSETTE_VERSION}
        meta = _meta(self.cassette)
        if meta:
            head["flowmock"] = meta
        body = "interactions:\n" + "".join(self._chunks) if self._chunks else "interactions: []\n"
        _atomic_write(self.path, _dump(head) + body)


# ---------------------------------------------------------------- filters


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


# ---------------------------------------------------------------- matchers



def parse_json_body(body: bytes, ctype: str) -> Any:
    """The parsed JSON of a body whose media type is JSON (or unset and it parses), else a sentinel."""
    jsonish = ctype == "application/json" or ctype.endswith("+json") or (ctype.endswith("/json"))
    if not body or not (jsonish or (not ctype and body.lstrip()[:1] in (b"{", b"["))):
        return NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


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
        for i, (x, y) in enumerate(zip(a, b)):
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
