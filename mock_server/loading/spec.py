"""Load OpenAPI documents once into immutable, queryable objects."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import orjson

from mock_server.errors import SpecIssue, SpecLoadError
from mock_server.loading.loader import load_document
from mock_server.loading.oaswalk import HTTP_METHODS
from mock_server.loading.pointer import follow, tokens_of
from mock_server.loading.speclint import Linter

if TYPE_CHECKING:
    from openapi_core import OpenAPI

JSON = Any


def bundled_spec_paths() -> list[Path]:
    """Return the specs shipped with flowmock, in a stable order."""
    root = resources.files("flowmock_specs")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".yaml", ".yml", ".json")))


@dataclass(frozen=True)
class Operation:
    """One operation of a spec, with its path-level parameters merged in."""

    spec_name: str
    method: str  # lower case
    path: str  # the template as written in the spec, e.g. /v1/things/{id}
    operation_id: str
    definition: dict[str, Any] = field(repr=False, hash=False, compare=False)
    parameters: tuple[dict[str, Any], ...] = field(repr=False, hash=False, compare=False)
    secured: bool = field(hash=False, compare=False)
    security: tuple[dict[str, Any], ...] = field(default=(), repr=False, hash=False, compare=False)  # the alternatives in force

    @cached_property
    def key(self) -> str:
        """A name unique across specs: `spec:operationId` (worked out once: requests ask for it often)."""
        return f"{self.spec_name}:{self.operation_id}"

    def extension(self, name: str, default: Any = None) -> Any:
        """Read an `x-flowmock-NAME` extension of the operation."""
        return self.definition.get(f"x-flowmock-{name}", default)


class Spec:
    """An OpenAPI document loaded once: raw dict, operations, schema lookup and its openapi-core twin."""

    def __init__(self, name: str, doc: dict[str, Any], source: str, warnings: tuple[SpecIssue, ...] = ()) -> None:
        self.name = name
        self.doc = doc
        self.source = source
        self.warnings = warnings  # what start-up reports once: problems served through
        self.server_base = _server_base_path(doc)
        self.operations = tuple(_operations(name, doc))
        self.by_id = {op.operation_id: op for op in self.operations}
        self._nodes: dict[str, Any] = {}  # `$ref` → the node it names (the document never changes)

    @property
    def prefix(self) -> str:
        """The spec's own mount prefix, e.g. `/library`."""
        return f"/{self.name}"

    @property
    def title(self) -> str:
        """Human title from `info.title`."""
        return str(self.doc.get("info", {}).get("title", self.name))

    @cached_property
    def openapi(self) -> OpenAPI:
        """The openapi-core object, with servers rewritten so paths match from `/`."""
        from openapi_core import Config, OpenAPI

        doc = {**self.doc, "servers": [{"url": "/"}]}  # a shallow copy: openapi-core only reads the document
        validators: dict[str, Any] = {}
        if str(doc.get("openapi", "")).startswith("3.1"):
            from mock_server.loading.readwrite import RequestValidator31, ResponseValidator31

            validators = {"request_validator_cls": RequestValidator31, "response_validator_cls": ResponseValidator31}
        config = Config(extra_media_type_deserializers={
            ctype: _json_deserializer for ctype in _json_like_media_types(doc)
        }, spec_validator_cls=None, **validators)  # checked by load_spec
        return OpenAPI.from_dict(doc, config=config)

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a concrete node is reached."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            node = self.lookup(node["$ref"])
            seen += 1
            if seen > 50:
                raise ValueError("reference cycle")
        return node

    def lookup(self, ref: str) -> Any:
        """Return the node a local JSON pointer (`#/components/...`, any RFC 6901 form) names."""
        found = self._nodes.get(ref)
        if found is not None:
            return found
        if not ref.startswith("#"):
            raise ValueError(f"only local references are supported: {ref}")
        found = self._nodes[ref] = follow(self.doc, tokens_of(ref))
        return found


def _json_deserializer(data: bytes | str, **parameters: str) -> Any:
    """A `+json` body as JSON; the media type's parameters (`charset=utf-8`) change nothing."""
    return json.loads(data)


_JSON_LIKE_KEY_END = re.compile(rb'\+json":')


def _json_like_media_types(doc: dict[str, Any]) -> set[str]:
    """Every `+json` media type the document uses (openapi-core only knows plain application/json).

    Read from the document's JSON text (a key ending in `+json`), which orjson writes faster than Python walks it;
    a property that happens to be named so only adds a deserializer nobody asks for.
    """
    try:
        text = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a value orjson cannot write (a YAML date): the standard library can, as text
        text = json.dumps(doc, default=str).encode()
    found: set[str] = set()
    for end in _JSON_LIKE_KEY_END.finditer(text):  # rare: look back from each to the key's opening quote
        start = text.rfind(b'"', max(0, end.start() - 200), end.start())
        if start >= 0 and b"\\" not in text[start:end.start()]:
            found.add(text[start + 1:end.end() - 2].decode())
    return found


def _server_base_path(doc: dict[str, Any]) -> str:
    servers = doc.get("servers") or []
    if not servers:
        return ""
    url = str(servers[0].get("url", ""))
    for var, spec in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + var + "}", str(spec.get("default", "")))
    if "://" in url or url.startswith("//"):
        path = urlparse(url if "://" in url else "http:" + url).path
    elif url.startswith("/"):
        path = url
    else:  # no scheme: `api.example.com/v1` names a host (its path is the base), `v1` is a relative path
        host, _, rest = url.partition("/")
        path = "/" + (rest if "." in host or ":" in host else url)
    return path.rstrip("/")


def _operations(spec_name: str, doc: dict[str, Any]) -> list[Operation]:
    ops = []
    root_security = doc.get("security") or []
    for path, item in (doc.get("paths") or {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            op_id = op.get("operationId") or _synthetic_id(method, path)
            own = {(p.get("name"), p.get("in")) for p in op.get("parameters", []) if "$ref" not in p}
            params = [p for p in shared if (p.get("name"), p.get("in")) not in own] + op.get("parameters", [])
            security = op.get("security", root_security) or []
            secured = bool(security) and not any(req == {} for req in security)
            ops.append(Operation(spec_name, method, path, op_id, op, tuple(params), secured, tuple(security)))
    return ops


def _synthetic_id(method: str, path: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", " ", path).split()
    return method + "".join(w[:1].upper() + w[1:] for w in words)


def load_spec(path: Path, name: str | None = None, validate: bool = True, strict: bool = False) -> Spec:
    """Read, check and index one OpenAPI document; raise SpecLoadError naming file, place and problem.

    Problems a mock can serve through become `Spec.warnings` (errors too when `strict`); `validate=False`
    skips the checks (the bundled specs are checked by the test suite).
    """
    linter = Linter(str(path)) if validate else None
    doc, issues = load_document(path, linter)  # checked while bundled: one walk of the document
    if linter is not None:
        issues = issues + linter.found()
    fatal = [i for i in issues if i.fatal or strict]
    if fatal:
        first = fatal[0]
        more = f"\n  and {len(fatal) - 1} more (python -m mock_server.loading.speccheck {path} lists them all)" if len(fatal) > 1 else ""
        refused = "" if first.fatal else " (--strict-spec refuses every warning)"
        raise SpecLoadError(first.file, first.place, first.problem + refused + more)
    return Spec(name or spec_name_for(path, doc), doc, str(path), tuple(issues))


_GENERIC_STEMS = {"openapi", "swagger", "spec", "api", "index", "schema"}


def spec_name_for(path: Path, doc: dict[str, Any] | None = None) -> str:
    """A URL-safe name: the file stem (`library.yaml`), or the title when the stem says nothing (`openapi.yaml`)."""
    stem = path.name.split(".")[0]
    if stem.lower() in _GENERIC_STEMS and doc is not None:
        stem = str(doc.get("info", {}).get("title") or stem)
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower() or "api"
