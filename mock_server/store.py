"""The app's in-memory state: stored objects per tenant, spec and resource. The only mutable state."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

DEFAULT_TENANT = "default"
_MISSING = object()
Undo = list[tuple["Bucket", str, Any]]  # (bucket, key, value before the change or _MISSING)


def bucket_key(spec: str, resource: str, parents: tuple[str, ...] = ()) -> str:
    """The key of one collection: spec, resource path and the ids of its parents."""
    return "|".join([spec, resource, *parents])


class Bucket(dict):
    """A collection's id → object map that records the value each key had before a change, while a request runs."""

    __slots__ = ("undo",)

    def __init__(self, items: Iterable[tuple[str, Any]] | dict[str, Any] = ()) -> None:
        super().__init__(items)
        self.undo: Undo | None = None

    def _remember(self, key: str) -> None:
        if self.undo is not None:
            self.undo.append((self, key, dict.get(self, key, _MISSING)))

    def __setitem__(self, key: str, value: Any) -> None:
        self._remember(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._remember(key)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        """dict.pop, remembered."""
        self._remember(key)
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """dict.setdefault, remembered."""
        self._remember(key)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """dict.update, remembered key by key."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        """dict.clear, remembered."""
        for key in list(self):
            self._remember(key)
        super().clear()

    def popitem(self) -> tuple[str, Any]:
        """dict.popitem, remembered."""
        key, value = super().popitem()
        if self.undo is not None:
            self.undo.append((self, key, value))
        return key, value

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))  # pickles, copies and persists as a plain dict

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(value, memo) for key, value in self.items()}


@dataclass
class TenantState:
    """One tenant's objects, plus the counters that keep generation deterministic."""

    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    ticks: int = 0
    _undo: Undo | None = field(default=None, repr=False, compare=False)
    _touched: list[Bucket] = field(default_factory=list, repr=False, compare=False)
    _created: list[str] = field(default_factory=list, repr=False, compare=False)
    _found: dict[int, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict, repr=False, compare=False)
    _saved: tuple[dict[str, int], int] = field(default=({}, 0), repr=False, compare=False)

    def bucket(self, key: str) -> dict[str, Any]:
        """The id → object map of a collection (created empty on first use); changes to it can be rolled back."""
        items = self.buckets.get(key)
        if not isinstance(items, Bucket):
            if items is None and self._undo is not None:
                self._created.append(key)
            items = self.buckets[key] = Bucket(items or {})
        if self._undo is not None and items.undo is None:
            items.undo = self._undo
            self._touched.append(items)
        return items

    def begin(self) -> None:
        """Start remembering changes made through `bucket()`, so `rollback()` can undo them."""
        self._undo, self._touched, self._created, self._found = [], [], [], {}
        self._saved = (dict(self.counters), self.ticks)

    def rollback(self) -> None:
        """Undo every change since `begin()`: stored objects, new collections, counters and the clock."""
        for items, key, before in reversed(self._undo or []):
            if before is _MISSING:
                dict.pop(items, key, None)
            else:
                dict.__setitem__(items, key, before)
        for key in self._created:
            if not self.buckets.get(key):
                self.buckets.pop(key, None)
        for obj, before in self._found.values():  # objects a domain rule may have edited in place
            obj.clear()
            obj.update(before)
        self.counters, self.ticks = dict(self._saved[0]), self._saved[1]
        self.commit()

    def commit(self) -> None:
        """Keep the changes since `begin()` and stop remembering."""
        for items in self._touched:
            items.undo = None
        self._undo, self._touched, self._created, self._found = None, [], [], {}

    def next_count(self, name: str) -> int:
        """Count calls per name: the sequence number that seeds generation."""
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def tick(self) -> int:
        """Advance this tenant's logical clock by one step."""
        self.ticks += 1
        return self.ticks

    def find(self, spec: str, resource: str, object_id: str) -> Any | None:
        """Find an object by id in any parent partition of a resource (during a write, its content can be rolled back)."""
        prefix = bucket_key(spec, resource)
        for key, items in self.buckets.items():
            if (key == prefix or key.startswith(prefix + "|")) and object_id in items:
                found = items[object_id]
                if self._undo is not None and isinstance(found, dict) and id(found) not in self._found:
                    self._found[id(found)] = (found, copy.deepcopy(found))
                return found
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
