"""Keep the contract token (and credential headers given with -H) out of everything a run prints or writes."""
from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

TOKEN_PLACEHOLDER = "$CONTRACT_TOKEN"
MASKED = "[MASKED]"
# Characters a credential is made of: a secret is masked only where none of them touches it, so the token `t`
# masks `Bearer t` but never the t of `contract`.
_CREDENTIAL_CHAR = r"[A-Za-z0-9._~+/=-]"
_NOT_SENT_AGAIN = frozenset({"user-agent", "accept", "accept-encoding", "connection", "content-length",
                             "x-schemathesis-testcaseid"})


def mask(text: str, token: str | None, others: Iterable[str] = ()) -> str:
    """`text` with the token as `$CONTRACT_TOKEN` and other secrets as `[MASKED]`, each only as a whole value."""
    if token:
        text = text.replace("'Authorization: [Filtered]'", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"')
        text = _replace_whole(text, token, TOKEN_PLACEHOLDER)
        text = text.replace(f"'Authorization: Bearer {TOKEN_PLACEHOLDER}'", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"')
    for secret in sorted({s for s in others if s}, key=len, reverse=True):
        text = _replace_whole(text, secret, MASKED)
    return text


def _replace_whole(text: str, secret: str, placeholder: str) -> str:
    # `(?<![A-Za-z]')`: the t of "doesn't" is part of a word, not a value
    pattern = rf"(?<!{_CREDENTIAL_CHAR})(?<![A-Za-z]'){re.escape(secret)}(?!{_CREDENTIAL_CHAR})"
    return re.sub(pattern, lambda _: placeholder, text)


def curl_of(method: str, uri: str, headers: Mapping[str, list[str]], body: bytes | None) -> str:
    """A curl command for a request exactly as it was sent (its own headers, not the run's credentials)."""
    parts = ["curl", "-X", method.upper()]
    for name, values in headers.items():
        if name.lower() in _NOT_SENT_AGAIN:
            continue
        for value in values:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["-d", shlex.quote(body.decode("utf-8", errors="replace"))]
    parts.append(shlex.quote(uri))
    return " ".join(parts)
