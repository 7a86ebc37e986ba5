"""Parsed spec and fixture files kept on disk, so a restart reads them in milliseconds instead of parsing YAML again.

An entry is keyed by the file's resolved path, size and modification time and by the parsing module's own
size and modification time (a new flowmock parses again). Values are stored with `marshal` (plain data only,
nothing executable): a file whose parse holds anything else (a YAML timestamp, say) is simply not cached.
The folder is `$FLOWMOCK_CACHE_DIR`, else `$XDG_CACHE_HOME/flowmock`, else `~/.cache/flowmock`;
`FLOWMOCK_NO_CACHE=1` turns the cache off; deleting the folder is always safe.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SMALLEST_CACHED = 8 * 1024  # smaller files parse in about a millisecond: not worth an entry
MOST_ENTRIES = 200  # the oldest entries are removed beyond this


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is off."""
    if os.environ.get("FLOWMOCK_NO_CACHE"):
        return None
    if os.environ.get("FLOWMOCK_CACHE_DIR"):
        return Path(os.environ["FLOWMOCK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flowmock"


def cached_parse(path: Path, parse: Callable[[Path], Any]) -> Any:
    """`parse(path)`, or its result from the cache when neither the file nor the parsing code changed since."""
    folder = cache_dir()
    try:
        stat = path.stat()
    except OSError:
        return parse(path)  # let the parser report the missing or unreadable file
    if folder is None or stat.st_size < SMALLEST_CACHED:
        return parse(path)
    entry = folder / f"{_key(path, stat, parse)}.marshal"
    try:
        return marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = parse(path)
    _store(folder, entry, value)
    return value


def _key(path: Path, stat: os.stat_result, parse: Callable[[Path], Any]) -> str:
    code = Path(parse.__code__.co_filename)
    code_stat = code.stat() if code.exists() else None
    parts = (str(path), str(path.resolve()), stat.st_size, stat.st_mtime_ns, parse.__qualname__, str(code),
             code_stat.st_size if code_stat else 0, code_stat.st_mtime_ns if code_stat else 0, sys.version)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def _store(folder: Path, entry: Path, value: Any) -> None:
    """Write an entry atomically; a value marshal cannot hold, or a folder that cannot be written, is skipped."""
    try:
        data = marshal.dumps(value)
    except ValueError:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = entry.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, entry)
        entries = sorted(folder.glob("*.marshal"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-MOST_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError:
        return
