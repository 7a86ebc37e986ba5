"""The app's in-memory state: stored objects per tenant, spec and resource. The only mutable state."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

DEFAULT_TENANT = "default"


def bucket_key(spec: str, resource: str, parents: tuple[str, ...] = ()) -> str:
    """The key of one collection: spec, resource path and the ids of its parents."""
    return "|".join([spec, resource, *parents])


@dataclass
class TenantState:
    """One tenant's objects, plus the counters that keep generation deterministic."""

    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    ticks: int = 0

    def bucket(self, key: str) -> dict[str, Any]:
        """The id → object map of a collection (created empty on first use)."""
        return self.buckets.setdefault(key, {})

    def next_count(self, name: str) -> int:
        """Count calls per name: the sequence number that seeds generation."""
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def tick(self) -> int:
        """Advance this tenant's logical clock by one step."""
        self.ticks += 1
        return self.ticks

    def find(self, spec: str, resource: str, object_id: str) -> Any | None:
        """Find an object by id in any parent partition of a resource."""
        prefix = bucket_key(spec, resource)
        for key, items in self.buckets.items():
            if (key == prefix or key.startswith(prefix + "|")) and object_id in items:
                return items[object_id]
        return None

    def objects(self, spec: str, resource: str) -> Iterator[Any]:
        """Every stored object of a resource, across parent partitions."""
        prefix = bucket_key(spec, resource)
        for key, items in self.buckets.items():
            if key == prefix or key.startswith(prefix + "|"):
                yield from items.values()


class Store:
    """Tenant-partitioned state, reset to a baseline (the loaded fixtures) on demand."""

    def __init__(self, baseline: dict[str, dict[str, Any]] | None = None) -> None:
        self._baseline: dict[str, dict[str, Any]] = copy.deepcopy(baseline or {})
        self._tenants: dict[str, TenantState] = {}

    def tenant(self, name: str = DEFAULT_TENANT) -> TenantState:
        """The state of one tenant, seeded from the baseline on first use."""
        state = self._tenants.get(name)
        if state is None:
            state = self._tenants[name] = TenantState(buckets=copy.deepcopy(self._baseline))
        return state

    def tenants(self) -> list[str]:
        """Names of the tenants seen so far."""
        return sorted(self._tenants)

    def reset(self, tenant: str | None = None) -> None:
        """Return one tenant (or all) to the baseline."""
        if tenant is None:
            self._tenants.clear()
        else:
            self._tenants.pop(tenant, None)

    def export(self) -> dict[str, Any]:
        """The whole state as JSON-ready data."""
        return {
            "version": 1,
            "tenants": {
                name: {"buckets": state.buckets, "counters": state.counters, "ticks": state.ticks}
                for name, state in sorted(self._tenants.items())
            },
        }

    def import_(self, data: dict[str, Any]) -> None:
        """Replace the whole state with an export."""
        if data.get("version") != 1 or not isinstance(data.get("tenants"), dict):
            raise ValueError("expected an export with version 1 and a tenants object")
        self._tenants = {
            name: TenantState(copy.deepcopy(t.get("buckets", {})), dict(t.get("counters", {})), int(t.get("ticks", 0)))
            for name, t in data["tenants"].items()
        }


class Clock:
    """Wall time, or a logical clock that starts at a fixed instant and ticks once per write."""

    def __init__(self, start: datetime | None) -> None:
        self.start = start

    def now(self, state: TenantState) -> datetime:
        """The current time for a tenant."""
        if self.start is None:
            return datetime.now(timezone.utc)
        return self.start + timedelta(seconds=state.ticks)

    @staticmethod
    def iso(moment: datetime) -> str:
        """RFC 3339 with milliseconds and Z, as most JSON APIs write it."""
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
