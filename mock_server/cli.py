"""The `flowmock` command: serve, plus the subcommands other packages register."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from mock_server.config import ServerConfig, parse_capacity, parse_clock, parse_latency, parse_size
from mock_server.errors import ConfigError, MockServerError, SpecLoadError


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve every bundled spec (or --spec ...) as a stateful mock")
    p.add_argument("--spec", action="append", type=Path, default=[], help="an OpenAPI 3.0/3.1 file (repeatable); default: the bundled specs")
    p.add_argument("--strict-spec", action="store_true", help="refuse a spec with any problem instead of serving it with warnings")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4010)
    p.add_argument("--seed", type=int, help="make ids, timestamps and generated data deterministic")
    p.add_argument("--clock", help="start the logical clock at this instant (ISO 8601), e.g. 2025-01-01T00:00:00Z")
    p.add_argument("--time-scale", type=float, help="simulated seconds per wall second (0 = frozen; default 1, "
                   "or 0 with --seed/--clock); POST /__flowmock/clock moves time on")
    p.add_argument("--dynamic", action="store_true", help="generate responses instead of using spec examples")
    p.add_argument("--strict-responses", action="store_true", help="answer 500 when a mock response breaks the spec")
    p.add_argument("--no-auth", action="store_true", help="do not check credentials")
    p.add_argument("--accept-tokens", help="comma-separated credentials accepted (bearer tokens, API keys, Basic/Digest user:password); others get 401")
    p.add_argument("--isolate-by", help="'token' or 'header:NAME': a separate store per token or header value")
    p.add_argument("--max-tenants", type=int, default=1000, help="tenants (--isolate-by) with a state of their own; the "
                   "least recently used one is dropped beyond it (default 1000)")
    p.add_argument("--cors-origin", action="append", default=[], help="allowed CORS origin (repeatable); default any")
    p.add_argument("--latency", help="added latency per request, MIN-MAX milliseconds, e.g. 50-200")
    p.add_argument("--fail-rate", type=float, default=0.0, help="fraction of requests answered with an injected 500")
    p.add_argument("--locale", default="en_US", help="Faker locale for generated data")
    p.add_argument("--fixtures", type=Path, help="a fixtures directory to load as the initial state "
                   "(default with the bundled specs: the bundled data set)")
    p.add_argument("--empty", action="store_true", help="start with an empty store (no fixtures)")
    p.add_argument("--replay", action="append", type=Path, default=[], help="a cassette to replay (repeatable)")
    p.add_argument("--replay-strict", action="store_true", help="a request no cassette matches gets 404 instead of the mock")
    p.add_argument("--capacity", action="append", default=[], metavar="OPERATION_ID=N",
                   help="at most N items in the collection that create operation adds to (repeatable); "
                        "overrides the spec's x-flowmock-capacity")
    p.add_argument("--max-body", default="10MB", help="largest request body (e.g. 10MB, 512KB); larger gets 413")
    p.add_argument("--max-json-depth", type=int, default=64, help="deepest JSON nesting accepted; deeper gets 400")
    p.add_argument("--max-errors", type=int, default=100, help="field errors listed in one problem (the total is always given)")
    p.add_argument("--max-url", default="8KB", help="longest path and query; longer gets 414")
    p.add_argument("--max-header-size", default="32KB", help="largest total of request headers; larger gets 431")
    p.add_argument("--read-timeout", type=float, default=30.0, help="seconds a request may take to arrive; a stalled client gets 408")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="also answer requests whose Host is NAME (repeatable; .example.com: the domain and its subdomains; "
                        "* any); default: loopback names and the --host address only")
    p.add_argument("--admin-token", help="every admin API call must send this in X-Flowmock-Admin-Token "
                   "(default: $FLOWMOCK_ADMIN_TOKEN, which keeps it out of the process list)")
    p.add_argument("--state-file", type=Path, metavar="PATH", help="load the whole state from PATH at start and keep it written there")
    p.add_argument("--state-interval", type=float, default=1.0, metavar="SECONDS",
                   help="write the state file at most once per this many seconds after changes (default 1)")
    p.add_argument("--shutdown-grace", type=int, default=5, metavar="SECONDS",
                   help="on SIGTERM/SIGINT, let in-flight requests finish for at most this long (default 5)")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=_serve)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """Turn parsed `serve` arguments into a ServerConfig."""
    fixtures = _fixtures_dir(args)
    return ServerConfig(
        specs=tuple(args.spec), strict_spec=args.strict_spec, host=args.host, port=args.port, seed=args.seed,
        clock=parse_clock(args.clock) if args.clock else None, time_scale=args.time_scale, dynamic=args.dynamic,
        strict_responses=args.strict_responses, auth=not args.no_auth,
        accept_tokens=frozenset(t.strip() for t in args.accept_tokens.split(",") if t.strip()) if args.accept_tokens else None,
        isolate_by=args.isolate_by, max_tenants=args.max_tenants, cors_origins=tuple(args.cors_origin) or ("*",),
        latency_ms=parse_latency(args.latency) if args.latency else None, fail_rate=args.fail_rate,
        locale=args.locale, fixtures_dir=fixtures, validate_fixtures=args.fixtures is not None,
        replay=tuple(args.replay), replay_strict=args.replay_strict,
        capacities=tuple(parse_capacity(c) for c in args.capacity),
        max_body=parse_size(args.max_body), max_json_depth=args.max_json_depth, max_errors=args.max_errors,
        max_url=parse_size(args.max_url), max_headers=parse_size(args.max_header_size), read_timeout=args.read_timeout,
        allowed_hosts=tuple(args.allowed_host),
        admin_token=args.admin_token if args.admin_token is not None else os.environ.get("FLOWMOCK_ADMIN_TOKEN") or None,
        state_file=args.state_file, state_interval=args.state_interval, shutdown_grace=args.shutdown_grace,
    )


def _fixtures_dir(args: argparse.Namespace) -> Path | None:
    """--fixtures, else the bundled data set when serving the bundled specs, else none."""
    if args.empty:
        return None
    if args.fixtures:
        return Path(args.fixtures)
    if args.spec:
        return None
    return _bundled_fixtures()


def _bundled_fixtures() -> Path | None:
    """The data set shipped with flowmock (validated by its test suite, so not again at every start)."""
    from importlib import resources

    bundled = Path(str(resources.files("flowmock_fixtures").joinpath("default")))
    return bundled if bundled.is_dir() else None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.app import create_app
    from mock_server.speclint import warning_lines

    config = config_from_args(args)
    app = create_app(config)
    for spec in app.specs:
        for line in warning_lines(spec.warnings, spec.source):
            print(line, file=sys.stderr)  # noqa: T201
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("connexion").setLevel(max(logging.WARNING, logging.getLogger().level))
    print(app.banner(f"http://{config.host}:{config.port}"), flush=True)  # noqa: T201
    if config.admin_disabled:
        print(f"flowmock: warning: listening on {config.host}, reachable from other machines, without --admin-token: "  # noqa: T201
              "the admin API is disabled. Set --admin-token (or FLOWMOCK_ADMIN_TOKEN) to use it, and add --allowed-host "
              "for each name clients use to reach this server.", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app.asgi, host=config.host, port=config.port, log_level=args.log_level.lower(), access_log=False,
                    lifespan="on", http=app.protocol, timeout_graceful_shutdown=config.shutdown_grace)
    finally:
        if app.state_writer is not None:
            app.state_writer.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every registered subcommand."""
    parser = argparse.ArgumentParser(prog="flowmock", description="Stateful mock server and contract harness for OpenAPI specs")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    for register in _registered():
        register(sub)
    return parser


def _registered() -> list[Any]:
    """Subcommand registrars from the `flowmock.commands` entry points (so mock_server never imports contracts)."""
    from importlib.metadata import entry_points

    return [ep.load() for ep in sorted(entry_points(group="flowmock.commands"), key=lambda ep: ep.name)]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `flowmock` console script."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # third-party import-time noise, not for users
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SpecLoadError as exc:
        print(f"flowmock: cannot load spec {exc.path}\n  where:   {exc.place or '-'}\n  problem: {exc.problem}", file=sys.stderr)  # noqa: T201
        return 2
    except (ConfigError, MockServerError) as exc:
        print(f"flowmock: {exc}", file=sys.stderr)  # noqa: T201
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
