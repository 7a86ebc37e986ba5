"""The generic stateful behaviour: create, read, list, search, update, replace, delete, duplicate."""
from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from mock_server.request_path.embedded import Embedding, EmbeddedItems
from mock_server.errors import FieldError, HttpProblem
from mock_server.request_path.generate import UUID_SCHEMA, merge_all_of
from mock_server.request_path.conform import MergeCache, conform, has_format
from mock_server.request_path.models import ResourceModel, build_models, effective_schema, request_schema
from mock_server.request_path.negotiate import is_json, response_for, success_schema, success_status
from mock_server.request_path.quickcheck import QuickCheck
from mock_server.request_path.resources import Action, fillable_resources
from mock_server.request_path.shapes import ShapeMemo
from mock_server.loading.spec import Operation, Spec
from mock_server.request_path.store import TenantState, Version, bucket_key

Generate = Callable[[Any, str], Any]  # (schema, mode) -> value
Perform = Callable[[str, str, dict[str, str], Any], "Outcome"]  # (spec, operationId, path params, body) -> outcome
Schedule = Callable[[float, str, dict[str, Any]], None]  # (seconds from now, job kind, args)
_PAGE_SIZE = ("size", "limit", "per_page", "perpage", "pagesize", "page_size", "max_results", "maxresults", "count", "top", "$top",
              "take", "first", "page[size]", "page[limit]")
_OFFSET = ("from", "offset", "skip", "$skip", "start", "page[offset]")
_PAGE = ("page", "page_number", "pagenumber", "page[number]")
_CURSOR = ("cursor", "next_token", "nexttoken", "page_token", "pagetoken", "continuation_token", "after")
_ARRAY_NAMES = ("results", "items", "data", "hits", "entries", "records", "values", "list")
_COUNT_NAMES = ("total", "hits", "count", "totalcount", "total_count", "totalitems", "total_results", "totalresults")
_NEXT_NAMES = ("next", "nextcursor", "next_cursor", "cursor", "nexttoken", "next_token", "nextpagetoken", "next_page_token")
_PARAM = re.compile(r"\{([^}/]+)\}")
# the formats openapi-core checks, and those the fitting checks too (`""` is no uri): the quick check is stricter
_QUICK_FORMATS = frozenset({"int32", "int64", "date-time", "date", "time", "uuid", "email", "ipv4", "byte", "uri", "url"})
_ANSWERS_KEPT = 4096  # reads' answers kept per spec (by operation and stored version) ...
_ANSWER_ITEMS = 32_768  # ... holding at most this many items (each a shallow dict of a stored object's top level)
_CREATED = re.compile(r"(created|creation|inserted)_?(at|time|date|on)?$", re.I)
_UPDATED = re.compile(r"(updated|modified|last_?updated?|changed)_?(at|time|date|on)?$", re.I)


@dataclass
class Call:
    """One request as the behaviour layer sees it."""

    spec: Spec
    op: Operation
    action: Action
    path_params: dict[str, str]
    query: list[tuple[str, str]]
    body: Any
    state: TenantState
    now_iso: str
    generate: Generate
    mount_path: str = ""  # what precedes the spec's paths in the request URL (prefix and server base)
    served: frozenset[str] = frozenset()  # names of every spec this server serves
    caller: str = "anonymous"  # a stable pseudonym of the caller's credential, never the credential itself
    perform: Perform | None = None  # run another operation of a served spec on the same state, without HTTP
    schedule: Schedule | None = None  # run a registered job of this spec once the clock has moved on
    prefer: dict[str, str] = field(default_factory=dict)  # `Prefer` values the engine does not use itself
    body_type: str = ""  # the request's Content-Type: which documented request schema shaped the body
    shapes: ShapeMemo | None = None  # conformed templates kept between calls (the spec's own), for `reshape`
    new_ids: list[str] = field(default_factory=list)  # the canonical uuids `generate` made as ids in this call, in order
    new_uuids: Callable[[int], list[str]] | None = None  # draws that many new uuid ids at once, as `generate` would in turn
    answer_built: bool = False  # the behaviour builds the answer itself: a generic create answers only the new id


@dataclass
class Outcome:
    """What to answer: a status, a JSON body (None for no body) and extra headers.

    The body may share nested values with stored objects (reads copy nothing): the engine serializes it at once,
    and nobody edits a body below its top level. `source` names the stored data the body is a pure function of,
    so its bytes can be cached until that data changes; None when anything else went into it.
    """

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    source: Version | None = None


_NO_DEFAULT = object()  # a server-filled property that takes its generated value


@dataclass(frozen=True)
class _FillPlan:
    """What filling a body does for one schema and the names the body sends (see `Crud._fill`)."""

    server_part: dict[str, Any] | None  # the schema of what the server generates on a create (None: not creating)
    server: tuple[tuple[str, Any], ...]  # (name, its default or _NO_DEFAULT) of each property the server fills
    props: dict[str, Any]  # the declared properties
    declared: bool  # whether undeclared names of the body are dropped
    stamped: tuple[str, ...]  # the timestamp properties set to now
    hidden: frozenset[str]  # the writeOnly properties, never kept


@dataclass(frozen=True)
class _DefaultPlan:
    """What `Crud._defaults` adds to a body for one schema."""

    union: dict[str, Any] | None  # the schema (allOf merged) when it is a oneOf/anyOf: the body's branch decides
    defaults: tuple[tuple[str, Any], ...]  # (name, default) of each property whose default fits it, in schema order
    nested: dict[str, dict[str, Any]]  # each property's schema (allOf merged), for the objects a body sends


class Crud:
    """Runs stateful actions against the store for one spec."""

    def __init__(self, spec: Spec, actions: dict[str, Action]) -> None:
        self.spec = spec
        self.actions = actions
        self.models = build_models(spec, actions)
        self._write_only: dict[tuple[tuple[str, int], ...], frozenset[str]] = {}
        # collections whose items have paths of their own: only those can make an id in a longer path unknown
        self.addressable = {a.resource for a in actions.values() if a.item_param} | \
            {m.embedding.parent for m in self.models.values() if m.embedding is not None}
        self.fillable = fillable_resources(spec, actions)
        self.merged_schemas: MergeCache = {}  # response schemas with allOf merged, for fitting answers on every request
        self._as_is: dict[tuple[str, int], QuickCheck | None] = {}  # compiled "already valid?" per operation and status
        self.shapes = ShapeMemo()  # values conformed by behaviours, once per shape (see `shapes`)
        self._fill_plans: dict[tuple[int, bool, frozenset[str]], tuple[dict[str, Any], _FillPlan]] = {}
        self._alternates: dict[str, list[tuple[str, ResourceModel]]] = {}  # per operation: path params that may be alternate ids
        self._path_items: dict[str, list[tuple[int, str, ResourceModel]]] = {}  # per operation: path ids of stored items
        self._answers: dict[tuple[str, Version], Outcome] = {}  # reads' answers per operation and stored version
        self._answer_items = 0  # the items (list elements, plus one per answer) the kept answers hold
        self._request_schemas: dict[tuple[str, str], dict[str, Any] | None] = {}  # per operation and body media type
        self._default_plans: dict[int, tuple[dict[str, Any], _DefaultPlan]] = {}  # per request (sub)schema
        self._parent_params = {key: tuple(_PARAM.findall(key)) for key in self.models}  # path parameters of each collection

    def backs(self, call: Call) -> bool:
        """Whether the store answers this call: not for an item of a collection nothing can fill (no create, no PUT
        that creates) while it holds nothing, which the schema answers instead (an RPC-style `GET /x/{id}`)."""
        return call.action.kind not in ("read", "update", "replace", "delete") or self._holds(call, call.action.resource)

    def _holds(self, call: Call, resource: str) -> bool:
        """True when some operation can add items to `resource`, or the store holds some (from fixtures)."""
        return resource in self.fillable or next(iter(call.state.objects(self.spec.name, resource)), None) is not None

    # ---- entry point ----
    def execute(self, call: Call) -> Outcome:
        """Run the call's action and return what to answer."""
        model = self.models[call.action.resource]
        handler = getattr(self, "_" + call.action.kind.replace("-", "_"))
        self.ensure_path_items(call)
        return handler(call, model)

    def resolve_alternate_ids(self, call: Call) -> None:
        """Path ids given as an item's alternate id (`x-flowmock-alternate-id`, e.g. its uuid) become its id."""
        for param, model in self._alternate_params(call.op):
            if param not in call.path_params:
                continue
            given = str(call.path_params[param])
            items = self.bucket(call, model)
            if given in items:
                continue
            found = next((key for key, item in items.items()
                          if isinstance(item, dict) and str(item.get(model.alternate_id)) == given), None)
            if found is not None:
                call.path_params = {**call.path_params, param: found}

    def _alternate_params(self, op: Operation) -> list[tuple[str, ResourceModel]]:
        """The path parameters of `op` naming an item of a resource with an alternate id, worked out once."""
        known = self._alternates.get(op.key)
        if known is None:
            known = []
            segments = op.path.strip("/").split("/")
            for index, segment in enumerate(segments):
                model = self.models.get("/" + "/".join(segments[:index]))
                if model is not None and model.alternate_id is not None and segment.startswith("{") and segment.endswith("}"):
                    known.append((segment[1:-1], model))
            self._alternates[op.key] = known
        return known

    def ensure_path_items(self, call: Call) -> None:
        """404 when an id in the path names an item of a stored resource that does not exist (parents included)."""
        self.resolve_alternate_ids(call)
        for index, param, model in self._path_item_params(call.op):
            if call.action.upsert and index == -1:
                continue  # a PUT that creates: its own item may not exist yet
            if param in call.path_params and self._holds(call, model.key):
                if str(call.path_params[param]) not in self.bucket(call, model):
                    raise _not_found(model, param, call.path_params[param])

    def _path_item_params(self, op: Operation) -> list[tuple[int, str, ResourceModel]]:
        """(index, -1 for the last segment; parameter; resource) of each path id of `op` naming an addressable item."""
        known = self._path_items.get(op.key)
        if known is None:
            known = []
            segments = op.path.strip("/").split("/")
            for index, segment in enumerate(segments):
                if not (segment.startswith("{") and segment.endswith("}")):
                    continue
                model = self.models.get("/" + "/".join(segments[:index]))
                if model is not None and model.key in self.addressable:
                    known.append((-1 if index == len(segments) - 1 else index, segment[1:-1], model))
            self._path_items[op.key] = known
        return known

    def _remembered(self, op: Operation, source: Version) -> Outcome | None:
        """The answer a read of `op` gave for stored data still at `source` (a pure function of it), if kept.

        Its body is a new top level (a caller may edit that, never what is below it), over the kept answer's values.
        """
        known = self._answers.get((op.key, source))
        return _another(known) if known is not None else None

    def _remember(self, op: Operation, outcome: Outcome) -> Outcome:
        """Keep a read's answer for its source's version (a write renews the version, so nothing stale is served).

        Bounded by answers and by the list items they hold: when either bound would be passed, all are forgotten.
        """
        if outcome.source is None:
            return outcome
        weight = _weight(outcome.body)
        if weight > _ANSWER_ITEMS:
            return outcome  # a list too long to keep
        if len(self._answers) >= _ANSWERS_KEPT or self._answer_items + weight > _ANSWER_ITEMS:
            self._answers.clear()
            self._answer_items = 0
        self._answers[(op.key, outcome.source)] = _another(outcome)
        self._answer_items += weight
        return outcome

    # ---- helpers ----
    def bucket(self, call: Call, model: ResourceModel) -> MutableMapping[str, Any]:
        """The collection this call works on: a store bucket partitioned by parent ids, or a parent's embedded array."""
        if model.embedding is not None:
            return EmbeddedItems(self._parent(call, model.embedding), model.embedding, model.id_field)
        params = self._parent_params[model.key]
        parents = tuple(str(call.path_params.get(p, "")) for p in params) if params else ()
        return call.state.bucket(bucket_key(self.spec.name, model.key, parents))

    def _parent(self, call: Call, embedding: Embedding) -> dict[str, Any]:
        """The stored parent object whose array holds an embedded collection (404 naming it when missing)."""
        parent_model = self.models[embedding.parent]
        ident = str(call.path_params.get(embedding.parent_param, ""))
        parent = self.bucket(call, parent_model).get(ident)
        if not isinstance(parent, dict):
            raise _not_found(parent_model, embedding.parent_param, ident)
        call.state.remember(parent)  # its array is edited in place: a rolled-back write restores it
        return parent

    def _touch_parent(self, call: Call, model: ResourceModel) -> None:
        """A change to an embedded item is a change to its parent: its update timestamps follow."""
        if model.embedding is None:
            return
        parent = self._parent(call, model.embedding)
        props = self.models[model.embedding.parent].schema.get("properties") or {}
        for name in props:
            if _UPDATED.search(name) and self.spec.resolve(props[name]).get("type", "string") == "string":
                parent[name] = call.now_iso

    def _item(self, call: Call, model: ResourceModel) -> tuple[str, Any]:
        param = call.action.item_param or ""
        key = str(call.path_params.get(param, ""))
        bucket = self.bucket(call, model)
        if key in bucket:
            return key, bucket[key]
        raise _not_found(model, param, key)

    def _new_id(self, call: Call, model: ResourceModel) -> Any:
        kind = model.id_schema.get("type")
        if kind in ("integer", "number"):
            key = _last_id_counter(self.spec.name, model)
            last = call.state.counters.get(key)
            if last is None or str(last + 1) in self.bucket(call, model):  # unknown, or ids were added around it
                last = self._highest_id(call, model)
            call.state.counters[key] = last + 1
            return last + 1
        if model.id_schema.get("format") or model.id_schema.get("pattern") or model.id_schema.get("enum"):
            return call.generate(model.id_schema, "id")
        return call.generate(UUID_SCHEMA, "id")  # a free-form string id: a uuid

    def _highest_id(self, call: Call, model: ResourceModel) -> int:
        """The highest integer id stored in a resource (0 when none): one scan, after which a counter carries on."""
        existing = [int(k) for k in self.bucket(call, model) if str(k).lstrip("-").isdigit()]
        seen = [o[model.id_field] for o in call.state.objects(self.spec.name, model.key)
                if isinstance(o, dict) and isinstance(o.get(model.id_field), int)]
        return max([0, *existing, *seen])

    def _note_supplied_id(self, call: Call, model: ResourceModel, ident: Any) -> None:
        """A client-chosen integer id above the counter moves the counter, so the next server id does not collide."""
        key = _last_id_counter(self.spec.name, model)
        last = call.state.counters.get(key)
        if isinstance(ident, int) and not isinstance(ident, bool) and last is not None and ident > last:
            call.state.counters[key] = ident

    def _fill(self, call: Call, model: ResourceModel, body: dict[str, Any], creating: bool) -> dict[str, Any]:
        """Body plus what the server sets: required fields the client omitted, readOnly fields, defaults, timestamps."""
        plan = self._fill_plan(effective_schema(self.spec, model.schema, body), body, creating)
        generated = call.generate(plan.server_part, "response") if plan.server_part is not None and plan.server else {}
        out: dict[str, Any] = {}
        for name, default in plan.server:
            if name in generated:
                out[name] = generated[name] if default is _NO_DEFAULT else default
        out.update({k: v for k, v in body.items() if k in plan.props or not plan.declared})  # request-only fields are not stored
        for name in plan.stamped:  # server-managed timestamps
            out[name] = call.now_iso
        return {k: v for k, v in out.items() if k not in plan.hidden} if plan.hidden else out

    def _fill_plan(self, schema: dict[str, Any], body: dict[str, Any], creating: bool) -> _FillPlan:
        """What `_fill` does for a schema and the names a body sends, worked out once per (schema, names, creating)."""
        key = (id(schema), creating, frozenset(body))
        known = self._fill_plans.get(key)
        if known is not None and known[0] is schema:
            return known[1]
        props: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        server = []
        for name, sub in props.items():
            sub = self.spec.resolve(sub)
            if creating and name not in body and (name in required or sub.get("readOnly") or "default" in sub):
                fitting = "default" in sub and name not in required and _fits(sub, sub["default"])
                server.append((name, sub["default"] if fitting else _NO_DEFAULT))
        stamped = []
        for name, sub in props.items():
            if self.spec.resolve(sub).get("type", "string") != "string":
                continue
            created = creating and _CREATED.search(name) and name not in body
            if created or _UPDATED.search(name) and not (creating and name in body):
                stamped.append(name)
        plan = _FillPlan(self._server_part(schema, body) if creating else None, tuple(server), props,
                         schema.get("additionalProperties") is not True and bool(props), tuple(stamped),
                         self._write_only_names(props))
        if len(self._fill_plans) >= 1024:
            self._fill_plans.clear()
        self._fill_plans[key] = (schema, plan)
        return plan

    def _server_part(self, schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """The part of a create's schema the server fills in: required, readOnly and defaulted properties not sent.

        Generating only these (not every optional property, to be thrown away) is most of a create's generation time.
        """
        required = set(schema.get("required") or [])
        kept = {}
        for name, sub in (schema.get("properties") or {}).items():
            resolved = self.spec.resolve(sub)
            if name not in body and (name in required or resolved.get("readOnly") or "default" in resolved):
                kept[name] = sub
        rest = {k: v for k, v in schema.items() if k not in ("properties", "required", "maxProperties")}
        return {**rest, "type": "object", "properties": kept, "required": [r for r in required if r in kept]}

    def _visible(self, obj: Any, props: dict[str, Any]) -> Any:
        """A new top-level dict of `obj` without the properties `props` marks writeOnly (nested values are shared)."""
        if not isinstance(obj, dict):
            return obj
        hidden = self._write_only_names(props)
        return {k: v for k, v in obj.items() if k not in hidden} if hidden else dict(obj)

    def _write_only_names(self, props: dict[str, Any]) -> frozenset[str]:
        """The names `props` marks writeOnly, worked out once per set of property schemas (bounded memo).

        The key is each name with the identity of its schema node, which belongs to the (never changing) spec
        document, even when `props` itself is a fresh dict built by merging `allOf`.
        """
        key = tuple((name, id(sub)) for name, sub in props.items())
        known = self._write_only.get(key)
        if known is not None:
            return known
        names = frozenset(k for k, sub in props.items() if self.spec.resolve(sub or {}).get("writeOnly"))
        if len(self._write_only) >= 4096:
            self._write_only.clear()
        self._write_only[key] = names
        return names

    def _present(self, call: Call, model: ResourceModel, obj: Any, status: int | None = None) -> Any:
        """The stored object when the response describes it, otherwise a generated body carrying its id."""
        return self._presented(call, model, obj, status)[0]

    def _presented(self, call: Call, model: ResourceModel, obj: Any, status: int | None) -> tuple[Any, bool]:
        """`_present`'s body, and whether it shows the stored object as it is (no generated part)."""
        schema = success_schema(self.spec, call.op, status)
        if schema is None:  # no body documented, or a JSON body without a schema: any JSON fits, so the object itself
            content = (response_for(self.spec, call.op, status or success_status(call.op)) or {}).get("content") or {}
            return (dict(obj) if isinstance(obj, dict) and any(is_json(c) for c in content) else None), False
        schema = effective_schema(self.spec, schema, obj)
        props = schema.get("properties") or {}
        if schema.get("type", "object") == "object" and (model.id_field in props or self._same_schema(schema, model)):
            return self._fit(call, schema, self._visible(obj, props), status), True
        body = call.generate(schema, "response")
        if isinstance(body, dict) and model.id_field in props and isinstance(obj, dict):
            body[model.id_field] = obj.get(model.id_field)
        return self._fit(call, schema, body, status), False

    def _fit(self, call: Call, schema: dict[str, Any], body: Any, status: int | None = None) -> Any:
        """What the store holds, made valid for the response schema: forbidden properties dropped, values converted,
        missing required ones generated. A body the compiled check already accepts is answered as it is."""
        if self._valid_as_is(call, status or success_status(call.op), body):
            return body
        return conform(self.spec, schema, body, lambda sub: call.generate(sub, "response"), keep_extra=True,
                       cache=self.merged_schemas, hidden="writeOnly")

    def _valid_as_is(self, call: Call, status: int, body: Any) -> bool:
        """Whether `body` already validates against the documented response (a compiled check, built once per
        operation and status; never a yes openapi-core would refuse), so fitting would change nothing."""
        key = (call.op.key, status)
        if key not in self._as_is:
            response = response_for(self.spec, call.op, status) or {}
            media = next((m for c, m in (response.get("content") or {}).items()
                          if is_json(c) and isinstance(m, dict) and "schema" in m), None)
            self._as_is[key] = QuickCheck.build(self.spec.doc, media["schema"], _QUICK_FORMATS) if media else None
        quick = self._as_is[key]
        return quick is not None and quick.accepts(body)

    def _same_schema(self, schema: dict[str, Any], model: ResourceModel) -> bool:
        mine = effective_schema(self.spec, model.schema, {})
        return set(schema.get("properties") or {}) == set(mine.get("properties") or {}) and bool(schema.get("properties"))

    # ---- actions ----
    def _create(self, call: Call, model: ResourceModel) -> Outcome:
        body = self._with_defaults(call, call.body if isinstance(call.body, dict) else {})
        obj = self._fill(call, model, body, creating=True)
        self._set_parent_ids(call, model, obj)
        supplied = body.get(model.id_field) if self._client_names_id(call, model) else None
        bucket = self.bucket(call, model)
        if supplied is not None and str(supplied) in bucket:
            raise HttpProblem(409, "Conflict", f"{model.label} with {model.id_field} '{supplied}' already exists",
                              [FieldError("body", model.id_field, "already exists")])
        ident = supplied if supplied is not None else self._new_id(call, model)
        if supplied is not None:
            self._note_supplied_id(call, model, supplied)
        obj[model.id_field] = ident
        obj.update(call.action.set_fields)
        if isinstance(bucket, EmbeddedItems):
            embedding = bucket.embedding
            bucket.insert(obj, body.get(embedding.index_field or ""), body.get(embedding.group_field or ""))
            self._touch_parent(call, model)
        else:
            bucket[str(ident)] = obj
        call.state.tick()
        status = success_status(call.op)
        headers = {"Location": self._location(call, model, ident)}
        return Outcome(status, {model.id_field: ident} if call.answer_built else self._present(call, model, obj, status), headers)

    def _with_defaults(self, call: Call, body: dict[str, Any]) -> dict[str, Any]:
        """The request body with its schema's `default`s filled in where the client left a property out."""
        schema = self._request_schema(call)
        return self._defaults(schema, body, 0) if schema else body

    def _request_schema(self, call: Call) -> dict[str, Any] | None:
        """`request_schema` of the call's operation and body media type, worked out once per pair (bounded memo)."""
        key = (call.op.key, call.body_type.split(";", 1)[0].strip().lower())
        if key not in self._request_schemas:
            if len(self._request_schemas) >= 4096:  # the media type is the client's: many kinds are possible
                self._request_schemas.clear()
            self._request_schemas[key] = request_schema(self.spec, call.op, key[1])
        return self._request_schemas[key]

    def _defaults(self, schema: dict[str, Any], body: dict[str, Any], depth: int) -> dict[str, Any]:
        """`body` with the `default` of every property it leaves out (nested objects too), when the default fits its type."""
        plan = self._default_plan(schema)
        if plan.union is not None:  # which branch's defaults depends on the body
            plan = self._default_plan(effective_schema(self.spec, plan.union, body))
        out = dict(body)
        for name, default in plan.defaults:
            if name not in out:
                out[name] = copy.deepcopy(default)
        if depth < 8:
            for name, value in body.items():
                if isinstance(value, dict) and name in plan.nested:
                    out[name] = self._defaults(plan.nested[name], value, depth + 1)
        return out

    def _default_plan(self, schema: dict[str, Any]) -> _DefaultPlan:
        """What `_defaults` adds for a schema, worked out once per schema object (bounded memo; schemas never change)."""
        known = self._default_plans.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        merged = merge_all_of(schema, self.spec.resolve)
        defaults, nested = [], {}
        for name, sub in (merged.get("properties") or {}).items():
            sub = merge_all_of(sub, self.spec.resolve) if isinstance(sub, dict) else {}
            if "default" in sub and not sub.get("readOnly") and _fits(sub, sub["default"]):
                defaults.append((name, sub["default"]))
            nested[name] = sub
        union = merged if merged.get("oneOf") or merged.get("anyOf") else None
        plan = _DefaultPlan(union, tuple(defaults), nested)
        if len(self._default_plans) >= 1024:
            self._default_plans.clear()
        self._default_plans[id(schema)] = (schema, plan)
        return plan

    def _set_parent_ids(self, call: Call, model: ResourceModel, obj: dict[str, Any]) -> None:
        """A nested item names its parent: `/projects/{projectId}/todos` sets `projectId`, `project_id` or `project`."""
        if not self._parent_params[model.key]:
            return
        props = effective_schema(self.spec, model.schema, obj).get("properties") or {}
        segments = model.key.strip("/").split("/")
        for index, segment in enumerate(segments):
            param = segment[1:-1] if segment.startswith("{") and segment.endswith("}") else ""
            if not param or param not in call.path_params:
                continue
            owner = segments[index - 1] if index else ""
            name = _parent_property(param, owner, {k: v for k, v in props.items() if k != model.id_field}, self.spec)
            if name is not None:
                obj[name] = _typed(self.spec.resolve(props[name]), call.path_params[param])

    def _id_value(self, model: ResourceModel, key: str) -> Any:
        """A path id as the id property's type (an integer id from `/pets/7` is 7)."""
        return _typed(model.id_schema, key)

    @staticmethod
    def _location(call: Call, model: ResourceModel, ident: Any) -> str:
        """The URL path of the created item, percent-encoded (header values must be ASCII)."""
        collection = _PARAM.sub(lambda m: str(call.path_params.get(m.group(1), m.group(0))), model.key) \
            if "{" in model.key else model.key
        return quote(f"{call.mount_path}{collection}/{ident}", safe="/:@!$&'()*+,;=-._~")

    def _client_names_id(self, call: Call, model: ResourceModel) -> bool:
        """A client-chosen id is kept only when the create request requires it (a natural key like an ISBN)."""
        schema = effective_schema(self.spec, self._request_schema(call) or {}, call.body)
        return model.id_field in (schema.get("required") or [])

    def _read(self, call: Call, model: ResourceModel) -> Outcome:
        _, obj = self._item(call, model)
        version = call.state.version(obj)
        known = self._remembered(call.op, version)
        if known is not None:
            return known
        status = success_status(call.op)
        body, stored = self._presented(call, model, obj, status)
        return self._remember(call.op, Outcome(status, body, source=version if stored else None))

    def _update(self, call: Call, model: ResourceModel) -> Outcome:
        key, obj = self._item(call, model)
        patch = call.body if isinstance(call.body, dict) else {}
        patch = {k: v for k, v in patch.items() if k != model.id_field}
        bucket = self.bucket(call, model)
        move = patch.get(model.embedding.move_field or "") if model.embedding else None
        if isinstance(move, dict) and isinstance(bucket, EmbeddedItems):
            bucket.container(move.get(bucket.embedding.group_field or ""))  # an unknown target: 404 before any change
        merged = _merge(copy.deepcopy(obj), patch)
        merged.update(call.action.set_fields)
        call.state.tick()
        updated = self._fill(call, model, merged, creating=False)
        bucket[key] = updated
        if isinstance(move, dict) and isinstance(bucket, EmbeddedItems):
            bucket.move(key, move.get("index"), move.get(bucket.embedding.group_field or ""))
        self._touch_parent(call, model)
        status = success_status(call.op)
        return Outcome(status, self._present(call, model, updated, status))

    def _replace(self, call: Call, model: ResourceModel) -> Outcome:
        given = str(call.path_params.get(call.action.item_param or "", ""))
        if call.action.upsert and given not in self.bucket(call, model):
            return self._create_at(call, model, given)
        key, obj = self._item(call, model)
        body = self._with_defaults(call, call.body if isinstance(call.body, dict) else {})
        props = model.schema.get("properties") or {}
        kept = {k: v for k, v in obj.items() if k == model.id_field or self.spec.resolve(props.get(k) or {}).get("readOnly")
                or _CREATED.search(k)}
        replaced = {**{k: v for k, v in obj.items() if k in (model.schema.get("required") or []) and k not in body}, **body, **kept}
        replaced.update(call.action.set_fields)
        call.state.tick()
        replaced = self._fill(call, model, replaced, creating=False)
        self.bucket(call, model)[key] = replaced
        self._touch_parent(call, model)
        status = success_status(call.op)
        return Outcome(status, self._present(call, model, replaced, status))

    def _create_at(self, call: Call, model: ResourceModel, key: str) -> Outcome:
        """A PUT to an id that does not exist yet creates the item there (its spec documents a 201)."""
        body = self._with_defaults(call, call.body if isinstance(call.body, dict) else {})
        obj = self._fill(call, model, body, creating=True)
        self._set_parent_ids(call, model, obj)
        ident = self._id_value(model, key)
        self._note_supplied_id(call, model, ident)
        obj[model.id_field] = ident
        obj.update(call.action.set_fields)
        self.bucket(call, model)[key] = obj
        call.state.tick()
        return Outcome(201, self._present(call, model, obj, 201), {"Location": self._location(call, model, ident)})

    def _delete(self, call: Call, model: ResourceModel) -> Outcome:
        key, obj = self._item(call, model)
        del self.bucket(call, model)[key]
        self._touch_parent(call, model)
        call.state.tick()
        status = success_status(call.op)
        return Outcome(status, self._present(call, model, obj, status))

    def _duplicate(self, call: Call, model: ResourceModel) -> Outcome:
        _, obj = self._item(call, model)
        copy_ = copy.deepcopy(obj)
        if isinstance(call.body, dict):
            copy_.update({k: v for k, v in call.body.items() if k in (model.schema.get("properties") or {})})
        elif isinstance(copy_.get("name"), str):
            copy_["name"] = copy_["name"] + " (copy)"
        ident = self._new_id(call, model)
        copy_[model.id_field] = ident
        for name in copy_:
            if _CREATED.search(name) or _UPDATED.search(name):
                copy_[name] = call.now_iso
        self.bucket(call, model)[str(ident)] = copy_
        self._touch_parent(call, model)
        call.state.tick()
        status = success_status(call.op)
        return Outcome(status, self._present(call, model, copy_, status), {"Location": self._location(call, model, ident)})

    def _list(self, call: Call, model: ResourceModel) -> Outcome:
        bucket = self.bucket(call, model)
        anchor = bucket.parent if isinstance(bucket, EmbeddedItems) else bucket
        source = call.state.version(anchor, (model.key, tuple(call.query), len(bucket))) if len(bucket) else None
        known = self._remembered(call.op, source) if source is not None else None
        if known is not None:
            return known
        items = list(bucket.values())
        criteria = dict(call.query)
        items = _declared_filters(call, items, criteria)
        items = self._filter(items, model, criteria, self._query_defaults(call))
        return self._remember(call.op, self._page(call, model, items, dict(call.query), source))

    def _search(self, call: Call, model: ResourceModel) -> Outcome:
        body = call.body if isinstance(call.body, dict) else {}
        criteria: dict[str, Any] = {}
        for key, value in body.items():
            if isinstance(value, dict) and key not in (model.schema.get("properties") or {}):
                criteria.update(value)
            else:
                criteria[key] = value
        items = list(call.state.objects(self.spec.name, model.key)) if not call.action.parent_params else list(self.bucket(call, model).values())
        items = _declared_filters(call, items, criteria)
        items = self._filter(items, model, criteria, {})
        paging = {**dict(call.query), **{k: v for k, v in body.items() if not isinstance(v, (dict, list))}}
        return self._page(call, model, items, paging)

    def _batch_get(self, call: Call, model: ResourceModel) -> Outcome:
        ids = _first_id_list(call.body)
        found = [call.state.find(self.spec.name, model.key, str(i)) for i in ids]
        return self._page(call, model, [f for f in found if f is not None], {})

    def _query_defaults(self, call: Call) -> dict[str, Any]:
        defaults = {}
        for param in call.op.parameters:
            param = self.spec.resolve(param)
            schema = self.spec.resolve(param.get("schema") or {})
            if param.get("in") == "query" and "default" in schema:
                defaults[param["name"]] = schema["default"]
        return defaults

    def _filter(self, items: list[Any], model: ResourceModel, criteria: dict[str, Any], defaults: dict[str, Any]) -> list[Any]:
        props = model.schema.get("properties") or {}
        wanted = {k: v for k, v in {**defaults, **criteria}.items() if k in props and not isinstance(v, (dict, list)) and v is not None}
        if not wanted:
            return items

        def keep(item: Any) -> bool:
            for key, value in wanted.items():
                actual = item.get(key) if isinstance(item, dict) else None
                if actual is None and key in defaults and key not in criteria and value in (False, "false"):
                    continue
                if _text(actual) != _text(value):
                    return False
            return True

        return [i for i in items if keep(i)]

    def _page(self, call: Call, model: ResourceModel, items: list[Any], paging: dict[str, Any], source: Version | None = None) -> Outcome:
        """One page of `items` (the documented default size when the client names none), bare or in the envelope."""
        lowered = {k.lower(): v for k, v in paging.items()}
        size = _int(next((lowered[k] for k in _PAGE_SIZE if k in lowered), None))
        if size is None:
            size = self._documented_page_size(call)
        offset = _int(next((lowered[k] for k in _OFFSET if k in lowered), None)) or 0
        page = _int(next((lowered[k] for k in _PAGE if k in lowered), None))
        cursor = next((lowered[k] for k in _CURSOR if k in lowered), None)
        if cursor:
            offset = _decode_cursor(str(cursor))
        elif page and size:
            offset = (page - 1) * size
        total = len(items)
        window = items[offset: offset + size] if size is not None else items[offset:]
        next_cursor = _encode_cursor(offset + len(window)) if size is not None and offset + len(window) < total else None
        status = success_status(call.op)
        schema = success_schema(self.spec, call.op, status) or {"type": "array"}
        props = schema.get("properties") or {}
        item_props = model.schema.get("properties") or {}
        rendered = [self._visible(i, item_props) for i in window]
        if schema.get("type") == "array" or not props:
            return Outcome(status, self._fit(call, schema, self._listed(call, model, schema, rendered), status), source=source)
        envelope, generated = self._envelope(call, schema, rendered, total, next_cursor)
        target = next((n for n, v in envelope.items() if v is rendered), None)
        if target is not None:
            envelope[target] = self._listed(call, model, self.spec.resolve(props[target]), rendered)
        return Outcome(status, self._fit(call, schema, envelope, status), source=None if generated else source)

    def _listed(self, call: Call, model: ResourceModel, array: dict[str, Any], items: list[Any]) -> list[Any]:
        """A page's items as the list schema wants them: ids where it lists ids, padded with generated items up to
        its `minItems` (an empty store still answers a valid list; those items are not stored)."""
        item_schema = merge_all_of(array.get("items") or {}, self.spec.resolve)
        kind = item_schema.get("type", "object" if item_schema.get("properties") else None)
        if kind in ("string", "integer", "number"):
            items = [i.get(model.id_field) if isinstance(i, dict) else i for i in items]
        missing = int(array.get("minItems") or 0) - len(items)
        if missing > 0:
            items = [*items, *(call.generate(item_schema, "response") for _ in range(missing))]
        return items

    def _documented_page_size(self, call: Call) -> int | None:
        """The page size of a list whose client names none: its page-size parameter's default (`limit: {default: 20}`),
        else that parameter's maximum (a page never holds more than a client may ask for); None (every item) without."""
        for param in call.op.parameters:
            param = self.spec.resolve(param)
            if param.get("in") != "query" or str(param.get("name", "")).lower() not in _PAGE_SIZE:
                continue
            schema = self.spec.resolve(param.get("schema") or {})
            for bound in (schema.get("default"), schema.get("maximum")):
                if isinstance(bound, int) and not isinstance(bound, bool) and bound > 0:
                    return bound
        return None

    def _envelope(self, call: Call, schema: dict[str, Any], items: list[Any], total: int,
                  next_cursor: str | None) -> tuple[dict[str, Any], bool]:
        """The list's envelope object, and whether any part of it had to be generated."""
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        arrays = [n for n, s in props.items() if self.spec.resolve(s).get("type") == "array"]
        target = next((n for n in _ARRAY_NAMES if n in arrays), None) or (arrays[0] if arrays else None)
        body: dict[str, Any] = {}
        generated: dict[str, Any] | None = None
        for name, sub in props.items():
            sub = self.spec.resolve(sub)
            low = name.lower()
            if name == target:
                body[name] = items
            elif low in _COUNT_NAMES and sub.get("type") in ("integer", "number"):
                body[name] = total
            elif low in _NEXT_NAMES and sub.get("type") == "string":
                if next_cursor is not None:
                    body[name] = next_cursor
                elif name in required:
                    body[name] = None if sub.get("nullable") else ""
            elif name in required:
                generated = generated if generated is not None else call.generate(schema, "response")
                body[name] = generated.get(name) if isinstance(generated, dict) else None
        return body, generated is not None


def _weight(body: Any) -> int:
    """What a kept answer holds, counted in items: one, plus the elements of a list body or of the lists in an envelope."""
    if isinstance(body, list):
        return 1 + len(body)
    if isinstance(body, dict):
        return 1 + sum(len(value) for value in body.values() if isinstance(value, list))
    return 1


def _another(outcome: Outcome) -> Outcome:
    """An Outcome equal to `outcome` with a body of its own at the top level (the values below are shared)."""
    body = outcome.body
    top = dict(body) if isinstance(body, dict) else list(body) if isinstance(body, list) else body
    return Outcome(outcome.status, top, dict(outcome.headers), outcome.source)


def _declared_filters(call: Call, items: list[Any], criteria: dict[str, Any]) -> list[Any]:
    """Apply `x-flowmock-filter: {param: PATH | {path: PATH, match: equals|icontains}}` and take those params out.

    PATH is dotted, `[]` meaning any element of an array: `contexts[].entity_id`.
    """
    declared = call.op.extension("filter") or {}
    for param, rule in declared.items():
        value = criteria.pop(param, None)
        if value is None or isinstance(value, (dict, list)):
            continue
        path, match = (rule, "equals") if isinstance(rule, str) else (str(rule.get("path", param)), str(rule.get("match", "equals")))
        wanted = _text(value).lower() if match == "icontains" else _text(value)
        items = [i for i in items if any(
            (wanted in _text(v).lower()) if match == "icontains" else _text(v) == wanted for v in _values_at(i, path))]
    return items


def _values_at(obj: Any, path: str) -> list[Any]:
    """The values a dotted path (`[]` = every element) reaches in `obj`."""
    current = [obj]
    for part in path.split("."):
        name, each = (part[:-2], True) if part.endswith("[]") else (part, False)
        found = [c.get(name) for c in current if isinstance(c, dict) and c.get(name) is not None]
        current = [e for f in found if isinstance(f, list) for e in f] if each else found
    return current


def _not_found(model: ResourceModel, param: str, value: Any) -> HttpProblem:
    return HttpProblem(
        404, "Not Found", f"No {model.label} with {model.id_field} '{value}' exists",
        [FieldError("path", param, f"unknown {model.label} id")], type="https://flowmock.dev/problems/unknown-resource",
    )


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge(base[key], value)
        else:
            base[key] = value
    return base


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text.split(":", 1)[1]) if text.startswith("offset:") else 0
    except (ValueError, UnicodeDecodeError):
        return 0


def _first_id_list(body: Any) -> list[Any]:
    if isinstance(body, list):
        return [i for i in body if isinstance(i, (str, int))]
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, list) and all(isinstance(i, (str, int)) for i in value):
                return value
    return []


def _fits(schema: dict[str, Any], value: Any) -> bool:
    """Whether a value has the schema's declared type and format (a `default: "true"` on an array does not, nor
    `default: ""` on a `format: uri`)."""
    if isinstance(value, str) and not has_format(value, schema.get("format")):
        return False
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    python: dict[str, type | tuple[type, ...]] = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict,
              "null": type(None)}
    return not kinds or any(isinstance(value, python.get(k, object)) and not (k in ("integer", "number") and isinstance(value, bool))
                            for k in kinds)


def _parent_property(param: str, owner: str, props: dict[str, Any], spec: Spec) -> str | None:
    """The scalar property that holds the parent's id: named like the path parameter (`projectId`, `project_id`)
    or like the parent (`project`); for a bare `{id}`, named after the parent collection (`projects` → `projectId`)."""
    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    base = norm(param).removesuffix("id")
    if not base:  # `/projects/{id}/todos`: the parent is a project
        base = norm(owner).removesuffix("s")
    if not base:
        return None
    for name, sub in props.items():
        sub = spec.resolve(sub)
        scalar = sub.get("type", "string") in ("string", "integer", "number") and not sub.get("readOnly")
        if name == param or (scalar and norm(name) in (base + "id", base)):
            return name
    return None


def _typed(schema: dict[str, Any], value: Any) -> Any:
    """A path value as the property's type: digits become an integer where the schema wants one."""
    text = str(value)
    if schema.get("type") in ("integer", "number") and text.lstrip("-").isdigit():
        return int(text)
    return text


def _last_id_counter(spec: str, model: ResourceModel) -> str:
    """The tenant counter holding the last integer id given out for a resource (kept with the tenant's state)."""
    return f"|last-id|{spec}|{model.key}"
