"""The request pipeline for one matched operation: auth, validation, behaviour, response validation."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from faker import Faker

from mock_server.behaviours import Behaviour, behaviours_for
from mock_server.config import ServerConfig
from mock_server.crud import Call, Crud, Outcome
from mock_server.errors import FieldError, HttpProblem
from mock_server.generate import generate, make_context
from mock_server.negotiate import Preferences, documented_statuses, media_type_for, pick_example, response_for, success_status
from mock_server.resources import Action, infer_actions
from mock_server.routing import Match
from mock_server.spec import Operation, Spec
from mock_server.store import Clock, Store, TenantState
from mock_server.validate import (
    RequestData,
    UnsupportedMediaType,
    Verdicts,
    digest,
    request_key,
    validate_request,
    validate_response,
)

logger = logging.getLogger(__name__)


@dataclass
class EngineResponse:
    """What the engine answers: status, headers and body bytes, plus what the journal wants."""

    status: int
    headers: dict[str, str]
    body: bytes
    tenant: str | None = None
    errors: list[FieldError] = field(default_factory=list)


@dataclass(frozen=True)
class Admission:
    """An admitted request's preferences (`Prefer`) and tenant, worked out once."""

    prefs: Preferences
    tenant: str


@dataclass
class _ApiRuntime:
    spec: Spec
    actions: dict[str, Action]
    crud: Crud
    behaviours: dict[str, Behaviour]


class Engine:
    """Answers requests for every served spec from one store."""

    def __init__(self, config: ServerConfig, specs: list[Spec], store: Store) -> None:
        self.config = config
        self.store = store
        self.clock = Clock(config.clock or (_seeded_epoch(config.seed) if config.seed is not None else None))
        self.fake = Faker(config.locale)
        self.seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
        self.chaos = random.Random(f"chaos|{self.seed}")
        self.request_verdicts = Verdicts()
        self.response_verdicts = Verdicts()
        self.apis: dict[str, _ApiRuntime] = {}
        for spec in specs:
            actions = infer_actions(spec)
            self.apis[spec.name] = _ApiRuntime(spec, actions, Crud(spec, actions), behaviours_for(spec.name))

    def action(self, spec: Spec, op: Operation) -> Action:
        """The inferred action of an operation."""
        return self.apis[spec.name].actions[op.operation_id]

    def tenant_of(self, headers: dict[str, str]) -> str:
        """Which state partition a request belongs to."""
        mode = self.config.isolate_by
        if mode == "token":
            return "token:" + (_bearer(headers) or "anonymous")
        if mode and mode.startswith("header:"):
            value = headers.get(mode.split(":", 1)[1].lower())
            return "header:" + (value or "default")
        return "default"

    async def handle(self, match: Match, req: RequestData) -> EngineResponse:
        """Run the whole pipeline; never raises for a client's mistake."""
        admitted = await self.admit(match, req)
        return admitted if isinstance(admitted, EngineResponse) else self.respond(match, req, admitted)

    async def admit(self, match: Match, req: RequestData) -> EngineResponse | Admission:
        """Delay, authenticate, inject faults and validate: a problem response, or what answering needs."""
        admission = Admission(Preferences.parse(req.headers.get("prefer")), self.tenant_of(req.headers))
        try:
            await self._delay(admission.prefs)
            self._check_auth(match.operation, req.headers)
            self._inject_fault(match.operation)
            self._validate(match.spec, match.operation, req)
        except HttpProblem as problem:
            return self._problem(match.spec, match.operation, problem, admission.tenant)
        return admission

    def respond(self, match: Match, req: RequestData, admission: Admission) -> EngineResponse:
        """Answer an admitted request from its behaviour and validate the answer."""
        spec, op = match.spec, match.operation
        prefs, tenant = admission.prefs, admission.tenant
        try:
            outcome = self._answer(match, req, prefs, tenant)
        except HttpProblem as problem:
            return self._problem(spec, op, problem, tenant)
        return self._render(spec, op, outcome, tenant)

    # ---- pipeline steps ----
    async def _delay(self, prefs: Preferences) -> None:
        delay = prefs.delay_ms
        if delay is None and self.config.latency_ms:
            delay = self.chaos.randint(*self.config.latency_ms)
        if delay:
            await asyncio.sleep(min(delay, 60_000) / 1000)

    def _check_auth(self, op: Operation, headers: dict[str, str]) -> None:
        if not (op.secured and self.config.auth):
            return
        challenge = {"WWW-Authenticate": 'Bearer realm="flowmock"'}
        token = _bearer(headers)
        if token is None:
            detail = "Missing credentials: send 'Authorization: Bearer <token>'" if "authorization" not in headers else \
                "The Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'"
            raise HttpProblem(401, "Unauthorized", detail, [FieldError("header", "Authorization", "bearer token required")], challenge)
        if self.config.accept_tokens is not None and token not in self.config.accept_tokens:
            raise HttpProblem(401, "Unauthorized", "The bearer token is not accepted by this server",
                              [FieldError("header", "Authorization", "unknown token")], challenge)

    def _inject_fault(self, op: Operation) -> None:
        if self.config.fail_rate and self.chaos.random() < self.config.fail_rate:
            status = 503 if 503 in documented_statuses(op) else 500
            raise HttpProblem(status, "Injected Fault", f"flowmock injected this failure (--fail-rate {self.config.fail_rate})")

    def _validate(self, spec: Spec, op: Operation, req: RequestData) -> None:
        key = request_key(op, req)
        try:
            errors = self.request_verdicts.get(key)
            if errors is None:
                errors = self.request_verdicts.put(key, validate_request(spec, op, req))
        except UnsupportedMediaType as exc:
            raise HttpProblem(415, "Unsupported Media Type", str(exc), [FieldError("header", "Content-Type", str(exc))]) from None
        if errors:
            documented = documented_statuses(op)
            status = 400 if 400 in documented or 422 not in documented else 422
            fields = "; ".join(f"{e.location}{'.' + e.field if e.field else ''}: {e.message}" for e in errors[:10])
            raise HttpProblem(status, "Bad Request" if status == 400 else "Unprocessable Entity",
                              f"Invalid request to {op.operation_id}: {fields}", errors)

    def _answer(self, match: Match, req: RequestData, prefs: Preferences, tenant: str) -> Outcome:
        spec, op = match.spec, match.operation
        state = self.store.tenant(tenant)
        dynamic = self.config.dynamic if prefs.dynamic is None else prefs.dynamic
        if prefs.code is not None and prefs.code != success_status(op):
            return self._canned(spec, op, prefs.code, prefs, dynamic, state)
        body = json.loads(req.body) if req.body and "json" in (req.content_type or "application/json") else None
        mount = req.public_path[: len(req.public_path) - len(req.spec_path)] if req.public_path.endswith(req.spec_path) else ""
        return self._run(spec, op, match.path_params, req.query, body, state, prefs, dynamic, mount, _caller(req.headers))

    def _run(self, spec: Spec, op: Operation, path_params: dict[str, str], query: list[tuple[str, str]], body: Any,
             state: TenantState, prefs: Preferences, dynamic: bool, mount: str, caller: str) -> Outcome:
        """Run an operation's behaviour (else the generic one) on a tenant's state."""
        runtime = self.apis[spec.name]

        def perform(spec_name: str, operation_id: str, params: dict[str, str], payload: Any) -> Outcome:
            other = self.apis.get(spec_name)
            if other is None or operation_id not in other.spec.by_id:
                raise LookupError(f"{spec_name}:{operation_id} is not served")
            return self._run(other.spec, other.spec.by_id[operation_id], params, [], payload, state, Preferences(),
                             dynamic, "", caller)

        call = Call(spec, op, runtime.actions[op.operation_id], path_params, query, body, state,
                    Clock.iso(self.clock.now(state)), self._generator(op, state, dynamic), mount, frozenset(self.apis),
                    caller, perform)
        runtime.crud.resolve_alternate_ids(call)
        behaviour = runtime.behaviours.get(op.operation_id)
        if behaviour is not None:
            return behaviour(call, lambda c: self._default(c, prefs, dynamic))
        return self._default(call, prefs, dynamic)

    def _default(self, call: Call, prefs: Preferences, dynamic: bool) -> Outcome:
        if call.action.stateful:
            example = self._named_example(call, prefs.example) if prefs.example else None
            outcome = self.apis[call.spec.name].crud.execute(call)
            return Outcome(outcome.status, example[0], outcome.headers) if example else outcome
        self.apis[call.spec.name].crud.ensure_path_items(call)
        return self._canned(call.spec, call.op, success_status(call.op), prefs, dynamic, call.state)

    def _named_example(self, call: Call, name: str) -> tuple[Any]:
        """The success example a client asked for with `Prefer: example=NAME` (checked before any state changes)."""
        status = success_status(call.op)
        _, media = media_type_for(call.spec, call.op, status)
        found, value = pick_example(media, name)
        if not found:
            raise HttpProblem(400, "Bad Request", f"No example named '{name}' for {call.op.operation_id} {status}",
                              [FieldError("header", "Prefer", "unknown example")])
        return (value,)

    def _canned(self, spec: Spec, op: Operation, status: int, prefs: Preferences, dynamic: bool, state: TenantState) -> Outcome:
        """A stateless answer for a status: the named or first example, else generated from the schema."""
        if response_for(spec, op, status) is None:
            raise HttpProblem(400, "Bad Request", f"Prefer: code={status} is not documented for {op.operation_id}; "
                              f"documented: {', '.join(map(str, documented_statuses(op)))}",
                              [FieldError("header", "Prefer", "undocumented status code")])
        _, media = media_type_for(spec, op, status, problem=status >= 400)
        if media is None:
            return Outcome(status, None)
        if not dynamic or prefs.example:
            found, value = pick_example(media, prefs.example)
            if found:
                return Outcome(status, value)
            if prefs.example:
                raise HttpProblem(400, "Bad Request", f"No example named '{prefs.example}' for {op.operation_id} {status}",
                                  [FieldError("header", "Prefer", "unknown example")])
        if status >= 400:
            simulated = HttpProblem(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
                                    f"Simulated {status} response for {op.operation_id} (Prefer: code={status})")
            if not self._problem(spec, op, simulated, "").errors:
                raise simulated
        if "schema" not in media:
            return Outcome(status, None)
        return Outcome(status, self._generator(op, state, dynamic)(media["schema"], "response"))

    def _generator(self, op: Operation, state: TenantState, dynamic: bool) -> Any:
        count = state.next_count(op.key)
        calls = [0]
        resolve = self.apis[op.spec_name].spec.resolve
        now = self.clock.now(state)

        def gen(schema: Any, purpose: str) -> Any:
            calls[0] += 1
            ctx = make_context(resolve, f"{self.seed}|{op.key}|{count}|{calls[0]}", self.fake,
                               mode="request" if purpose == "request" else "response", use_examples=not dynamic, now=now)
            if purpose == "id":
                ctx.use_examples = False
            return generate(schema, ctx, "id" if purpose == "id" else "")

        return gen

    # ---- rendering ----
    def _render(self, spec: Spec, op: Operation, outcome: Outcome, tenant: str) -> EngineResponse:
        ctype, _ = media_type_for(spec, op, outcome.status, problem=outcome.status >= 400)
        body = b"" if outcome.body is None else json.dumps(outcome.body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        headers = dict(outcome.headers)
        if outcome.body is not None:
            headers["Content-Type"] = ctype
        errors = self._validated_response(spec, op, outcome.status, body, headers, ctype if outcome.body is not None else "")
        if errors and outcome.body is None and all("mimetype" in e.message or "not found" in e.message.lower() for e in errors):
            errors = []
        if errors:
            return self._violation(spec, op, outcome.status, errors, tenant, body, headers)
        return EngineResponse(outcome.status, headers, body, tenant)

    def _problem(self, spec: Spec, op: Operation, problem: HttpProblem, tenant: str) -> EngineResponse:
        ctype, media = media_type_for(spec, op, problem.status, problem=True)
        payload = problem.as_dict()
        schema = spec.resolve((media or {}).get("schema") or {})
        if "message" in (schema.get("properties") or {}) or any("message" in (spec.resolve(p).get("properties") or {}) for p in schema.get("allOf", [])):
            payload["message"] = problem.detail
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": ctype, **problem.headers}
        if problem.status in documented_statuses(op):
            errors = self._validated_response(spec, op, problem.status, body, headers, ctype)
            if errors:
                return self._violation(spec, op, problem.status, errors, tenant, body, headers)
        return EngineResponse(problem.status, headers, body, tenant, list(problem.errors))

    def _validated_response(self, spec: Spec, op: Operation, status: int, body: bytes, headers: dict[str, str],
                            mimetype: str) -> list[FieldError]:
        key = (op.key, status, mimetype, digest(body), tuple(sorted(headers.items())))
        found = self.response_verdicts.get(key)
        if found is not None:
            return found
        return self.response_verdicts.put(key, validate_response(spec, op, status, body, headers, mimetype))

    def _violation(self, spec: Spec, op: Operation, status: int, errors: list[FieldError], tenant: str,
                   body: bytes, headers: dict[str, str]) -> EngineResponse:
        summary = "; ".join(f"{e.field or '<body>'}: {e.message}" for e in errors[:10])
        logger.warning("response of %s:%s (%s) breaks the spec: %s", spec.name, op.operation_id, status, summary)
        if not self.config.strict_responses:
            return EngineResponse(status, headers, body, tenant, errors)
        payload = HttpProblem(500, "Response Validation Failed",
                              f"flowmock produced a {status} response for {spec.name}:{op.operation_id} that breaks the spec: {summary}",
                              errors, type="https://flowmock.dev/problems/response-validation").as_dict()
        return EngineResponse(500, {"Content-Type": "application/problem+json"}, json.dumps(payload).encode(), tenant, errors)


def _bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _caller(headers: dict[str, str]) -> str:
    """Who is calling, as behaviours record it (`completed_by`): a stable pseudonym of the credential."""
    credential = headers.get("authorization") or headers.get("x-api-key")
    if not credential:
        return "anonymous"
    return "user-" + hashlib.sha256(credential.encode()).hexdigest()[:12]


def _seeded_epoch(seed: int) -> Any:
    from datetime import datetime, timedelta, timezone

    return datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=seed % 365)
