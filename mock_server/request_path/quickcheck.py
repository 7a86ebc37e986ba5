"""A quick, compiled "is this valid?" for OpenAPI 3.0 schemas, at least as strict as openapi-core's read validator
(responses) or write validator (request bodies).

The schema is translated once to JSON Schema 2020-12 and compiled with jsonschema-rs (Rust). Every value it
accepts, openapi-core's `OAS30ReadValidator` accepts too; a value it refuses may still be valid, so the caller
asks openapi-core then (and takes openapi-core's errors, messages and field paths). What cannot be translated
exactly or more strictly (OpenAPI 3.1, references outside `#/components/schemas`, `format: ipv6`, fractional
`multipleOf`, a pattern Rust cannot compile), or that reaches over 150 component schemas (each compiled check holds
its own copy of them: megabytes per operation in a large document) gets no quick check: `QuickCheck.build` returns None.

How each OpenAPI 3.0 rule is kept (openapi-schema-validator's semantics):
- `nullable: true` beside `type` → the type or null; `writeOnly: true` → nothing is allowed (read direction);
  `required` skips properties whose own schema says `writeOnly`; in the write direction (`OAS30WriteValidator`) the
  same with `readOnly`: a readOnly value sent is refused, a readOnly property listed in `required` may be left out;
- draft-4 `exclusiveMinimum/Maximum: true` → the 2020-12 numeric forms; formats openapi-core checks
  (`int32`, `int64`, `date-time`, `date`, `time`, `uuid`, `email`, `ipv4`, `byte`) → bounds, or patterns at
  least as strict as its checks; a checked format without such a pattern (`ipv6`, `regex`, ...) → no quick
  check; the formats it does not check are not checked;
- a `discriminator` beside `allOf`, `anyOf` or `oneOf` → the discriminating property is a non-empty string naming
  a mapping entry or a listed component, and the value is checked against the schema that tag names only (the list
  itself is not checked, as openapi-core checks it not); a discriminator without such a list is ignored, as there;
  a tag naming no component schema (or any component not listed, which openapi-core also accepts) is refused here;
- a schema that leads back to itself on the same value (a union whose branch holds the union again through `allOf`)
  → no quick check: openapi-core recurses without end there, where jsonschema-rs stops and says yes;
- write direction: a format with no pattern here refuses every value of its node (openapi-core decides those);
- keywords openapi-core does not know (`const`, `if`, `patternProperties`, ...) are dropped, as it ignores them.
jsonschema-rs counts 1.0 as an integer where openapi-core does not: a value holding a whole float is never
accepted quickly.
"""
from __future__ import annotations

import re
from typing import Any

_REF_PREFIX = "#/components/schemas/"
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
_COUNTS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"  # year 0 is no date
_MONTH_DAY = "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_HEX = "[0-9a-fA-F]"
# Patterns at least as strict as the format checks openapi-core runs (29 February is left to openapi-core)
_FORMAT_PATTERNS = {
    "date-time": f"^{_YEAR}-{_MONTH_DAY}T{_TIME}$",
    "date": f"^{_YEAR}-{_MONTH_DAY}$",
    "time": f"^{_TIME}$",
    "uuid": f"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$",
    "email": "@",
    "idn-email": "@",
    "ipv4": f"^(?:{_OCTET}\\.){{3}}{_OCTET}$",
    "byte": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
    "uri": ":",  # openapi-core does not check these; a caller that does (fitting a stored value) asks for them
    "url": ":",
}
_MAX_COMPONENTS = 150  # a schema reaching more component schemas gets no quick check: openapi-core validates it
_UNCHECKED_FORMATS = frozenset({"float", "double", "binary", "password"})  # openapi-core's checks accept any JSON value


def surely_formatted(fmt: str, value: str) -> bool:
    """True when `value` passes openapi-core's check of `fmt` for sure (False: only openapi-core can tell)."""
    pattern = _FORMAT_PATTERNS.get(fmt, "")
    return fmt in _UNCHECKED_FORMATS or (pattern.startswith("^") and re.fullmatch(pattern, value) is not None)


class Untranslatable(Exception):
    """The schema uses something the quick check cannot keep exactly (or more strictly)."""


class QuickCheck:
    """A compiled validator for one OpenAPI 3.0 schema of a document; `accepts` never says yes to an invalid value."""

    def __init__(self, validator: Any, integers: bool) -> None:
        self._validator = validator
        self._integers = integers  # whether the schema says `integer` anywhere (only then can 1.0 matter)

    @classmethod
    def build(cls, doc: dict[str, Any], schema: Any, checked_formats: frozenset[str] | None,
              direction: str = "read") -> QuickCheck | None:
        """The quick check for `schema` (in document `doc`), or None when it cannot be built faithfully.

        `checked_formats` are the formats openapi-core's format checker knows (it depends on installed packages);
        None assumes it checks every format (a format without a pattern here then means no quick check when reading,
        a "no" for every value it applies to when writing). `direction` is "read" (a response) or "write" (a request).
        """
        if not str(doc.get("openapi", "")).startswith("3.0"):
            return None
        import jsonschema_rs  # here, not at start-up: the first response of an operation needs it

        try:
            translator = _Translator(doc, checked_formats, direction == "write")
            root: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "allOf": [translator.schema(schema)]}
            root["components"] = {"schemas": translator.components()}
            if len(root["components"]["schemas"]) > _MAX_COMPONENTS:
                return None  # compiled, it would hold megabytes per operation (Stripe: 484 components, 8 MB each)
            if _applies_itself(root["components"]["schemas"]):
                return None  # openapi-core recurses without end where jsonschema-rs stops and says yes
            return cls(jsonschema_rs.Draft202012Validator(root, validate_formats=False), translator.integers)
        except (Untranslatable, ValueError, TypeError, RecursionError, jsonschema_rs.ValidationError):
            return None

    def accepts(self, value: Any) -> bool:
        """True only when openapi-core's validator (read or write, as built) would find nothing wrong with `value`."""
        if self._integers and _has_whole_float(value):
            return False
        try:
            return bool(self._validator.is_valid(value))
        except Exception:  # a value Rust cannot take (a lone surrogate, ...): openapi-core decides
            return False


class _Translator:
    """Translates one schema and, on demand, the component schemas it reaches."""

    def __init__(self, doc: dict[str, Any], checked_formats: frozenset[str] | None, writing: bool = False) -> None:
        self.doc = doc
        self.checked_formats = checked_formats
        self.writing = writing
        self.hidden = "readOnly" if writing else "writeOnly"  # what may not be sent in this direction
        self.integers = False
        self.available: dict[str, Any] = ((doc.get("components") or {}).get("schemas")) or {}
        self.done: dict[str, Any] = {}
        self.pending: list[str] = []

    def components(self) -> dict[str, Any]:
        """Every component schema reached so far, translated (each once)."""
        while self.pending:
            name = self.pending.pop()
            if name not in self.done:
                self.done[name] = True  # a placeholder, so a cycle stops here
                self.done[name] = self.schema(self.available[name])
        return self.done

    def ref(self, ref: Any) -> str:
        """A `$ref` to a component schema, queued for translation."""
        if not isinstance(ref, str) or not ref.startswith(_REF_PREFIX) or "/" in ref[len(_REF_PREFIX):]:
            raise Untranslatable(f"reference {ref!r}")
        name = ref[len(_REF_PREFIX):]
        if "~" in name or "%" in name or name not in self.available:
            raise Untranslatable(f"reference {ref!r}")
        if name not in self.done:
            self.pending.append(name)
        return ref

    def schema(self, node: Any) -> Any:
        """One schema object, translated."""
        if not isinstance(node, dict):
            raise Untranslatable("a schema that is not an object")
        if node.get(self.hidden):
            return False
        out: dict[str, Any] = {}
        checks: list[Any] = []
        if "$ref" in node:
            out["$ref"] = self.ref(node["$ref"])
        if "type" in node:
            kind = node["type"]
            if kind not in _TYPES:
                raise Untranslatable(f"type {kind!r}")
            out["type"] = [kind, "null"] if node.get("nullable") is True else kind
            self.integers = self.integers or kind == "integer"
        self._numbers(node, out)
        for key in _COUNTS:
            if key in node:
                if not isinstance(node[key], int) or isinstance(node[key], bool):
                    raise Untranslatable(key)
                out[key] = node[key]
        for key in ("uniqueItems", "enum", "pattern"):
            if key in node:
                out[key] = node[key]
        fmt = node.get("format")
        if fmt is not None and (self.checked_formats is None or fmt in self.checked_formats) and fmt not in _UNCHECKED_FORMATS:
            if fmt in _INT_BOUNDS:
                low, high = _INT_BOUNDS[fmt]
                checks.append({"minimum": low, "maximum": high})
            elif fmt in _FORMAT_PATTERNS:
                checks.append({"pattern": _FORMAT_PATTERNS[fmt]})
            elif self.writing:
                checks.append(False)
            else:
                raise Untranslatable(f"format: {fmt}")
        if "not" in node:
            out["not"] = self.schema(node["not"])
        if "properties" in node:
            props = node["properties"]
            if not isinstance(props, dict):
                raise Untranslatable("properties")
            out["properties"] = {name: self.schema(sub) for name, sub in props.items()}
        if "additionalProperties" in node:
            extra = node["additionalProperties"]
            out["additionalProperties"] = extra if isinstance(extra, bool) else self.schema(extra)
        if "items" in node:
            out["items"] = self.schema(node["items"])
        if "required" in node:
            out["required"] = self._required(node)
        if "discriminator" in node and any(k in node for k in ("allOf", "anyOf", "oneOf")):
            checks.append(self._discriminated(node))
        else:
            for key in ("allOf", "anyOf", "oneOf"):
                if key in node:
                    if not isinstance(node[key], list) or not node[key]:
                        raise Untranslatable(key)
                    out[key] = [self.schema(sub) for sub in node[key]]
        if checks:
            out["allOf"] = [*out.get("allOf", []), *checks]
        return out

    def _numbers(self, node: dict[str, Any], out: dict[str, Any]) -> None:
        """`multipleOf` (whole numbers only) and draft-4 style bounds."""
        if "multipleOf" in node:
            step = node["multipleOf"]
            if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
                raise Untranslatable("multipleOf")
            out["multipleOf"] = step
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if bound in node:
                value = node[bound]
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise Untranslatable(bound)
                out[exclusive if node.get(exclusive) else bound] = value

    def _required(self, node: dict[str, Any]) -> list[str]:
        """`required` less the properties whose own (unresolved) schema says writeOnly (reading) or readOnly (writing),
        as openapi-core reads it."""
        names = node["required"]
        if not isinstance(names, list):
            raise Untranslatable("required")
        props = node.get("properties") or {}
        return [n for n in names if not (isinstance(props.get(n), dict) and props[n].get(self.hidden))]

    def _discriminated(self, node: dict[str, Any]) -> dict[str, Any]:
        """The discriminator rule as openapi-schema-validator applies it in place of `allOf`/`anyOf`/`oneOf`: a
        non-empty string tag, the schema its `mapping` entry names (else the component of that name), and that
        schema's check. Tags are the mapping's and the names of the components the lists refer to; a tag whose schema
        cannot be checked here is left out (openapi-core decides those bodies)."""
        disc = node["discriminator"]
        prop = disc.get("propertyName") if isinstance(disc, dict) else None
        mapping = disc.get("mapping", {}) if isinstance(disc, dict) else None
        if not isinstance(prop, str) or not isinstance(mapping, dict):
            raise Untranslatable("discriminator")
        tags = {tag for tag in mapping if isinstance(tag, str)}  # openapi-core looks the value up as a string
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                ref = sub.get("$ref") if isinstance(sub, dict) else None
                if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
                    tags.add(ref[len(_REF_PREFIX):])  # the implicit mapping: the component's own name
        branches = {tag: target for tag in tags if tag
                    for target in [mapping.get(tag) or _REF_PREFIX + tag] if self.reachable(target)}
        if not branches:
            raise Untranslatable("discriminator without branches")
        return {
            "type": "object",
            "required": [prop],
            "properties": {prop: {"type": "string", "enum": sorted(branches)}},
            "allOf": [{"if": {"properties": {prop: {"const": tag}}}, "then": {"$ref": self.ref(target)}}
                      for tag, target in sorted(branches.items())],
        }

    def reachable(self, ref: Any) -> bool:
        """Whether `ref` names a component schema this translator can refer to."""
        try:
            self.ref(ref)
        except Untranslatable:
            return False
        return True


def _applies_itself(components: dict[str, Any]) -> bool:
    """Whether a translated component schema leads back to itself on the same value (through `$ref`, `allOf`, `anyOf`,
    `oneOf`, `not` or a discriminator's branch, not through a property or an item): an endless check."""
    applied = {name: _applied_components(schema) for name, schema in components.items()}
    finished: set[str] = set()
    for start in applied:
        if start in finished:
            continue
        path, stack = {start}, [(start, iter(applied[start]))]
        while stack:
            name, following = stack[-1]
            target = next(following, None)
            if target is None:
                stack.pop()
                path.discard(name)
                finished.add(name)
            elif target in path:
                return True
            elif target not in finished and target in applied:
                path.add(target)
                stack.append((target, iter(applied[target])))
    return False


def _applied_components(schema: Any) -> set[str]:
    """The component schemas a translated schema applies to the value itself (not to its properties or items)."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if "$ref" in node:
            names.add(node["$ref"][len(_REF_PREFIX):])
        for key in ("allOf", "anyOf", "oneOf"):
            stack.extend(node.get(key) or [])
        stack.extend(node[key] for key in ("not", "if", "then", "else") if key in node)
    return names


def _has_whole_float(value: Any) -> bool:
    """Whether `value` holds a float with no fractional part (1.0) anywhere."""
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_has_whole_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_whole_float(v) for v in value)
    return False
