"""Choose the documented response to send: status, media type (negotiated with `Accept`) and example, honouring `Prefer`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.request_path.generate import merge_all_of
from mock_server.loading.spec import Operation, Spec

JSON_TYPES = ("application/json",)


@dataclass(frozen=True)
class Preferences:
    """What a request asked for through the `Prefer` header (Prism style), and the media types it `Accept`s."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    delay_ms: int | None = None
    others: tuple[tuple[str, str], ...] = ()  # the rest (e.g. `fail-at=2`), for behaviours
    accept: str | None = None  # the `Accept` header as sent (None: anything)

    @classmethod
    def parse(cls, header: str | None, accept: str | None = None) -> Preferences:
        """Parse `Prefer: code=404, example=NAME, dynamic=true, delay=300` (and keep `Accept`)."""
        accept = accept.strip() if accept and accept.strip() else None
        if not header:
            return cls(accept=accept)
        values: dict[str, str] = {}
        for part in re.split(r"[,;]", header):
            if "=" in part:
                key, value = part.split("=", 1)
                values[key.strip().lower()] = value.strip().strip('"')
        code = int(values["code"]) if values.get("code", "").isdigit() else None
        delay = int(values["delay"]) if values.get("delay", "").isdigit() else None
        dynamic = values["dynamic"].lower() == "true" if "dynamic" in values else None
        known = ("code", "example", "dynamic", "delay")
        return cls(code, values.get("example"), dynamic, delay, tuple((k, v) for k, v in values.items() if k not in known), accept)


def success_status(op: Operation) -> int:
    """The first documented 2xx status (201 before 200 for creates is the spec's call); 200 for `2XX` or `default` only."""
    codes = sorted(int(c) for c in (op.definition.get("responses") or {}) if str(c).isdigit() and str(c).startswith("2"))
    return codes[0] if codes else 200


def success_schema(spec: Spec, op: Operation, status: int | None = None) -> dict[str, Any] | None:
    """The JSON schema (allOf merged) of the success response, or of `status`; a `default` response counts."""
    response = response_for(spec, op, status or success_status(op))
    for ctype, media in ((response or {}).get("content") or {}).items():
        if is_json(ctype) and isinstance(media, dict) and "schema" in media:
            return merge_all_of(media["schema"], spec.resolve)
    return None


def response_for(spec: Spec, op: Operation, status: int) -> dict[str, Any] | None:
    """The response object documented for a status (exact, then 4XX-style range, then default)."""
    responses = op.definition.get("responses") or {}
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return spec.resolve(responses[key])
    return None


def is_json(ctype: str) -> bool:
    """Whether a media type carries JSON: `application/json`, `*/*+json` (problem, vnd.api, ...), `text/json`."""
    base = ctype.split(";", 1)[0].strip().lower()
    return base in ("application/json", "text/json") or base.endswith("+json")


def is_xml(ctype: str) -> bool:
    """Whether a media type carries XML: `application/xml`, `text/xml`, `*/*+xml`."""
    base = ctype.split(";", 1)[0].strip().lower()
    return base in ("application/xml", "text/xml") or base.endswith("+xml")


@dataclass(frozen=True)
class _Range:
    """One media range of an `Accept` header: `type/subtype` (either may be `*`) with its quality."""

    kind: str
    subtype: str
    q: float
    position: int

    def matches(self, ctype: str) -> int:
        """How specifically this range names `ctype`: 3 exact, 2 `type/*`, 1 `*/*`, 0 not at all."""
        kind, _, subtype = ctype.split(";", 1)[0].strip().lower().partition("/")
        if self.kind == kind and self.subtype == subtype:
            return 3
        if self.kind == kind and self.subtype == "*":
            return 2
        return 1 if self.kind == "*" else 0


def parse_accept(header: str) -> list[_Range]:
    """The media ranges of an `Accept` header (RFC 9110 12.5.1); unreadable entries are skipped."""
    ranges = []
    for position, entry in enumerate(header.split(",")):
        media, *params = entry.split(";")
        kind, slash, subtype = media.strip().lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 1.0  # an unreadable weight does not refuse the type
        ranges.append(_Range(kind, subtype, q, position))
    return ranges


def acceptability(ranges: list[_Range], ctype: str) -> tuple[float, int, int]:
    """(quality, specificity, -position) of the most specific range naming `ctype`; quality 0 when none does."""
    best: tuple[int, _Range] | None = None
    for accepted in ranges:
        level = accepted.matches(ctype)
        if level and (best is None or level > best[0]):
            best = (level, accepted)
    if best is None:
        return 0.0, 0, 0
    return best[1].q, best[0], -best[1].position


def _preference(ctype: str, problem: bool) -> int:
    """Which documented type to send when the client does not mind: problem+json for errors, then JSON, then any."""
    base = ctype.split(";", 1)[0].strip().lower()
    if problem and base == "application/problem+json":
        return 3
    if base == "application/json":
        return 2
    return 1 if is_json(base) else 0


def negotiate(content: dict[str, Any], accept: str | None, problem: bool = False) -> tuple[str, Any] | None:
    """The documented (media type, media object) that best fits `Accept`; None when nothing documented is acceptable.

    Quality values decide, then the most specific range, then the order of the header, then JSON first.
    Without `Accept` (or with `*/*`) JSON is preferred (problem+json for errors), else the first documented type.
    """
    if not content:
        return None
    ranges = parse_accept(accept) if accept else []
    if not ranges:  # anything goes: the preferred documented type
        ctype = max(enumerate(content), key=lambda item: (_preference(item[1], problem), -item[0]))[1]
        return _concrete(ctype), content[ctype]
    scored = []
    for order, (ctype, media) in enumerate(content.items()):
        q, level, position = acceptability(ranges, _concrete(ctype))
        if q > 0:
            scored.append(((q, level, position, _preference(ctype, problem), -order), ctype, media))
    if not scored:
        return None
    _, ctype, media = max(scored, key=lambda s: s[0])
    return _concrete(ctype), media


def _concrete(ctype: str) -> str:
    """A documented media type usable as a Content-Type: wildcards (`*/*`, `text/*`) become JSON or `text/plain`."""
    base = ctype.split(";", 1)[0].strip()
    if base in ("*/*", "*"):
        return "application/json"
    if base.endswith("/*"):
        return {"text": "text/plain", "application": "application/json"}.get(base[:-2], "application/octet-stream")
    return ctype


def media_type_for(spec: Spec, op: Operation, status: int, problem: bool = False,
                   accept: str | None = None) -> tuple[str, dict[str, Any] | None]:
    """The content type to send for a status and its media object, negotiated with `accept`.

    Errors (`problem`) fall back to their preferred documented type when nothing is acceptable (an error
    is still an error); no documented content gives problem+json for errors and JSON otherwise.
    """
    response = response_for(spec, op, status)
    content = (response or {}).get("content") or {}
    if not content:
        return ("application/problem+json" if problem else "application/json"), None
    chosen = negotiate(content, accept, problem) or negotiate(content, None, problem)
    assert chosen is not None
    return chosen[0], chosen[1] if isinstance(chosen[1], dict) else {}


def not_acceptable(spec: Spec, op: Operation, status: int, accept: str | None) -> list[str]:
    """The documented media types of `status` when none of them is acceptable (a 406), else an empty list."""
    if not accept:
        return []
    content = ((response_for(spec, op, status) or {}).get("content") or {})
    if not content or negotiate(content, accept) is not None:
        return []
    return [str(c) for c in content]


def documented_statuses(op: Operation) -> list[int]:
    """Every explicit numeric status the operation documents."""
    return sorted(int(c) for c in (op.definition.get("responses") or {}) if str(c).isdigit())


def referenced_example(spec: Spec, value: Any) -> Any:
    """An example value that is only a `$ref` (GitHub writes `value: {$ref: '#/components/examples/x'}`): what it
    points at, the `value` of an Example Object."""
    if not (isinstance(value, dict) and set(value) == {"$ref"}):
        return value
    try:
        target = spec.resolve(value)
    except Exception:  # noqa: BLE001 - a dangling reference: serve the value as written
        return value
    return target["value"] if isinstance(target, dict) and "value" in target else target


def pick_example(media: dict[str, Any] | None, name: str | None) -> tuple[bool, Any]:
    """(found, value) of the named example, or of the first example when no name is given.

    An example that breaks its schema (set aside at load, see schemacheck) is never picked unless asked for by name.
    """
    if not media:
        return False, None
    examples = media.get("examples") or {}
    if name is not None:
        example = examples.get(name)
        if isinstance(example, dict) and "value" in example:
            return True, example["value"]
        return False, None
    if "example" in media:
        return True, media["example"]
    for example in examples.values():
        if isinstance(example, dict) and "value" in example and not example.get("x-flowmock-invalid"):
            return True, example["value"]
    return False, None
