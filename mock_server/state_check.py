"""Checks an exported state (`GET /__flowmock/state`, `--state-file`) against the served specs, like fixtures are checked."""
from __future__ import annotations

import re
from typing import Any

from mock_server.models import ResourceModel, build_models
from mock_server.resources import infer_actions
from mock_server.spec import Spec
from mock_server.validate import SchemaChecker

_PARAM = re.compile(r"\{([^}/]+)\}")


class StateError(ValueError):
    """An exported state that is not well formed or holds an object that breaks its schema."""


def check_export(data: Any, specs: list[Spec]) -> None:
    """Raise StateError naming the tenant, collection, object and field of the first problem in an export."""
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("tenants"), dict):
        raise StateError("expected an object with \"version\": 1 and a \"tenants\" object")
    by_name = {s.name: s for s in specs}
    models = {s.name: build_models(s, infer_actions(s)) for s in specs}
    checkers: dict[tuple[str, str], SchemaChecker] = {}
    for tenant, state in data["tenants"].items():
        where = f"tenant '{tenant}'"
        if not isinstance(state, dict) or not isinstance(state.get("buckets", {}), dict):
            raise StateError(f"{where}: expected an object with a \"buckets\" object")
        counters, ticks = state.get("counters", {}), state.get("ticks", 0)
        if not isinstance(counters, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in counters.values()):
            raise StateError(f"{where}: \"counters\" must map names to integers")
        if not isinstance(ticks, int) or isinstance(ticks, bool) or ticks < 0:
            raise StateError(f"{where}: \"ticks\" must be a non-negative integer")
        jobs = state.get("jobs", [])
        if not isinstance(jobs, list) or not all(isinstance(job, dict) for job in jobs):
            raise StateError(f"{where}: \"jobs\" must be a list of objects")
        for key, items in state.get("buckets", {}).items():
            spec_name, _, rest = str(key).partition("|")
            resource, *parents = rest.split("|")
            label = f"{where}, collection '{key}'"
            spec = by_name.get(spec_name)
            model = models[spec_name].get(resource) if spec is not None else None
            if spec is None or model is None:
                raise StateError(f"{label}: not a stored resource of the served specs")
            if len(parents) != len(_PARAM.findall(resource)) or not isinstance(items, dict):
                raise StateError(f"{label}: expected one parent id per path parameter and an object of items by id")
            checker = checkers.get((spec_name, resource))
            if checker is None:
                checker = checkers[(spec_name, resource)] = SchemaChecker(spec.doc, model.schema, "response")
            for ident, item in items.items():
                _check_item(f"{label}, object '{ident}'", model, checker, ident, item)


def _check_item(label: str, model: ResourceModel, checker: SchemaChecker, ident: str, item: Any) -> None:
    if not isinstance(item, dict) or str(item.get(model.id_field)) != ident:
        raise StateError(f"{label}: expected an object whose '{model.id_field}' is its key")
    errors = checker.errors(item)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise StateError(f"{label}: field '{first.field or '<object>'}': {first.message}{more}")
