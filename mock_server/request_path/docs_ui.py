"""Each served API's Swagger UI page, served from the swagger-ui bundle's static files (no framework on the way)."""
from __future__ import annotations

import functools
import html
import json
import mimetypes
from pathlib import Path

from starlette.types import Receive, Scope, Send

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>{title} · flowmock</title>
  <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
  <style>html {{ box-sizing: border-box; overflow-y: scroll; }} *, *:before, *:after {{ box-sizing: inherit; }}
  body {{ margin: 0; background: #fafafa; }}</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script>
  window.onload = function () {{
    window.ui = SwaggerUIBundle({{
      url: {document_url}, validatorUrl: null, dom_id: "#swagger-ui", deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl], layout: "StandaloneLayout"
    }});
  }};
  </script>
</body>
</html>
"""


@functools.cache
def bundle_dir() -> Path:
    """The folder of the installed swagger-ui bundle (imported on the first docs request, not at start-up)."""
    from swagger_ui_bundle import swagger_ui_path

    return Path(swagger_ui_path)


@functools.cache
def _static_file(name: str) -> bytes | None:
    """One file of the bundle by its plain name (no folders), or None."""
    if "/" in name or "\\" in name or name.startswith(".") or name.endswith(".j2"):
        return None
    path = bundle_dir() / name
    return path.read_bytes() if path.is_file() else None


class DocsUI:
    """Serves `{mount}/ui/` (the page), `{mount}/ui` (a redirect to it) and the bundle's files under `{mount}/ui/`."""

    def __init__(self, mounts: dict[str, str]) -> None:
        self.pages = {f"{mount}/ui": self._page(mount, title) for mount, title in mounts.items()}

    @staticmethod
    def _page(mount: str, title: str) -> bytes:
        document_url = json.dumps(f"{mount}/openapi.json").replace("<", "\\u003c")  # a JS string that cannot end the script
        return _PAGE.format(title=html.escape(title), document_url=document_url).encode()

    def owns(self, path: str) -> bool:
        """Whether a request path is one of the docs pages or their files."""
        if "/ui" not in path:
            return False
        ui, slash, _ = path.rpartition("/")
        return path in self.pages or (bool(slash) and ui in self.pages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, scope, 405, b"Only GET and HEAD are allowed on the docs pages\n", "text/plain; charset=utf-8",
                        [(b"allow", b"GET, HEAD")])
        elif path in self.pages:
            await _send(send, scope, 307, b"", "text/plain; charset=utf-8", [(b"location", (path + "/").encode())])
        else:
            ui, _, name = path.rpartition("/")
            if name in ("", "index.html"):
                await _send(send, scope, 200, self.pages[ui], "text/html; charset=utf-8")
                return
            body = _static_file(name)
            if body is None:
                await _send(send, scope, 404, f"No file {name} in the Swagger UI bundle\n".encode(), "text/plain; charset=utf-8")
                return
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            await _send(send, scope, 200, body, kind, [(b"cache-control", b"public, max-age=3600")])


async def _send(send: Send, scope: Scope, status: int, body: bytes, content_type: str,
                extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
