"""All server options in one frozen dataclass, with their defaults."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mock_server.errors import ConfigError


@dataclass(frozen=True)
class ServerConfig:
    """How one flowmock server behaves. Built by the CLI or by tests, passed explicitly."""

    specs: tuple[Path, ...] = ()
    strict_spec: bool = False  # a spec problem the mock could serve through refuses start-up instead of warning
    host: str = "127.0.0.1"
    port: int = 4010
    seed: int | None = None
    clock: datetime | None = None
    time_scale: float | None = None  # simulated seconds per wall second; default 1, or 0 (frozen) with --seed/--clock
    dynamic: bool = False
    strict_responses: bool = False
    auth: bool = True
    accept_tokens: frozenset[str] | None = None
    isolate_by: str | None = None  # None, "token" or "header:NAME"
    cors_origins: tuple[str, ...] = ("*",)
    latency_ms: tuple[int, int] | None = None
    fail_rate: float = 0.0
    locale: str = "en_US"
    fixtures_dir: Path | None = None
    validate_fixtures: bool = True  # off only for the bundled data set, which the test suite validates
    replay: tuple[Path, ...] = ()
    replay_strict: bool = False
    journal_size: int = 1000  # requests the journal keeps (the oldest drop out)
    journal_bytes: int = 16 * 1024 * 1024  # bytes of headers and bodies the journal keeps in all (the oldest drop out)
    journal_body: int = 64 * 1024  # bytes of each request and response body the journal keeps (the rest is cut, marked)
    max_tenants: int = 1000  # tenants with a state of their own (--isolate-by); the least recently used is dropped
    capacities: tuple[tuple[str, int], ...] = ()  # (create operationId, most items its collection holds)
    max_body: int = 10 * 1024 * 1024  # bytes; larger bodies get 413
    max_json_depth: int = 64  # nesting levels of a JSON body; deeper is a 400
    max_errors: int = 100  # field errors listed in one problem (the total is always given)
    validation_memo: int = 8 * 1024 * 1024  # bytes each validation memo (requests, responses) keeps at most; 0: none
    max_url: int = 8192  # bytes of path and query; longer is a 414
    max_headers: int = 32 * 1024  # bytes of all request headers; more is a 431
    read_timeout: float = 30.0  # seconds for a request body to arrive; a stalled client gets 408
    allowed_hosts: tuple[str, ...] = ()  # Host names accepted besides loopback and the bound address; "*" accepts any
    admin_token: str | None = field(default=None, repr=False)  # never printed
    state_file: Path | None = None
    state_interval: float = 1.0  # seconds between two writes of the state file, at most
    shutdown_grace: int = 5  # seconds in-flight requests get to finish on SIGTERM/SIGINT

    def __post_init__(self) -> None:
        if self.time_scale is not None and not 0.0 <= self.time_scale <= 1_000_000:
            raise ConfigError(f"--time-scale must be between 0 (frozen) and 1000000, got {self.time_scale}")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ConfigError(f"--fail-rate must be between 0 and 1, got {self.fail_rate}")
        if self.latency_ms and (self.latency_ms[0] < 0 or self.latency_ms[1] < self.latency_ms[0]):
            raise ConfigError(f"--latency must be MIN-MAX milliseconds with MIN <= MAX, got {self.latency_ms}")
        if self.max_tenants < 1:
            raise ConfigError(f"--max-tenants must be at least 1, got {self.max_tenants}")
        for name in ("journal_size", "journal_bytes", "journal_body", "max_body", "max_json_depth", "max_errors", "max_url",
                     "max_headers", "read_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if self.isolate_by not in (None, "token") and not (self.isolate_by or "").startswith("header:"):
            raise ConfigError(f"--isolate-by must be 'token' or 'header:NAME', got {self.isolate_by!r}")
        if self.admin_token is not None and not self.admin_token.strip():
            raise ConfigError("--admin-token must not be empty")
        if not 0.0 < self.state_interval <= 3600:
            raise ConfigError(f"--state-interval must be between 0 and 3600 seconds, got {self.state_interval}")
        if not 0 <= self.shutdown_grace <= 3600:
            raise ConfigError(f"--shutdown-grace must be between 0 and 3600 seconds, got {self.shutdown_grace}")

    @property
    def loopback_only(self) -> bool:
        """Whether the server listens on loopback addresses only (so only this machine can reach it)."""
        return is_loopback(self.host)

    @property
    def admin_disabled(self) -> bool:
        """The admin API is off when the server is reachable from other machines and no --admin-token protects it."""
        return not self.loopback_only and self.admin_token is None


def is_loopback(host: str) -> bool:
    """`localhost`, `*.localhost`, 127.0.0.0/8 or ::1 (brackets and a trailing dot allowed)."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_latency(text: str) -> tuple[int, int]:
    """`50-200` or `100` (milliseconds) → (min, max)."""
    try:
        low, _, high = text.partition("-")
        return int(low), int(high or low)
    except ValueError:
        raise ConfigError(f"--latency must look like 50-200 (milliseconds), got {text!r}") from None


def parse_capacity(text: str) -> tuple[str, int]:
    """`createDefinition=5` → ("createDefinition", 5): a create operation and how many items its collection may hold."""
    operation_id, sep, number = text.partition("=")
    if not sep or not operation_id.strip() or not number.strip().isdigit():
        raise ConfigError(f"--capacity must look like OPERATION_ID=N (a create operation, a whole number), got {text!r}")
    return operation_id.strip(), int(number)


def parse_size(text: str) -> int:
    """A byte count such as `10MB`, `512KB`, `1GB` or `2048` (units are powers of 1024)."""
    units = {"": 1, "B": 1, "KB": 1024, "K": 1024, "MB": 1024**2, "M": 1024**2, "GB": 1024**3, "G": 1024**3}
    number = text.strip().upper().rstrip("IB") if text.strip().upper().endswith("IB") else text.strip().upper()
    digits = number.rstrip("KMGB")
    unit = number[len(digits):]
    try:
        value = float(digits) * units[unit]
    except (ValueError, KeyError):
        raise ConfigError(f"expected a size like 10MB, 512KB or 2048 (bytes), got {text!r}") from None
    return int(value)


def parse_clock(text: str) -> datetime:
    """An ISO 8601 instant such as 2025-01-01T00:00:00Z."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--clock must be an ISO 8601 instant like 2025-01-01T00:00:00Z, got {text!r}") from None
    if moment.tzinfo is None:
        raise ConfigError("--clock needs a time zone, e.g. a trailing Z")
    return moment


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: Any) -> timedelta:
    """`90s`, `5m`, `2h`, `1d`, `1500ms`, a number of seconds, or ISO 8601 `PT1H30M` / `P1D`."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return timedelta(seconds=float(text))
    value = str(text).strip()
    simple = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)", value)
    if simple:
        return timedelta(seconds=float(simple.group(1)) * _UNITS[simple.group(2)])
    iso = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", value)
    if iso and any(iso.groups()) and not value.endswith("T"):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in iso.groups())
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    raise ValueError(f"{value!r} is not a duration; use 90s, 5m, 2h, 1d, 1500ms or ISO 8601 like PT2S")
