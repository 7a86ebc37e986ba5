"""Match request paths to operations across every served spec, at the root and under each prefix."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from mock_server.loading.spec import Operation, Spec

_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Route:
    """One operation reachable at a public path pattern."""

    spec: Spec
    operation: Operation
    pattern: re.Pattern[str]
    public_template: str  # e.g. /library/api/shelves/{shelfId}
    specificity: tuple[int, ...]


@dataclass(frozen=True)
class Match:
    """A request path resolved to an operation."""

    spec: Spec
    operation: Operation
    path_params: dict[str, str]
    spec_path: str  # the request path relative to the spec's paths (no prefix, no server base)


@dataclass(frozen=True)
class MethodNotAllowed:
    """The path exists but not with this method."""

    allowed: tuple[str, ...]


@dataclass(frozen=True)
class NoRoute:
    """No served API has this path."""


RouteResult = Union[Match, MethodNotAllowed, NoRoute]


@dataclass(frozen=True)
class Conflict:
    """Two specs claim the same path and method at the root; the later one is served under its prefix only."""

    method: str
    path: str
    kept: str
    shadowed: str


def _compile(template: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
    regex = "".join(
        f"(?P<p{i}>[^/]+)" if part.startswith("{") else re.escape(part)
        for i, part in enumerate(re.split(r"(\{[^}/]+\})", template))
        if part
    )
    specificity = tuple(1 if "{" in seg else 0 for seg in template.strip("/").split("/"))
    return re.compile(f"^{regex}/?$"), specificity


def _normalise(template: str) -> str:
    return _PARAM.sub("{}", template)


class Router:
    """Resolves (method, path) to an operation; literal segments win over templated ones."""

    def __init__(self, specs: list[Spec]) -> None:
        self.specs = list(specs)
        self.conflicts: list[Conflict] = []
        routes: list[Route] = []
        claimed: dict[tuple[str, str], str] = {}
        for spec in specs:
            for op in spec.operations:
                prod = spec.server_base + op.path
                routes.append(self._route(spec, op, spec.prefix + prod))
                key = (op.method, _normalise(prod))
                if key in claimed:
                    self.conflicts.append(Conflict(op.method.upper(), prod, claimed[key], spec.name))
                    continue
                claimed[key] = spec.name
                routes.append(self._route(spec, op, prod))
        self.routes = sorted(routes, key=lambda r: (r.specificity, r.public_template))

    @staticmethod
    def _route(spec: Spec, op: Operation, public: str) -> Route:
        pattern, specificity = _compile(public)
        return Route(spec, op, pattern, public, specificity)

    def match(self, method: str, path: str) -> RouteResult:
        """Find the operation for a request, or say why there is none."""
        method = method.lower()
        allowed: list[str] = []
        matched_template: str | None = None
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if matched_template is not None and _normalise(route.public_template) != matched_template:
                continue  # a less specific template; the more specific path owns this URL
            matched_template = _normalise(route.public_template)
            if route.operation.method != method:
                allowed.append(route.operation.method.upper())
                continue
            names = _PARAM.findall(route.public_template)
            params = {name: found.group(f"p{i}") for i, name in zip(_param_indexes(route.public_template), names, strict=True)}
            return Match(route.spec, route.operation, params, self._spec_path(route, path))
        if allowed:
            return MethodNotAllowed(tuple(sorted(set(allowed))))
        return NoRoute()

    @staticmethod
    def _spec_path(route: Route, path: str) -> str:
        prefix_len = len(route.public_template) - len(route.operation.path)
        literal_prefix = route.public_template[:prefix_len]
        return path[len(literal_prefix):] if path.startswith(literal_prefix) else path


def _param_indexes(template: str) -> list[int]:
    return [i for i, part in enumerate(re.split(r"(\{[^}/]+\})", template)) if part and part.startswith("{")]
