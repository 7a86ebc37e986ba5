"""The start-up text of `flowmock serve`: the served APIs, then an example request, the token hint and the inspector URL."""
from __future__ import annotations

from collections.abc import Sequence

from mock_server.config import ServerConfig
from mock_server.loading.spec import Operation, Spec

EXAMPLE_TOKEN = "dev-token"
TOKEN_VARIABLE = "FLOWMOCK_TOKEN"


def startup_banner(listing: str, specs: Sequence[Spec], config: ServerConfig, base_url: str) -> str:
    """Everything `serve` prints before it answers: the app's listing of its APIs, then how to try it."""
    lines = [listing, "", "try it:"]
    example = _example_operation(specs)
    if example is not None:
        spec, op = example
        url = base_url + spec.server_base + op.path
        secured = op.secured and config.auth
        token = f"${TOKEN_VARIABLE}" if config.accept_tokens is not None else EXAMPLE_TOKEN
        header = f'-H "Authorization: Bearer {token}" ' if secured else ""
        lines.append(f"  curl {header}{url}")
    if not config.auth:
        lines.append("  auth:      off (--no-auth): no token needed")
    elif config.accept_tokens is not None:
        lines.append(f"  auth:      a bearer token from --accept-tokens is needed: export {TOKEN_VARIABLE}=<one of them>")
    else:
        lines.append(f"  auth:      send any bearer token (e.g. {EXAMPLE_TOKEN}); --accept-tokens restricts them, --no-auth drops the check")
    lines.append(f"  inspector: {base_url}/__flowmock/  (admin API docs: {base_url}/__flowmock/ui/)")
    return "\n".join(lines)


def _example_operation(specs: Sequence[Spec]) -> tuple[Spec, Operation] | None:
    """The first GET without path parameters of the first served API that has one."""
    for spec in specs:
        for op in spec.operations:
            if op.method == "get" and "{" not in op.path:
                return spec, op
    return None
