"""Generate a consistent, realistic seed data set by driving the engine itself with Faker-made requests.

Objects are created in dependency order (relations come from `x-flowmock-ref` in the specs and from nesting),
through the same behaviours a client meets, so executions really are started from generated definitions.
The world is made on a clock of its own, a few hours between objects, ending before any clock a server
starts with (`--seed` starts on 2025-01-01 or later), so objects created later are always newer. Then each
API's story (`mock_server.datasets.world`) plays requests on it so it holds objects in every stage.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from faker import Faker

from mock_server.config import ServerConfig
from mock_server.request_path.engine import Engine
from mock_server.datasets.fixtures import FixtureCollection
from mock_server.request_path.generate import generate, make_context, merge_all_of
from mock_server.request_path.models import effective_schema
from mock_server.request_path.routing import Match, Router
from mock_server.loading.spec import Operation, Spec
from mock_server.request_path.store import DEFAULT_TENANT, Store
from mock_server.request_path.validate import RequestData
from mock_server.request_path.wordlists import language_of, with_workflow_words
from mock_server.datasets.world import play_order, story_for

logger = logging.getLogger(__name__)
SIZES = {"small": 3, "medium": 8, "large": 30}
_DANGLING = object()  # a reference to a resource with no objects yet: dropped where optional
ATTEMPTS = 6
WORLD_STARTS = datetime(2024, 9, 2, 7, 30, tzinfo=timezone.utc)  # the world's clock; it ends weeks before 2025
HOURS_BETWEEN_OBJECTS = (1, 20)  # at the medium size; a bigger world moves faster, so it still ends before 2025
_SERVER_STAMPED = re.compile(r"(created|creation|updated|lastupdate|modified)_?(at|time|date|on)?$", re.I)


@dataclass
class _Target:
    spec: Spec
    resource: str
    create: Operation
    refs: set[tuple[str, str]] = field(default_factory=set)


def _refs_in(spec: Spec, schema: Any, depth: int = 0, seen: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
    """Every (spec, resource) an `x-flowmock-ref` anywhere inside a schema points at."""
    found: set[tuple[str, str]] = set()
    if not isinstance(schema, dict) or depth > 8:
        return found
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return found
        return _refs_in(spec, spec.resolve(schema), depth + 1, seen | {ref})
    target = schema.get("x-flowmock-ref")
    if target:
        found.add(_split_ref(spec, target))
    for key in ("properties",):
        for sub in (schema.get(key) or {}).values():
            found |= _refs_in(spec, sub, depth + 1, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found |= _refs_in(spec, schema[key], depth + 1, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key) or []:
            found |= _refs_in(spec, sub, depth + 1, seen)
    return found


def _split_ref(spec: Spec, ref: str) -> tuple[str, str]:
    name, sep, resource = ref.partition(":")
    return (name, resource) if sep and not ref.startswith("/") else (spec.name, ref)


def _request_schema(spec: Spec, op: Operation) -> dict[str, Any] | None:
    body = spec.resolve(op.definition.get("requestBody") or {})
    media = (body.get("content") or {}).get("application/json")
    return media.get("schema") if media else None


@dataclass
class _WorldServer:
    """The request path the builder drives in-process: no HTTP, no middleware, the same engine and behaviours."""

    specs: list[Spec]
    engine: Engine
    router: Router
    store: Store

    @classmethod
    def build(cls, config: ServerConfig, specs: list[Spec]) -> _WorldServer:
        store = Store()
        return cls(specs, Engine(config, specs, store), Router(specs), store)


def _targets(app: _WorldServer) -> list[_Target]:
    """Creatable resources, dependencies first."""
    targets: dict[tuple[str, str], _Target] = {}
    for spec in app.specs:
        for op in spec.operations:
            action = app.engine.action(spec, op)
            key = (spec.name, action.resource)
            if action.kind == "create" and key not in targets and action.resource == "/" + "/".join(
                    s for s in op.path.strip("/").split("/")):
                targets[key] = _Target(spec, action.resource, op, _refs_in(spec, _request_schema(spec, op) or {}))
        for op in spec.operations:  # creates reached through other paths (x-flowmock-resource)
            action = app.engine.action(spec, op)
            if action.kind == "create" and (spec.name, action.resource) not in targets:
                targets[(spec.name, action.resource)] = _Target(spec, action.resource, op, _refs_in(spec, _request_schema(spec, op) or {}))
    for key in [k for k in targets if app.engine.apis[k[0]].crud.models[k[1]].embedding is not None]:
        del targets[key]  # embedded items are made by their parents
    for (name, resource), target in targets.items():
        segments = resource.strip("/").split("/")
        for i, seg in enumerate(segments):
            if seg.startswith("{") and (name, "/" + "/".join(segments[:i])) in targets:
                target.refs.add((name, "/" + "/".join(segments[:i])))
    ordered: list[_Target] = []
    visiting: set[tuple[str, str]] = set()

    def visit(key: tuple[str, str]) -> None:
        if key not in targets or targets[key] in ordered or key in visiting:
            return
        visiting.add(key)
        for dep in sorted(targets[key].refs):
            visit(dep)
        ordered.append(targets[key])

    for key in sorted(targets):
        visit(key)
    return ordered


def _free_value(seed: int, name: str) -> str:
    """A value for a path parameter no resource provides (a workspace): the same for a seed whatever else changes."""
    return str(uuid.UUID(int=random.Random(f"dataset|{seed}|{name}").getrandbits(128), version=4))


class _Builder:
    """Creates objects through the engine and remembers their ids per resource; the `World` stories play in."""

    def __init__(self, app: _WorldServer, seed: int, fake: Faker, pace: float = 1.0) -> None:
        self.app, self.seed, self.fake, self.pace = app, seed, with_workflow_words(fake), pace
        self.rng = random.Random(f"dataset|{seed}")
        self.language = language_of(str(fake.locales[0]))
        self.created: dict[tuple[str, str], list[tuple[dict[str, str], Any]]] = {}
        self.answers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.free_params: dict[str, str] = {}
        self.skipped: list[str] = []

    # ---- the World stories see ----
    async def call(self, method: str, path: str, body: Any = None, prefer: str | None = None) -> tuple[int, Any]:
        """Send one request through the whole engine; the status and the decoded JSON answer."""
        match = self.app.router.match(method.upper(), path.split("?", 1)[0])
        if not isinstance(match, Match):
            raise LookupError(f"no operation answers {method} {path}")
        query = [(name, value) for name, _, value in (pair.partition("=") for pair in path.partition("?")[2].split("&") if pair)]
        headers = {"authorization": "Bearer dataset", **({"prefer": prefer} if prefer else {})}
        req = RequestData(method.lower(), match.spec_path, match.path_params, query, headers,
                          body=b"" if body is None else json.dumps(body).encode(),
                          content_type="application/json" if body is not None else "", public_path=path.partition("?")[0])
        result = await self.app.engine.handle(match, req)
        answer = json.loads(result.body) if result.body else None
        if result.status >= 300:
            logger.debug("%s %s answered %s: %s", method, path, result.status, result.body[:300])
        return result.status, answer

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward, running whatever became due."""
        self.app.engine.advance_clock(timedelta(seconds=seconds))

    def wait(self, low_hours: int, high_hours: int) -> None:
        """Let some hours pass, as between two pieces of work (scaled down in bigger worlds)."""
        self.advance(self.rng.randint(low_hours * 3600, high_hours * 3600) * self.pace)

    def made(self, spec: str, resource: str) -> list[dict[str, Any]]:
        """The create answers of a resource's objects, in the order they were made."""
        return list(self.answers.get((spec, resource), []))

    def item_paths(self, spec: str, resource: str) -> list[str]:
        """The URL paths of a resource's objects (parents filled in), in the order they were made."""
        paths = []
        for params, ident in self.created.get((spec, resource), []):
            path = resource
            for name, value in params.items():
                path = path.replace("{" + name + "}", value)
            paths.append(f"{path}/{ident}")
        return paths

    def _link(self, spec: Spec, schema: Any, value: Any, depth: int = 0) -> Any:
        if not isinstance(schema, dict) or depth > 10:
            return value
        if "$ref" in schema:
            return self._link(spec, spec.resolve(schema), value, depth + 1)
        target = schema.get("x-flowmock-ref")
        if target and isinstance(value, (str, int)):
            pool = self.created.get(_split_ref(spec, target)) or []
            return self.rng.choice(pool)[1] if pool else _DANGLING
        schema = effective_schema(spec, merge_all_of(schema, spec.resolve), value)
        if isinstance(value, dict):
            props, required = schema.get("properties") or {}, set(schema.get("required") or [])
            linked = {k: self._link(spec, props.get(k, {}), v, depth + 1) for k, v in value.items()}
            return {k: (value[k] if v is _DANGLING else v) for k, v in linked.items() if v is not _DANGLING or k in required}
        if isinstance(value, list):
            linked_items = [self._link(spec, schema.get("items") or {}, v, depth + 1) for v in value]
            return [item for item in linked_items if item is not _DANGLING]
        return value

    def _linked(self, spec: Spec, schema: Any, value: Any) -> Any:
        linked = self._link(spec, schema, value)
        return value if linked is _DANGLING else linked

    def _path(self, target: _Target) -> tuple[str, dict[str, str]] | None:
        params: dict[str, str] = {}
        segments = target.resource.strip("/").split("/")
        for i, seg in enumerate(segments):
            if not seg.startswith("{"):
                continue
            name = seg[1:-1]
            parent = (target.spec.name, "/" + "/".join(segments[:i]))
            if parent in self.created:
                if not self.created[parent]:
                    return None
                parent_params, parent_id = self.rng.choice(self.created[parent])
                params.update(parent_params)
                params[name] = str(parent_id)
            else:
                params[name] = self.free_params.setdefault(name, _free_value(self.seed, name))
        path = target.create.path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        return target.spec.server_base + path, params

    async def create(self, target: _Target, index: int) -> None:
        model = self.app.engine.apis[target.spec.name].crud.models[target.resource]
        schema = _request_schema(target.spec, target.create) or {"type": "object"}
        for attempt in range(ATTEMPTS):
            located = self._path(target)
            if located is None:
                return
            path, params = located
            now = self.app.engine.clock.now(self.app.store.tenant(DEFAULT_TENANT))
            ctx = make_context(target.spec.resolve, f"{self.seed}|{target.spec.name}|{target.resource}|{index}|{attempt}",
                               self.fake, mode="request", use_examples=attempt % 2 == 1, now=now)
            body = self._linked(target.spec, model.schema, self._linked(target.spec, schema, generate(schema, ctx)))
            if isinstance(body, dict):
                body = {k: v for k, v in body.items() if not _SERVER_STAMPED.search(k)}  # the server's clock sets them
                shape = story_for(target.spec.name).shapes.get(target.resource)
                body = shape(self, body, index) if shape else body
            match = self.app.router.match("POST", path)
            if not isinstance(match, Match):
                return
            req = RequestData("post", match.spec_path, match.path_params, [], {"authorization": "Bearer dataset"},
                              body=json.dumps(body).encode(), content_type="application/json", public_path=path)
            result = await self.app.engine.handle(match, req)
            if 200 <= result.status < 300:
                answer = json.loads(result.body)
                self.created.setdefault((target.spec.name, target.resource), []).append((params, answer[model.id_field]))
                self.answers.setdefault((target.spec.name, target.resource), []).append(answer)
                self.wait(*HOURS_BETWEEN_OBJECTS)
                return
            logger.debug("attempt %s for %s refused: %s", attempt, target.create.operation_id, result.body[:300])
        self.skipped.append(f"{target.spec.name}:{target.create.operation_id} #{index}")


def generate_dataset(specs: list[Spec], seed: int, size: str = "small", locale: str = "en_US") -> tuple[list[FixtureCollection], list[str]]:
    """Build a data set for `specs`; returns its collections and the objects that could not be made."""
    app = _WorldServer.build(ServerConfig(seed=seed, clock=WORLD_STARTS, locale=locale, strict_responses=True), specs)
    count = SIZES[size]
    builder = _Builder(app, seed, Faker(locale), pace=SIZES["medium"] / count)

    async def run() -> None:
        for target in _targets(app):
            nested = "{" in target.resource
            for index in range(count * 2 if nested else count):
                await builder.create(target, index)
        for name in play_order([spec.name for spec in specs]):
            play = story_for(name).play
            if play is not None:
                await play(builder)

    asyncio.run(run())
    collections = []
    for key, items in sorted(app.store.tenant(DEFAULT_TENANT).buckets.items()):
        if not items:
            continue
        spec_name, resource, *parents = key.split("|")
        collections.append(FixtureCollection(spec_name, resource, list(items.values()), tuple(parents)))
    return collections, builder.skipped
