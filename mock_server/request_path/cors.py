"""CORS for the mocked APIs: an allowed origin is echoed with credentials; any other origin can neither read nor write."""
from __future__ import annotations

from starlette.types import Scope, Send

from mock_server.request_path.asgi import header, send_problem
from mock_server.request_path.exposure import same_origin

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
_EXPOSED = "Location, WWW-Authenticate, Allow, Retry-After, Link, ETag, Content-Disposition"
_PREFLIGHT_MAX_AGE = "600"


class ApiCors:
    """Answers preflights and adds CORS headers for allowed origins; refuses writes from origins that are not allowed.

    Allowed: every origin when `origins` holds "*" (the default, as Prism does), else the listed ones, and always the
    server's own origin (its Swagger UI). Answers echo the origin with `Access-Control-Allow-Credentials: true`, so a
    frontend's `fetch(url, {credentials: "include"})` works.
    """

    def __init__(self, origins: tuple[str, ...]) -> None:
        self.any = "*" in origins
        self.origins = frozenset(o.strip().rstrip("/").lower() for o in origins)

    def allows(self, origin: str, host: str | None) -> bool:
        """Whether a page of `origin` may use the mocked APIs of this server (reached as `host`)."""
        return self.any or origin.lower() in self.origins or same_origin(origin, host)

    async def answered(self, scope: Scope, send: Send, origin: str, allowed: bool) -> bool:
        """Answer a preflight, or refuse a write from an origin not allowed; False when the request goes on."""
        method = scope["method"]
        if method == "OPTIONS" and header(scope, b"access-control-request-method") is not None:
            await self._preflight(scope, send, origin, allowed)
            return True
        if not allowed and method not in SAFE_METHODS:
            await send_problem(send, 403, "Forbidden", f"Origin {origin} is not allowed to change this mock "
                               "(start flowmock with --cors-origin for it)", "cors-origin")
            return True
        return False  # an origin not allowed may still read: answered without CORS headers, the page cannot read it

    @staticmethod
    def with_headers(raw: list[tuple[bytes, bytes]], origin: str) -> list[tuple[bytes, bytes]]:
        """An answer's headers for an allowed origin: its own CORS headers replaced by the policy's."""
        kept = [(k, v) for k, v in raw if not k.lower().startswith(b"access-control-")]
        return kept + _cors_headers(origin, {"Access-Control-Expose-Headers": _EXPOSED})

    async def _preflight(self, scope: Scope, send: Send, origin: str, allowed: bool) -> None:
        if not allowed:
            await send_problem(send, 403, "Forbidden", f"Origin {origin} is not allowed by this mock's CORS policy "
                               "(start flowmock with --cors-origin for it)", "cors-origin")
            return
        extra = {"Access-Control-Allow-Methods": _ALLOWED_METHODS, "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE}
        requested = header(scope, b"access-control-request-headers")
        if requested:
            extra["Access-Control-Allow-Headers"] = requested
        if (header(scope, b"access-control-request-private-network") or "").lower() == "true":
            extra["Access-Control-Allow-Private-Network"] = "true"
        vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        raw = _cors_headers(origin, extra, vary) + [(b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": raw})
        await send({"type": "http.response.body", "body": b""})


def _cors_headers(origin: str, extra: dict[str, str], vary: str = "Origin") -> list[tuple[bytes, bytes]]:
    """The CORS headers of an answer to an allowed origin."""
    values = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", **extra, "Vary": vary}
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in values.items()]
