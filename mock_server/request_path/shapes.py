"""Conform once per shape: values that differ only in the new ids of one request share one conformed template.

A create that copies a definition's flow (sections, steps, each with a new id) conforms the same structure every
time; only the new uuids differ. `conform` treats any two canonical uuid strings alike (both strings, both of format
uuid, neither a number, a boolean nor a date), so the value with each new uuid replaced by a numbered placeholder
conforms to the same template, and putting the uuids back gives exactly what conforming the value itself gives.
A template is kept only when conforming it generated nothing (a generated value belongs to one request), and
only for plain JSON values. Placeholders are in no enum of a spec (an enum listing one would keep a template
with it where the new id would have been generated).

`ShapeMemo.built` goes one step further for a value made by a pure function of its inputs (a definition's flow, the
new execution's id) and of the ids it draws: the template is kept per shape of the inputs, so a create that finds it
draws as many new ids as the function would have drawn, in the same order, and neither builds nor scans the value.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import orjson

from mock_server.loading.spec import Spec
from mock_server.request_path.conform import Fill, MergeCache, conform
from mock_server.request_path.generate import merge_all_of
from mock_server.request_path.jsonencode import EXACT_JSON, json_copy

UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PREFIX = b"00000000-0000-4000-8000-"
_OPEN = b'"' + _PREFIX
_GENERATED = object()  # conforming this shape generates values: every value of it is conformed itself

Template = tuple[bytes, tuple[int, ...]]  # (JSON bytes with `%s` where each placeholder's id goes, the ids' indexes in turn)
Build = Callable[..., Any]  # (draw a new id, *inputs) -> value; module-level, a function of its arguments alone


class _Generates(Exception):
    """Raised by a template's fill: conforming this shape would generate a value."""


class ShapeMemo:
    """Conformed templates per (target schema, shape), the least recently used dropped beyond `size` or `max_bytes`."""

    def __init__(self, size: int = 256, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.size, self.max_bytes = size, max_bytes
        self.bytes = 0
        self.merged: MergeCache = {}
        self._properties: dict[tuple[str, str], Any] = {}  # (component schema, property) -> the property's schema
        self._templates: OrderedDict[Hashable, tuple[Any, int, Template | object, int]] = OrderedDict()
        # key -> (schema, ids the build draws, template, bytes kept)

    def conform(self, spec: Spec, schema: Any, value: Any, fill: Fill, new_ids: Sequence[str] = ()) -> Any:
        """What `conform(spec, schema, value, fill)` gives for a copy of `value`; from the template of its shape when
        one is kept. `new_ids` are the canonical uuids this request made: the parts of `value` that vary."""
        try:
            raw = orjson.dumps(value, option=EXACT_JSON)
        except orjson.JSONEncodeError:  # not plain JSON data
            return conform(spec, schema, json_copy(value), fill, cache=self.merged)
        order = [ident.encode() for ident in dict.fromkeys(new_ids)]
        shape = _abstracted(raw, order)
        if shape is None:
            return conform(spec, schema, orjson.loads(raw), fill, cache=self.merged)
        found = self._found((id(schema), shape), schema)
        template = found[1] if found is not None else _template(spec, schema, shape, self.merged)
        if found is None:
            self._keep((id(schema), shape), schema, 0, template, len(shape))
        return _filled(template, order) if isinstance(template, tuple) else \
            conform(spec, schema, orjson.loads(raw), fill, cache=self.merged)

    def built(self, spec: Spec, schema: Any, fill: Fill, new_ids: Sequence[str], draw: Callable[[int], list[str]],
              build: Build, *inputs: Any) -> Any:
        """What `conform(spec, schema, build(lambda: draw(1)[0], *inputs), fill)` gives, from a template kept per shape
        of the inputs (the uuids of `new_ids` in them as placeholders). `build` must be a module-level function of its
        arguments alone that draws every new id with the function it is given (as many, in an order that depend on the
        inputs only) and treats ids as opaque text; `draw(n)` gives n canonical uuids, the ones n calls of `draw(1)` give."""
        try:
            raw = orjson.dumps(inputs, option=EXACT_JSON)
        except orjson.JSONEncodeError:
            raw = b""
        known = [ident.encode() for ident in dict.fromkeys(new_ids)]
        shape = _abstracted(raw, known) if raw and build.__closure__ is None else None
        if shape is None:
            return self.conform(spec, schema, build(lambda: draw(1)[0], *inputs), fill, new_ids)
        key = (id(schema), build.__code__, len(known), shape)
        found = self._found(key, schema)
        if found is not None:
            count, template = found
            drawn = draw(count)
            order = known + [ident.encode() for ident in drawn]
            if isinstance(template, tuple) and len(set(order)) == len(order):  # (`draw` gives uuids)
                return _filled(template, order)
            replay = iter(drawn)  # the ids are drawn: the value is built with them, as it would have been
            return self.conform(spec, schema, build(lambda: next(replay), *inputs), fill, [*new_ids, *drawn])
        drawn = []

        def recorded() -> str:
            drawn.extend(draw(1))
            return drawn[-1]

        value = build(recorded, *inputs)
        order = known + [ident.encode() for ident in drawn]
        try:
            value_raw = orjson.dumps(value, option=EXACT_JSON)
        except orjson.JSONEncodeError:
            return conform(spec, schema, json_copy(value), fill, cache=self.merged)
        value_shape = _abstracted(value_raw, order) if _distinct_uuids(order, len(known)) else None
        if value_shape is not None and any(ident in value_shape for ident in order):
            value_shape = None  # an id inside a longer string: that string is not the same for other ids
        template = _GENERATED if value_shape is None else _template(spec, schema, value_shape, self.merged)
        self._keep(key, schema, len(drawn), template, len(shape))
        return _filled(template, order) if isinstance(template, tuple) else \
            conform(spec, schema, orjson.loads(value_raw), fill, cache=self.merged)

    def merged_schema(self, spec: Spec, schema: Any) -> dict[str, Any]:
        """`merge_all_of(schema)`, kept by the schema's identity (a schema of the never-changing spec document)."""
        entry = self.merged.get(id(schema))
        if entry is not None and entry[0] is schema:
            return entry[1]
        found = merge_all_of(schema, spec.resolve)
        if len(self.merged) >= 4096:
            self.merged.clear()
        self.merged[id(schema)] = (schema, found)
        return found

    def property_schema(self, spec: Spec, schema_name: str, prop: str) -> Any:
        """The schema of one property of a component schema (allOf merged), kept per (component, property)."""
        key = (schema_name, prop)
        if key not in self._properties:
            merged = self.merged_schema(spec, spec.doc["components"]["schemas"][schema_name])
            self._properties[key] = (merged.get("properties") or {})[prop]
        return self._properties[key]

    def _found(self, key: Hashable, schema: Any) -> tuple[int, Template | object] | None:
        """(ids the build draws, template) kept for `key`, made for this very schema; None when there is none."""
        found = self._templates.get(key)
        if found is None or found[0] is not schema:
            return None
        self._templates.move_to_end(key)
        return found[1], found[2]

    def _keep(self, key: Hashable, schema: Any, count: int, template: Template | object, shape_bytes: int) -> None:
        cost = shape_bytes + (len(template[0]) + len(template[1]) if isinstance(template, tuple) else 0)
        previous = self._templates.pop(key, None)
        if previous is not None:
            self.bytes -= previous[3]
        self._templates[key] = (schema, count, template, cost)
        self.bytes += cost
        while len(self._templates) > self.size or self.bytes > self.max_bytes:
            self.bytes -= self._templates.popitem(last=False)[1][3]

    def __len__(self) -> int:
        return len(self._templates)


def _distinct_uuids(order: list[bytes], start: int) -> bool:
    """Whether the ids from `start` on are canonical uuids, and no two ids of `order` are the same."""
    return len(set(order)) == len(order) and all(UUID_TEXT.fullmatch(ident.decode()) for ident in order[start:])


def _abstracted(raw: bytes, idents: list[bytes]) -> bytes | None:
    """`raw` with each of `idents` that is a whole JSON string replaced by its placeholder (numbered by position in
    `idents`); None when one also ends a longer string (after an escaped quote), or `raw` holds a placeholder.

    Two whole strings never overlap (a quote in JSON text that is not escaped always opens or closes a string), so
    the idents are replaced one after the other; one that holds a placeholder's prefix is not in `raw`."""
    if _PREFIX in raw:
        return None
    escapes = b"\\" in raw  # (one byte: a fast search; a backslash in JSON text only ever starts an escape)
    for index, ident in enumerate(idents):
        token = b'"' + ident + b'"'
        if token not in raw:
            continue
        if escapes and b"\\" + token in raw:
            return None
        if _PREFIX not in ident:
            raw = raw.replace(token, b'"%s%012d"' % (_PREFIX, index))
    return raw


def _template(spec: Spec, schema: Any, shape: bytes, merged: MergeCache) -> Template | object:
    """The conformed shape cut at its placeholders, or `_GENERATED` when conforming it would generate values (then
    nothing is generated: the caller conforms the value itself)."""
    def refuse(_: Any) -> Any:
        raise _Generates

    try:
        conformed = orjson.dumps(conform(spec, schema, orjson.loads(shape), refuse, cache=merged), option=EXACT_JSON)
    except (_Generates, orjson.JSONEncodeError):
        return _GENERATED
    head, *cut = conformed.split(_OPEN)
    text = b'"%s'.join([head.replace(b"%", b"%%"), *(part[12:].replace(b"%", b"%%") for part in cut)])
    return text, tuple(int(part[:12]) for part in cut)


def _filled(template: Template, order: list[bytes]) -> Any:
    """A new value from a template, each placeholder replaced by its id."""
    text, indexes = template
    return orjson.loads(text % tuple(map(order.__getitem__, indexes)))
