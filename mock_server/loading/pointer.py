"""JSON pointers (RFC 6901) as `$ref` fragments use them, and the dotted places flowmock prints."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote

_SAFE = "!$&'()*+,;=:@-._~"


def tokens_of(fragment: str) -> list[str]:
    """`#/paths/~1pets%7Bid%7D/get` or `/a/0` → decoded tokens (percent-encoding, then `~1` and `~0`)."""
    text = unquote(fragment.lstrip("#"))
    if not text:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in text.lstrip("/").split("/")] if text.startswith("/") else [text]


def fragment_of(tokens: Sequence[str | int]) -> str:
    """Tokens → a `#/...` fragment that every resolver reads back the same way."""
    return "#" + "".join("/" + quote(str(t).replace("~", "~0").replace("/", "~1"), safe=_SAFE) for t in tokens)


def follow(doc: Any, tokens: Sequence[str]) -> Any:
    """The node the tokens name; LookupError naming the first token that leads nowhere."""
    node = doc
    for depth, token in enumerate(tokens):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise LookupError(place(tokens[: depth + 1]))
    return node


def place(path: Sequence[str | int]) -> str:
    """A readable place: `paths./pets.get.parameters[7].schema.default` (empty path: the document itself)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"
