"""The admin API under /__flowmock/: health, reset, state export/import, journal, served APIs."""
from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.config import ServerConfig, parse_duration
from mock_server.request_path.engine import Engine
from mock_server.request_path.exposure import ADMIN_PREFIX
from mock_server.request_path.journal import Journal
from mock_server.request_path.journal import parse_limit, parse_since, parse_status_filter
from mock_server.request_path.jsonbody import BadJson, parse_strict
from mock_server.request_path.models import build_models
from mock_server.request_path.resources import hint
from mock_server.loading.spec import Spec
from mock_server.request_path.state_import import StateChecker
from mock_server.request_path.store import DEFAULT_TENANT, Store

if TYPE_CHECKING:
    from mock_server.recording.replay import ReplayMiddleware


class RunningServer(Protocol):
    """What the admin API reads and changes of the running server (the assembled app provides it)."""

    config: ServerConfig
    specs: list[Spec]
    engine: Engine
    store: Store
    journal: Journal
    replay: ReplayMiddleware | None


AppGetter = Callable[[], RunningServer]
WARM_UP_DELAY_S = 1.0  # seconds after start-up before the admin API is built in the background


def admin_spec() -> dict[str, Any]:
    """The admin API's own OpenAPI document."""
    text = resources.files("mock_server").joinpath("admin.yaml").read_text()
    document: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return document


class LazyAdminApp:
    """The admin API, built on its first request or by `warm_up` in the background (so the mock answers at once)."""

    def __init__(self, get_app: AppGetter) -> None:
        self.get_app = get_app
        self._built: ASGIApp | None = None
        self._lock = threading.Lock()

    def built(self) -> ASGIApp:
        """The admin API's Connexion app, built once (importing Connexion takes a while)."""
        with self._lock:
            if self._built is None:
                self._built = admin_app(self.get_app)
            return self._built

    async def warm_up(self) -> None:
        """Start building in a thread a moment from now and return at once (a start-up hook).

        The delay leaves the first mocked requests the whole process: the build holds the interpreter for a while.
        """
        asyncio.get_running_loop().call_later(WARM_UP_DELAY_S, self._build_in_background)

    def _build_in_background(self) -> None:
        threading.Thread(target=self.built, name="flowmock-admin-warm-up", daemon=True).start()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._built if self._built is not None else await asyncio.to_thread(self.built)
        await app(scope, receive, send)


def admin_app(get_app: AppGetter) -> ASGIApp:
    """The admin API as a Connexion app: routed and documented by its own document, with its Swagger UI at `ui/`."""
    from connexion import AsyncApp
    from connexion.middleware import ConnexionMiddleware
    from connexion.middleware.request_validation import RequestValidationMiddleware
    from connexion.middleware.response_validation import ResponseValidationMiddleware
    from connexion.middleware.security import SecurityMiddleware

    middlewares = [m for m in ConnexionMiddleware.default_middlewares
                   if m not in (SecurityMiddleware, RequestValidationMiddleware, ResponseValidationMiddleware)]
    from connexion.resolver import Resolution, Resolver

    handlers = admin_handlers(get_app)

    class AdminResolver(Resolver):
        """Resolves admin operationIds to the bound handlers."""

        def resolve(self, operation: Any) -> Resolution:
            return Resolution(handlers[operation.operation_id], operation.operation_id)

    app = AsyncApp(__name__, middlewares=middlewares)
    app.add_api(admin_spec(), base_path=ADMIN_PREFIX, name="__flowmock", resolver=AdminResolver())
    return app


def admin_handlers(get_app: AppGetter) -> dict[str, Callable[..., Any]]:
    """operationId → handler, each bound to the running app."""

    async def health() -> Any:
        app = get_app()
        return {"status": "ok", "apis": len(app.specs), "operations": sum(len(s.operations) for s in app.specs),
                "seed": app.engine.seed}

    async def listApis() -> Any:  # noqa: N802 (operationId)
        app = get_app()
        out = []
        for spec in app.specs:
            ops = []
            for op in spec.operations:
                action = app.engine.action(spec, op)
                ops.append({"operationId": op.operation_id, "method": op.method.upper(), "path": op.path,
                            "action": action.kind, "resource": action.resource, "stateful": action.stateful,
                            "why": action.reason, **({"hint": hint(action, op)} if not action.stateful else {})})
            out.append({"name": spec.name, "title": spec.title, "prefix": spec.prefix, "base_path": spec.server_base or "/",
                        "docs": f"{spec.prefix}{spec.server_base}/ui/", "operations": ops})
        return out

    async def reset(tenant: str | None = None) -> Any:
        app = get_app()
        app.store.reset(tenant)
        if tenant is None:
            app.journal.clear()
            if app.replay is not None:
                app.replay.reset()
        return {"reset": tenant or "all"}

    async def exportState() -> Any:  # noqa: N802
        return get_app().store.export()

    async def importState() -> Any:  # noqa: N802
        from connexion import request

        app = get_app()
        raw = await request.body()
        try:
            data = parse_strict(raw, app.config.max_json_depth)
        except BadJson as bad:
            return _bad_request(f"The state is not acceptable JSON: {bad}")
        models = {name: build_models(api.spec, api.actions) for name, api in app.engine.apis.items()}
        checker = StateChecker(app.specs, models, app.config.max_errors)
        # every object is validated (about 1-8 ms each): in a worker thread, so other clients keep being answered
        problems = await asyncio.to_thread(checker.problems, data)
        if problems:
            return _bad_request(f"The state was not imported (nothing changed): {problems[0]}"
                                + (f" ({len(problems)} problems in all)" if len(problems) > 1 else ""), problems)
        app.store.import_(data)
        return {"tenants": len(data["tenants"])}, 200, {"Content-Type": "application/json"}

    async def getClock() -> Any:  # noqa: N802
        clock = get_app().engine.clock
        return {"now": clock.iso(clock.base()), "scale": clock.scale}

    async def moveClock(body: dict[str, Any]) -> Any:  # noqa: N802
        engine = get_app().engine
        try:
            by = parse_duration(body["advance"]) if "advance" in body else None
            if "to" in body:
                target = datetime.fromisoformat(str(body["to"]).replace("Z", "+00:00"))
                by = target - engine.clock.base()
            if by is None:
                raise ValueError("send {\"advance\": \"90s\"} or {\"to\": \"2030-01-01T00:00:00Z\"}")
            now, ran = engine.advance_clock(by)
        except (ValueError, TypeError) as exc:
            return {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": f"Cannot move the clock: {exc}"}, 400, \
                {"Content-Type": "application/problem+json"}
        return {"now": now, "scale": engine.clock.scale, "ran": ran}, 200, {"Content-Type": "application/json"}

    async def getJournal(operation: str | None = None, status: str | None = None, limit: str | None = None,  # noqa: N802
                         since: str | None = None) -> Any:
        try:
            statuses = parse_status_filter(status)
            count = parse_limit(limit)
            after = parse_since(since)
        except ValueError as exc:
            return _bad_request(str(exc))
        journal = get_app().journal
        entries = [e.as_dict() for e in journal.query(operation, statuses, count, after)]
        return entries, 200, {"Content-Type": "application/json", "X-Flowmock-Journal-Clears": str(journal.clears)}

    async def listResources(tenant: str | None = None, limit: str | None = None) -> Any:  # noqa: N802
        try:
            count = parse_limit(limit) or 50
        except ValueError as exc:
            return _bad_request(str(exc))
        store = get_app().store
        name = tenant or DEFAULT_TENANT
        collections = []
        for key, bucket in sorted(store.view(name).items()):
            api, resource, *parents = key.split("|")
            collections.append({"api": api, "resource": resource, "parents": parents, "count": len(bucket),
                                "items": list(itertools.islice(bucket.values(), count))})
        return {"tenant": name, "own_state": store.has(name), "tenants": sorted({DEFAULT_TENANT, *store.tenants()}),
                "resources": collections}, 200, {"Content-Type": "application/json"}

    async def clearJournal() -> Any:  # noqa: N802
        get_app().journal.clear()
        return None, 204

    return {f.__name__: f for f in (health, listApis, reset, exportState, importState, getClock, moveClock, getJournal,
                                             clearJournal, listResources)}


def _bad_request(detail: str, problems: list[str] | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    body: dict[str, Any] = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": detail}
    if problems:
        body["problems"] = problems
    return body, 400, {"Content-Type": "application/problem+json"}


