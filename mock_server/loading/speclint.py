"""Check a loaded OpenAPI document leniently: repair what a mock can live with, refuse only what it cannot serve.

Every finding names its place (`paths./pets.get.responses.200`). Warnings come with the repair applied
(a missing description filled, a duplicate `required` entry dropped, a default that breaks its schema ignored);
fatal findings (an unknown `type`, no paths, an object that is not a mapping) stop start-up.
"""
from __future__ import annotations

import difflib
import json
import re
import warnings
from collections.abc import Callable
from typing import Any

from mock_server.errors import SpecIssue
from mock_server.loading.oaswalk import HTTP_METHODS
from mock_server.loading.pointer import follow, place, tokens_of

Path_ = tuple[str | int, ...]

TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
_YAML11_BOOLS = {"yes": True, "y": True, "on": True, "no": False, "n": False, "off": False}
_BOOL_FIELDS = {
    "parameter": frozenset(("required", "deprecated", "allowEmptyValue", "explode", "allowReserved")),
    "header": frozenset(("required", "deprecated", "allowEmptyValue", "explode", "allowReserved")),
    "requestBody": frozenset(("required",)),
    "operation": frozenset(("deprecated",)),
    "schema": frozenset(("nullable", "readOnly", "writeOnly", "uniqueItems", "deprecated", "exclusiveMinimum", "exclusiveMaximum",
                         "additionalProperties")),
}
_NUMBER_KEYWORDS = ("minimum", "maximum", "multipleOf")
_COUNT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains")
_VALUE_CHECKED = frozenset((*_NUMBER_KEYWORDS, *_COUNT_KEYWORDS, "pattern", "required", "enum", "properties", "patternProperties"))
_SCHEMA_KEYWORDS = {
    "$ref", "$id", "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment", "$defs", "definitions",
    "title", "description", "type", "format", "enum", "const", "default", "example", "examples", "deprecated",
    "readOnly", "writeOnly", "nullable", "discriminator", "xml", "externalDocs",
    "multipleOf", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "items", "prefixItems", "additionalItems", "maxItems", "minItems", "uniqueItems", "contains", "maxContains", "minContains",
    "properties", "patternProperties", "additionalProperties", "required", "maxProperties", "minProperties",
    "propertyNames", "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedItems", "unevaluatedProperties",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "contentEncoding", "contentMediaType", "contentSchema",
}
_OPERATION_FIELDS = {"tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody",
                     "responses", "callbacks", "deprecated", "security", "servers"}
_PATH_ITEM_FIELDS = {"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}
_PLAIN_LEAF_KEYS = frozenset(("type", "format", "description", "title", "example", "default"))
_PLAIN_LEAF_TYPES = frozenset(("string", "number", "integer", "object", "array", "null"))  # not boolean: `default: yes`
_LOCATIONS = ("path", "query", "header", "cookie")
_STYLES = {"path": ("simple", "label", "matrix"), "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
           "header": ("simple",), "cookie": ("form",)}
_STATUS = re.compile(r"^(?:[1-5][0-9]{2}|[1-5]XX|default)$")


class Linter:
    """One pass over a document (`start`, `visit` each object, `finish`); collects SpecIssues and applies the repairs it names.

    The loader drives it while it bundles the document (`load_document(path, Linter(file))`), so a document is walked once.
    """

    def __init__(self, file: str, budget_s: float | None = 3.0) -> None:
        self.file = file
        self.budget_s = budget_s  # checking defaults and examples stops after this long (None: check everything)
        self.doc: dict[str, Any] = {}
        self.issues: list[SpecIssue] = []
        self.is_31 = False
        self.operation_ids: set[str] = set()
        self.unusable: set[int] = set()  # parameters to drop once the walk is done
        self.path_items: list[tuple[Path_, dict[str, Any]]] = []  # path parameters are checked once every `$ref` is local
        self.checks: dict[str, Callable[[Path_, dict[str, Any]], None]] = {
            "pathItem": self._path_item, "operation": self._operation, "parameter": self._parameter,
            "header": self._parameter, "requestBody": self._bools, "response": self._response,
            "mediaType": self._media_type, "schema": self._schema,
        }

    def warn(self, path: Path_, problem: str) -> None:
        """A problem the mock serves through."""
        self.issues.append(SpecIssue(self.file, place(path), problem))

    def fail(self, path: Path_, problem: str) -> None:
        """A problem that stops the document from being served."""
        self.issues.append(SpecIssue(self.file, place(path), problem, fatal=True))

    def start(self, doc: dict[str, Any]) -> bool:
        """Check the top level; False when there is nothing below worth checking."""
        self.doc = doc
        return self._top_level()

    def visit(self, kind: str, path: Path_, node: Any) -> None:
        """Check and repair one object (before the objects below it are visited)."""
        if kind == "document" or (kind == "schema" and isinstance(node, bool)):
            return
        if not isinstance(node, dict):
            self.fail(path, f"must be a mapping (an OpenAPI {kind} object), found {_shown(node)}")
            return
        if "$ref" in node and kind != "schema":
            return
        check = self.checks.get(kind)
        if check is not None:
            check(path, node)

    def finish(self, visited: list[tuple[str, Path_, Any]]) -> None:
        """What needs the whole document: declared path parameters, unusable parameters dropped, defaults and examples."""
        for path, item in self.path_items:
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    self._path_parameters((*path, method), str(path[1]), item, item[method])
        self._drop_unusable_parameters()
        if not any(i.fatal for i in self.issues):
            from mock_server.loading.schemacheck import value_problems  # jsonschema and its kin load only when a spec is checked

            self.issues.extend(value_problems(self.doc, self.file, visited, self.budget_s))

    def found(self) -> list[SpecIssue]:
        """What was found, fatal issues first."""
        return sorted(self.issues, key=lambda i: not i.fatal)

    def _top_level(self) -> bool:
        version = str(self.doc.get("openapi"))
        if re.fullmatch(r"3\.[01]", version):
            self.warn(("openapi",), f"version {version!r} read as {version}.{0 if version == '3.1' else 3}")
            version = f"{version}.{0 if version == '3.1' else 3}"
        if not re.fullmatch(r"3\.[01]\.\d+(-.+)?", version):
            self.fail(("openapi",), f"unsupported OpenAPI version {version!r} (flowmock serves 3.0.x and 3.1.x)")
            return False
        self.doc["openapi"] = version
        self.is_31 = version.startswith("3.1")
        info = self.doc.get("info")
        if not isinstance(info, dict):
            self.warn(("info",), "missing (a title and a version): served without")
            info = self.doc["info"] = {"version": "1"}
        elif not info.get("title") or "version" not in info:
            self.warn(("info",), f"missing its {'title' if not info.get('title') else 'version'}: served without")
        info.setdefault("title", self.file.rsplit("/", 1)[-1].split(".")[0])
        info["version"] = str(info.get("version", "1"))
        paths = self.doc.get("paths")
        if not isinstance(paths, dict) or not [p for p in paths if not str(p).startswith("x-")]:
            self.fail(("paths",), "no paths: the document describes no operation to serve")
            return False
        self._security(("security",), self.doc)
        for key in [p for p in paths if not str(p).startswith(("/", "x-"))]:
            self.warn(("paths", key), "a path must start with '/': ignored")
            del paths[key]
        return True

    def _bools(self, path: Path_, node: dict[str, Any], kind: str = "requestBody") -> None:
        """YAML 1.1 words (`required: yes`, `explode: off`) in boolean fields mean true and false."""
        for name in node.keys() & _BOOL_FIELDS.get(kind, frozenset()):
            value = node[name]
            if isinstance(value, str) and value.lower() in _YAML11_BOOLS:
                node[name] = _YAML11_BOOLS[value.lower()]

    def _path_item(self, path: Path_, node: dict[str, Any]) -> None:
        for key in list(node):
            if key.lower() in HTTP_METHODS and key != key.lower() and key.lower() not in node:
                self.warn((*path, key), f"method names are lower case: served as {key.lower()!r}")
                node[key.lower()] = node.pop(key)
            elif key not in _PATH_ITEM_FIELDS and not key.startswith("x-"):
                self.warn((*path, key), f"unknown field {key!r} in a path item: ignored")
        if len(path) == 2 and path[0] == "paths":  # a callback's or webhook's URL template is an expression, not a path
            self.path_items.append((path, node))

    def _path_parameters(self, path: Path_, template: str, item: dict[str, Any], op: dict[str, Any]) -> None:
        declared = {str(p.get("name")) for p in self._parameters(item) + self._parameters(op) if p.get("in") == "path"}
        for name in re.findall(r"\{([^}/]+)\}", template):
            if name not in declared:
                self.warn((*path, "parameters"), f"path parameter {name!r} is not declared: served as a required string")
                op.setdefault("parameters", []).append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})

    def _parameters(self, owner: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for param in owner.get("parameters") or [] if isinstance(owner.get("parameters"), list) else []:
            if isinstance(param, dict) and "$ref" in param:
                try:
                    param = follow(self.doc, tokens_of(param["$ref"]))
                except LookupError:
                    continue
            if isinstance(param, dict):
                found.append(param)
        return found

    def _operation(self, path: Path_, node: dict[str, Any]) -> None:
        self._bools(path, node, "operation")
        for key in node:
            if key not in _OPERATION_FIELDS and not key.startswith("x-"):
                self.warn((*path, key), f"unknown field {key!r} in an operation: ignored{_did_you_mean(key, _OPERATION_FIELDS)}")
        if "parameters" in node and not isinstance(node["parameters"], list):
            self.fail((*path, "parameters"), f"must be a list of parameters, found {_shown(node['parameters'])}")
        self._security((*path, "security"), node)
        op_id = node.get("operationId")
        if op_id is not None:
            op_id = str(op_id)
            if op_id in self.operation_ids:
                renamed, n = f"{op_id}_2", 3
                while renamed in self.operation_ids:
                    renamed, n = f"{op_id}_{n}", n + 1
                self.warn((*path, "operationId"), f"operationId {op_id!r} is used twice: this one is served as {renamed!r}")
                op_id = node["operationId"] = renamed
            self.operation_ids.add(op_id)
        responses = node.get("responses")
        if responses is None or responses == {}:
            self.warn((*path, "responses"), "no responses documented: answers 200 with no body")
            node["responses"] = {"200": {"description": "(not documented)"}}
        elif not isinstance(responses, dict):
            self.fail((*path, "responses"), f"must map status codes to responses, found {_shown(responses)}")
        else:
            for code in [c for c in responses if not _STATUS.match(str(c)) and not str(c).startswith("x-")]:
                self.warn((*path, "responses", code), f"{code!r} is not a status code (200, 4XX or default): ignored")
                del responses[code]
            for code in ("204", "304"):
                answer = responses.get(code)
                if isinstance(answer, dict) and answer.get("content"):
                    self.warn((*path, "responses", code, "content"), f"a {code} answer has no body (HTTP): answered without one")

    def _security(self, path: Path_, owner: dict[str, Any]) -> None:
        """Each security requirement names defined schemes (an undefined one is taken as a bearer token)."""
        requirements = owner.get("security")
        if requirements is None:
            return
        if not isinstance(requirements, list) or not all(isinstance(r, dict) for r in requirements):
            self.warn(path, f"must be a list of requirements such as [{{bearerAuth: []}}], found {_shown(requirements)}: ignored")
            del owner["security"]
            return
        defined = (self.doc.get("components") or {}).get("securitySchemes") or {}
        for index, requirement in enumerate(requirements):
            for name in requirement:
                if name not in defined:
                    self.warn((*path, index, name), f"security scheme {name!r} is not defined in components.securitySchemes: "
                              f"read as a bearer token{_did_you_mean(str(name), defined)}")

    def _drop_unusable_parameters(self) -> None:
        """Remove the parameters found without `name` or `in` (after the walk, so every place names the file's index)."""
        owners = [item for item in self.doc["paths"].values() if isinstance(item, dict)]
        owners += [item[m] for item in owners for m in HTTP_METHODS if isinstance(item.get(m), dict)]
        for owner in owners:
            if isinstance(owner.get("parameters"), list):
                owner["parameters"] = [p for p in owner["parameters"] if id(p) not in self.unusable]

    def _schema_type(self, schema: Any) -> Any:
        """A schema's declared `type`, through a local `$ref`; None when it names none (or cannot be followed)."""
        try:
            while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#"):
                schema = follow(self.doc, tokens_of(schema["$ref"]))
        except LookupError:
            return None
        return schema.get("type") if isinstance(schema, dict) else None

    def _parameter(self, path: Path_, node: dict[str, Any]) -> None:
        kind = "header" if "headers" in path else "parameter"
        self._bools(path, node, kind)
        if kind == "parameter" and (not node.get("name") or node.get("in") not in _LOCATIONS):
            swagger2 = " (`in: body` and `in: formData` are Swagger 2: OpenAPI 3 describes a body with `requestBody`)" \
                if node.get("in") in ("body", "formData") else ""
            self.warn(path, f"a parameter needs a `name` and an `in` ({', '.join(_LOCATIONS)}){swagger2}: ignored")
            self.unusable.add(id(node))
            return
        styles = _STYLES.get(str(node.get("in", "header")), ())
        if "style" in node and node["style"] not in styles:
            self.warn((*path, "style"), f"{_shown(node['style'])} is not a style for this location ({', '.join(styles)}): "
                      f"the default {styles[0]!r} is used")
            del node["style"]
        if node.get("style") == "deepObject" and self._schema_type(node.get("schema")) not in ("object", None):
            self.warn((*path, "style"), f"deepObject is for objects, and this parameter is {_shown(self._schema_type(node.get('schema')))}: "
                      "read as 'form' (`?name=a&name=b`)")
            node["style"] = "form"
        if node.get("in") == "path" and node.get("required") is not True:
            self.warn((*path, "required"), "a path parameter is always required: served as required")
            node["required"] = True
        if "schema" not in node and "content" not in node:
            self.warn(path, "no `schema` or `content`: any string is accepted")
            node["schema"] = {"type": "string"}

    def _response(self, path: Path_, node: dict[str, Any]) -> None:
        if "description" not in node:
            self.warn((*path, "description"), "missing (required by OpenAPI): served without")
            node["description"] = ""

    def _media_type(self, path: Path_, node: dict[str, Any]) -> None:
        if "schema" in node and not isinstance(node["schema"], (dict, bool)):
            self.fail((*path, "schema"), f"must be a schema object, found {_shown(node['schema'])}")

    def _schema(self, path: Path_, node: dict[str, Any]) -> None:
        if "$ref" in node:
            return
        if node.keys() <= _PLAIN_LEAF_KEYS and isinstance(node.get("type"), str) and node["type"] in _PLAIN_LEAF_TYPES:
            return  # most schemas (`{type: string, format: uuid, description: ...}`): nothing below can be wrong or repaired
        self._bools(path, node, "schema")
        self._type(path, node)
        for key in () if node.keys() <= _SCHEMA_KEYWORDS else list(node):  # the common case settled by one set comparison
            if key not in _SCHEMA_KEYWORDS and not str(key).startswith("x-"):
                self.warn((*path, key), f"unknown keyword {key!r}: ignored{_did_you_mean(key, _SCHEMA_KEYWORDS)}")
        self._required_on_properties(path, node)
        self._keyword_values(path, node)
        if "$schema" in node:
            self._dialect(path, node)
        if node.get("type") in ("integer", "number") and isinstance(node.get("enum"), list):
            self._numeric_enum(path, node)
        if self.is_31 and "nullable" in node:
            self._nullable_31(path, node)
        if node.get("type") == "boolean" or node.get("type") == ["boolean"]:
            for key in ("default", "example", "const"):
                if isinstance(node.get(key), str) and node[key].lower() in _YAML11_BOOLS:
                    node[key] = _YAML11_BOOLS[node[key].lower()]
            if isinstance(node.get("enum"), list):
                node["enum"] = [_YAML11_BOOLS.get(v.lower(), v) if isinstance(v, str) else v for v in node["enum"]]

    def _required_on_properties(self, path: Path_, node: dict[str, Any]) -> None:
        """`required: true` on a property (Swagger 2 habit) means: listed in this schema's `required`."""
        properties = node.get("properties")
        if not isinstance(properties, dict):
            return
        for name, prop in properties.items():
            if isinstance(prop, dict) and isinstance(prop.get("required"), bool):
                flag = prop.pop("required")
                self.warn((*path, "properties", name, "required"), f"`required: {str(flag).lower()}` on a property: read as "
                          f"{'listed' if flag else 'not listed'} in the parent's `required` (where OpenAPI expects it)")
                listed: list[Any] = node["required"] if isinstance(node.get("required"), list) else []
                if flag and name not in listed:
                    node["required"] = [*listed, name]

    def _type(self, path: Path_, node: dict[str, Any]) -> None:
        declared = node.get("type")
        if declared is None:
            return
        if not isinstance(declared, (str, list)):
            self.warn((*path, "type"), f"must be a type name or a list of them, found {_shown(declared)}: ignored")
            del node["type"]
            return
        for name in declared if isinstance(declared, list) else [declared]:
            if name not in TYPES:
                self.fail((*path, "type"), f"unknown type {name!r}{_did_you_mean(str(name), TYPES)} "
                          f"(a schema type is one of {', '.join(TYPES)})")

    def _keyword_values(self, path: Path_, node: dict[str, Any]) -> None:
        if not node.keys() & _VALUE_CHECKED:
            return
        for key in _NUMBER_KEYWORDS:
            if key in node and (isinstance(node[key], bool) or not isinstance(node[key], (int, float))):
                self.warn((*path, key), f"must be a number, found {_shown(node[key])}: ignored")
                del node[key]
        for key in _COUNT_KEYWORDS:
            if key in node and (isinstance(node[key], bool) or not isinstance(node[key], int) or node[key] < 0):
                self.warn((*path, key), f"must be a whole number >= 0, found {_shown(node[key])}: ignored")
                del node[key]
        if "pattern" in node:
            self._pattern(path, node)
        required = node.get("required")
        if required is not None:
            if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
                self.warn((*path, "required"), f"must list property names, found {_shown(required)} "
                          "(a required property is listed in its parent's `required`): ignored")
                del node["required"]
            elif len(set(required)) != len(required):
                self.warn((*path, "required"), "lists a property twice: duplicates ignored")
                node["required"] = list(dict.fromkeys(required))
        if "enum" in node and (not isinstance(node["enum"], list) or not node["enum"]):
            self.warn((*path, "enum"), f"must be a non-empty list, found {_shown(node['enum'])}: ignored")
            del node["enum"]
        for key in ("properties", "patternProperties"):
            if key in node and not isinstance(node[key], dict):
                self.warn((*path, key), f"must map names to schemas, found {_shown(node[key])}: ignored")
                del node[key]

    def _pattern(self, path: Path_, node: dict[str, Any]) -> None:
        pattern = node["pattern"]
        try:
            if not isinstance(pattern, str):
                raise re.error("not a string")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": still a valid pattern
                re.compile(pattern)
        except re.error as exc:
            self.warn((*path, "pattern"), f"not a usable regular expression ({_shown(pattern)}: {exc}): ignored")
            del node["pattern"]

    def _numeric_enum(self, path: Path_, node: dict[str, Any]) -> None:
        """An integer or number enum written as strings (`enum: ["0", "2"]`) is read as the numbers it lists."""
        values = node["enum"]
        if not any(isinstance(v, str) for v in values):
            return
        try:
            numbers = [v if not isinstance(v, str) else int(v) if node["type"] == "integer" else float(v) for v in values]
        except ValueError:
            return  # not numbers at all: validation reports the contradiction
        self.warn((*path, "enum"), f"lists {node['type']}s as strings: read as {_shown(numbers[:3])}...")
        node["enum"] = numbers

    def _dialect(self, path: Path_, node: dict[str, Any]) -> None:
        """A schema-local `$schema` naming a JSON Schema dialect no validator knows (`draft-05`) is dropped."""
        from jsonschema.validators import validator_for

        dialect = node["$schema"]
        if not isinstance(dialect, str) or validator_for({"$schema": dialect}, default=None) is None:
            self.warn((*path, "$schema"), f"unknown JSON Schema dialect {_shown(dialect)}: validated with the document's own")
            del node["$schema"]

    def _nullable_31(self, path: Path_, node: dict[str, Any]) -> None:
        nullable = node.pop("nullable")
        if nullable is True and isinstance(node.get("type"), str):
            self.warn((*path, "nullable"), f"`nullable` is OpenAPI 3.0: read as type: [{node['type']}, 'null'] "
                      "(in 3.1 write it that way)")
            node["type"] = [node["type"], "null"]
        else:
            self.warn((*path, "nullable"), "`nullable` is OpenAPI 3.0 (in 3.1 add 'null' to `type`): ignored")


def warning_lines(warnings: tuple[SpecIssue, ...], source: str, limit: int = 30) -> list[str]:
    """What start-up prints about a served document's problems: one line each, at most `limit`."""
    if not warnings:
        return []
    lines = [f"warning: {issue}" for issue in warnings[:limit]]
    if len(warnings) > limit:
        lines.append(f"warning: {source}: and {len(warnings) - limit} more (python -m mock_server.loading.speccheck {source} lists them all)")
    return lines


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
