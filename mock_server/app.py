"""Assembly: load specs, build the engine and the dispatcher that answers every mocked request itself."""
from __future__ import annotations

import copy
import functools
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.admin import LazyAdminApp
from mock_server.banner import inference_summary
from mock_server.request_path.asgi import Hook, Lifespan, Reply, header, read_body, reply_of, send_reply
from mock_server.config import ServerConfig
from mock_server.request_path.cors import ApiCors
from mock_server.request_path.docs_ui import DocsUI
from mock_server.request_path.engine import Engine, EngineResponse
from mock_server.errors import ConfigError
from mock_server.request_path.exposure import ADMIN_TOKEN_HEADER, Exposure
from mock_server.datasets.fixtures import load_fixture_dir
from mock_server.request_path.front_door import FrontDoor
from mock_server.request_path.guard import Limits
from mock_server.request_path.journal import JOURNAL_NOTE, Journal
from mock_server.request_path.journaling import Journaling
from mock_server.inspector import InspectorPage
from mock_server.request_path.persistence import StateWriter, open_state_file
from mock_server.request_path.protocol import guarded_protocol
from mock_server.request_path.routing import Match, MethodNotAllowed, Router
from mock_server.loading.spec import Spec, bundled_spec_paths, load_spec
from mock_server.request_path.store import Store
from mock_server.request_path.validate import RequestData

if TYPE_CHECKING:
    from mock_server.recording.replay import ReplayMiddleware

logger = logging.getLogger(__name__)


@dataclass
class FlowmockApp:
    """The running pieces of one server; `asgi` is what uvicorn serves."""

    config: ServerConfig
    specs: list[Spec]
    router: Router
    engine: Engine
    store: Store
    journal: Journal
    asgi: ASGIApp
    replay: ReplayMiddleware | None = None
    protocol: Any = "auto"  # the uvicorn `http` protocol to serve with (limits ASGI cannot see)
    state_writer: StateWriter | None = None

    def banner(self, base_url: str) -> str:
        """The start-up text: each API with its base URL and its Swagger UI."""
        lines = [f"flowmock serving {len(self.specs)} API(s) on {base_url}"]
        for spec in self.specs:
            lines.append(f"  {spec.title} ({len(spec.operations)} operations)")
            lines.append(f"    {inference_summary(spec, self.engine.apis[spec.name].actions)}")
            roots = sorted({"/" + "/".join(op.path.strip("/").split("/")[:2]) for op in spec.operations})
            lines.append(f"    base URL: {base_url}{spec.server_base}  (paths {', '.join(roots[:4])}{' ...' if len(roots) > 4 else ''})")
            lines.append(f"    prefixed: {base_url}{spec.prefix}{spec.server_base}")
            lines.append(f"    docs:     {base_url}{spec.prefix}{spec.server_base}/ui/")
        for conflict in self.router.conflicts:
            lines.append(f"  ! {conflict.method} {conflict.path} is claimed by {conflict.kept} and {conflict.shadowed}; "
                         f"{conflict.shadowed} serves it under /{conflict.shadowed} only")
        if self.config.admin_disabled:
            lines.append(f"  admin:      DISABLED (listening on {self.config.host} without --admin-token)")
        else:
            lock = f", token in {ADMIN_TOKEN_HEADER}" if self.config.admin_token else ", this origin only"
            lines.append(f"  admin:      {base_url}/__flowmock/  (docs {base_url}/__flowmock/ui/{lock})")
        if self.config.state_file:
            lines.append(f"  state file: {self.config.state_file} (written at most every {self.config.state_interval:g} s)")
        return "\n".join(lines)


class _Dispatcher:
    """The request path: routes a request (root or prefix), admits it, answers it and sends the bytes itself.

    Connexion only sees the admin API (`/__flowmock/...`); each API's `openapi.json` and Swagger UI are served here.
    """

    def __init__(self, router: Router, admin_app: ASGIApp, engine: Engine) -> None:
        self.router, self.admin_app, self.engine = router, admin_app, engine
        mounts = {f"{spec.prefix}{spec.server_base}": spec.title for spec in router.specs}
        self.docs = DocsUI(mounts)
        self.passthrough = ("/__flowmock", *(f"{mount}/ui" for mount in mounts))  # not journaled
        self.documents = {f"{spec.prefix}{spec.server_base}/openapi.json": functools.cache(functools.partial(served_document, spec))
                          for spec in router.specs}

    def answers(self, path: str) -> bool:
        """Whether `reply` answers this path: everything but the admin API and the docs pages (ASGI apps of their own)."""
        return not path.startswith("/__flowmock") and not self.docs.owns(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.admin_app(scope, receive, send)
        elif scope["path"].startswith("/__flowmock"):
            await self.admin_app(scope, receive, send)
        elif self.docs.owns(scope["path"]):
            await self.docs(scope, receive, send)
        else:
            await send_reply(send, await self.reply(scope, await read_body(receive)))

    async def reply(self, scope: Scope, body: bytes) -> Reply:
        """The answer to a request of the mocked APIs (or a served document, or the index) whose body was read."""
        path: str = scope["path"]
        document = self.documents.get(path)
        if document is not None:
            return reply_of(200, document(), {"Content-Type": "application/json"})
        result = self.router.match(scope["method"], path, scope.get("raw_path"))
        if isinstance(result, Match):
            return await self._answer(scope, body, result)
        if isinstance(result, MethodNotAllowed):
            documented = self.engine.method_not_allowed(result, scope["method"], path, header(scope, b"accept"))
            if documented is not None:
                _note(scope, result.others[0], documented.tenant, documented.errors)
                return reply_of(documented.status, documented.body, documented.headers)
            problem = {"type": "https://flowmock.dev/problems/method-not-allowed", "title": "Method Not Allowed", "status": 405,
                       "detail": f"{scope['method']} is not allowed on {path}; allowed: {', '.join(result.allowed)}"}
            return _json_reply(405, problem, {"Allow": ", ".join(result.allowed)})
        if path in ("/", ""):
            return _json_reply(200, self._index(), {}, "application/json")
        problem = {"type": "https://flowmock.dev/problems/unknown-path", "title": "Not Found", "status": 404,
                   "detail": f"No operation of any served API matches {scope['method']} {path} (unknown path, not an unknown id)"}
        return _json_reply(404, problem)

    async def _answer(self, scope: Scope, body: bytes, match: Match) -> Reply:
        """Admit and answer one matched request; an unexpected failure is a 500 problem, never a dropped connection."""
        req = _request_data(scope, match, body)
        try:
            admitted = await self.engine.admit(match, req)
            response = admitted if isinstance(admitted, EngineResponse) else self.engine.respond(match, req, admitted)
        except Exception:  # noqa: BLE001 - the last guard of the request path
            logger.exception("%s %s failed in %s:%s", scope["method"], scope["path"], match.spec.name, match.operation.operation_id)
            _note(scope, match, None, [])
            problem = {"type": "about:blank", "title": "Internal Server Error", "status": 500,
                       "detail": f"flowmock failed while answering {match.operation.operation_id}; nothing was changed "
                                 "(the server log has the details)"}
            return _json_reply(500, problem)
        _note(scope, match, response.tenant, response.errors)
        return reply_of(response.status, response.body, response.headers)

    def _index(self) -> dict[str, Any]:
        return {"apis": [{"name": s.name, "title": s.title, "prefix": s.prefix, "docs": f"{s.prefix}/ui/",
                          "operations": len(s.operations)} for s in self.router.specs], "admin": "/__flowmock/"}


def _note(scope: Scope, match: Match, tenant: str | None, errors: list[Any]) -> None:
    """Tell the journal which operation answered (the journal middleware reads it after the response)."""
    scope[JOURNAL_NOTE] = {"operation_id": match.operation.operation_id, "api": match.spec.name, "tenant": tenant,
                        "errors": [e.as_dict() for e in errors]}




def _request_data(scope: Scope, match: Match, body: bytes) -> RequestData:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    cookies = {}
    for part in headers["cookie"].split(";") if "cookie" in headers else ():
        if "=" in part:
            key, value = part.split("=", 1)
            cookies[key.strip()] = value.strip()
    raw_query = scope.get("query_string", b"")
    query = parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True) if raw_query else []
    content_type = headers.get("content-type", "application/json" if body else "")
    return RequestData(scope["method"].lower(), match.spec_path, match.path_params, query, headers, cookies, body,
                       content_type, scope["path"])


def _json_reply(status: int, payload: Any, headers: dict[str, str] | None = None,
                content_type: str = "application/problem+json") -> Reply:
    body = json.dumps(payload).encode()
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Reply(status, raw, body)


def served_document(spec: Spec) -> bytes:
    """The full spec as JSON, with servers pointing at its flowmock prefix (what Swagger UI loads)."""
    doc = copy.deepcopy(spec.doc)
    doc["servers"] = [{"url": spec.prefix + spec.server_base, "description": "flowmock (prefixed)"},
                      {"url": spec.server_base or "/", "description": "flowmock (production paths)"}]
    return json.dumps(doc).encode()


def load_specs(config: ServerConfig) -> list[Spec]:
    """Load the configured specs, or every bundled one; names are made unique."""
    paths = list(config.specs) or bundled_spec_paths()
    specs: list[Spec] = []
    names: set[str] = set()
    for path in paths:
        spec = _load_saying_so(path, config) if _is_large(path) else load_spec(path, validate=bool(config.specs), strict=config.strict_spec)
        name, n = spec.name, 2
        while name in names:
            name, n = f"{spec.name}-{n}", n + 1
        if name != spec.name:
            spec = Spec(name, spec.doc, spec.source, spec.warnings)
        names.add(name)
        specs.append(spec)
    _apply_capacities(specs, config.capacities)
    return specs


LARGE_DOCUMENT_BYTES = 5_000_000  # a document this large says on stderr what start-up is doing (seconds, not milliseconds)


def _is_large(path: Path) -> bool:
    try:
        return path.stat().st_size >= LARGE_DOCUMENT_BYTES
    except OSError:
        return False  # the loader words the problem


def _load_saying_so(path: Path, config: ServerConfig) -> Spec:
    """Load a large document with a line before and after, so a long start-up is not a silent one."""
    size_mb = path.stat().st_size / 1e6
    print(f"flowmock: reading {path} ({size_mb:.1f} MB): a large document takes about a second per 5 MB to read and check",  # noqa: T201
          file=sys.stderr, flush=True)
    started = time.perf_counter()
    spec = load_spec(path, validate=bool(config.specs), strict=config.strict_spec)
    print(f"flowmock: {path}: {len(spec.operations):,} operations read and checked in {time.perf_counter() - started:.1f} s; "  # noqa: T201
          "building routes and resources", file=sys.stderr, flush=True)
    return spec


def _apply_capacities(specs: list[Spec], capacities: tuple[tuple[str, int], ...]) -> None:
    """`--capacity OPERATION_ID=N` overrides that operation's `x-flowmock-capacity` in the loaded spec."""
    for operation_id, limit in capacities:
        ops = [s.by_id[operation_id] for s in specs if operation_id in s.by_id]
        if not ops:
            raise ConfigError(f"--capacity {operation_id}={limit}: no served operation has the operationId '{operation_id}'")
        for op in ops:
            op.definition["x-flowmock-capacity"] = limit


def create_app(config: ServerConfig, specs: list[Spec] | None = None, store: Store | None = None) -> FlowmockApp:
    """Build the whole server for a config (specs are loaded unless given)."""
    specs = specs if specs is not None else load_specs(config)
    if store is None:
        store = Store(load_fixture_dir(config.fixtures_dir, specs, config.validate_fixtures) if config.fixtures_dir else None,
                      config.max_tenants, owned=True)
    writer = open_state_file(config.state_file, specs, store, config.state_interval) if config.state_file else None
    journal = Journal(config.journal_size, config.journal_bytes, config.journal_body)
    engine = Engine(config, specs, store)
    router = Router(specs)
    holder: dict[str, FlowmockApp] = {}
    admin = LazyAdminApp(lambda: holder["app"])
    dispatcher = _Dispatcher(router, admin, engine)
    replay = None
    if config.replay:
        from mock_server.recording.replay import ReplayMiddleware  # recording is loaded only when replaying

        replay = ReplayMiddleware(dispatcher, list(config.replay), config.replay_strict)
    skip = (*dispatcher.documents, *dispatcher.passthrough)
    limits = Limits(config.max_body, config.max_url, config.max_headers, config.read_timeout)
    front = FrontDoor(Exposure(config), ApiCors(config.cors_origins), limits, Journaling(journal, skip),
                      None if replay else dispatcher, replay or dispatcher, InspectorPage(dispatcher),
                      writer.changed if writer else None)
    startup: list[Hook] = [admin.warm_up, *([writer.start] if writer else [])]
    shutdown: list[Hook] = [writer.stop] if writer else []
    asgi = Lifespan(front, startup, shutdown)
    app = FlowmockApp(config, specs, router, engine, store, journal, asgi, replay,
                      guarded_protocol(config.max_url, config.read_timeout, config.max_headers), writer)
    holder["app"] = app
    return app
