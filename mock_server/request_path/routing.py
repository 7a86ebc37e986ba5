"""Match request paths to operations across every served spec, at the root and under each prefix.

Routes live in a segment index (literal segments looked up by name, templated ones checked segment by segment),
so a lookup costs the same with ten operations or a thousand; the few routes whose template matches are then
ordered as a scan of every route would order them (most specific template first).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Union
from urllib.parse import unquote

from mock_server.loading.spec import Operation, Spec

_PARAM = re.compile(r"\{([^}/]+)\}")
_REMEMBERED_PATHS = 4096  # routing results kept for paths asked again (cleared when full) ...
_REMEMBERED_PATH_LENGTH = 256  # ... for paths this short
_PIECES = re.compile(r"(\{[^}/]+\})")


@dataclass(frozen=True)
class Route:
    """One operation reachable at a public path pattern."""

    spec: Spec
    operation: Operation
    public_template: str  # e.g. /library/api/shelves/{shelfId}
    specificity: tuple[int, ...]
    shape: str  # the template with its parameter names left out: /library/api/shelves/{}
    captures: tuple[tuple[int, str, tuple[str, ...]], ...]  # (position, templated segment, its parameter names), in order


@dataclass(frozen=True)
class Match:
    """A request path resolved to an operation."""

    spec: Spec
    operation: Operation
    path_params: dict[str, str]
    spec_path: str  # the request path relative to the spec's paths (no prefix, no server base)


@dataclass(frozen=True)
class MethodNotAllowed:
    """The path exists but not with this method; `others` are its operations (one may document the 405)."""

    allowed: tuple[str, ...]
    others: tuple[Match, ...] = field(default=(), compare=False, repr=False)


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


def _normalise(template: str) -> str:
    return _PARAM.sub("{}", template)


@dataclass
class _Node:
    """One level of the segment index: literal children by name, templated children by their shape."""

    literal: dict[str, _Node] = field(default_factory=dict)
    templated: dict[str, tuple[re.Pattern[str], _Node]] = field(default_factory=dict)
    routes: list[int] = field(default_factory=list)  # positions in Router.routes of the templates ending here


@functools.cache
def _segment_pattern(segment: str) -> re.Pattern[str]:
    """What one templated segment (`{id}`, `{name}.json`, `v{major}`) accepts, each parameter a group."""
    return re.compile("".join("(.+)" if _PARAM.fullmatch(part) else re.escape(part) for part in _PIECES.split(segment) if part), re.DOTALL)


def _path_params(route: Route, segments: list[str]) -> dict[str, str]:
    """The parameter values of a path its route matched (a name used twice keeps its last value)."""
    params: dict[str, str] = {}
    for position, segment, names in route.captures:
        if len(segment) == len(names[0]) + 2:  # the whole segment is one parameter
            params[names[0]] = segments[position]
            continue
        found = _segment_pattern(segment).fullmatch(segments[position])
        params.update(zip(names, found.groups() if found else (), strict=False))
    return params


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
        self._recent: dict[tuple[str, str, bytes | None], RouteResult] = {}  # results of recent short paths (bounded)
        for position, route in enumerate(self.routes):
            self._add(position, route.public_template)

    @staticmethod
    def _route(spec: Spec, op: Operation, public: str) -> Route:
        specificity = tuple(1 if "{" in seg else 0 for seg in public.strip("/").split("/"))
        captures = tuple((i, seg, tuple(_PARAM.findall(seg))) for i, seg in enumerate(public.split("/")) if "{" in seg and _PARAM.search(seg))
        return Route(spec, op, public, specificity, _normalise(public), captures)

    def _add(self, position: int, template: str) -> None:
        node = self._index
        for segment in template.split("/"):
            if "{" in segment and _PARAM.search(segment):  # the cheap test first: most segments are literal
                shape = _PARAM.sub("\0", segment)  # `{id}` and `{key}` share a child; `{id}.json` has its own
                if shape not in node.templated:
                    node.templated[shape] = (_segment_pattern(segment), _Node())
                node = node.templated[shape][1]
            else:
                node = node.literal.setdefault(segment, _Node())
        node.routes.append(position)

    def match(self, method: str, path: str, raw_path: bytes | None = None) -> RouteResult:
        """Find the operation for a request, or say why there is none; `HEAD` runs `GET` where no HEAD is documented.

        `raw_path` is the path as sent: an encoded slash (`heads%2Ffeature-a`) stays inside its segment. The results of
        recent paths up to 256 characters are remembered (the same URL asked again is not routed again)."""
        key = (method, path, raw_path)
        found = self._recent.get(key)
        if found is None:
            found = self._route_path(method, path, raw_path)
            if len(path) <= _REMEMBERED_PATH_LENGTH:
                if len(self._recent) >= _REMEMBERED_PATHS:
                    self._recent.clear()
                self._recent[key] = found
        if isinstance(found, Match):  # the caller gets parameters of its own: a remembered result never changes
            return Match(found.spec, found.operation, dict(found.path_params), found.spec_path)
        return found

    def _route_path(self, method: str, path: str, raw_path: bytes | None) -> RouteResult:
        segments = _segments(path, raw_path)
        found = self._match(method.lower(), path, segments)
        if method.lower() == "head" and isinstance(found, MethodNotAllowed) and "GET" in found.allowed:
            return self._match("get", path, segments)
        return found

    def _match(self, method: str, path: str, segments: list[str]) -> RouteResult:
        found: list[int] = []
        _collect(self._index, segments, 0, found)
        allowed: list[str] = []
        others: list[Match] = []
        owner: str | None = None  # the shape of the most specific template matching the path
        for route in (self.routes[i] for i in sorted(set(found))):
            if owner is not None and route.shape != owner:
                continue  # a less specific template; the more specific path owns this URL
            owner = route.shape
            matched = Match(route.spec, route.operation, _path_params(route, segments), self._spec_path(route, path))
            if route.operation.method != method:
                allowed.append(route.operation.method.upper())
                others.append(matched)
                continue
            return matched
        if allowed:
            return MethodNotAllowed(tuple(sorted(set(allowed))), tuple(others))
        return NoRoute()

    @staticmethod
    def _spec_path(route: Route, path: str) -> str:
        prefix_len = len(route.public_template) - len(route.operation.path)
        literal_prefix = route.public_template[:prefix_len]
        return path[len(literal_prefix):] if path.startswith(literal_prefix) else path


def _segments(path: str, raw_path: bytes | None) -> list[str]:
    """The decoded path's segments, split where the client put a slash (not where it sent `%2F`)."""
    if raw_path and b"%2f" in raw_path.lower():
        return [unquote(segment) for segment in raw_path.decode("latin-1").split("/")]
    return path.split("/")


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
