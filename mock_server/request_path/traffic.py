"""The per-request line the server prints (like Prism): method, path, status, operation, duration, and why a request was refused."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from mock_server.redaction import DEFAULT_REDACTION, REDACTED, redact_url
from mock_server.request_path.journal import JournalEntry

logger = logging.getLogger("flowmock.traffic")
_MAX_ERRORS = 10


def request_line(entry: JournalEntry) -> str:
    """`GET /v1/things?limit=2 → 200 listThings 3.1 ms`; secret query values are redacted."""
    target = entry.path + (f"?{entry.query}" if entry.query else "")
    target = redact_url(target)
    operation = entry.operation_id or ("(replayed)" if entry.source == "replay" else "(no operation)")
    return f"{entry.method} {target} → {entry.status} {operation} {entry.duration_ms:.1f} ms"


def error_lines(entry: JournalEntry) -> list[str]:
    """One indented line per field error of a refused request (`  ✗ body tasks[0].name: required`), at most ten."""
    lines = []
    for error in entry.errors[:_MAX_ERRORS]:
        where = " ".join(part for part in (error.get("location", ""), error.get("field", "")) if part)
        lines.append(f"    ✗ {where}: {error.get('message', '')}")
    if len(entry.errors) > _MAX_ERRORS:
        lines.append(f"    … and {len(entry.errors) - _MAX_ERRORS} more")
    return lines


def secrets_in(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The credential values a request carried in headers and cookies (to keep them out of printed text)."""
    found = []
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name not in DEFAULT_REDACTION.headers:
            continue
        if name == "cookie":
            found += [part.split("=", 1)[1].strip() for part in value.split(";") if "=" in part]
            continue
        scheme, space, credentials = value.partition(" ")
        found.append(credentials.strip() if space else value.strip())
    return [s for s in found if s]


def mask(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret where it stands as a whole value (never inside an ordinary word)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = re.sub(rf"(?<![\w.~+/-]){re.escape(secret)}(?![\w.~+/=-])", REDACTED, text)
    return text


def logs_requests() -> bool:
    """Whether answered requests are printed (INFO; not with `--quiet` or a higher `--log-level`)."""
    return logger.isEnabledFor(logging.INFO)


def log_request(entry: JournalEntry, secrets: list[str]) -> None:
    """Print one answered request (INFO) and its field errors under it, the request's `secrets` masked; nothing when `--quiet`."""
    if not logs_requests():
        return
    text = "\n".join([request_line(entry), *error_lines(entry)])
    logger.info(mask(text, secrets))
