"""`--state-file`: the store is loaded from a file at start and written back atomically, shortly after changes and at exit."""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from mock_server.errors import ConfigError
from mock_server.request_path.models import build_models
from mock_server.request_path.resources import infer_actions
from mock_server.loading.spec import Spec
from mock_server.request_path.state_import import StateChecker
from mock_server.request_path.store import Store

logger = logging.getLogger(__name__)
_MAX_PROBLEMS = 100  # problems counted in a refused file (the first is named)
_LOOP_SHARE = 10  # the pause between writes is at least this many times the time serializing took


class StateLock:
    """An exclusive OS lock (flock) on `.NAME.lock` next to a state file: one server per file.

    The kernel releases it when its holder exits, however it exits (SIGKILL included), so a stale lock never blocks.
    The lock file holds the holder's process id, for the message a second server prints.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.parent / f".{path.name}.lock"
        self._file: IO[str] | None = None

    def acquire(self, state_file: Path) -> StateLock:
        """Take the lock, or refuse with a message naming the server that holds it."""
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the life of the server
        except OSError as exc:
            raise ConfigError(f"--state-file {state_file}: cannot create its lock file {self.path}: "
                              f"{exc.strerror or exc} (the directory must be writable)") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise ConfigError(f"--state-file {state_file}: already in use by another running flowmock server{who}; "
                              "stop that server or choose another --state-file") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Let another server use the file (idempotent)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.seek(0)
                self._file.truncate()
            self._file.close()  # closing the descriptor drops the flock
            self._file = None

    @property
    def held(self) -> bool:
        """True while this server holds the lock."""
        return self._file is not None


def open_state_file(path: Path, specs: list[Spec], store: Store, interval: float) -> StateWriter:
    """Lock `path` for this server, load what it holds into `store`, and return the writer that keeps it up to date."""
    _check_directory(path)
    lock = StateLock(path).acquire(path)
    try:
        saved = read_state_file(path, specs)
        if saved is not None:
            store.import_(saved)
    except BaseException:
        lock.release()
        raise
    return StateWriter(path, store, interval, lock)


def _check_directory(path: Path) -> None:
    if not path.parent.is_dir():
        raise ConfigError(f"--state-file {path}: the directory {path.parent} does not exist")


def read_state_file(path: Path, specs: list[Spec]) -> dict[str, Any] | None:
    """The checked export held by `path`, or None when it does not exist yet; a bad file is refused and left as it is."""
    refuse = f"--state-file {path}: "
    keep = " (the file was left untouched: fix it, move it away or choose another --state-file)"
    _check_directory(path)
    if not path.exists():
        if not os.access(path.parent, os.W_OK):
            raise ConfigError(refuse + f"the directory {path.parent} is not writable")
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(refuse + f"cannot be read: {exc}" + keep) from None
    except RecursionError:
        raise ConfigError(refuse + "not JSON this server can read: values are nested too deeply" + keep) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(refuse + f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})" + keep) from None
    models = {spec.name: build_models(spec, infer_actions(spec)) for spec in specs}
    try:
        problems = StateChecker(specs, models, _MAX_PROBLEMS).problems(data)
    except RecursionError:
        raise ConfigError(refuse + "not a flowmock state: values are nested too deeply" + keep) from None
    if problems:
        more = f" ({len(problems)} problems in all)" if len(problems) > 1 else ""
        raise ConfigError(refuse + f"not a flowmock state: {problems[0]}{more}" + keep)
    if not os.access(path, os.W_OK):
        raise ConfigError(refuse + "is not writable")
    return dict(data)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a reader (or a crash) sees the old file or the new one, never a mix."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files a killed server left next to the state file."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


class StateWriter:
    """Writes the store to its file after changes, at most once per `interval` seconds, and once more at shutdown."""

    def __init__(self, path: Path, store: Store, interval: float, lock: StateLock | None = None) -> None:
        self.path, self.store, self.interval = path, store, interval
        self.lock = lock
        self._changes = 0  # bumped by every request that may have changed the store
        self._written = 0  # the change count the file holds
        self._file_lock = threading.Lock()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def changed(self) -> None:
        """Note that the store may have changed (called on the event loop)."""
        self._changes += 1
        if self._wake is not None:
            self._wake.set()

    async def start(self) -> None:
        """Start the background writer (lifespan start-up)."""
        remove_stale_temporaries(self.path)
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="flowmock-state-writer")

    async def stop(self) -> None:
        """Stop the background writer, write what changed since its last write and release the file (lifespan shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._changes += 1  # reads move generator counters without a notice: the last write takes everything
        try:
            await asyncio.to_thread(self._save, *self._snapshot())
        finally:
            self.close()

    def close(self) -> None:
        """Write now if anything changed, then release the file's lock (after the event loop has ended; idempotent)."""
        try:
            if self.lock is None or self.lock.held:
                self._save(*self._snapshot())
        finally:
            if self.lock is not None:
                self.lock.release()

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = loop.time()
            pause = self.interval
            try:
                snapshot = self._snapshot()
                # serializing holds the event loop: a large store is written less often, so it never takes over 10% of it
                pause = max(self.interval, _LOOP_SHARE * (loop.time() - started))
                await asyncio.to_thread(self._save, *snapshot)
                logger.debug("state file %s written in %.3f s", self.path, loop.time() - started)
            except Exception as exc:  # a full disk or a lost directory must not stop the server
                logger.error("cannot write the state file %s: %s (will try again)", self.path, exc)
                self._wake.set()
            await asyncio.sleep(max(0.0, started + pause - loop.time()))  # at most one write per interval

    def _snapshot(self) -> tuple[int, bytes | None]:
        """The change count and, when the file is behind, the store's bytes (taken on the loop, so consistent)."""
        if self._changes == self._written:
            return self._changes, None
        return self._changes, json.dumps(self.store.export(), separators=(",", ":"), ensure_ascii=False, default=str).encode()

    def _save(self, changes: int, data: bytes | None) -> None:
        with self._file_lock:
            if data is None or changes <= self._written:
                return
            write_atomically(self.path, data)
            self._written = changes
