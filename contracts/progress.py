"""What a contract run shows while it goes: a live bar on a terminal (rich), plain periodic lines elsewhere (CI logs)."""
from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from contracts.events import CheckFailed, ContractEvent, Exchange, PhaseBegan, ScenarioDone, SpecFinished, SpecStarted


class RunState:
    """The figures a progress display shows: spec, phase, operations done of total, requests, failures, time."""

    def __init__(self) -> None:
        self.spec = ""
        self.phase = "starting"
        self.total = 0
        self.done: set[str] = set()
        self.requests = 0
        self.failures: set[tuple[str, str, str]] = set()
        self.started = time.monotonic()
        self._operations: frozenset[str] = frozenset()

    def add(self, event: ContractEvent) -> bool:
        """Fold one event; True when a new spec or phase began."""
        if isinstance(event, SpecStarted):
            self.spec, self.phase, self.done = event.spec, "starting", set()
            self._operations = frozenset(op.label for op in event.operations)
            self.total = len(self._operations)
            return True
        if isinstance(event, PhaseBegan):
            self.phase, self.done = event.phase, set()
            return True
        if isinstance(event, ScenarioDone) and event.operation in self._operations:
            self.done.add(event.operation)
        elif isinstance(event, Exchange):
            self.requests += 1
            if self.phase == "stateful" and event.operation in self._operations:
                self.done.add(event.operation)  # the stateful phase reports one scenario for all operations
        elif isinstance(event, CheckFailed):
            self.failures.add(event.kind)
        elif isinstance(event, SpecFinished):
            self.phase = f"finished ({event.stop_reason})"
        return False

    def line(self) -> str:
        """`contract NAME: fuzzing 12/23 operations, 340 requests, 2 failures, 31s`."""
        return (f"contract {self.spec}: {self.phase} {len(self.done)}/{self.total} operations, {self.requests} requests, "
                f"{len(self.failures)} failures, {time.monotonic() - self.started:.0f}s")


class PlainProgress:
    """A line at every new phase, and at least every `interval` seconds while nothing else is printed."""

    def __init__(self, stream: TextIO, interval: float = 10.0) -> None:
        self.stream, self.interval = stream, interval
        self.state = RunState()
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> PlainProgress:
        self._ticker.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._ticker.join(2)

    def add(self, event: ContractEvent) -> None:
        """Fold an event; print when a phase begins."""
        with self._lock:
            if self.state.add(event) and self.state.phase != "starting":
                self._print()

    def _tick(self) -> None:
        while not self._stop.wait(min(self.interval, 1.0)):
            with self._lock:
                if self.state.spec and time.monotonic() - self._last >= self.interval:
                    self._print()

    def _print(self) -> None:
        self.stream.write(self.state.line() + "\n")
        self.stream.flush()
        self._last = time.monotonic()


class LiveProgress:
    """A rich progress bar on the terminal, replaced by the report when the run ends."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.state = RunState()
        self._progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("operations · {task.fields[requests]} requests · {task.fields[failures]} failures"),
                                  TimeElapsedColumn(), console=Console(file=stream), transient=True)
        self._task = self._progress.add_task("starting", total=None, requests=0, failures=0)

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._progress.stop()

    def add(self, event: ContractEvent) -> None:
        """Fold an event and redraw."""
        self.state.add(event)
        s = self.state
        self._progress.update(self._task, description=f"{s.spec}: {s.phase}", total=s.total or None, completed=len(s.done),
                              requests=s.requests, failures=len(s.failures))


def progress_display(stream: TextIO | None = None, interval: float = 10.0) -> PlainProgress | LiveProgress:
    """A live bar when `stream` (default stderr) is a terminal, plain lines every `interval` seconds otherwise."""
    stream = stream or sys.stderr
    return LiveProgress(stream) if stream.isatty() else PlainProgress(stream, interval)
