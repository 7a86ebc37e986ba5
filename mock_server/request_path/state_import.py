"""Checks a state import (`PUT /__flowmock/state`) against the served specs, as fixtures are, before anything is replaced."""
from __future__ import annotations

from typing import Any

from mock_server.request_path.models import ResourceModel
from mock_server.loading.spec import Spec
from mock_server.request_path.validate import SchemaChecker

_TENANT_KEYS = frozenset({"buckets", "counters", "ticks", "jobs"})
_MAX_ADVANCE = 1000 * 366 * 86400.0  # a thousand years: beyond, datetimes overflow
_JOB_KEYS = frozenset({"due", "seq", "spec", "op", "kind", "args", "caller"})


class StateChecker:
    """Finds every problem of an export (shape, collections, ids, schemas); an import is refused when there is one."""

    def __init__(self, specs: list[Spec], models: dict[str, dict[str, ResourceModel]], max_problems: int) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.models = models
        self.max_problems = max_problems
        self._checkers: dict[tuple[str, str], SchemaChecker] = {}

    def problems(self, data: Any) -> list[str]:
        """Each problem as `where: what`, at most `max_problems` of them; empty when the export can be imported."""
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("tenants"), dict):
            return ["<body>: expected an export: {\"version\": 1, \"tenants\": {NAME: {\"buckets\": {...}, \"counters\": {...}, \"ticks\": N}}}"]
        found: list[str] = []
        self._clock(data.get("clock", {}), found)
        for name, tenant in data["tenants"].items():
            self._tenant(f"tenants.{name}", tenant, found)
            if len(found) >= self.max_problems:
                break
        return found[: self.max_problems]

    def _clock(self, clock: Any, found: list[str]) -> None:
        """The clock's manual moves: {"advanced_seconds": N}, N a non-negative number of seconds."""
        advanced = clock.get("advanced_seconds", 0) if isinstance(clock, dict) else None
        if not isinstance(clock, dict) or set(clock) - {"advanced_seconds"}:
            found.append("clock: must be an object {\"advanced_seconds\": N}")
        elif isinstance(advanced, bool) or not isinstance(advanced, (int, float)) or not 0 <= advanced <= _MAX_ADVANCE:
            found.append(f"clock.advanced_seconds: must be a number of seconds from 0 to {_MAX_ADVANCE:.0f}, got {advanced!r:.40}")

    def _tenant(self, where: str, tenant: Any, found: list[str]) -> None:
        if not isinstance(tenant, dict):
            found.append(f"{where}: must be an object with buckets, counters and ticks, got {type(tenant).__name__}")
            return
        for key in sorted(set(tenant) - _TENANT_KEYS):
            found.append(f"{where}.{key}: unknown key (expected buckets, counters, ticks, jobs)")
        self._jobs(f"{where}.jobs", tenant.get("jobs", []), found)
        ticks = tenant.get("ticks", 0)
        if not isinstance(ticks, int) or isinstance(ticks, bool) or ticks < 0:
            found.append(f"{where}.ticks: must be a non-negative integer, got {ticks!r:.40}")
        counters = tenant.get("counters", {})
        if not isinstance(counters, dict):
            found.append(f"{where}.counters: must be an object of integers, got {type(counters).__name__}")
        else:
            for key, value in counters.items():
                if not isinstance(value, int) or isinstance(value, bool):
                    found.append(f"{where}.counters.{key}: must be an integer, got {value!r:.40}")
        buckets = tenant.get("buckets", {})
        if not isinstance(buckets, dict):
            found.append(f"{where}.buckets: must be an object of collections, got {type(buckets).__name__}")
            return
        for key, items in buckets.items():
            self._bucket(f"{where}.buckets[{key!r}]", key, items, found)
            if len(found) >= self.max_problems:
                return

    def _jobs(self, where: str, jobs: Any, found: list[str]) -> None:
        """Scheduled work: a list of {due, seq, spec, op, kind, args} for a served spec and operation."""
        if not isinstance(jobs, list):
            found.append(f"{where}: must be a list of scheduled jobs, got {type(jobs).__name__}")
            return
        for index, job in enumerate(jobs):
            at = f"{where}[{index}]"
            if not isinstance(job, dict) or not {"due", "spec", "op", "kind"} <= set(job) or set(job) - _JOB_KEYS:
                found.append(f"{at}: must be an object with due, seq, spec, op, kind and args")
            elif job["spec"] not in self.specs or job["op"] not in self.specs[job["spec"]].by_id:
                found.append(f"{at}: {job['spec']}:{job['op']} is not a served operation")
            elif not isinstance(job["due"], str) or not isinstance(job.get("args", {}), dict):
                found.append(f"{at}: due must be an RFC 3339 string and args an object")

    def _bucket(self, where: str, key: str, items: Any, found: list[str]) -> None:
        spec_name, _, rest = key.partition("|")
        resource, *parents = rest.split("|")
        spec = self.specs.get(spec_name)
        if spec is None:
            found.append(f"{where}: spec '{spec_name}' is not served (served: {', '.join(sorted(self.specs))})")
            return
        model = self.models.get(spec_name, {}).get(resource)
        if model is None:
            found.append(f"{where}: '{resource}' is not a stored resource of {spec_name} "
                         f"(resources: {', '.join(sorted(self.models.get(spec_name, {})))})")
            return
        if len(parents) != resource.count("{"):
            found.append(f"{where}: '{resource}' needs {resource.count('{')} parent id(s) after the resource, got {len(parents)}")
            return
        if not isinstance(items, dict):
            found.append(f"{where}: must be an object of id → object, got {type(items).__name__}")
            return
        checker = self._checker(spec, model)
        for ident, obj in items.items():
            here = f"{where}[{ident!r}]"
            if not isinstance(obj, dict):
                found.append(f"{here}: must be an object, got {type(obj).__name__}")
            elif str(obj.get(model.id_field)) != ident:
                found.append(f"{here}: its id field '{model.id_field}' is {obj.get(model.id_field)!r:.60}, not the key it is stored under")
            else:
                errors = checker.errors(obj)
                if errors:
                    first = errors[0]
                    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
                    found.append(f"{here}: field '{first.field or '<object>'}': {first.message}{more}")
            if len(found) >= self.max_problems:
                return

    def _checker(self, spec: Spec, model: ResourceModel) -> SchemaChecker:
        key = (spec.name, model.key)
        if key not in self._checkers:
            self._checkers[key] = SchemaChecker(spec.doc, model.schema, "response")
        return self._checkers[key]
