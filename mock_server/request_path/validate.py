"""Validate requests and responses against a spec with openapi-core, as FieldError lists.

The server and the contract harness both use this module, so they never disagree.
Security is not checked here (the server's auth layer owns it), and routing is already done:
each call names the operation, so openapi-core's own path finding is skipped.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from mock_server.errors import FieldError
from mock_server.loading.spec import Operation, Spec
from mock_server.request_path.forms import decoded_media, read_decoded
from mock_server.request_path.quickcheck import QuickCheck, surely_formatted


@dataclass(frozen=True)
class RequestData:
    """The parts of an HTTP request that validation looks at."""

    method: str
    spec_path: str
    path_params: dict[str, str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    public_path: str = ""  # the path as the client sent it (root or prefixed)


class Verdicts:
    """A memo of validation results, bounded by entries and by bytes: the same request always gets the same verdict."""

    def __init__(self, size: int = 4096, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.size, self.max_bytes = size, max_bytes
        self.bytes = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        """The remembered verdict, or None."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: Hashable, verdict: Any) -> Any:
        """Remember a verdict (dropping the oldest beyond the size or the bytes) and return it."""
        cost = _approximate_size(verdict) + _approximate_size(key)
        if cost > self.max_bytes:
            return verdict
        previous = self._items.pop(key, None)
        if previous is not None:
            self.bytes -= previous[1]
        self._items[key] = (verdict, cost)
        self.bytes += cost
        while len(self._items) > self.size or self.bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped
        return verdict

    def __len__(self) -> int:
        return len(self._items)


def _approximate_size(value: Any) -> int:
    """Bytes a memo key or verdict keeps alive, roughly: CPython's object sizes, walked through tuples and errors."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        total += sys.getsizeof(item)
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, FieldError):
            stack.extend((vars(item), item.location, item.field, item.message))
        elif hasattr(item, "errors"):  # a verdict object (a rendered one keeps its body too)
            stack.append(item.errors)
            total += len(getattr(item, "body", b""))
    return total


def request_key(op: Operation, req: RequestData) -> Hashable:
    """What request validation depends on (headers only where the operation declares them)."""
    declared = tuple(req.headers.get(str(p.get("name", "")).lower()) for p in op.parameters if p.get("in") == "header")
    return (op.key, req.spec_path, tuple(req.query), declared, tuple(sorted(req.cookies.items())), digest(req.body),
            req.content_type)


def digest(data: bytes) -> bytes:
    """A short, collision-safe fingerprint of a body (memo keys stay small whatever the body size)."""
    return hashlib.blake2b(data, digest_size=16).digest()


class UnsupportedMediaType(Exception):
    """The request's content type is not one the operation accepts."""


_PRECHECK_BYTES = 16 * 1024  # a JSON body larger than this is first checked lazily, so error-heavy bodies cost bounded work


NOT_PARSED = object()  # `validate_request` parses the body itself


def validate_request(spec: Spec, op: Operation, req: RequestData, max_errors: int | None = None,
                     parsed: Any = NOT_PARSED, checks: RequestBodyChecks | None = None) -> list[FieldError]:
    """Return every problem with the request's parameters and body (not its credentials).

    With `max_errors`, a large body with at least that many schema errors is not validated to its end: the first
    `max_errors` errors are returned, followed by errors counted up to ten times that bound (the rest is not looked at).
    With `checks`, a JSON body their compiled check accepts (its parameters plainly valid) is settled without openapi-core.
    """
    if plainly_valid(spec, op, req) or (checks is not None and checks.accepts(spec, op, req, parsed)):
        return []
    from openapi_core.testing import MockRequest  # openapi-core loads on the first request a quick check cannot settle
    from openapi_core.validation.request.exceptions import MissingRequestBody, MissingRequiredRequestBody

    # openapi-core's per-part iterators take the operation we already routed to: no second path search and
    # no security check. They are internal API, hence the pin openapi-core < 0.24 and the ignores below.
    validator: Any = spec.openapi.request_validator
    path = validator.spec / "paths" / op.path
    operation = path / op.method
    mock = MockRequest(
        "http://localhost", req.method, req.spec_path, view_args=req.path_params, args=req.query,  # type: ignore[arg-type]
        headers=req.headers, cookies=req.cookies, data=req.body, content_type=req.content_type or "",
    )
    from werkzeug.datastructures import ImmutableMultiDict

    mock.parameters.query = ImmutableMultiDict(_exploded_objects(spec, op, _without_empty_strings(spec, op, req.query)))
    errors: list[FieldError] = []
    for problem in validator._iter_parameters_errors(mock, operation, path):
        errors.extend(_parameter_errors(problem))
    if max_errors is not None and len(req.body) > _PRECHECK_BYTES:
        early = _bounded_body_errors(spec, op, req, max_errors, parsed)
        if early is not None:  # many errors, or none: the whole body was checked, no need to check it twice
            return [*errors, *early]
    decoded = decoded_media(spec.resolve(op.definition.get("requestBody") or {}), req.content_type)
    if decoded is not None and req.body:
        return [*errors, *decoded_errors(spec, decoded, req)]
    if req.body or op.definition.get("requestBody"):
        try:
            body_errors = list(validator._iter_body_errors(mock, operation))
        except (TypeError, KeyError, ValueError, RecursionError) as exc:  # e.g. a non-string discriminator value, or a
            # union whose branch holds it again on the same value (openapi-core recurses without end)
            return [*errors, FieldError("body", "", f"cannot be validated: {_short(str(exc))}")]
        for problem in body_errors:
            if isinstance(problem, MissingRequestBody) and not isinstance(problem, MissingRequiredRequestBody):
                continue
            errors.extend(_body_errors(problem))
    return errors


# Keywords a string schema may carry without constraining its value (what openapi-core checks is absent)
_NOT_CONSTRAINING = frozenset({"type", "description", "title", "example", "examples", "nullable", "deprecated", "default",
                               "externalDocs"})


def plainly_valid(spec: Spec, op: Operation, req: RequestData) -> bool:
    """True when openapi-core would find nothing wrong with a request, seen without it (False: it must look).

    That is a request without a body where the body is optional, every required parameter is sent, and every parameter
    sent is a single non-empty value of a string schema nothing constrains (no pattern, length or enum; a format only
    when the value surely has it).
    """
    try:
        return _plainly_valid(spec, op, req)
    except (LookupError, ValueError, TypeError, AttributeError):  # an odd document: openapi-core reports it its own way
        return False


def _plainly_valid(spec: Spec, op: Operation, req: RequestData) -> bool:
    """`plainly_valid`, letting an unresolvable `$ref` raise."""
    if req.body:
        return False
    body = op.definition.get("requestBody")
    if body is not None and (not isinstance(body, dict) or spec.resolve(body).get("required")):
        return False
    return _parameters_plainly_valid(spec, op, req)


def _parameters_plainly_valid(spec: Spec, op: Operation, req: RequestData) -> bool:
    """Whether every required parameter is sent and each one sent is plainly valid (see `plainly_valid`)."""
    for param in op.parameters:
        param = spec.resolve(param)
        values = _sent(param, req)
        if values is None:
            return False
        if not values:
            if param.get("required"):
                return False
            continue
        schema = spec.resolve(param.get("schema"))
        if (len(values) != 1 or not values[0] or not isinstance(schema, dict) or schema.get("type") != "string"
                or any(key not in _NOT_CONSTRAINING and key != "format" and not key.startswith("x-") for key in schema)
                or ("format" in schema and not surely_formatted(str(schema["format"]), values[0]))):
            return False
    return True


class RequestBodyChecks:
    """Compiled write-direction checks of JSON request bodies, built once per (operation, content type).

    A body the check accepts, in a request whose parameters are plainly valid, has no errors: openapi-core is not
    asked. Anything else (a refused body, a type only openapi-core can match, a schema the check cannot keep
    exactly) goes to openapi-core, so errors, messages and field paths stay its own.
    """

    def __init__(self) -> None:
        self._checks: dict[tuple[str, str], QuickCheck | None] = {}

    def accepts(self, spec: Spec, op: Operation, req: RequestData, parsed: Any = NOT_PARSED) -> bool:
        """True when openapi-core would find nothing wrong with the request (False: it must look)."""
        if not req.body:
            return False
        key = (op.key, req.content_type)
        if key not in self._checks:
            self._checks[key] = _request_body_check(spec, op, req.content_type)
        check = self._checks[key]
        if check is None or not plainly_valid_parameters(spec, op, req):
            return False
        try:
            value = json.loads(req.body) if parsed is NOT_PARSED else parsed
        except (ValueError, RecursionError):
            return False
        return check.accepts(value)


def plainly_valid_parameters(spec: Spec, op: Operation, req: RequestData) -> bool:
    """`plainly_valid`'s verdict on the parameters alone (False: openapi-core must look)."""
    try:
        return _parameters_plainly_valid(spec, op, req)
    except (LookupError, ValueError, TypeError, AttributeError):
        return False


def _request_body_check(spec: Spec, op: Operation, content_type: str) -> QuickCheck | None:
    """The compiled check of an operation's JSON request body sent as `content_type`, or None when only openapi-core
    can tell (no such media type or only through a range, a type openapi-core does not read with `json.loads`, a
    schema the check cannot keep exactly, OpenAPI 3.1).

    The media type is found as openapi-core finds it: the content type as sent, then its lowercased type without
    parameters. Parameters are allowed with `application/json` only (the `+json` readers take none).
    """
    try:
        body = spec.resolve(op.definition.get("requestBody"))
        content = spec.resolve(body.get("content")) if isinstance(body, dict) else None
        if not isinstance(content, dict):
            return None
        mime_type, _, parameters = content_type.partition(";")
        mime_type = mime_type.lower().rstrip()
        if parameters and (mime_type != "application/json"
                           or any(part.count("=") != 1 for part in parameters.split(";"))):
            return None
        chosen = next((m for m in (content_type, mime_type) if m in content), None)
        if chosen != mime_type or not (mime_type == "application/json" or mime_type.endswith("+json")):
            return None
        media = spec.resolve(content[chosen])
        if not isinstance(media, dict) or "schema" not in media or "encoding" in media:
            return None
        return QuickCheck.build(spec.doc, media["schema"], None, direction="write")
    except (LookupError, ValueError, TypeError, AttributeError):  # an odd document: openapi-core reports it
        return None


def _sent(param: dict[str, Any], req: RequestData) -> list[str] | None:
    """The values a request sends for a parameter (None: cannot tell without openapi-core, e.g. an object in the query)."""
    name, where = str(param.get("name", "")), param.get("in")
    if where == "path":
        return [req.path_params[name]] if name in req.path_params else []
    if where == "header":
        return [req.headers[name.lower()]] if name.lower() in req.headers else []
    if where == "cookie":
        return [req.cookies[name]] if name in req.cookies else []
    if where == "query" and "content" not in param:
        values = [value for key, value in req.query if key == name]
        return values if values or not req.query or _plain_string(param) else None
    return None


def _plain_string(param: dict[str, Any]) -> bool:
    """Whether a parameter's schema is declared inline as a string (so its value never comes from other query names)."""
    schema = param.get("schema")
    return isinstance(schema, dict) and schema.get("type") == "string"


def decoded_errors(spec: Spec, media: dict[str, Any], req: RequestData) -> list[FieldError]:
    """A form or XML body's problems: what cannot be read (or read as its type), then the typed value against the schema."""
    values, errors = read_decoded(req.body, req.content_type, media, spec.resolve)
    if errors or "schema" not in media:
        return errors
    return [FieldError("body", e.field, e.message) for e in SchemaChecker(spec.doc, media["schema"], "request").errors(values)]


def _bounded_body_errors(spec: Spec, op: Operation, req: RequestData, max_errors: int, parsed: Any) -> list[FieldError] | None:
    """The body's schema errors when there are at least `max_errors` (counted up to 10x that), [] for a valid JSON body,
    else None (a few errors: openapi-core words them)."""
    import itertools

    body = spec.resolve(op.definition.get("requestBody") or {})
    media = next((m for t, m in (body.get("content") or {}).items() if "json" in t.lower()), None)
    if not isinstance(media, dict) or "schema" not in media:
        return None
    try:
        value = json.loads(req.body) if parsed is NOT_PARSED else parsed
    except (ValueError, RecursionError):
        return None
    checker = SchemaChecker(spec.doc, media["schema"], "request")
    found = list(itertools.islice(checker.iter_errors(value), max_errors * 10))
    if not found and "json" in (req.content_type or "application/json").lower():
        return []
    if len(found) < max_errors:
        return None
    return [FieldError("body", f.field, f.message) for f in found]


def _exploded_objects(spec: Spec, op: Operation, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Gather an exploded form-style object parameter (`?x=1&y=2` for `point`) under its own name, as openapi-core reads it.

    Its members are the query names its schema declares (with `additionalProperties`, every name no other parameter takes).
    """
    params = [spec.resolve(p) for p in op.parameters]
    taken = {p.get("name") for p in params if p.get("in") == "query"}
    names = {k for k, _ in query}
    extra: list[tuple[str, str]] = []
    for param in params:
        schema = spec.resolve(param.get("schema") or {})
        if (param.get("in") != "query" or param.get("style", "form") != "form" or param.get("explode", True) is False
                or param.get("name") in names or schema.get("type", "object" if "properties" in schema else None) != "object"):
            continue
        declared = set(schema.get("properties") or {})
        members = [(k, v) for k, v in query if k in declared or (k not in taken and schema.get("additionalProperties") not in (None, False))]
        if members:
            extra.append((str(param["name"]), "&".join(f"{k}={v}" for k, v in members)))
    return query + extra if extra else query


def _without_empty_strings(spec: Spec, op: Operation, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop `?name=` for optional, unconstrained string parameters: an empty string is a valid string.

    openapi-core applies OAS 3.0's `allowEmptyValue: false` default; flowmock is lenient, as the spec's
    own schema (no minLength, pattern, enum or format) allows "".
    """
    if not any(value == "" for _, value in query):
        return query
    lenient = set()
    for param in op.parameters:
        param = spec.resolve(param)
        schema = spec.resolve(param.get("schema") or {})
        if (param.get("in") == "query" and not param.get("required") and schema.get("type") == "string"
                and not {"minLength", "pattern", "enum", "format"} & set(schema)):
            lenient.add(param["name"])
    return [(k, v) for k, v in query if not (v == "" and k in lenient)]


def validate_response(spec: Spec, op: Operation, status: int, body: bytes, headers: dict[str, str], mimetype: str) -> list[FieldError]:
    """Return every way a response breaks the operation's documented responses."""
    validator: Any = spec.openapi.response_validator  # internal per-operation API, see validate_request
    operation = validator.spec / "paths" / op.path / op.method
    errors: list[FieldError] = []
    try:
        problems = list(validator._iter_errors(status, body, headers, mimetype, operation))
    except RecursionError as exc:  # a union whose branch holds it again on the same value: openapi-core never ends
        return [FieldError("response", "", f"cannot be validated: {_short(str(exc))}")]
    for problem in problems:
        cause = problem.__cause__
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            errors.extend(_schema_field_errors("response", schema_errors))
        else:
            name = getattr(problem, "name", "")
            errors.append(FieldError("response", name, _short(str(cause or problem))))
    return errors


class ResponseValidators:
    """Response validation with openapi-core's semantics, its validator built once per (operation, status, media type).

    A body the compiled validator accepts has no errors; any other body (and any response this cannot compile, e.g.
    one that declares headers) goes through `validate_response`, so errors, messages and field paths are exactly
    openapi-core's.
    """

    def __init__(self) -> None:
        self._quick: dict[tuple[str, int, str], _QuickResponse | None] = {}
        self._compiled: dict[tuple[str, int, str], _CompiledResponse | None] = {}
        self._by_schema: dict[tuple[Any, ...], _CompiledResponse] = {}  # one build per schema shared by operations

    def errors(self, spec: Spec, op: Operation, status: int, body: bytes, headers: dict[str, str], mimetype: str) -> list[FieldError]:
        """Every way a response breaks the operation's documented responses (see `validate_response`)."""
        if self.accepts(spec, op, status, body, mimetype):
            return []
        return validate_response(spec, op, status, body, headers, mimetype)

    def accepts(self, spec: Spec, op: Operation, status: int, body: bytes, mimetype: str, value: Any = NOT_PARSED) -> bool:
        """True when the compiled check finds the body valid (final); False when openapi-core has to decide. `value`,
        when given, is what reading `body` gives (see `jsonencode.reads_back_equal`), so it is not read again."""
        key = (op.key, status, mimetype)
        if key not in self._quick:
            self._quick[key] = _QuickResponse.build(spec, op, status, mimetype)
        quick = self._quick[key]
        if quick is not None and quick.accepts(body, value):
            return True
        if key not in self._compiled:
            self._compiled[key] = _CompiledResponse.build(spec, op, status, mimetype, self._by_schema)
        compiled = self._compiled[key]
        return compiled is not None and compiled.accepts(body)


@dataclass(frozen=True)
class _QuickResponse:
    """A documented JSON response checked without openapi-core: its yes is openapi-core's yes; after a no, openapi-core decides."""

    has_content: bool
    quick: QuickCheck | None = None

    @classmethod
    def build(cls, spec: Spec, op: Operation, status: int, mimetype: str) -> _QuickResponse | None:
        """The check, or None when finding the response or its media type takes openapi-core (ranges, `default`, wildcards)."""
        try:
            response = spec.resolve((op.definition.get("responses") or {}).get(str(status)))
            if not isinstance(response, dict) or "headers" in response:
                return None
            if "content" not in response:
                return cls(False)
            media = spec.resolve((response.get("content") or {}).get(mimetype))
        except (LookupError, ValueError, TypeError, AttributeError):  # an odd document: openapi-core reports it
            return None
        if not isinstance(media, dict) or "schema" not in media or not (mimetype == "application/json" or mimetype.endswith("+json")):
            return None
        quick = QuickCheck.build(spec.doc, media["schema"], None)
        return None if quick is None else cls(True, quick)

    def accepts(self, body: bytes, value: Any = NOT_PARSED) -> bool:
        """True when openapi-core would find nothing wrong with this body (False: ask it); `value`: the body read."""
        if not self.has_content:
            return True
        try:
            return self.quick is not None and self.quick.accepts(read_json(body) if value is NOT_PARSED else value)
        except (ValueError, RecursionError):
            return False


@dataclass(frozen=True)
class _CompiledResponse:
    """What openapi-core builds to check one documented response's body, built once: deserializer and schema validator."""

    has_content: bool
    deserializer: Any = None
    schema_validator: Any = None
    quick: QuickCheck | None = None  # compiled (Rust): its yes is openapi-core's yes; after a no, openapi-core decides
    plain_json: bool = False  # openapi-core reads this media type with `json.loads`

    @classmethod
    def build(cls, spec: Spec, op: Operation, status: int, mimetype: str,
              shared: dict[tuple[Any, ...], _CompiledResponse] | None = None) -> _CompiledResponse | None:
        """The compiled check, or None when the response needs openapi-core's full path (headers, unknown status or type).

        `shared` holds the checks already built, by schema: operations whose responses name the same schema (a
        document-wide error schema) share one, as a large document's error schema can take megabytes once compiled."""
        validator: Any = spec.openapi.response_validator  # internal API, pinned (see validate_request)
        try:
            response = validator._find_operation_response(status, validator.spec / "paths" / op.path / op.method)
            if "headers" in response:
                return None
            if "content" not in response:
                return cls(False)
            mime_type, parameters, media_type = validator._find_media_type(response / "content", mimetype)
        except Exception:  # openapi-core reports these itself, with its own message
            return None
        schema = media_type / "schema" if "schema" in media_type else None
        same = _schema_key(spec, schema, mime_type, parameters) if schema is not None and "encoding" not in media_type else None
        if same is not None and shared is not None and same in shared:
            return shared[same]
        schema_validator = None if schema is None else validator.schema_validators_factory.create(
            validator.spec, schema, format_validators=validator.format_validators,
            extra_format_validators=validator.extra_format_validators,
            forbid_unspecified_additional_properties=validator.forbid_unspecified_additional_properties,
            enforce_properties_required=validator.enforce_properties_required)
        deserializer = validator.media_type_deserializers_factory.create(
            validator.spec, mime_type, schema=schema, schema_validator=schema_validator, parameters=parameters,
            encoding=media_type.get("encoding") if "encoding" in media_type else None,
            extra_media_type_deserializers=validator.extra_media_type_deserializers)
        quick = None
        if schema is not None and not (validator.forbid_unspecified_additional_properties or validator.enforce_properties_required):
            with schema.resolve() as resolved:
                checked = frozenset(validator.schema_validators_factory.format_checker.checkers)
                quick = QuickCheck.build(spec.doc, resolved.contents, checked)
        from openapi_core.deserializing.media_types.util import json_loads

        plain_json = deserializer.media_types_deserializer.get_deserializer_callable(mime_type) is json_loads \
            and not deserializer.mimetype.startswith("multipart")
        built = cls(True, deserializer, schema_validator, quick, plain_json)
        if same is not None and shared is not None:
            shared[same] = built
        return built

    def accepts(self, body: bytes) -> bool:
        """True when openapi-core would find nothing wrong with this body."""
        if not self.has_content:
            return True
        if not body:
            return False
        try:
            value = self._read(body)
            if self.quick is not None and self.quick.accepts(value):
                return True
            if self.schema_validator is not None:
                self.schema_validator.validate(value)
        except Exception:
            return False
        return True

    def _read(self, body: bytes) -> Any:
        """The body as openapi-core reads it (`read_json` where it reads with `json.loads`)."""
        return read_json(body) if self.plain_json else self.deserializer.deserialize(body)


def read_json(body: bytes) -> Any:
    """`json.loads(body)`. JSON that orjson reads and writes back byte for byte (what flowmock's encoder writes) is
    read by orjson: then it is the value `json.loads` gives (its integers fit 64 bits, its floats are finite and
    spelled as floats, no key repeats), several times faster."""
    try:
        value = orjson.loads(body)
        if orjson.dumps(value) == body:
            return value
    except orjson.JSONDecodeError:
        pass
    return json.loads(body)


def _schema_key(spec: Spec, schema: Any, mime_type: str, parameters: Any) -> tuple[Any, ...] | None:
    """What makes two responses' compiled checks the same: the media type and the schema object `$ref`s lead to (the
    document holds it for as long as the spec is served, so its identity names it), in one document."""
    with schema.open() as node:
        contents = node if isinstance(node, dict) else None
    if contents is None:
        return None
    return spec.name, mime_type, repr(sorted((parameters or {}).items())), id(contents)


def _parameter_errors(exc: Exception) -> list[FieldError]:
    location = getattr(exc, "location", "query")
    name = getattr(exc, "name", "")
    cause = exc.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return [FieldError(location, _join(name, e.absolute_path), _message(e)) for e in schema_errors]
    if type(exc).__name__ == "MissingRequiredParameter":
        return [FieldError(location, name, "required parameter is missing")]
    if type(cause).__name__ == "MediaTypeDeserializeError":  # a parameter declared with `content`, not `schema`
        return [FieldError(location, name, _undecodable(cause))]
    return [FieldError(location, name, _short(str(cause or exc)))]


def _undecodable(cause: Any) -> str:
    """What a parameter's media type could not read (openapi-core's own message fails on a text value)."""
    value = cause.value.decode("utf-8", "replace") if isinstance(cause.value, bytes) else str(cause.value)
    return _short(f"not valid {cause.mimetype}: {value!r}")


def _body_errors(exc: Exception) -> list[FieldError]:
    from openapi_core.validation.request.exceptions import MissingRequiredRequestBody

    if isinstance(exc, MissingRequiredRequestBody):
        return [FieldError("body", "", "request body is required")]
    cause = exc.__cause__
    kind = type(cause).__name__
    if kind == "MediaTypeNotFound":
        raise UnsupportedMediaType(_short(str(cause))) from exc
    if kind == "MediaTypeDeserializeError":
        try:
            detail = _short(str(cause))
        except UnicodeDecodeError:
            detail = "the body is not UTF-8 encoded JSON"
        return [FieldError("body", "", f"malformed body: {detail}")]
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return _schema_field_errors("body", schema_errors)
    return [FieldError("body", "", _short(str(cause or exc)))]


def _schema_field_errors(location: str, schema_errors: Any) -> list[FieldError]:
    return [FieldError(location, _join("", e.absolute_path, e), _message(e)) for e in schema_errors]


_REQUIRED = re.compile(r"'([^']+)' is a required property")


def _join(prefix: str, path: Any, error: Any = None) -> str:
    out = prefix
    parts = list(path)
    if error is not None and error.validator == "required":
        found = _REQUIRED.match(error.message)
        if found:
            parts.append(found.group(1))
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: Any) -> str:
    if error.validator == "oneOf" and "is valid under each of" in error.message:
        return "matches more than one of the allowed shapes (oneOf)"
    if error.validator == "oneOf":
        return "matches none of the allowed shapes (oneOf)"
    return _short(error.message)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SchemaChecker:
    """Validates values against one schema of a document (local $refs allowed), with formats; build once, reuse."""

    def __init__(self, doc: dict[str, Any], schema: Any, direction: str = "response") -> None:
        from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

        from mock_server.loading.readwrite import OAS31ReadValidator, OAS31WriteValidator

        rooted = {"allOf": [schema], "components": doc.get("components", {})}
        if str(doc.get("openapi", "")).startswith("3.1"):
            validator_cls: Any = OAS31WriteValidator if direction == "request" else OAS31ReadValidator
        else:
            validator_cls = OAS30WriteValidator if direction == "request" else OAS30ReadValidator
        self.direction = direction
        self._validator = validator_cls(rooted, format_checker=validator_cls.FORMAT_CHECKER)

    def iter_errors(self, value: Any) -> Iterator[FieldError]:
        """The ways `value` breaks the schema, lazily, in the order the validator finds them."""
        for error in self._validator.iter_errors(value):
            yield FieldError(self.direction, _join("", error.absolute_path, error), _message(error))

    def errors(self, value: Any) -> list[FieldError]:
        """Every way `value` breaks the schema, in path order."""
        found = sorted(self._validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        return [FieldError(self.direction, _join("", e.absolute_path, e), _message(e)) for e in found]


def value_errors(doc: dict[str, Any], schema: Any, value: Any, direction: str = "response") -> list[FieldError]:
    """Validate one value against a schema of `doc`; read or write rules by direction."""
    return SchemaChecker(doc, schema, direction).errors(value)
