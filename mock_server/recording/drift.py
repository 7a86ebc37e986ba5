"""Drift check: validate every recorded request and response against the specs, reported per operation.

Values a cassette holds as REDACTED (secrets scrubbed at recording time) cannot be judged, so errors about
them are counted as skipped rather than reported as violations.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers as CaseInsensitiveHeaders

from mock_server.recording.cassette import REDACTED, Interaction, media_type, parse_json_body, read_cassette
from mock_server.errors import FieldError
from mock_server.request_path.routing import Match, MethodNotAllowed, Router
from mock_server.loading.spec import Spec, bundled_spec_paths, load_spec
from mock_server.request_path.validate import RequestData, UnsupportedMediaType, validate_request, validate_response

logger = logging.getLogger(__name__)

# Message pattern -> the JSON Schema / OpenAPI rule it reports.
_RULES: list[tuple[str, str]] = [
    (r"is a required property|required parameter is missing|request body is required", "required"),
    (r"is not of type", "type"), (r"is not one of", "enum"), (r"is not a '", "format"),
    (r"does not match", "pattern"), (r"should be non-empty|is too short", "minLength/minItems"),
    (r"is too long|is expected to be empty", "maxLength/maxItems"),
    (r"Additional properties are not allowed|unexpected", "additionalProperties"),
    (r"less than the minimum|less than or equal to the minimum", "minimum"),
    (r"greater than the maximum|greater than or equal to the maximum", "maximum"),
    (r"is not a multiple of", "multipleOf"), (r"non-unique elements", "uniqueItems"),
    (r"oneOf", "oneOf"), (r"anyOf|is not valid under any of the given schemas", "anyOf"), (r"was expected", "const"),
    (r"read-only|readOnly", "readOnly"), (r"write-only|writeOnly", "writeOnly"),
    (r"Unknown response http status|status code", "status (undocumented)"),
    (r"mimetype|media type|content type", "content-type"), (r"malformed body|Failed to cast|deserializ", "syntax"),
]


def rule_of(message: str) -> str:
    """Name the rule a validation message reports (`schema` when unknown)."""
    for pattern, rule in _RULES:
        if re.search(pattern, message, re.IGNORECASE):
            return rule
    return "schema"


@dataclass(frozen=True)
class Violation:
    """One way one recorded exchange breaks the contract."""

    source: str
    index: int
    status: int
    part: str  # request | response
    location: str  # body, query, path, header, cookie, response
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class OperationReport:
    """What was checked for one operation."""

    key: str
    method: str
    template: str
    checked: int = 0
    violations: list[Violation] = field(default_factory=list)
    redacted_skipped: int = 0


@dataclass(frozen=True)
class Unknown:
    """A recorded request no operation of the specs serves."""

    source: str
    index: int
    method: str
    path: str
    reason: str


@dataclass
class DriftReport:
    """The outcome of a verify run."""

    operations: dict[str, OperationReport] = field(default_factory=dict)
    unknown: list[Unknown] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        """Every violation, operation by operation."""
        return [v for op in self.operations.values() for v in op.violations]

    def failed(self, allow_unknown: bool = False) -> bool:
        """True when CI should fail: a violation, or an unknown path unless allowed."""
        return bool(self.violations) or (bool(self.unknown) and not allow_unknown)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (for `--format json`)."""
        return {"operations": [{"operation": o.key, "method": o.method, "path": o.template, "checked": o.checked,
                                "redacted_skipped": o.redacted_skipped, "violations": [v.as_dict() for v in o.violations]}
                               for o in self.operations.values()],
                "unknown": [u.__dict__ for u in self.unknown]}

    def render(self, allow_unknown: bool = False) -> str:
        """The human report: one block per operation, then unknown paths and a summary."""
        lines = []
        for op in sorted(self.operations.values(), key=lambda o: o.key):
            state = "ok" if not op.violations else f"{len(op.violations)} violation(s)"
            lines.append(f"{op.key}  {op.method} {op.template}: {op.checked} exchange(s) checked, {state}")
            for v in op.violations:
                where = (v.part if v.location == v.part else f"{v.part} {v.location}") + (f" {v.field}" if v.field else "")
                lines.append(f"    {where}  [{v.rule}] {v.message}  ({v.source}#{v.index}, status {v.status})")
        for u in self.unknown:
            lines.append(f"unknown  {u.method} {u.path}: {u.reason}  ({u.source}#{u.index})")
        skipped = sum(o.redacted_skipped for o in self.operations.values())
        checked = sum(o.checked for o in self.operations.values())
        lines.append(f"{checked} exchange(s) in {len(self.operations)} operation(s): {len(self.violations)} violation(s), "
                     f"{len(self.unknown)} unknown path(s){' (allowed)' if allow_unknown and self.unknown else ''}"
                     + (f", {skipped} error(s) on REDACTED values skipped" if skipped else ""))
        return "\n".join(lines)


def load_specs(paths: list[Path] | None = None) -> list[Spec]:
    """The given specs (or the bundled ones), with unique names."""
    specs: list[Spec] = []
    for path in paths or bundled_spec_paths():
        spec = load_spec(Path(path), validate=bool(paths))  # the bundled specs are checked by the test suite
        name, n = spec.name, 2
        while name in {s.name for s in specs}:
            name, n = f"{spec.name}-{n}", n + 1
        specs.append(spec if name == spec.name else Spec(name, spec.doc, spec.source))
    return specs


def verify(cassette_paths: list[Path], specs: list[Spec]) -> DriftReport:
    """Validate every interaction of the cassettes against the specs."""
    router = Router(specs)
    report = DriftReport()
    for path in cassette_paths:
        cassette = read_cassette(Path(path))
        for index, interaction in enumerate(cassette.interactions):
            check_interaction(router, report, str(path), index, interaction)
    return report


def check_interaction(router: Router, report: DriftReport, source: str, index: int, interaction: Interaction) -> None:
    """Route one interaction and add its findings to `report`."""
    req, res = interaction.request, interaction.response
    found = router.match(req.method, req.path)
    if not isinstance(found, Match):
        reason = (f"method not allowed; the path allows {', '.join(found.allowed)}" if isinstance(found, MethodNotAllowed)
                  else "no operation of the specs has this path")
        report.unknown.append(Unknown(source, index, req.method, req.path, reason))
        return
    op = found.operation
    key = op.key
    entry = report.operations.setdefault(key, OperationReport(key, op.method.upper(), found.spec.server_base + op.path))
    entry.checked += 1
    headers = {k.lower(): ", ".join(vs) for k, vs in req.headers.items()}
    data = RequestData(op.method, found.spec_path, found.path_params, req.query, headers, _cookies(headers.get("cookie", "")),
                       req.body, headers.get("content-type", "application/json" if req.body else ""), req.path)
    try:
        request_errors = validate_request(found.spec, op, data)
    except UnsupportedMediaType as exc:
        request_errors = [FieldError("body", "", f"content type not accepted: {exc}")]
    res_headers = CaseInsensitiveHeaders([(k, v) for k, vs in res.headers.items() for v in vs])
    response_errors = validate_response(found.spec, op, res.status, res.body, res_headers,  # type: ignore[arg-type]
                                        media_type(res.headers))
    values = _Values(req.query, headers, found.path_params, parse_json_body(req.body, media_type(req.headers)),
                     parse_json_body(res.body, media_type(res.headers)))
    for part, errors in (("request", request_errors), ("response", response_errors)):
        for error in errors:
            if values.redacted(part, error):
                entry.redacted_skipped += 1
                continue
            entry.violations.append(Violation(source, index, res.status, part, error.location, error.field,
                                              rule_of(error.message), error.message))


def _cookies(text: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in text.split(";") if "=" in part)
    return {k.strip(): v.strip() for k, v in pairs}


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()


@dataclass
class _Values:
    """The values of one exchange, to tell whether an error is about a REDACTED value."""

    query: list[tuple[str, str]]
    headers: dict[str, str]
    path_params: dict[str, str]
    request_json: Any
    response_json: Any

    def redacted(self, part: str, error: FieldError) -> bool:
        if f"'{REDACTED}'" in error.message or f'"{REDACTED}"' in error.message:
            return True
        name = re.split(r"[.\[]", error.field, maxsplit=1)[0]
        if error.location == "query":
            return any(k == name and REDACTED in v for k, v in self.query)
        if error.location == "header":
            return REDACTED in self.headers.get(name.lower(), "")
        if error.location == "path":
            return REDACTED in self.path_params.get(name, "")
        if error.location in ("body", "response"):
            document = self.request_json if part == "request" else self.response_json
            value = _resolve(document, error.field)
            return isinstance(value, str) and REDACTED in value
        return False


def _resolve(document: Any, path: str) -> Any:
    node = document
    for key, idx in _STEP.findall(path):
        if idx:
            node = node[int(idx)] if isinstance(node, list) and int(idx) < len(node) else _MISSING
        else:
            node = node.get(key, _MISSING) if isinstance(node, dict) else _MISSING
        if node is _MISSING:
            return None
    return node


def report_json(report: DriftReport) -> str:
    """The report as indented JSON."""
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
