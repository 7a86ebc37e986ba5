"""The catalogue of checks a contract run applies, and how a selection is resolved."""
from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from contracts.errors import ContractConfigError

# What each check asserts, in the words the reports use.
DESCRIPTIONS: dict[str, str] = {
    "not_a_server_error": "no 5xx response",
    "status_code_conformance": "every status code is documented for its operation",
    "content_type_conformance": "every Content-Type is documented for its status",
    "response_headers_conformance": "documented response headers are present and valid",
    "response_schema_conformance": "every body validates against its documented schema",
    "negative_data_rejection": "invalid requests are rejected with a 4xx",
    "positive_data_acceptance": "valid requests are not rejected with a 4xx",
    "use_after_free": "a deleted resource is gone (404) afterwards",
    "ensure_resource_availability": "a created resource can be read right away",
    "ignored_auth": "requests without valid credentials are refused",
    "missing_required_header": "a missing required header is rejected",
    "unsupported_method": "undocumented methods get 405 with an Allow header",
    "allow_header_conformance": "the Allow header of a 405 lists the documented methods",
    "object_level_authorization": "one identity cannot read another's objects",
    "read_after_delete": "right after a successful DELETE, a GET on the same URL answers 404 or 410 "
                         "(unless the spec marks the DELETE as not removing, e.g. x-flowmock-action: update)",
}

# The checks of issue 5, run unless a selection says otherwise.
DEFAULT_CHECKS: tuple[str, ...] = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "read_after_delete",
)

KNOWN_CHECKS: tuple[str, ...] = tuple(DESCRIPTIONS)

PHASES: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")


def select_checks(include: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The checks to run: `include` (default: DEFAULT_CHECKS; `all`: every known one) minus `exclude`."""
    chosen = list(DEFAULT_CHECKS) if include is None else _expand(include)
    dropped = set(_expand(exclude))
    result = tuple(name for name in chosen if name not in dropped)
    if not result:
        raise ContractConfigError("no check left to run after --exclude-checks")
    return result


def select_phases(phases: Iterable[str] | None) -> tuple[str, ...]:
    """Validate a phase selection (default: all four, in order)."""
    if phases is None:
        return PHASES
    wanted = [p.strip() for p in phases if p.strip()]
    unknown = [p for p in wanted if p not in PHASES]
    if unknown:
        raise ContractConfigError(f"unknown phase(s) {', '.join(unknown)}; choose from {', '.join(PHASES)}")
    if not wanted:
        raise ContractConfigError("--phases needs at least one phase")
    return tuple(p for p in PHASES if p in wanted)


def _expand(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in names:
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name == "all":
                out.extend(n for n in KNOWN_CHECKS if n not in out)
                continue
            if name not in DESCRIPTIONS:
                raise ContractConfigError(f"unknown check {name!r}; known checks: {', '.join(KNOWN_CHECKS)}")
            if name not in out:
                out.append(name)
    return out


# ---- checks of our own, registered with Schemathesis (enabled only when selected) ----
_registered = threading.Lock()
_done: list[bool] = []


def register_custom_checks() -> None:
    """Register the harness' own checks with Schemathesis (idempotent)."""
    with _registered:
        if _done:
            return
        import schemathesis

        schemathesis.check(read_after_delete)
        _done.append(True)


def deletes(operation: dict[str, Any]) -> bool:
    """Whether a DELETE operation removes its resource; `x-flowmock-action: update` marks a soft one (a cancel)."""
    return bool(operation.get("x-flowmock-action", "delete") == "delete")


def read_after_delete(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a 2xx DELETE on `/things/{id}`, GET `/things/{id}` at once (same parameters): it must be 404 or 410.

    `use_after_free` finds the same bug only when the stateful phase happens to chain a DELETE and a read of
    the same resource; this check asks every time a delete succeeds, in any phase.
    """
    from schemathesis.core.failures import Failure, Severity

    if case.method.upper() != "DELETE" or not 200 <= response.status_code < 300 or not case.path_parameters:
        return None
    if not deletes(case.operation.definition.raw):
        return None
    schema = case.operation.schema
    getter = schema.find_operation_by_label(f"GET {case.path}")
    if getter is None:
        return None
    probe = getter.Case(path_parameters=dict(case.path_parameters))
    recorder = ctx.internals.recorder
    ctx.internals.record_case(parent_id=case.id, case=probe)
    answer = schema.transport.send(probe, **dict(ctx.internals.transport_kwargs or {}))
    ctx.internals.record_response(case_id=probe.id, response=answer)
    if 200 <= answer.status_code < 300:
        path = case.formatted_path
        raise Failure(
            operation=case.operation.label, title="Deleted resource still readable", severity=Severity.HIGH,
            case_id=probe.id if recorder is not None else None,
            message=(f"`DELETE {path}` answered {response.status_code}, then `GET {path}` answered "
                     f"{answer.status_code} instead of 404 Not Found (or 410 Gone).\n\n"
                     f"Reproduce by sending the DELETE, then the GET below."),
        )
    return True
