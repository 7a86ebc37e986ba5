"""The request inspector: the static page at /__flowmock/ (HTML, JS and CSS from the package; nothing fetched elsewhere)."""
from __future__ import annotations

from importlib import resources

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.request_path.exposure import is_inspector_path

PAGE_PATH = "/__flowmock/"
ASSETS_PATH = "/__flowmock/inspector/"
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# The page loads only its own files, may not be framed (no clickjacking of its buttons) and talks only to this origin.
_SECURITY = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


def _asset(name: str) -> bytes | None:
    """The bytes of one file shipped with the inspector, or None when there is no such file."""
    if not name or name.startswith((".", "_")) or name.rpartition(".")[2] not in ("html", "js", "css"):
        return None
    file = resources.files(__name__).joinpath(name)
    return file.read_bytes() if file.is_file() else None


class InspectorPage:
    """Answers GET/HEAD for the inspector page and its files; everything else goes on to `app` (the admin API)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not is_inspector_path(path):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, 405, b"The inspector page is read-only (GET).", "text/plain; charset=utf-8", [(b"allow", b"GET, HEAD")])
            return
        if path == "/__flowmock":
            await _send(send, 308, b"", "text/plain; charset=utf-8", [(b"location", PAGE_PATH.encode())])
            return
        name = "index.html" if path == PAGE_PATH else path[len(ASSETS_PATH):]
        body = _asset(name)
        if body is None:
            await _send(send, 404, f"No inspector file named {name[:80]!r}.".encode(), "text/plain; charset=utf-8")
            return
        await _send(send, 200, b"" if scope["method"] == "HEAD" else body, _TYPES["." + name.rpartition(".")[2]], _SECURITY,
                    len(body))


async def _send(send: Send, status: int, body: bytes, content_type: str, headers: list[tuple[bytes, bytes]] | None = None,
                length: int | None = None) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body) if length is None else length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw + (headers or [])})
    await send({"type": "http.response.body", "body": body})
