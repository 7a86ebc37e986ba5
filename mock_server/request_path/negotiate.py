"""Choose the documented response to send: status, media type and example, honouring `Prefer`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.request_path.generate import merge_all_of
from mock_server.loading.spec import Operation, Spec

JSON_TYPES = ("application/json",)


@dataclass(frozen=True)
class Preferences:
    """What a request asked for through the `Prefer` header (Prism style)."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    delay_ms: int | None = None
    others: tuple[tuple[str, str], ...] = ()  # the rest (e.g. `fail-at=2`), for behaviours

    @classmethod
    def parse(cls, header: str | None) -> Preferences:
        """Parse `Prefer: code=404, example=NAME, dynamic=true, delay=300`."""
        if not header:
            return cls()
        values: dict[str, str] = {}
        for part in re.split(r"[,;]", header):
            if "=" in part:
                key, value = part.split("=", 1)
                values[key.strip().lower()] = value.strip().strip('"')
        code = int(values["code"]) if values.get("code", "").isdigit() else None
        delay = int(values["delay"]) if values.get("delay", "").isdigit() else None
        dynamic = values["dynamic"].lower() == "true" if "dynamic" in values else None
        known = ("code", "example", "dynamic", "delay")
        return cls(code, values.get("example"), dynamic, delay, tuple((k, v) for k, v in values.items() if k not in known))


def success_status(op: Operation) -> int:
    """The first documented 2xx status (201 before 200 for creates is the spec's call)."""
    codes = sorted(int(c) for c in (op.definition.get("responses") or {}) if str(c).isdigit() and str(c).startswith("2"))
    return codes[0] if codes else 200


def success_schema(spec: Spec, op: Operation, status: int | None = None) -> dict[str, Any] | None:
    """The JSON schema (allOf merged) of the success response, or of `status`; a `default` response counts."""
    response = response_for(spec, op, status or success_status(op))
    for ctype, media in ((response or {}).get("content") or {}).items():
        if "json" in ctype and "schema" in media:
            return merge_all_of(media["schema"], spec.resolve)
    return None


def response_for(spec: Spec, op: Operation, status: int) -> dict[str, Any] | None:
    """The response object documented for a status (exact, then 4XX-style range, then default)."""
    responses = op.definition.get("responses") or {}
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return spec.resolve(responses[key])
    return None


def media_type_for(spec: Spec, op: Operation, status: int, problem: bool = False) -> tuple[str, dict[str, Any] | None]:
    """The content type to send for a status and its media object; problem+json first for errors."""
    response = response_for(spec, op, status)
    content = (response or {}).get("content") or {}
    if not content:
        return ("application/problem+json" if problem else "application/json"), None
    order = ["application/problem+json", "application/json"] if problem else ["application/json"]
    for ctype in order:
        if ctype in content:
            return ctype, content[ctype]
    for ctype, media in content.items():
        if ctype.endswith("json"):
            return ctype, media
    ctype = next(iter(content))
    return ctype, content[ctype]


def documented_statuses(op: Operation) -> list[int]:
    """Every explicit numeric status the operation documents."""
    return sorted(int(c) for c in (op.definition.get("responses") or {}) if str(c).isdigit())


def pick_example(media: dict[str, Any] | None, name: str | None) -> tuple[bool, Any]:
    """(found, value) of the named example, or of the first example when no name is given."""
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
        if isinstance(example, dict) and "value" in example:
            return True, example["value"]
    return False, None
