"""Match request paths to operations across every served spec, at the root and under each prefix.

Routes live in a segment index (literal segments looked up by name, templated ones tried after), so a
lookup costs the same with ten operations or a thousand; the few routes the index finds are then ordered
and checked exactly as a scan of every route would (most specific template first).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from mock_server.spec import Operation, Spec

_PARAM = re.compile(r"\{([^}/]+)\}")
_PIECES = re.compile(r"(\{[^}/]+\})")


@dataclass(frozen=True)
class Route:
    """One operation reachable at a public path pattern."""

    spec: Spec
    operation: Operation
    pattern: re.Pattern[str]
    public_template: str  # e.g. /library/api/shelves/{shelfId}
    specificity: tuple[int, ...]
    params: tuple[tuple[str, str], ...] = ()  # (regex group, parameter name), in template order


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


def _compile(template: str) -> tuple[re.Pattern[str], tuple[int, ...], tuple[tuple[str, str], ...]]:
    pieces = [part for part in _PIECES.split(template) if part]
    regex = "".join(f"(?P<p{i}>[^/]+)" if _PARAM.fullmatch(part) else re.escape(part) for i, part in enumerate(pieces))
    params = tuple((f"p{i}", part[1:-1]) for i, part in enumerate(pieces) if _PARAM.fullmatch(part))
    specificity = tuple(1 if "{" in seg else 0 for seg in template.strip("/").split("/"))
    return re.compile(f"^{regex}/?$"), specificity, params


def _normalise(template: str) -> str:
    return _PARAM.sub("{}", template)


@dataclass
class _Node:
    """One level of the segment index: literal children by name, templated children by their shape."""

    literal: dict[str, _Node] = field(default_factory=dict)
    templated: dict[str, tuple[re.Pattern[str], _Node]] = field(default_factory=dict)
    routes: list[int] = field(default_factory=list)  # positions in Router.routes of the templates ending here


def _segment_pattern(segment: str) -> re.Pattern[str]:
    """What one templated segment (`{id}`, `{name}.json`, `v{major}`) accepts."""
    return re.compile("".join("[^/]+" if _PARAM.fullmatch(part) else re.escape(part) for part in _PIECES.split(segment) if part))


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
        self._index = _Node()
        for position, route in enumerate(self.routes):
            self._add(position, route.public_template)

    @staticmethod
    def _route(spec: Spec, op: Operation, public: str) -> Route:
        pattern, specificity, params = _compile(public)
        return Route(spec, op, pattern, public, specificity, params)

    def _add(self, position: int, template: str) -> None:
        node = self._index
        for segment in template.split("/"):
            if _PARAM.search(segment):
                shape = _normalise(segment)
                if shape not in node.templated:
                    node.templated[shape] = (_segment_pattern(segment), _Node())
                node = node.templated[shape][1]
            else:
                node = node.literal.setdefault(segment, _Node())
        node.routes.append(position)

    def candidates(self, path: str) -> list[Route]:
        """The routes whose template can match `path`, most specific first (what a full scan would try, in order)."""
        found: list[int] = []
        _collect(self._index, path.split("/"), 0, found)
        return [self.routes[i] for i in sorted(set(found))]

    def match(self, method: str, path: str) -> RouteResult:
        """Find the operation for a request, or say why there is none."""
        method = method.lower()
        allowed: list[str] = []
        matched_template: str | None = None
        for route in self.candidates(path):
            found = route.pattern.match(path)
            if not found:
                continue
            if matched_template is not None and _normalise(route.public_template) != matched_template:
                continue  # a less specific template; the more specific path owns this URL
            matched_template = _normalise(route.public_template)
            if route.operation.method != method:
                allowed.append(route.operation.method.upper())
                continue
            params = {name: found.group(group) for group, name in route.params}
            return Match(route.spec, route.operation, params, self._spec_path(route, path))
        if allowed:
            return MethodNotAllowed(tuple(sorted(set(allowed))))
        return NoRoute()

    @staticmethod
    def _spec_path(route: Route, path: str) -> str:
        prefix_len = len(route.public_template) - len(route.operation.path)
        literal_prefix = route.public_template[:prefix_len]
        return path[len(literal_prefix):] if path.startswith(literal_prefix) else path


def _collect(node: _Node, segments: list[str], at: int, found: list[int]) -> None:
    """Add the routes under `node` that segments[at:] can reach (an optional trailing slash included)."""
    if at == len(segments):
        found.extend(node.routes)
        return
    segment = segments[at]
    if not segment and at == len(segments) - 1:
        found.extend(node.routes)  # `/things/` answers as `/things`
    child = node.literal.get(segment)
    if child is not None:
        _collect(child, segments, at + 1, found)
    if segment:
        for pattern, templated in node.templated.values():
            if pattern.fullmatch(segment):
                _collect(templated, segments, at + 1, found)
