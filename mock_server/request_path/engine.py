"""The request pipeline for one matched operation: auth, validation, behaviour, response validation."""
from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from mock_server.request_path.auth import Scheme, authenticate, requirements
from mock_server.request_path.behaviours import Behaviour, Job, behaviours_for, jobs_for
from mock_server.request_path.capacity import capacity, check_capacity
from mock_server.redaction import redacted_header_value
from mock_server.config import ServerConfig
from mock_server.request_path.crud import Call, Crud, Outcome
from mock_server.errors import FieldError, HttpProblem
from mock_server.request_path.encoding import encode_body
from mock_server.request_path.error_body import shaped_error
from mock_server.request_path.forms import decoded_media, read_decoded
from mock_server.request_path.generate import UUID_SCHEMA, GenerationContext, generate, make_context, merge_all_of, schema_example
from mock_server.request_path.jsonbody import BadJson, parse_strict
from mock_server.request_path.jsonencode import exact_json, json_bytes, reads_back_equal
from mock_server.request_path.negotiate import (
    Preferences,
    documented_statuses,
    is_json,
    media_type_for,
    not_acceptable,
    pick_example,
    referenced_example,
    response_for,
    success_status,
)
from mock_server.request_path.response_headers import documented_headers
from mock_server.request_path.resources import Action, infer_actions
from mock_server.request_path.routing import Match, MethodNotAllowed
from mock_server.request_path.shapes import UUID_TEXT
from mock_server.loading.spec import Operation, Spec
from mock_server.request_path.store import Clock, Store, TenantState
from mock_server.request_path.validate import (
    NOT_PARSED,
    RequestBodyChecks,
    RequestData,
    ResponseValidators,
    UnsupportedMediaType,
    Verdicts,
    digest,
    request_key,
    validate_request,
    value_errors,
)

if TYPE_CHECKING:
    from faker import Faker

logger = logging.getLogger(__name__)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_OFF_LOOP_BYTES = 64 * 1024  # request bodies larger than this are validated in a worker thread
_COUNT_FACTOR = 10  # errors are counted up to this many times --max-errors, then counting stops
_REMEMBERED = 4096  # entries of each per-request-kind memo of the engine (cleared when full) ...
_REMEMBERED_TEXT = 512  # ... keyed by header values no longer than this (a longer one is worked out every time)
_DEFERRED_CHECKS = 2  # large responses validated in worker threads at once; beyond, a response is validated inline


@dataclass(frozen=True)
class RequestVerdict:
    """The outcome of validating one request: the listed errors, how many there are, or an unsupported media type."""

    errors: tuple[FieldError, ...]
    total: int
    unsupported: str = ""
    capped: bool = False  # counting stopped at the bound, so `total` is a lower bound


@dataclass
class EngineResponse:
    """What the engine answers: status, headers and body bytes, plus what the journal wants."""

    status: int
    headers: dict[str, str]
    body: bytes
    tenant: str | None = None
    errors: list[FieldError] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    """The bytes of a body built from unchanged stored data, and the response-validation errors they have."""

    body: bytes
    errors: tuple[FieldError, ...]


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
    jobs: dict[str, Job]
    capacities: dict[str, int | None] = field(default_factory=dict)  # x-flowmock-capacity per resource, once known


class Engine:
    """Answers requests for every served spec from one store."""

    def __init__(self, config: ServerConfig, specs: list[Spec], store: Store) -> None:
        self.config = config
        self.store = store
        self.clock = Clock(config.clock or (_seeded_epoch(config.seed) if config.seed is not None else None), config.time_scale, store)
        self.seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
        self.chaos = random.Random(f"chaos|{self.seed}")
        self._deferred_checks = 0  # large responses being validated in worker threads
        self.request_verdicts = Verdicts(max_bytes=config.validation_memo)
        self.response_verdicts = Verdicts(max_bytes=config.validation_memo)
        self.response_validators = ResponseValidators()
        self.request_body_checks = RequestBodyChecks()  # compiled checks of JSON request bodies, per operation and type
        self.rendered = Verdicts(size=4096, max_bytes=32 * 1024 * 1024)  # bytes per (operation, status, media type, stored version)
        self.apis: dict[str, _ApiRuntime] = {}
        self._pseudonyms: dict[str, str] = {}  # credential → the caller's pseudonym
        self._prefs: dict[tuple[str | None, str | None], Preferences] = {}  # (Prefer, Accept) → what they ask for
        self._media: dict[tuple[str, int, bool, str | None], tuple[str, dict[str, Any] | None]] = {}  # negotiated per request kind
        self._security: dict[str, list[list[Scheme]]] = {}  # each operation's security alternatives
        self._responses: dict[tuple[str, int], dict[str, Any] | None] = {}  # the documented response per operation and status
        self._problems = Verdicts(max_bytes=config.validation_memo)  # error answers that keep to the spec, per problem
        for spec in specs:
            actions = infer_actions(spec)
            self.apis[spec.name] = _ApiRuntime(spec, actions, Crud(spec, actions), behaviours_for(spec.name), jobs_for(spec.name))
        self._served = frozenset(self.apis)

    @functools.cached_property
    def fake(self) -> Faker:
        """The Faker for generated values, made on first use (loading its providers takes a while)."""
        from faker import Faker

        return Faker(self.config.locale)

    def _faker(self) -> Faker:
        """The Faker, for a generation context that first needs it (a new id never does)."""
        return self.fake

    def action(self, spec: Spec, op: Operation) -> Action:
        """The inferred action of an operation."""
        return self.apis[spec.name].actions[op.operation_id]

    def _caller(self, headers: dict[str, str]) -> str:
        """Who is calling: a stable pseudonym of the credential (remembered per credential, bounded), or "anonymous"."""
        credential = headers.get("authorization") or headers.get("x-api-key")
        if not credential:
            return "anonymous"
        known = self._pseudonyms.get(credential)
        if known is None:
            known = _pseudonym(credential)
            if len(credential) <= _REMEMBERED_TEXT:
                if len(self._pseudonyms) >= _REMEMBERED:
                    self._pseudonyms.clear()
                self._pseudonyms[credential] = known
        return known

    def _preferences(self, prefer: str | None, accept: str | None) -> Preferences:
        """`Preferences.parse`, remembered per pair of short header values (a Preferences never changes, so it is shared)."""
        key = (prefer, accept)
        known = self._prefs.get(key)
        if known is None:
            known = Preferences.parse(prefer, accept)
            if len(prefer or "") + len(accept or "") <= _REMEMBERED_TEXT:
                if len(self._prefs) >= _REMEMBERED:
                    self._prefs.clear()
                self._prefs[key] = known
        return known

    def _alternatives(self, spec: Spec, op: Operation) -> list[list[Scheme]]:
        """The operation's security alternatives, worked out once."""
        known = self._security.get(op.key)
        if known is None:
            known = self._security[op.key] = requirements(spec, op)
        return known

    def tenant_of(self, headers: dict[str, str]) -> str:
        """Which state partition a request belongs to."""
        mode = self.config.isolate_by
        if mode == "token":
            token = _bearer(headers)
            return "token:" + (credential_digest(token) if token else "anonymous")
        if mode and mode.startswith("header:"):
            name = mode.split(":", 1)[1].lower()
            value = headers.get(name)
            if value and redacted_header_value(name, value) != value:  # a credential header: never its value
                return "header:" + credential_digest(value)
            return "header:" + (value or "default")
        return "default"

    async def handle(self, match: Match, req: RequestData) -> EngineResponse:
        """Run the whole pipeline; never raises for a client's mistake."""
        admitted = await self.admit(match, req)
        return admitted if isinstance(admitted, EngineResponse) else self.respond(match, req, admitted)

    async def admit(self, match: Match, req: RequestData) -> EngineResponse | Admission:
        """Delay, authenticate, inject faults and validate: a problem response, or what answering needs."""
        admission = Admission(self._preferences(req.headers.get("prefer"), req.headers.get("accept")), self.tenant_of(req.headers))
        try:
            await self._delay(admission.prefs)
            authenticate(match.spec, match.operation, req, self.config, self._alternatives(match.spec, match.operation))
            self._inject_fault(match.operation)
            await self._validate(match.spec, match.operation, req)
            self._negotiable(match.spec, match.operation, admission.prefs)
        except HttpProblem as problem:
            return self._problem(match.spec, match.operation, problem, admission.tenant, admission.prefs.accept)
        return admission

    def respond(self, match: Match, req: RequestData, admission: Admission) -> EngineResponse:
        """Answer an admitted request and validate the answer; a write is kept only when its answer could be built."""
        spec, op = match.spec, match.operation
        prefs, tenant = admission.prefs, admission.tenant
        materialized = self.store.has(tenant)
        state = self.store.tenant(tenant) if req.method.upper() not in _SAFE_METHODS else None
        if state is not None:
            state.begin()
        try:
            outcome = self._answer(match, req, prefs, tenant)
            response = self._render(spec, op, outcome, tenant, prefs.accept)
        except HttpProblem as problem:
            response = self._problem(spec, op, problem, tenant, prefs.accept)
        except (ValueError, TypeError, UnicodeError) as exc:  # an answer that cannot be encoded as JSON
            logger.warning("the answer of %s:%s could not be encoded: %s", spec.name, op.operation_id, exc)
            response = self._problem(spec, op, HttpProblem(500, "Internal Server Error", f"The answer of {op.operation_id} "
                                                           f"could not be encoded as JSON; nothing was changed"), tenant)
        except Exception:
            if state is not None:
                state.rollback()
                if not materialized:
                    self.store.reset(tenant)
            raise
        if state is not None:
            state.commit() if response.status < 400 else state.rollback()
            if response.status >= 400 and not materialized:
                self.store.reset(tenant)  # a refused first write leaves the tenant on the shared baseline
        return response

    def method_not_allowed(self, refused: MethodNotAllowed, method: str, path: str, accept: str | None) -> EngineResponse | None:
        """The 405 an operation of the path documents (its own 405, a `4XX` range, else `default`), or None for flowmock's own."""
        for keys in (("405", "4XX", "4xx"), ("default",)):
            for match in refused.others:
                responses = match.operation.definition.get("responses") or {}
                if any(k in responses for k in keys) and (response_for(match.spec, match.operation, 405) or {}).get("content"):
                    allowed = ", ".join(refused.allowed)
                    problem = HttpProblem(405, "Method Not Allowed", f"{method} is not allowed on {path}; allowed: {allowed}",
                                          type="https://flowmock.dev/problems/method-not-allowed", headers={"Allow": allowed})
                    return self._problem(match.spec, match.operation, problem, "default", accept)
        return None

    # ---- pipeline steps ----
    async def _delay(self, prefs: Preferences) -> None:
        delay = prefs.delay_ms
        if delay is None and self.config.latency_ms:
            delay = self.chaos.randint(*self.config.latency_ms)
        if delay:
            await asyncio.sleep(min(delay, 60_000) / 1000)

    def _negotiable(self, spec: Spec, op: Operation, prefs: Preferences) -> None:
        """A 406 before anything changes when no documented media type of the answer is acceptable."""
        if not prefs.accept:
            return  # no Accept header: anything is acceptable
        status = prefs.code or success_status(op)
        documented = not_acceptable(spec, op, status, prefs.accept)
        if documented:
            raise HttpProblem(406, "Not Acceptable", f"{op.operation_id} answers {status} as {', '.join(documented)}; "
                              f"none is acceptable to 'Accept: {prefs.accept}'",
                              [FieldError("header", "Accept", f"acceptable here: {', '.join(documented)}")])

    def _inject_fault(self, op: Operation) -> None:
        if self.config.fail_rate and self.chaos.random() < self.config.fail_rate:
            status = 503 if 503 in documented_statuses(op) else 500
            raise HttpProblem(status, "Injected Fault", f"flowmock injected this failure (--fail-rate {self.config.fail_rate})")

    async def _validate(self, spec: Spec, op: Operation, req: RequestData) -> None:
        key = request_key(op, req)
        verdict = self.request_verdicts.get(key)
        if verdict is None:
            check = functools.partial(self._verdict, spec, op, req)
            # a large body is checked in a worker thread, so other clients keep being answered meanwhile
            verdict = await asyncio.to_thread(check) if len(req.body) > _OFF_LOOP_BYTES else check()
            self.request_verdicts.put(key, verdict)
        if verdict.unsupported:
            raise HttpProblem(415, "Unsupported Media Type", verdict.unsupported,
                              [FieldError("header", "Content-Type", verdict.unsupported)])
        if verdict.errors:
            errors = list(verdict.errors)
            documented = documented_statuses(op)
            status = 400 if 400 in documented or 422 not in documented else 422
            fields = "; ".join(f"{e.location}{'.' + e.field if e.field else ''}: {e.message}" for e in errors[:10])
            more = f" (and {verdict.total - 10}{'+' if verdict.capped else ''} more)" if verdict.total > 10 else ""
            raise HttpProblem(status, "Bad Request" if status == 400 else "Unprocessable Entity",
                              f"Invalid request to {op.operation_id}: {fields}{more}", errors, total_errors=verdict.total)

    def _verdict(self, spec: Spec, op: Operation, req: RequestData) -> RequestVerdict:
        """Every problem with a request, at most `--max-errors` of them listed, with bounded work."""
        limit = self.config.max_errors
        is_json = "json" in (req.content_type or "application/json").lower()
        parsed: Any = NOT_PARSED
        if req.body and is_json:
            try:
                parsed = parse_strict(req.body, self.config.max_json_depth)
            except BadJson as bad:
                return RequestVerdict((FieldError("body", bad.field, bad.message),), 1)
        elif req.body and not op.definition.get("requestBody"):
            return RequestVerdict((), 0, f"{op.operation_id} takes no request body, and {len(req.body)} bytes of "
                                  f"{req.content_type or 'an unnamed type'} cannot be read as JSON")
        try:
            errors = validate_request(spec, op, req, limit, parsed, self.request_body_checks)
        except UnsupportedMediaType as exc:
            return RequestVerdict((), 0, str(exc))
        return RequestVerdict(tuple(errors[:limit]), len(errors), capped=len(errors) >= limit * _COUNT_FACTOR)

    def _answer(self, match: Match, req: RequestData, prefs: Preferences, tenant: str) -> Outcome:
        spec, op = match.spec, match.operation
        state = self.store.tenant(tenant, write=req.method.lower() not in ("get", "head"))
        dynamic = self.config.dynamic if prefs.dynamic is None else prefs.dynamic
        if prefs.code is not None and prefs.code != success_status(op):
            return self._canned(spec, op, prefs.code, prefs, dynamic, state)
        decoded = decoded_media(spec.resolve(op.definition.get("requestBody") or {}), req.content_type)
        if decoded is not None and req.body:  # a form or XML body, read as the value its schema describes
            body: Any = read_decoded(req.body, req.content_type, decoded, spec.resolve)[0]
        else:
            body = json.loads(req.body) if req.body and "json" in (req.content_type or "application/json") else None
        mount = req.public_path[: len(req.public_path) - len(req.spec_path)] if req.public_path.endswith(req.spec_path) else ""
        self.run_due(state)
        return self._run(spec, op, match.path_params, req.query, body, state, prefs, dynamic, mount, self._caller(req.headers),
                         body_type=req.content_type if req.body else "")

    def _run(self, spec: Spec, op: Operation, path_params: dict[str, str], query: list[tuple[str, str]], body: Any,
             state: TenantState, prefs: Preferences, dynamic: bool, mount: str, caller: str, now: str | None = None,
             body_type: str = "") -> Outcome:
        """Run an operation's behaviour (else the generic one) on a tenant's state."""
        runtime = self.apis[spec.name]
        call = self._call(spec, op, path_params, query, body, state, dynamic, mount, caller, now)
        call.body_type = body_type
        call.prefer = dict(prefs.others)
        runtime.crud.resolve_alternate_ids(call)
        behaviour = runtime.behaviours.get(op.operation_id)
        if behaviour is not None:
            outcome = behaviour(call, lambda c: self._default(c, prefs, dynamic))
            outcome.source = None  # a domain rule may have reshaped the body: its bytes are not the stored data's
            return outcome
        return self._default(call, prefs, dynamic)

    def _call(self, spec: Spec, op: Operation, path_params: dict[str, str], query: list[tuple[str, str]], body: Any,
              state: TenantState, dynamic: bool, mount: str, caller: str, now: str | None) -> Call:
        """What a behaviour sees of one operation run: the request, the state, the time and what it may start."""
        current = self.clock.now(state)
        moment = now or Clock.iso(current)

        def perform(spec_name: str, operation_id: str, params: dict[str, str], payload: Any) -> Outcome:
            other = self.apis.get(spec_name)
            if other is None or operation_id not in other.spec.by_id:
                raise LookupError(f"{spec_name}:{operation_id} is not served")
            return self._run(other.spec, other.spec.by_id[operation_id], params, [], payload, state, Preferences(),
                             dynamic, "", caller, now)

        def schedule(seconds: float, kind: str, args: dict[str, Any]) -> None:
            due = Clock.iso(datetime.fromisoformat(moment.replace("Z", "+00:00")) + timedelta(seconds=seconds))
            state.schedule(due, {"spec": spec.name, "op": op.operation_id, "kind": kind, "args": args, "caller": caller})

        runtime, new_ids = self.apis[spec.name], list[str]()
        values = self._generator(op, state, dynamic, current, new_ids)
        return Call(spec, op, runtime.actions[op.operation_id], path_params, query, body, state, moment, values, mount,
                    self._served, caller, perform, schedule, shapes=runtime.crud.shapes, new_ids=new_ids,
                    new_uuids=values.uuids)

    def run_due(self, state: TenantState) -> int:
        """Run the scheduled work that the clock has reached, each at its own due time; returns how many ran."""
        ran = 0
        if not state.jobs:
            return ran
        while ran < 10_000:
            job = state.pop_due(Clock.iso(self.clock.now(state)))
            if job is None:
                break
            runtime = self.apis.get(job.get("spec", ""))
            handler = runtime.jobs.get(job.get("kind", "")) if runtime else None
            op = runtime.spec.by_id.get(job.get("op", "")) if runtime else None
            if runtime is None or handler is None or op is None:
                logger.warning("dropping a scheduled job nothing handles: %s", job.get("kind"))
                continue
            call = self._call(runtime.spec, op, {}, [], None, state, self.config.dynamic, "", str(job.get("caller", "")),
                              str(job["due"]))
            ticks = state.ticks
            handler(call, dict(job.get("args") or {}))
            state.ticks = ticks  # a job happens at its due time: its writes do not move a logical clock on
            ran += 1
        return ran

    def advance_clock(self, by: timedelta) -> tuple[str, int]:
        """Move the clock forward and run, in every tenant, everything that became due: the new time and the jobs run."""
        self.clock.advance(by)
        ran = sum(self.run_due(self.store.tenant(name)) for name in self.store.tenants())
        return Clock.iso(self.clock.base()), ran

    def _default(self, call: Call, prefs: Preferences, dynamic: bool) -> Outcome:
        if call.action.stateful and self.apis[call.spec.name].crud.backs(call):
            example = self._named_example(call, prefs.example, prefs.accept) if prefs.example else None
            self._check_capacity(call)
            outcome = self.apis[call.spec.name].crud.execute(call)
            return Outcome(outcome.status, example[0], outcome.headers) if example else outcome
        self.apis[call.spec.name].crud.ensure_path_items(call)
        return self._canned(call.spec, call.op, success_status(call.op), prefs, dynamic, call.state)

    def _check_capacity(self, call: Call) -> None:
        """Creating or duplicating into a full collection (`x-flowmock-capacity`) is a 409."""
        if call.action.kind not in ("create", "duplicate"):
            return
        runtime = self.apis[call.spec.name]
        model = runtime.crud.models[call.action.resource]
        if model.key not in runtime.capacities:  # worked out once per resource: it scans the spec's operations
            runtime.capacities[model.key] = capacity(call.spec, runtime.actions, model.key)
        limit = runtime.capacities[model.key]
        if limit is not None:
            check_capacity(limit, len(runtime.crud.bucket(call, model)), model.label)

    def _named_example(self, call: Call, name: str, accept: str | None) -> tuple[Any]:
        """The success example a client asked for with `Prefer: example=NAME` (checked before any state changes)."""
        status = success_status(call.op)
        _, media = media_type_for(call.spec, call.op, status, accept=accept)
        found, value = pick_example(media, name)
        value = referenced_example(call.spec, value)
        if not found:
            raise HttpProblem(400, "Bad Request", f"No example named '{name}' for {call.op.operation_id} {status}",
                              [FieldError("header", "Prefer", "unknown example")])
        return (value,)

    def _canned(self, spec: Spec, op: Operation, status: int, prefs: Preferences, dynamic: bool, state: TenantState) -> Outcome:
        """A stateless answer for a status: the named or first example, else generated from the schema."""
        if response_for(spec, op, status) is None:
            raise HttpProblem(400, "Bad Request", f"Prefer: code={status} is not documented for {op.operation_id}; "
                              f"documented: {', '.join(map(str, op.definition.get('responses') or {}))}",
                              [FieldError("header", "Prefer", "undocumented status code")])
        _, media = media_type_for(spec, op, status, problem=status >= 400, accept=prefs.accept)
        if media is None:
            return Outcome(status, None)
        if not dynamic or prefs.example:
            found, value = pick_example(media, prefs.example)
            if found:
                return Outcome(status, referenced_example(spec, value))
            if prefs.example:
                raise HttpProblem(400, "Bad Request", f"No example named '{prefs.example}' for {op.operation_id} {status}",
                                  [FieldError("header", "Prefer", "unknown example")])
        if status >= 400:
            simulated = HttpProblem(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
                                    f"Simulated {status} response for {op.operation_id} (Prefer: code={status})")
            if not self._problem(spec, op, simulated, "", prefs.accept).errors:
                raise simulated
        if "schema" not in media:
            return Outcome(status, None)
        found, value = schema_example(merge_all_of(media["schema"], spec.resolve)) if not dynamic else (False, None)
        if found:  # the schema's own example (invalid ones were set aside at load)
            return Outcome(status, value)
        return Outcome(status, self._generator(op, state, dynamic)(media["schema"], "response"))

    def _generator(self, op: Operation, state: TenantState, dynamic: bool, now: datetime | None = None,
                   new_ids: list[str] | None = None) -> RunValues:
        """Values for one operation run, seeded by (seed, operation, run number) (see `RunValues`)."""
        return RunValues(self.apis[op.spec_name].spec.resolve, f"{self.seed}|{op.key}|{state.next_count(op.key)}",
                         self._faker, dynamic, now or self.clock.now(state), new_ids)

    # ---- rendering ----
    def _media_type(self, spec: Spec, op: Operation, status: int, problem: bool, accept: str | None) -> tuple[str, dict[str, Any] | None]:
        """`media_type_for`, remembered per operation, status and `Accept` (the spec never changes while serving)."""
        key = (op.key, status, problem, accept)
        known = self._media.get(key)
        if known is None:
            known = media_type_for(spec, op, status, problem=problem, accept=accept)
            if accept is None or len(accept) <= _REMEMBERED_TEXT:
                if len(self._media) >= _REMEMBERED:
                    self._media.clear()
                self._media[key] = known
        return known

    def _response(self, spec: Spec, op: Operation, status: int) -> dict[str, Any] | None:
        """`response_for`, remembered per operation and status."""
        key = (op.key, status)
        if key not in self._responses:
            self._responses[key] = response_for(spec, op, status)
        return self._responses[key]

    def _render(self, spec: Spec, op: Operation, outcome: Outcome, tenant: str, accept: str | None = None) -> EngineResponse:
        ctype, media = self._media_type(spec, op, outcome.status, outcome.status >= 400, accept)
        schema = (media or {}).get("schema")
        headers = dict(outcome.headers)
        documented = self._response(spec, op, outcome.status)
        if documented is not None and documented.get("headers"):
            headers.update(documented_headers(spec, documented, headers, self._steady_generator(op)))
        if outcome.body is not None:
            headers["Content-Type"] = ctype
        key = (op.key, outcome.status, ctype, outcome.source) if outcome.source is not None and outcome.body is not None else None
        cached: Rendered | None = self.rendered.get(key) if key is not None else None
        if cached is not None:
            body, errors = cached.body, list(cached.errors)
        else:
            writing = op.method.upper() not in _SAFE_METHODS
            exact = exact_json(outcome.body) if writing and outcome.body is not None and is_json(ctype) else None
            body = exact if exact is not None else b"" if outcome.body is None else \
                encode_body(outcome.body, ctype, schema, spec.resolve)
            if not is_json(ctype) and not isinstance(outcome.body, (str, bytes)) and outcome.body is not None:
                errors = self._validated_value(spec, op, outcome.status, outcome.body, schema)  # XML, CSV: checked as the value they encode
            else:
                mimetype = ctype if outcome.body is not None else ""
                # a write's answer is new every time: the compiled check's yes is final, no verdict is remembered for
                # it; plain JSON is checked as the value it encodes (what reading it back would give)
                value = outcome.body if exact is not None and reads_back_equal(exact) else NOT_PARSED
                fresh = writing and len(body) <= _OFF_LOOP_BYTES and \
                    self.response_validators.accepts(spec, op, outcome.status, body, mimetype, value)
                errors = [] if fresh else self._validated_response(spec, op, outcome.status, body, headers, mimetype)
            if errors and outcome.body is None and all("mimetype" in e.message or "not found" in e.message.lower() for e in errors):
                errors = []
            if key is not None:
                self.rendered.put(key, Rendered(body, tuple(errors)))
        if errors:
            return self._violation(spec, op, outcome.status, errors, tenant, body, headers)
        return EngineResponse(outcome.status, headers, body, tenant)

    def _steady_generator(self, op: Operation) -> Any:
        """Generates values seeded by operation and purpose (a header's name, an error status): the same on every call."""
        def gen(schema: Any, name: str) -> Any:
            ctx = make_context(self.apis[op.spec_name].spec.resolve, f"{self.seed}|{op.key}|header|{name}", self.fake,
                               use_examples=not self.config.dynamic)
            return generate(schema, ctx, name)
        return gen

    def _problem(self, spec: Spec, op: Operation, problem: HttpProblem, tenant: str, accept: str | None = None) -> EngineResponse:
        """The error answer: flowmock's problem+json, or the error body the operation documents for that status, shaped by its schema.

        An answer that keeps to the spec is remembered per operation, problem and `Accept` (the same invalid request
        gets the same bytes); one that breaks it is worked out (and logged) every time.
        """
        key = (op.key, problem.status, problem.title, problem.detail, problem.type, tuple(problem.headers.items()),
               tuple(problem.errors), problem.total_errors, accept)
        known: EngineResponse | None = self._problems.get(key)
        if known is None:
            answer = self._problem_answer(spec, op, problem, tenant, accept)
            if answer.errors is not problem.errors:
                return answer  # breaks the spec
            known = self._problems.put(key, answer)
        return EngineResponse(known.status, dict(known.headers), known.body, tenant, list(known.errors))

    def _problem_answer(self, spec: Spec, op: Operation, problem: HttpProblem, tenant: str, accept: str | None) -> EngineResponse:
        """`_problem`'s answer worked out; its `errors` are the very list `problem.errors` unless it breaks the spec."""
        ctype, media = self._media_type(spec, op, problem.status, True, accept)
        payload = problem.as_dict()
        schema = spec.resolve((media or {}).get("schema") or {})
        if "message" in (schema.get("properties") or {}) or any("message" in (spec.resolve(p).get("properties") or {}) for p in schema.get("allOf", [])):
            payload["message"] = problem.detail
        body = json_bytes(payload)
        headers = {"Content-Type": ctype, **problem.headers}
        if media is not None and response_for(spec, op, problem.status) is not None:
            errors = self._validated_response(spec, op, problem.status, body, headers, ctype) if is_json(ctype) else []
            if not is_json(ctype) and "schema" not in media:  # a documented text error without a schema: the message
                body = problem.detail.encode()
            elif not is_json(ctype) or errors and "schema" in media:
                shaped = shaped_error(media["schema"], problem.status, problem.title, problem.detail, list(problem.errors),
                                      spec.resolve, lambda s: self._steady_generator(op)(s, f"{problem.status}-error"))
                body = encode_body(shaped, ctype, media["schema"], spec.resolve)
                errors = (self._validated_response(spec, op, problem.status, body, headers, ctype) if is_json(ctype) or isinstance(shaped, str)
                          else self._validated_value(spec, op, problem.status, shaped, media["schema"]))
            if errors:
                return self._violation(spec, op, problem.status, errors, tenant, body, headers)
        return EngineResponse(problem.status, headers, body, tenant, problem.errors)

    def _validated_value(self, spec: Spec, op: Operation, status: int, value: Any, schema: Any) -> list[FieldError]:
        """A value's problems against a response schema (for media types openapi-core cannot read back, such as XML)."""
        key = (op.key, status, "value", digest(json.dumps(value, sort_keys=True, default=str).encode()))
        found = self.response_verdicts.get(key)
        if found is not None:
            return found
        errors = value_errors(spec.doc, schema, value, "response") if schema else []
        return self.response_verdicts.put(key, errors[: self.config.max_errors])

    def _validated_response(self, spec: Spec, op: Operation, status: int, body: bytes, headers: dict[str, str],
                            mimetype: str) -> list[FieldError]:
        if len(body) > _OFF_LOOP_BYTES and not self.config.strict_responses and self._check_later(spec, op, status, body,
                                                                                                   headers, mimetype):
            return []  # a large answer is validated in a worker thread once it is on its way: no client waits for it
        key = (op.key, status, mimetype, digest(body), tuple(sorted(headers.items())))
        found = self.response_verdicts.get(key)
        if found is not None:
            return found
        return self.response_verdicts.put(key, self.response_validators.errors(spec, op, status, body, headers, mimetype)[: self.config.max_errors])

    def _check_later(self, spec: Spec, op: Operation, status: int, body: bytes, headers: dict[str, str], mimetype: str) -> bool:
        """Validate a large response in a worker thread and log how it breaks the spec; False when that cannot be done
        (no event loop, or two checks already waiting: then the caller validates it now)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._deferred_checks >= _DEFERRED_CHECKS:
            return False
        self._deferred_checks += 1

        def check() -> None:
            try:
                errors = self.response_validators.errors(spec, op, status, body, headers, mimetype)
            except Exception as exc:  # noqa: BLE001 - a worker thread has no caller to tell
                logger.warning("the response of %s:%s could not be validated: %s", spec.name, op.operation_id, exc)
                return
            if errors:
                summary = "; ".join(f"{e.field or '<body>'}: {e.message}" for e in errors[:10])
                logger.warning("response of %s:%s (%s, %d bytes) breaks the spec: %s", spec.name, op.operation_id, status,
                               len(body), summary)

        def done(_: object) -> None:
            self._deferred_checks -= 1

        loop.run_in_executor(None, check).add_done_callback(done)
        return True

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


class RunValues:
    """Values for one operation run, seeded by `run` (seed, operation, run number): each value from a context of its
    own, except new ids, which one context of the run draws in turn (a create may need dozens; seeding each costs);
    the uuids among them are appended to `new_ids`. Called as `(schema, purpose)`, as `Call.generate` is."""

    def __init__(self, resolve: Any, run: str, faker: Any, dynamic: bool, now: datetime, new_ids: list[str] | None) -> None:
        self.resolve, self.run, self.faker, self.dynamic, self.now, self.new_ids = resolve, run, faker, dynamic, now, new_ids
        self.calls = 0
        self._ids: GenerationContext | None = None

    def __call__(self, schema: Any, purpose: str) -> Any:
        """A value for `schema`: a new id (`purpose` "id"), else a generated request or response value."""
        if purpose == "id":
            if schema is UUID_SCHEMA:  # what generate gives it, without the walk
                return self.uuids(1)[0]
            ident = generate(schema, self._id_context(), "id")
            if self.new_ids is not None and isinstance(ident, str) and UUID_TEXT.fullmatch(ident):
                self.new_ids.append(ident)
            return ident
        self.calls += 1
        ctx = make_context(self.resolve, f"{self.run}|{self.calls}", self.faker, mode="request" if purpose == "request" else "response",
                           use_examples=not self.dynamic, now=self.now, lazy_faker=True)
        return generate(schema, ctx)

    def uuids(self, count: int) -> list[str]:
        """`count` new uuid ids, the very ones as many `(UUID_SCHEMA, "id")` calls give, drawn at once."""
        drawn = self._id_context().uuid4s(count)
        if self.new_ids is not None:
            self.new_ids += drawn
        return drawn

    def _id_context(self) -> GenerationContext:
        """The run's one context for new ids, made on first use."""
        if self._ids is None:
            self._ids = make_context(self.resolve, f"{self.run}|ids", self.faker, use_examples=False, now=self.now, lazy_faker=True)
        return self._ids


def credential_digest(secret: str) -> str:
    """A stable, non-reversible name for a credential: the first 16 hex digits of its SHA-256."""
    return "sha256-" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _pseudonym(credential: str) -> str:
    """A stable pseudonym of a credential, as behaviours record the caller (`completed_by`)."""
    return "user-" + hashlib.sha256(credential.encode()).hexdigest()[:12]


def _seeded_epoch(seed: int) -> Any:
    from datetime import datetime, timedelta, timezone

    return datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=seed % 365)
