"""The headers a documented response declares, filled with their examples or generated values."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mock_server.loading.spec import Spec

_NEVER_SENT = frozenset({"content-type", "content-length", "transfer-encoding"})  # OpenAPI: Content-Type is ignored


def documented_headers(spec: Spec, response: dict[str, Any] | None, present: dict[str, str],
                       generate: Callable[[Any, str], Any]) -> dict[str, str]:
    """Every header `response` documents that is not in `present`: its example, else a value generated from its schema."""
    out: dict[str, str] = {}
    taken = {name.lower() for name in present}
    for name, header in ((response or {}).get("headers") or {}).items():
        if str(name).lower() in _NEVER_SENT | taken:
            continue
        header = spec.resolve(header)
        if not isinstance(header, dict):
            continue
        schema = spec.resolve(header.get("schema") or {})
        if "example" in header:
            value = header["example"]
        elif isinstance(header.get("examples"), dict) and header["examples"]:
            first = spec.resolve(next(iter(header["examples"].values())))
            value = first.get("value") if isinstance(first, dict) else None
        elif str(name).lower() in ("location", "content-location") and schema.get("type", "string") == "string" and "format" not in schema:
            value = generate({**schema, "type": "string", "format": "uri"}, str(name))  # a URL, not a word
        else:
            value = generate(schema, str(name))
        if value is not None:
            out[str(name)] = header_text(value)
    return out


def header_text(value: Any) -> str:
    """A value as a header field (`simple` style): lists joined by commas, objects as `k,v` pairs, booleans lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{header_text(v)}" for k, v in value.items())
    text = value if isinstance(value, str) else json.dumps(value)
    return "".join(c for c in text if c >= " " and c != "\x7f")
