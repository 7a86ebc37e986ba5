"""All server options in one frozen dataclass, with their defaults."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mock_server.errors import ConfigError


@dataclass(frozen=True)
class ServerConfig:
    """How one flowmock server behaves. Built by the CLI or by tests, passed explicitly."""

    specs: tuple[Path, ...] = ()
    host: str = "127.0.0.1"
    port: int = 4010
    seed: int | None = None
    clock: datetime | None = None
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
    journal_size: int = 1000
    allowed_hosts: tuple[str, ...] = ()  # Host names accepted besides loopback and the bound address; "*" accepts any
    admin_token: str | None = field(default=None, repr=False)  # never printed
    state_file: Path | None = None
    state_interval: float = 1.0  # seconds between two writes of the state file, at most
    shutdown_grace: int = 5  # seconds in-flight requests get to finish on SIGTERM/SIGINT

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ConfigError(f"--fail-rate must be between 0 and 1, got {self.fail_rate}")
        if self.latency_ms and (self.latency_ms[0] < 0 or self.latency_ms[1] < self.latency_ms[0]):
            raise ConfigError(f"--latency must be MIN-MAX milliseconds with MIN <= MAX, got {self.latency_ms}")
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


def parse_clock(text: str) -> datetime:
    """An ISO 8601 instant such as 2025-01-01T00:00:00Z."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--clock must be an ISO 8601 instant like 2025-01-01T00:00:00Z, got {text!r}") from None
    if moment.tzinfo is None:
        raise ConfigError("--clock needs a time zone, e.g. a trailing Z")
    return moment
