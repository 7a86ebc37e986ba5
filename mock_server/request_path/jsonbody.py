"""Strict JSON parsing of request bodies: only values that can be stored and sent back as JSON get through.

Refused, each naming the field: invalid UTF-8, malformed JSON, nesting deeper than the limit, duplicate keys,
NaN/Infinity, numbers beyond the float range, integers longer than Python parses, and lone surrogates
(`"\\ud800"`), which no JSON encoder can write back as UTF-8.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

DEFAULT_MAX_DEPTH = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")


class BadJson(Exception):
    """A body that is not acceptable JSON; `field` is its JSON path ("" for the whole body)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field or '<body>'}: {message}")
        self.field = field
        self.message = message


class _Refused(Exception):
    """Raised by a parse hook; the field is found by a second walk."""


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Refused(f"the number {text[:40]} is beyond the range of a double-precision float")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 309:  # longer than any float can hold (1.8e308)
        raise _Refused(f"the integer of {len(text)} digits is beyond the range of a double-precision float")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key '{key[:80]}'")
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
_INTEGER_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_no_constant,
                                    object_pairs_hook=_unique_keys)
_LONG_INTEGER = re.compile(r"[0-9]{310}")


def parse_strict(body: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The JSON value of `body`, or BadJson naming the first field that cannot be stored and sent back."""
    _check_depth(body, max_depth)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson("", f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        decoder = _INTEGER_DECODER if _LONG_INTEGER.search(text) else _DECODER  # the int hook only when needed
        value = decoder.decode(text.lstrip("\ufeff"))
    except _Refused as refused:
        raise BadJson(_locate(text, str(refused)), str(refused)) from None
    except json.JSONDecodeError as exc:
        raise BadJson("", f"malformed body: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (RecursionError, ValueError) as exc:
        raise BadJson("", f"malformed body: {str(exc)[:120]}") from None
    if _ESCAPED_SURROGATE.search(body):
        path = _lone_surrogate(value, "")
        if path is not None:
            raise BadJson(path, "contains a lone UTF-16 surrogate (\\ud800-\\udfff), which cannot be encoded as UTF-8")
    return value


def _check_depth(body: bytes, max_depth: int) -> None:
    """Refuse nesting deeper than `max_depth` before parsing (so a 10,000-deep body costs a few C-speed scans)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return
    outside_strings = b"".join(body.split(b'"')[::2]) if b'\\"' not in body else _STRING.sub(b"", body)
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    for _ in range(max_depth):  # each pass removes the innermost level
        brackets, removed = _EMPTY_PAIR.subn(b"", brackets)
        if not brackets or not removed:
            break
    if not brackets:
        return
    depth = 0  # rare: still nested (or unbalanced, which the parser reports); find where the limit is crossed
    for match in _TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                raise BadJson("", f"JSON nested deeper than {max_depth} levels (at byte {match.start()})")
        elif token in (b"]", b"}"):
            depth -= 1


def _locate(text: str, problem: str) -> str:
    """The JSON path of the value a parse hook refused, found by parsing again leniently and walking."""
    def lenient_pairs(pairs: list[tuple[str, Any]]) -> Any:
        return _Pairs(pairs)

    try:
        value = json.loads(text.lstrip("\ufeff"), object_pairs_hook=lenient_pairs, parse_int=_safe_int)
    except (ValueError, RecursionError):
        return ""
    found = _find(value, "", problem)
    return found or ""


class _Pairs(list):
    """An object's key/value pairs in order, duplicates kept (used only to locate a refused value)."""


def _safe_int(text: str) -> Any:
    return float("inf") if len(text.lstrip("-")) > 309 else int(text)


def _find(value: Any, path: str, problem: str) -> str | None:
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, item in value:
            here = f"{path}.{key}" if path else str(key)
            if key in seen and problem == f"duplicate key '{key[:80]}'":
                return here
            seen.add(key)
            found = _find(item, here, problem)
            if found is not None:
                return found
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find(item, f"{path}[{index}]", problem)
            if found is not None:
                return found
        return None
    if isinstance(value, float) and not math.isfinite(value) and not problem.startswith("duplicate key"):
        return path
    return None


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The path of the first string (key or value) holding a lone surrogate, or None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return where
        elif isinstance(item, dict):
            for key, sub in reversed(list(item.items())):
                here = f"{where}.{key}" if where else key
                if _LONE_SURROGATE.search(key):
                    return here.encode("utf-8", "backslashreplace").decode("ascii")
                stack.append((sub, here))
        elif isinstance(item, list):
            stack.extend((sub, f"{where}[{index}]") for index, sub in reversed(list(enumerate(item))))
    return None
