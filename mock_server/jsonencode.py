"""Response bodies as JSON bytes: compact, UTF-8, keys in insertion order, fast (orjson).

The bytes are those `json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()` gives
for JSON data, except the spelling of small floats' exponents (orjson writes `1e-7` where the standard library
writes `1e-07`; the values are equal). What orjson refuses (integers beyond 64 bits, keys that are
not strings, nesting deeper than 254) goes through the standard library, so it is encoded as before.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # both go to `default=str`, as before


def json_bytes(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON; raises ValueError or TypeError for what cannot be encoded (e.g. a cycle)."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()
