"""Cassettes to and from VCR.py-compatible YAML, and on disk (atomic writes, one writer per file)."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from mock_server.recording.cassette._model import (
    CASSETTE_VERSION,
    Cassette,
    CassetteError,
    Headers,
    Interaction,
    Request,
    Response,
)

logger = logging.getLogger(__name__)


def to_dict(cassette: Cassette) -> dict[str, Any]:
    """The VCR.py-compatible data of a cassette."""
    data: dict[str, Any] = {"version": CASSETTE_VERSION}
    meta = _meta(cassette)
    if meta:
        data["flowmock"] = meta
    data["interactions"] = [interaction_to_dict(i) for i in cassette.interactions]
    return data


def _meta(cassette: Cassette) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if cassette.upstream:
        meta["upstream"] = cassette.upstream
    if cassette.redact:
        meta["redact"] = list(cassette.redact)
    if cassette.keep:
        meta["keep"] = list(cassette.keep)
    return meta


def interaction_to_dict(interaction: Interaction) -> dict[str, Any]:
    """One interaction as VCR.py writes it (request keys exactly method, uri, body, headers)."""
    req, res = interaction.request, interaction.response
    out: dict[str, Any] = {
        "request": {"method": req.method, "uri": req.uri, "body": _text_or_bytes(req.body) if req.body else None,
                    "headers": {k: list(v) for k, v in req.headers.items()}},
        "response": {"status": {"code": res.status, "message": res.message},
                     "headers": {k: list(v) for k, v in res.headers.items()},
                     "body": {"string": _text_or_bytes(res.body)}},
    }
    if interaction.recorded_at:
        out["recorded_at"] = interaction.recorded_at
    return out


def _text_or_bytes(body: bytes) -> str | bytes:
    """UTF-8 text stays readable in YAML; anything else is written as !!binary."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


def from_dict(data: Any, source: str = "<cassette>") -> Cassette:
    """Build a cassette from flowmock or VCR.py data; raise CassetteError naming the source and problem."""
    if isinstance(data, list) and data and isinstance(data[0], dict) and "request" in data[0]:
        raise CassetteError(f"{source}: a pre-1.0 VCR.py cassette (no version); re-record it or migrate it with VCR.py")
    if not isinstance(data, dict) or "interactions" not in data:
        raise CassetteError(f"{source}: not a cassette (expected a mapping with `version` and `interactions`)")
    data = _migrate(data, source)
    meta = data.get("flowmock") or {}
    try:
        interactions = [_interaction_from_dict(item) for item in data.get("interactions") or []]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CassetteError(f"{source}: malformed interaction: {exc!r}") from None
    return Cassette(interactions, meta.get("upstream"), tuple(str(n) for n in meta.get("redact") or ()),
                    tuple(str(n) for n in meta.get("keep") or ()))


# version -> function turning data of that version into the next one; none yet, version 1 is the first.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _migrate(data: dict[str, Any], source: str) -> dict[str, Any]:
    version = data.get("version")
    if not isinstance(version, int) or version < 1 or version > CASSETTE_VERSION:
        raise CassetteError(f"{source}: unsupported cassette version {version!r}; this flowmock reads versions "
                            f"1..{CASSETTE_VERSION}")
    while version < CASSETTE_VERSION:
        data = _MIGRATIONS[version](data)
        version = data["version"]
    return data


def _interaction_from_dict(item: dict[str, Any]) -> Interaction:
    req, res = item["request"], item["response"]
    status = res.get("status") or {}
    body = res.get("body")
    body = body.get("string") if isinstance(body, dict) else body
    return Interaction(
        Request(str(req["method"]).upper(), str(req["uri"]), _headers_in(req.get("headers")), _bytes_in(req.get("body"))),
        Response(int(status.get("code", 0)) if isinstance(status, dict) else int(status),
                 str(status.get("message", "") or "") if isinstance(status, dict) else "",
                 _headers_in(res.get("headers")), _bytes_in(body)),
        str(item["recorded_at"]) if item.get("recorded_at") else None,
    )


def _headers_in(raw: Any) -> Headers:
    out: Headers = {}
    for name, values in (raw or {}).items():
        values = values if isinstance(values, list) else [values]
        out[str(name)] = [str(v) for v in values if v is not None]
    return out


def _bytes_in(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")  # a hand-edited body written as YAML data


class _Loader(yaml.SafeLoader):
    """Safe loading, plus the harmless python/str tags old VCR.py cassettes carry."""


def _plain_scalar(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:python/str", _plain_scalar)
_Loader.add_constructor("tag:yaml.org,2002:python/unicode", _plain_scalar)


class _Dumper(yaml.SafeDumper):
    """Safe dumping that keeps NEL and Unicode line separators intact (PyYAML folds them in single quotes)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(ch in value for ch in "\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)


def dumps(cassette: Cassette) -> str:
    """Serialize a cassette to YAML text."""
    return _dump(to_dict(cassette))


def loads(text: str, source: str = "<string>") -> Cassette:
    """Parse YAML text into a cassette."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CassetteError(f"{source}: YAML syntax error: {str(exc).splitlines()[0]}") from None
    return from_dict(data, source)


# ---------------------------------------------------------------- persist


def read_cassette(path: Path) -> Cassette:
    """Load a cassette file; CassetteError names the file when it cannot."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read cassette: {exc.strerror or exc}") from None
    return loads(text, str(path))


def write_cassette(cassette: Cassette, path: Path) -> None:
    """Write a whole cassette atomically (a crash leaves the previous file intact)."""
    _atomic_write(Path(path), dumps(cassette))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CassetteWriter:
    """Appends interactions to a cassette file, rewriting it atomically after each one; bounded by count and bytes.

    Only each interaction's YAML text is kept (not the interaction itself), so memory is about the file's size.
    """

    def __init__(self, path: Path, cassette: Cassette, max_interactions: int | None = None, max_bytes: int | None = None) -> None:
        self.path = Path(path)
        self.cassette = dataclasses.replace(cassette, interactions=[])  # the chunks below are its interactions
        self.max_interactions, self.max_bytes = max_interactions, max_bytes
        self._chunks = [_dump([interaction_to_dict(i)]) for i in cassette.interactions]
        self.size = sum(len(chunk.encode("utf-8")) for chunk in self._chunks)

    @property
    def count(self) -> int:
        """How many interactions the cassette holds."""
        return len(self._chunks)

    def append(self, interaction: Interaction) -> bool:
        """Add one interaction and persist the whole cassette; False (nothing written) when that would pass a bound."""
        chunk = _dump([interaction_to_dict(interaction)])
        cost = len(chunk.encode("utf-8"))
        if (self.max_interactions is not None and self.count >= self.max_interactions) or \
                (self.max_bytes is not None and self.size + cost > self.max_bytes):
            return False
        self._chunks.append(chunk)
        self.size += cost
        self.flush()
        return True

    def flush(self) -> None:
        """Write the file now."""
        head: dict[str, Any] = {"version": CASSETTE_VERSION}
        meta = _meta(self.cassette)
        if meta:
            head["flowmock"] = meta
        body = "interactions:\n" + "".join(self._chunks) if self._chunks else "interactions: []\n"
        _atomic_write(self.path, _dump(head) + body)
