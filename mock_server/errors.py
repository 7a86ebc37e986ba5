"""Errors raised by the mock server.

MockServerError
 ├── ConfigError          bad command-line or config values
 ├── SpecLoadError        a spec file that cannot be served (missing, unparsable, dangling $ref, no paths)
 └── HttpProblem          an error that becomes an HTTP response (problem+json)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MockServerError(Exception):
    """Base of every flowmock mock-server error."""


class ConfigError(MockServerError):
    """A configuration value is not usable."""


class SpecLoadError(MockServerError):
    """A spec could not be loaded; the message names the file, the place and the problem."""

    def __init__(self, path: str, place: str, problem: str) -> None:
        self.path, self.place, self.problem = path, place, problem
        super().__init__(f"{path}: {place}: {problem}" if place else f"{path}: {problem}")


@dataclass(frozen=True)
class SpecIssue:
    """A problem found in a spec: where (file and a dotted place) and what; `fatal` when it cannot be served."""

    file: str
    place: str
    problem: str
    fatal: bool = False

    def __str__(self) -> str:
        return f"{self.file}: {self.place}: {self.problem}"


@dataclass(frozen=True)
class FieldError:
    """One failing field of a request or response."""

    location: str  # body, query, path, header, cookie
    field: str  # JSON path inside the location, e.g. "tasks[0].name"
    message: str

    def as_dict(self) -> dict[str, str]:
        """Render for a problem body."""
        return {"location": self.location, "field": self.field, "message": self.message}


@dataclass
class HttpProblem(MockServerError):
    """An RFC 7807 problem the server answers with."""

    status: int
    title: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    type: str = "about:blank"
    total_errors: int | None = None  # how many errors there are when `errors` lists only the first ones

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        """Render the problem body (with a `message` alias for APIs whose errors carry one)."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
            if self.total_errors is not None and self.total_errors > len(self.errors):
                body["totalErrors"] = self.total_errors
        return body
