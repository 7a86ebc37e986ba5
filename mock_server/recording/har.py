"""Turn a HAR file (a browser's developer-tools export) into a cassette, scrubbed of secrets."""
from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mock_server.recording.cassette import HOP_BY_HOP, Cassette, CassetteError, Headers, Interaction, Redaction, Request, Response, scrub

logger = logging.getLogger(__name__)


@dataclass
class HarImport:
    """The cassette built from a HAR, and what was left out and why."""

    cassette: Cassette
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        """Count one entry left out for `reason`."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def read_har(path: Path) -> dict[str, Any]:
    """Parse a HAR file; CassetteError names the file when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read HAR file: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CassetteError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("log"), dict) or not isinstance(data["log"].get("entries"), list):
        raise CassetteError(f"{path}: not a HAR file (expected log.entries)")
    return data


def _headers(items: Any) -> Headers:
    out: Headers = {}
    for item in items or []:
        name = str(item.get("name", ""))
        if not name or name.startswith(":") or name.lower() in HOP_BY_HOP:  # HTTP/2 pseudo-headers, hop-by-hop
            continue
        out.setdefault(name, []).append(str(item.get("value", "")))
    return out


def _response_body(content: dict[str, Any]) -> bytes:
    text = content.get("text")
    if text is None:
        return b""
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return str(text).encode("utf-8")
    return str(text).encode("utf-8")


def _request_body(post: dict[str, Any] | None) -> bytes:
    if not post:
        return b""
    if post.get("text") is not None:
        return str(post["text"]).encode("utf-8")
    params = post.get("params") or []
    if params:
        return urlencode([(p.get("name", ""), p.get("value", "")) for p in params]).encode("utf-8")
    return b""


def har_to_cassette(data: dict[str, Any], redaction: Redaction | None = None,
                    url_prefixes: tuple[str, ...] = ()) -> HarImport:
    """Convert HAR data; only http(s) entries with a response are kept (and, if given, only under `url_prefixes`)."""
    redaction = redaction or Redaction()
    result = HarImport(Cassette(redact=redaction.added, keep=redaction.kept))
    for entry in data["log"]["entries"]:
        req, res = entry.get("request") or {}, entry.get("response") or {}
        url = str(req.get("url", ""))
        if not url.startswith(("http://", "https://")):
            result.skip("not an http(s) URL")
            continue
        if url_prefixes and not url.startswith(url_prefixes):
            result.skip("outside the URL prefixes")
            continue
        status = int(res.get("status") or 0)
        if status <= 0:
            result.skip("no response (blocked, aborted or failed)")
            continue
        body = _response_body(res.get("content") or {})
        headers = _headers(res.get("headers"))
        # The browser stores the decoded body: drop the encoding and fix the length.
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-encoding", "content-length")}
        headers["Content-Length"] = [str(len(body))]
        request_headers = _headers(req.get("headers"))
        post = req.get("postData") or {}
        if post.get("mimeType") and not any(k.lower() == "content-type" for k in request_headers):
            request_headers["Content-Type"] = [str(post["mimeType"])]
        request = Request(str(req.get("method", "GET")).upper(), url.split("#", 1)[0], request_headers, _request_body(post))
        interaction = Interaction(request, Response(status, str(res.get("statusText") or ""), headers, body),
                                  str(entry["startedDateTime"]) if entry.get("startedDateTime") else None)
        result.cassette.interactions.append(scrub(interaction, redaction))
    logger.debug("HAR: %d entries kept, skipped %s", len(result.cassette.interactions), result.skipped)
    return result
