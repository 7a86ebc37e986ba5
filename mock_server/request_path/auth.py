"""Credentials checked as the spec's security requirements say: every scheme kind, alternatives and combinations.

`security` is a list of alternatives; one entry is satisfied when every scheme it names is. What passes:
any non-empty credential, or with `--accept-tokens` only listed values: the API key itself, the bearer
token (also for OAuth2 and OpenID Connect), the Basic password or `user:password`, and for Digest a
`user:password` whose digest response the client computed correctly.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from mock_server.config import ServerConfig
from mock_server.errors import FieldError, HttpProblem
from mock_server.loading.spec import Operation, Spec
from mock_server.request_path.validate import RequestData

REALM = "flowmock"
_NONCE = "flowmock-nonce"


@dataclass(frozen=True)
class Scheme:
    """One security scheme of a spec, reduced to how its credential travels."""

    name: str
    kind: str  # apiKey, basic, bearer, digest, mutualTLS or another HTTP scheme name (lower case)
    location: str = "header"  # where an apiKey travels: header, query or cookie
    param: str = "Authorization"  # the header, query or cookie name

    @property
    def shown(self) -> str:
        """How a user is told to send it."""
        if self.kind == "apiKey":
            return f"an API key in {self.location} {self.param!r}"
        if self.kind == "basic":
            return "HTTP Basic credentials ('Authorization: Basic <base64 user:password>')"
        if self.kind == "digest":
            return "HTTP Digest credentials ('Authorization: Digest username=...')"
        if self.kind == "bearer":
            return "a bearer token ('Authorization: Bearer <token>')"
        return f"'Authorization: {self.kind.capitalize()} <credentials>'"

    @property
    def challenge(self) -> str:
        """Its `WWW-Authenticate` challenge."""
        if self.kind == "apiKey":
            return f'ApiKey realm="{REALM}", in="{self.location}", name="{self.param}"'
        if self.kind == "digest":
            return f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{_NONCE}"'
        return f'{self.kind.capitalize()} realm="{REALM}"'


def scheme_of(name: str, definition: Any) -> Scheme:
    """Read one `components.securitySchemes` entry (an unknown or odd one is taken as a bearer token)."""
    if not isinstance(definition, dict):
        return Scheme(name, "bearer")
    kind = definition.get("type")
    if kind == "apiKey":
        return Scheme(name, "apiKey", str(definition.get("in", "header")), str(definition.get("name", "X-API-Key")))
    if kind == "http":
        return Scheme(name, str(definition.get("scheme", "bearer")).lower())
    if kind == "mutualTLS":
        return Scheme(name, "mutualTLS")
    return Scheme(name, "bearer")  # oauth2, openIdConnect: an access token sent as a bearer token


def requirements(spec: Spec, op: Operation) -> list[list[Scheme]]:
    """The operation's alternatives, each the list of schemes that must all be satisfied."""
    defined = ((spec.doc.get("components") or {}).get("securitySchemes") or {})
    return [[scheme_of(name, spec.resolve(defined.get(name))) for name in entry] for entry in op.security if isinstance(entry, dict)]


def authenticate(spec: Spec, op: Operation, req: RequestData, config: ServerConfig,
                 alternatives: list[list[Scheme]] | None = None) -> None:
    """Pass when one alternative (`requirements`, worked out here unless given) is satisfied; otherwise raise a 401
    naming what to send, with its challenges."""
    if not (op.secured and config.auth):
        return
    alternatives = requirements(spec, op) if alternatives is None else alternatives
    failures: list[list[FieldError]] = []
    for entry in alternatives:
        errors = [error for scheme in entry if (error := _refusal(scheme, req, config)) is not None]
        if not errors:
            return
        failures.append(errors)
    schemes = [scheme for entry in alternatives for scheme in entry]
    challenges = list(dict.fromkeys(s.challenge for s in schemes if s.kind != "mutualTLS"))
    headers = {"WWW-Authenticate": ", ".join(challenges)} if challenges else {}
    closest = min(failures, key=len)
    presented = [e for e in closest if e.message != "missing"]
    if presented:
        detail = "The credentials are not accepted by this server: " + "; ".join(f"{e.field}: {e.message}" for e in presented)
    else:
        wanted = " or ".join(" plus ".join(s.shown for s in entry) for entry in alternatives)
        detail = f"Missing credentials: send {wanted}"
    raise HttpProblem(401, "Unauthorized", detail, closest, headers)


def _refusal(scheme: Scheme, req: RequestData, config: ServerConfig) -> FieldError | None:
    """Why this scheme is not satisfied by the request (None when it is)."""
    accept = config.accept_tokens
    if scheme.kind == "mutualTLS":
        return None  # the client certificate is the TLS layer's business; flowmock serves plain HTTP
    if scheme.kind == "apiKey":
        value = _api_key(scheme, req)
        if not value:
            return FieldError(scheme.location, scheme.param, "missing")
        return None if accept is None or value in accept else FieldError(scheme.location, scheme.param, "this API key is not accepted")
    given, _, credentials = req.headers.get("authorization", "").strip().partition(" ")
    credentials = credentials.strip()
    if given.lower() != scheme.kind or not credentials:
        return FieldError("header", "Authorization", "missing")
    if scheme.kind == "basic":
        return _basic(credentials, accept)
    if scheme.kind == "digest":
        return _digest(credentials, req.method, accept)
    return None if accept is None or credentials in accept else FieldError("header", "Authorization", f"this {scheme.kind} token is not accepted")


def _api_key(scheme: Scheme, req: RequestData) -> str | None:
    if scheme.location == "query":
        return next((v for k, v in req.query if k == scheme.param), None)
    if scheme.location == "cookie":
        return req.cookies.get(scheme.param)
    return req.headers.get(scheme.param.lower())


def _basic(credentials: str, accept: frozenset[str] | None) -> FieldError | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return FieldError("header", "Authorization", "Basic credentials must be base64 of 'user:password'")
    user, colon, password = decoded.partition(":")
    if not colon:
        return FieldError("header", "Authorization", "Basic credentials must be base64 of 'user:password'")
    if accept is None or decoded in accept or password in accept:
        return None
    return FieldError("header", "Authorization", f"the Basic credentials of user {user!r} are not accepted")


def _digest(credentials: str, method: str, accept: frozenset[str] | None) -> FieldError | None:
    fields = {key: quoted or bare for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]*))', credentials)}
    if not all(fields.get(k) for k in ("username", "nonce", "uri", "response")):
        return FieldError("header", "Authorization", "Digest credentials need username, nonce, uri and response")
    if accept is None:
        return None
    for entry in accept:
        user, colon, password = entry.partition(":")
        if colon and user == fields["username"] and _digest_response(fields, password, method) == fields["response"].lower():
            return None
    return FieldError("header", "Authorization", f"the Digest credentials of user {fields['username']!r} are not accepted")


def _digest_response(fields: dict[str, str], password: str, method: str) -> str:
    """RFC 7616 `response` for MD5 or SHA-256, with or without qop=auth."""
    algorithm = fields.get("algorithm", "MD5").upper()
    digest = (lambda text: hashlib.sha256(text.encode()).hexdigest()) if algorithm.startswith("SHA-256") else \
        (lambda text: hashlib.md5(text.encode()).hexdigest())  # noqa: S324 - what the Digest scheme specifies
    ha1 = digest(f"{fields['username']}:{fields.get('realm', REALM)}:{password}")
    if algorithm.endswith("-SESS"):
        ha1 = digest(f"{ha1}:{fields['nonce']}:{fields.get('cnonce', '')}")
    ha2 = digest(f"{method.upper()}:{fields['uri']}")
    if fields.get("qop"):
        return digest(f"{ha1}:{fields['nonce']}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:{fields['qop']}:{ha2}")
    return digest(f"{ha1}:{fields['nonce']}:{ha2}")
