"""The catalogue of checks a contract run applies, and how a selection is resolved."""
from __future__ import annotations

from collections.abc import Iterable

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
