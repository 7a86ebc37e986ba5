"""Who may reach the server: known Host names only (DNS rebinding), and an admin API closed to other origins."""
from __future__ import annotations

import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import Scope

from mock_server.request_path.asgi import header
from mock_server.config import ServerConfig, is_loopback

ADMIN_PREFIX = "/__flowmock"
ADMIN_TOKEN_HEADER = "X-Flowmock-Admin-Token"
_WILDCARD_BINDS = ("0.0.0.0", "::", "")
_HOSTS_REMEMBERED = 256  # Host header values whose verdict is kept


def is_admin_path(path: str) -> bool:
    """Whether a request path belongs to the admin API."""
    return path.startswith(ADMIN_PREFIX)


def is_inspector_path(path: str) -> bool:
    """The inspector page (`/__flowmock/`) or one of its static files, which hold no data (the page asks for the token)."""
    assets = ADMIN_PREFIX + "/inspector/"
    return path in (ADMIN_PREFIX, ADMIN_PREFIX + "/") or (path.startswith(assets) and "/" not in path[len(assets):])


def is_admin_docs(path: str) -> bool:
    """The admin API's documentation page and document, and the inspector page: no data, so no token (they ask for it)."""
    ui = ADMIN_PREFIX + "/ui"
    return path in (ui, ADMIN_PREFIX + "/openapi.json") or (path.startswith(ui + "/") and ".." not in path) or is_inspector_path(path)


def host_name(host_header: str) -> str:
    """The name part of a Host header: lower case, without port, brackets or a trailing dot."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value[1:]
    return value.rpartition(":")[0].rstrip(".") if value.count(":") == 1 else value.rstrip(".")


class HostPolicy:
    """The Host names the server answers to: loopback, the address it is bound to, and `--allowed-host` entries."""

    def __init__(self, host: str, allowed_hosts: Iterable[str] = ()) -> None:
        entries = [h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip()]
        self.any = "*" in entries
        self.suffixes = tuple(e for e in entries if e.startswith("."))
        self.names = {host_name(e) for e in entries if not e.startswith(".")}
        if host not in _WILDCARD_BINDS:
            self.names.add(host_name(host if ":" not in host else f"[{host}]"))
        self._seen: dict[str, bool] = {}  # verdict per Host header value (clients send the same few, request after request)

    def allows(self, host_header: str | None) -> bool:
        """Whether a request with this Host header may be answered (no header: not a browser, allowed)."""
        if host_header is None or self.any:
            return True
        known = self._seen.get(host_header)
        if known is None:
            name = host_name(host_header)
            known = is_loopback(name) or name in self.names or any(name.endswith(s) or name == s[1:] for s in self.suffixes)
            if len(self._seen) >= _HOSTS_REMEMBERED:
                self._seen.clear()
            self._seen[host_header] = known
        return known


def host_refused(host: str | None) -> str:
    """Why a request with this Host header is not answered, and how to allow it."""
    return (f"Host '{host}' is not allowed: flowmock answers loopback names (localhost, 127.0.0.1, [::1]) and the "
            f"address it is bound to, which protects it from DNS rebinding. Start it with --allowed-host "
            f"{host_name(host or '')} to accept this name.")


def same_origin(origin: str, host_header: str | None) -> bool:
    """Whether an Origin header names this server as the browser reached it (scheme http(s), same host and port)."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and host_header is not None and parts.netloc.lower() == host_header.strip().lower()


Refusal = tuple[int, str, str, str, dict[str, str]]  # status, title, detail, problem kind, headers


class Exposure:
    """Checks the Host of every request and keeps the admin API to its own origin (and token)."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.hosts = HostPolicy(config.host, config.allowed_hosts)

    def refusal(self, scope: Scope, host: str | None) -> Refusal | None:
        """Why a request is refused (a Host not allowed, an admin request from elsewhere), or None to let it through."""
        if not self.hosts.allows(host):
            return 403, "Forbidden", host_refused(host), "host-not-allowed", {}
        if is_admin_path(scope["path"]):
            return self._admin_refusal(scope, host)
        return None

    def _admin_refusal(self, scope: Scope, host: str | None) -> Refusal | None:
        """Why an admin request is refused (status, title, detail, problem kind, headers), or None to let it through."""
        fetch_site = (header(scope, b"sec-fetch-site") or "").lower()
        origin = header(scope, b"origin")
        if fetch_site in ("cross-site", "same-site") or (origin is not None and not same_origin(origin, host)):
            return (403, "Forbidden", f"The admin API ({ADMIN_PREFIX}/) answers only its own origin, not a page from "
                    f"{origin or 'another site'}: browser pages on other origins can neither read nor change mock internals.",
                    "admin-cross-origin", {})
        if self.config.admin_disabled:
            return (403, "Forbidden", f"The admin API is disabled: flowmock listens on {self.config.host}, beyond this machine, "
                    "without --admin-token. Restart it with --admin-token (or FLOWMOCK_ADMIN_TOKEN) to use the admin API.",
                    "admin-disabled", {})
        token = self.config.admin_token
        if token is None or is_admin_docs(scope["path"]):
            return None
        sent = header(scope, ADMIN_TOKEN_HEADER.lower().encode()) or ""
        if hmac.compare_digest(sent.encode("latin-1"), token.encode("utf-8")):
            return None
        detail = (f"The admin API needs the admin token in the {ADMIN_TOKEN_HEADER} header" if not sent
                  else f"The {ADMIN_TOKEN_HEADER} header does not hold the admin token")
        return (401, "Unauthorized", detail + " (API bearer tokens do not open the admin API).", "admin-token",
                {"WWW-Authenticate": f'FlowmockAdminToken realm="flowmock admin", header="{ADMIN_TOKEN_HEADER}"'})
