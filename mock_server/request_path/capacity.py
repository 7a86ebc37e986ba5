"""Collection capacity: `x-flowmock-capacity: N` on a create operation caps how many items its collection holds."""
from __future__ import annotations

from mock_server.errors import FieldError, HttpProblem
from mock_server.request_path.resources import Action
from mock_server.loading.spec import Operation, Spec


def declared_capacity(op: Operation) -> int | None:
    """The operation's `x-flowmock-capacity` (None when it declares none)."""
    value = op.extension("capacity")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def capacity(spec: Spec, actions: dict[str, Action], resource: str) -> int | None:
    """The most items `resource` may hold: the smallest capacity its create operations declare."""
    limits = [declared_capacity(op) for op in spec.operations
              if actions[op.operation_id].kind == "create" and actions[op.operation_id].resource == resource]
    found = [limit for limit in limits if limit is not None]
    return min(found) if found else None


def check_capacity(limit: int | None, count: int, label: str) -> None:
    """Refuse (409) adding an item to a collection that already holds `limit` items."""
    if limit is not None and count >= limit:
        raise HttpProblem(409, "Conflict", f"Limit reached: {count} of at most {limit} {label} exist; delete one before "
                          "adding another (x-flowmock-capacity)", [FieldError("body", "", f"at most {limit} {label} allowed")],
                          type="https://flowmock.dev/problems/limit-reached")
