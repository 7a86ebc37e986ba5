"""The app's in-memory state: stored objects per tenant, spec and resource. The only mutable state."""
from __future__ import annotations

import bisect
import copy
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from collections.abc import Hashable
from typing import Any

import orjson

from mock_server.request_path.jsonencode import EXACT_JSON

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


class Version:
    """Names stored data as it is now: an object or collection (`anchor`) under its tenant's current version token.

    Equal only for the very same anchor and token, so a cache keyed by it is never served stale bytes: every write
    of the tenant (and every job it runs) issues a new token. A key holds its anchor and token alive, so their ids
    cannot be reused while it is cached.
    """

    __slots__ = ("anchor", "token", "detail")

    def __init__(self, anchor: Any, token: object, detail: Hashable = ()) -> None:
        self.anchor, self.token, self.detail = anchor, token, detail

    def __hash__(self) -> int:
        return hash((id(self.anchor), id(self.token), self.detail))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Version) and self.anchor is other.anchor and self.token is other.token
                and self.detail == other.detail)


@dataclass
class TenantState:
    """One tenant's objects, plus the counters that keep generation deterministic."""

    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    ticks: int = 0
    jobs: list[dict[str, Any]] = field(default_factory=list)  # work scheduled on the clock, earliest first
    shared: bool = False  # the baseline as every tenant sees it before its first write: never written to
    token: object = field(default_factory=object, repr=False, compare=False)  # renewed whenever stored data may change
    _undo: Undo | None = field(default=None, repr=False, compare=False)
    _touched: list[Bucket] = field(default_factory=list, repr=False, compare=False)
    _created: list[str] = field(default_factory=list, repr=False, compare=False)
    _found: dict[int, tuple[dict[str, Any], Any]] = field(default_factory=dict, repr=False, compare=False)
    _saved: tuple[dict[str, int], int, list[dict[str, Any]]] = field(default=({}, 0, []), repr=False, compare=False)

    def schedule(self, due: str, job: dict[str, Any]) -> None:
        """Keep `job` until the clock reaches `due` (RFC 3339, compared as text), in due order."""
        entry = {**job, "due": due, "seq": self.next_count("|job")}
        bisect.insort(self.jobs, entry, key=_job_order)  # the list stays in due order: no sort of every pending job

    def pop_due(self, now: str) -> dict[str, Any] | None:
        """The earliest job due at `now`, removed; None when nothing is due."""
        if self.jobs and self.jobs[0]["due"] <= now:
            self.token = object()  # a job edits stored objects in place
            return self.jobs.pop(0)
        return None

    def bucket(self, key: str) -> dict[str, Any]:
        """The id → object map of a collection (created empty on first use); changes to it can be rolled back.

        The shared baseline is never written: a missing collection there is an empty one, not a new one.
        """
        if self.shared:
            return self.buckets.get(key) or {}
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
        self.token = object()  # a write may edit stored objects in place: bytes cached for the old token are stale
        self._saved = (dict(self.counters), self.ticks, list(self.jobs))  # a job is never edited once scheduled

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
            obj.update(_restored(before))
        self.counters, self.ticks, self.jobs = dict(self._saved[0]), self._saved[1], self._saved[2]
        self.token = object()
        self.commit()

    def commit(self) -> None:
        """Keep the changes since `begin()` and stop remembering."""
        for items in self._touched:
            items.undo = None
        self._undo, self._touched, self._created, self._found = None, [], [], {}

    def remember(self, obj: Any) -> None:
        """During a write, keep a copy of an object that may be edited in place, so a rollback restores it."""
        if self._undo is not None and isinstance(obj, dict) and id(obj) not in self._found:
            self._found[id(obj)] = (obj, _snapshot(obj))

    def version(self, anchor: Any, detail: Hashable = ()) -> Version:
        """The version of a stored object or collection of this tenant, as it is until the tenant next changes."""
        return Version(anchor, self.token, detail)

    def next_count(self, name: str) -> int:
        """Count calls per name: the sequence number that seeds generation."""
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def tick(self) -> int:
        """Advance this tenant's logical clock by one step."""
        self.ticks += 1
        return self.ticks

    def find(self, spec: str, resource: str, object_id: str, new: bool = False) -> Any | None:
        """Find an object by id in any parent partition of a resource. During a write its content can be rolled back,
        unless it is `new` (made by this write: a rollback takes it away altogether)."""
        prefix = bucket_key(spec, resource)
        items = self.buckets.get(prefix) if "{" not in resource else None
        if items is None or object_id not in items:  # (a collection without parents has one bucket: no scan)
            items = next((found for key, found in self.buckets.items()
                          if (key == prefix or key.startswith(prefix + "|")) and object_id in found), None)
        if items is None:
            return None
        if not new:
            self.remember(items[object_id])
        return items[object_id]

    def peek(self, spec: str, resource: str, object_id: str) -> Any | None:
        """`find` for a caller that only reads the object: no copy of it is kept for a rollback."""
        return self.find(spec, resource, object_id, new=True)

    def objects(self, spec: str, resource: str) -> Iterator[Any]:
        """Every stored object of a resource, across parent partitions."""
        prefix = bucket_key(spec, resource)
        for key, items in self.buckets.items():
            if key == prefix or key.startswith(prefix + "|"):
                yield from items.values()


def _job_order(job: dict[str, Any]) -> tuple[str, int]:
    """Scheduled work runs by due time, then in the order it was scheduled."""
    return job["due"], job["seq"]


def _snapshot(obj: dict[str, Any]) -> Any:
    """A frozen copy of a stored object, cheap to take (rollbacks are rare): its JSON bytes, else a deep copy."""
    try:
        return orjson.dumps(obj, option=EXACT_JSON)
    except orjson.JSONEncodeError:  # not plain JSON data (a datetime, an integer beyond 64 bits, ...)
        return copy.deepcopy(obj)


def _restored(snapshot: Any) -> dict[str, Any]:
    """The object a `_snapshot` was taken of."""
    return orjson.loads(snapshot) if isinstance(snapshot, bytes) else snapshot


class Store:
    """Tenant-partitioned state, reset to a baseline (the loaded fixtures) on demand.

    A tenant costs nothing until its first write: reads see the shared baseline. At most `max_tenants` tenants
    keep a state of their own; beyond that the least recently used one is dropped (it starts from the baseline again).
    """

    def __init__(self, baseline: dict[str, dict[str, Any]] | None = None, max_tenants: int = 1000, owned: bool = False) -> None:
        """`owned`: the caller hands the baseline over and keeps no reference to it, so it is not copied."""
        self._baseline: dict[str, dict[str, Any]] = (baseline or {}) if owned else copy.deepcopy(baseline or {})
        self._shared = TenantState(buckets=self._baseline, shared=True)
        self._tenants: OrderedDict[str, TenantState] = OrderedDict()
        self.max_tenants = max_tenants
        self.evicted = 0
        self.clock_advanced = timedelta(0)  # the clock's manual moves (POST /__flowmock/clock), persisted with the rest

    def tenant(self, name: str = DEFAULT_TENANT, write: bool = True) -> TenantState:
        """The state of one tenant: its own (copied from the baseline on its first write), else the shared baseline."""
        state = self._tenants.get(name)
        if state is not None:
            self._tenants.move_to_end(name)
            return state
        if not write:
            return self._shared
        state = self._tenants[name] = TenantState(buckets=copy.deepcopy(self._baseline))
        while len(self._tenants) > max(1, self.max_tenants):
            oldest = next(iter(self._tenants))
            del self._tenants[oldest]
            self.evicted += 1
        return state

    def has(self, name: str) -> bool:
        """True when the tenant has a state of its own (it wrote something)."""
        return name in self._tenants

    def view(self, name: str = DEFAULT_TENANT) -> dict[str, dict[str, Any]]:
        """The collections a tenant sees (its own, else the shared baseline), read-only: no tenant is made or touched."""
        state = self._tenants.get(name)
        return (state or self._shared).buckets

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
            "clock": {"advanced_seconds": self.clock_advanced.total_seconds()},
            "tenants": {
                name: {"buckets": state.buckets, "counters": state.counters, "ticks": state.ticks, "jobs": state.jobs}
                for name, state in sorted(self._tenants.items())
            },
        }

    def import_(self, data: dict[str, Any]) -> None:
        """Replace the whole state with an export."""
        if data.get("version") != 1 or not isinstance(data.get("tenants"), dict):
            raise ValueError("expected an export with version 1 and a tenants object")
        self._tenants = OrderedDict(
            (name, TenantState(copy.deepcopy(t.get("buckets", {})), dict(t.get("counters", {})), int(t.get("ticks", 0)),
                               copy.deepcopy(list(t.get("jobs", [])))))
            for name, t in data["tenants"].items()
        )
        self.clock_advanced = timedelta(seconds=float((data.get("clock") or {}).get("advanced_seconds", 0)))


class Clock:
    """The server's one clock: a start instant, then wall time scaled by `scale`, plus explicit advances.

    In logical mode (a seed or a start instant was given) each write of a tenant also adds one second for that
    tenant, and time stands still between writes unless a scale is set, so the same requests give the same bytes.
    """

    def __init__(self, start: datetime | None, scale: float | None = None, store: Store | None = None) -> None:
        self.logical = start is not None
        self.start = start if start is not None else datetime.now(timezone.utc)
        self.scale = (0.0 if self.logical else 1.0) if scale is None else scale
        self._wall_origin = time.monotonic()
        self._moves = store if store is not None else Store()  # the advances live in the store, so they are persisted

    @property
    def offset(self) -> timedelta:
        """How far the clock was moved by hand."""
        return self._moves.clock_advanced

    @offset.setter
    def offset(self, value: timedelta) -> None:
        self._moves.clock_advanced = value

    def base(self) -> datetime:
        """The time every tenant shares (before a logical tenant's per-write seconds)."""
        elapsed = (time.monotonic() - self._wall_origin) * self.scale
        return self.start + timedelta(seconds=elapsed) + self.offset

    def now(self, state: TenantState) -> datetime:
        """The current time for a tenant."""
        return self.base() + timedelta(seconds=state.ticks) if self.logical else self.base()

    def advance(self, by: timedelta) -> None:
        """Move the clock forward (never back)."""
        if by < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += by

    @staticmethod
    def iso(moment: datetime) -> str:
        """RFC 3339 with milliseconds and Z, as most JSON APIs write it."""
        return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"  # "+00:00" → "Z"
