"""Response bodies as JSON bytes: compact, UTF-8, keys in insertion order, fast (orjson).

The bytes are those `json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()` gives
for JSON data, except the spelling of small floats' exponents (orjson writes `1e-7` where the standard library
writes `1e-07`; the values are equal). What orjson refuses (integers beyond 64 bits, keys that are
not strings, nesting deeper than 254) goes through the standard library, so it is encoded as before.
"""
from __future__ import annotations

import copy
import json
from typing import Any

import orjson

EXACT_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS  # JSON data only
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # both go to `default=str`, as before


def json_bytes(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON; raises ValueError or TypeError for what cannot be encoded (e.g. a cycle)."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def exact_json(value: Any) -> bytes | None:
    """`json_bytes(value)` when `value` is plain JSON data (dicts, lists, tuples, strings, numbers, booleans, None);
    None for anything else (a datetime, a subclass, an integer beyond 64 bits, a non-string key)."""
    try:
        return orjson.dumps(value, option=EXACT_JSON)
    except orjson.JSONEncodeError:
        return None


def reads_back_equal(encoded: bytes) -> bool:
    """Whether reading `exact_json`'s bytes gives back a value equal to the one encoded, of the same types (a tuple
    comes back as a list): when they hold no null, as orjson writes NaN and infinity as null."""
    return b"null" not in encoded


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, strings, numbers, booleans, None) through orjson bytes, several times
    faster than `copy.deepcopy`; a tuple comes back as a list. Anything else (a datetime, a subclass, an integer
    beyond 64 bits, a non-string key) is copied with `copy.deepcopy`."""
    try:
        return orjson.loads(orjson.dumps(value, option=EXACT_JSON))
    except orjson.JSONEncodeError:
        return copy.deepcopy(value)
