"""Embedded sub-resources: a nested collection whose items live in an array of their parent object.

Declared in a spec with `x-flowmock-embedded` on the nested path (or any of its operations):

    /orders/{orderId}/lines:
      x-flowmock-embedded:
        in: lines            # the parent's array that holds the items
        groups: steps        # optional: an element of `in` holding this array is a group, its elements are items
        index: insertionIndex  # optional: the create body's field giving the position to insert at
        group: sectionId     # optional: the create body's field naming the group to insert into
        move: position       # optional: an update body's field {index: N, <group>: ID} that moves the item

Create, read, update and delete on the nested path then edit the parent's array in place, so a read of
the parent shows every change. `EmbeddedItems` gives that array the mapping interface of a store bucket.
"""
from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

from mock_server.errors import FieldError, HttpProblem


@dataclass(frozen=True)
class Embedding:
    """Where the items of an embedded resource live: `parent[array]` (and `group[groups]` inside it)."""

    parent: str  # the parent resource key, e.g. /orders
    parent_param: str  # the path parameter naming the parent, e.g. orderId
    array: str
    groups: str | None = None
    index_field: str | None = None
    group_field: str | None = None
    move_field: str | None = None

    @classmethod
    def declared(cls, resource: str, declaration: Any) -> Embedding:
        """Build from the extension's value; a broken declaration is a spec error naming what is wrong."""
        if not isinstance(declaration, dict) or not isinstance(declaration.get("in"), str):
            raise ValueError(f"{resource}: x-flowmock-embedded needs `in: <the parent's array property>`")
        segments = resource.strip("/").split("/")
        params = [i for i, s in enumerate(segments) if s.startswith("{") and s.endswith("}")]
        if not params:
            raise ValueError(f"{resource}: x-flowmock-embedded is for nested paths such as /parents/{{id}}/items")
        last = params[-1]
        return cls("/" + "/".join(segments[:last]), segments[last][1:-1], declaration["in"],
                   declaration.get("groups"), declaration.get("index"), declaration.get("group"), declaration.get("move"))


class EmbeddedItems(MutableMapping[str, Any]):
    """The items of one parent object, by id, backed by the parent's own array (and its groups' arrays)."""

    def __init__(self, parent: dict[str, Any], embedding: Embedding, id_field: str) -> None:
        self.parent = parent
        self.embedding = embedding
        self.id_field = id_field

    # ---- where items are ----
    def _top(self) -> list[Any]:
        array = self.parent.get(self.embedding.array)
        if not isinstance(array, list):
            array = self.parent[self.embedding.array] = []
        return array

    def _is_group(self, element: Any) -> bool:
        groups = self.embedding.groups
        return bool(groups) and isinstance(element, dict) and isinstance(element.get(groups), list)

    def _containers(self) -> Iterator[list[Any]]:
        top = self._top()
        yield top
        for element in top:
            if self._is_group(element):
                yield element[self.embedding.groups]

    def _locate(self, key: str) -> tuple[list[Any], int] | None:
        for container in self._containers():
            for index, element in enumerate(container):
                if not self._is_group(element) and isinstance(element, dict) and str(element.get(self.id_field)) == key:
                    return container, index
        return None

    def groups(self) -> list[dict[str, Any]]:
        """The group elements (e.g. sections), in order."""
        return [e for e in self._top() if self._is_group(e)]

    def group_of(self, key: str) -> dict[str, Any] | None:
        """The group that holds item `key`, or None when it sits at the top level."""
        for group in self.groups():
            if any(isinstance(e, dict) and str(e.get(self.id_field)) == key for e in group[self.embedding.groups or ""]):
                return group
        return None

    # ---- mapping interface ----
    def __getitem__(self, key: str) -> Any:
        found = self._locate(key)
        if found is None:
            raise KeyError(key)
        container, index = found
        return container[index]

    def __setitem__(self, key: str, value: Any) -> None:
        found = self._locate(key)
        if found is None:
            self._top().append(value)
        else:
            container, index = found
            container[index] = value

    def __delitem__(self, key: str) -> None:
        found = self._locate(key)
        if found is None:
            raise KeyError(key)
        container, index = found
        del container[index]

    def __iter__(self) -> Iterator[str]:
        for container in self._containers():
            for element in container:
                if not self._is_group(element) and isinstance(element, dict):
                    yield str(element.get(self.id_field))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    # ---- positions ----
    def insert(self, value: Any, index: Any = None, group: Any = None, where: str = "body") -> None:
        """Put a new item at `index` (end when None) of the top array, or of the group whose id is `group`."""
        container = self.container(group, where)
        position = len(container) if not isinstance(index, int) or isinstance(index, bool) else max(0, min(index, len(container)))
        container.insert(position, value)

    def move(self, key: str, index: Any = None, group: Any = None, where: str = "body") -> None:
        """Move item `key` to `index` of the top array or of group `group` (its end when `index` is None)."""
        target = self.container(group, where)  # checked before anything moves
        value = self[key]
        del self[key]
        position = len(target) if not isinstance(index, int) or isinstance(index, bool) else max(0, min(index, len(target)))
        target.insert(position, value)
        if self.embedding.group_field and isinstance(value, dict):
            if group is None:
                value.pop(self.embedding.group_field, None)
            else:
                value[self.embedding.group_field] = group

    def container(self, group: Any = None, where: str = "body") -> list[Any]:
        """The array an item goes into: the top one, or that of the group whose id is `group` (404 when unknown)."""
        return self._top() if group is None else self._group_items(group, where)

    def _group_items(self, group: Any, where: str) -> list[Any]:
        for element in self.groups():
            if str(element.get(self.id_field)) == str(group):
                return element[self.embedding.groups or ""]
        field = self.embedding.group_field or "group"
        raise HttpProblem(404, "Not Found", f"No group with {self.id_field} '{group}' in this {self.embedding.array}",
                          [FieldError(where, field, "unknown group")], type="https://flowmock.dev/problems/unknown-reference")
