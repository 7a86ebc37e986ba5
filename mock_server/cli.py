"""The `flowmock` command: serve, plus the subcommands other packages register."""
from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from mock_server.config import ServerConfig, parse_capacity, parse_clock, parse_latency, parse_size
from mock_server.errors import ConfigError, MockServerError, SpecLoadError
from mock_server.help_format import HelpFormatter, Parser, apply_everywhere

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DEBUG_VARIABLE = "FLOWMOCK_DEBUG"  # set it to see the traceback of an unexpected error


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535, got {port}")
    return port


def log_level(text: str) -> str:
    """One of LOG_LEVELS, any case."""
    if text.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return text.lower()


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve every bundled spec (or --spec ...) as a stateful mock",
                       description="Serve OpenAPI specs as one stateful mock. Prints one line per request; "
                                   "exit status 2 on a bad option, spec or fixture, or a port in use.")
    p.add_argument("--spec", action="append", type=Path, default=[], help="an OpenAPI 3.0/3.1 file (repeatable); default: the bundled specs")
    p.add_argument("--strict-spec", action="store_true", help="refuse a spec with any problem instead of serving it with warnings")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=port_number, default=4010, help="port to listen on; 0 picks a free one (the banner shows it)")
    p.add_argument("--seed", type=int, help="make ids, timestamps and generated data deterministic (default: random)")
    p.add_argument("--clock", help="start the logical clock at this instant (ISO 8601), e.g. 2025-01-01T00:00:00Z (default: now)")
    p.add_argument("--time-scale", type=float, help="simulated seconds per wall second (0 = frozen; default 1, "
                   "or 0 with --seed/--clock); POST /__flowmock/clock moves time on")
    p.add_argument("--dynamic", action="store_true", help="generate responses instead of using spec examples")
    p.add_argument("--strict-responses", action="store_true", help="answer 500 when a mock response breaks the spec")
    p.add_argument("--no-auth", action="store_true", help="do not check credentials")
    p.add_argument("--accept-tokens", metavar="T1,T2", help="comma-separated credentials accepted (bearer tokens, API keys, Basic/Digest user:password); others get 401 (default: any)")
    p.add_argument("--isolate-by", metavar="token|header:NAME",
                   help="a separate store per bearer token or per value of a header (default: one shared store)")
    p.add_argument("--max-tenants", type=int, default=1000, help="tenants (--isolate-by) with a state of their own; the "
                   "least recently used one is dropped beyond it (default 1000)")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN", help="allowed CORS origin (repeatable); default: any")
    p.add_argument("--latency", metavar="MIN-MAX", help="added latency per request in milliseconds, e.g. 50-200 (default: none)")
    p.add_argument("--fail-rate", type=float, default=0.0, help="fraction of requests (0 to 1) answered with an injected 500")
    p.add_argument("--locale", default="en_US", help="Faker locale for generated data")
    p.add_argument("--fixtures", type=Path, metavar="DIR", help="a fixtures directory to load as the initial state "
                   "(default with the bundled specs: the bundled data set)")
    p.add_argument("--empty", action="store_true", help="start with an empty store (no fixtures)")
    p.add_argument("--replay", action="append", type=Path, default=[], metavar="CASSETTE", help="a cassette to replay (repeatable)")
    p.add_argument("--replay-strict", action="store_true", help="a request no cassette matches gets 404 instead of the mock")
    p.add_argument("--capacity", action="append", default=[], metavar="OPERATION_ID=N",
                   help="at most N items in the collection that create operation adds to (repeatable); "
                        "overrides the spec's x-flowmock-capacity")
    p.add_argument("--max-body", default="10MB", help="largest request body (e.g. 10MB, 512KB); larger gets 413")
    p.add_argument("--max-json-depth", type=int, default=64, help="deepest JSON nesting accepted; deeper gets 400")
    p.add_argument("--max-errors", type=int, default=100, help="field errors listed in one problem (the total is always given)")
    p.add_argument("--validation-memo", default="8MB", metavar="SIZE",
                   help="memory each validation memo (request and response verdicts, 4096 entries) may keep; 0 turns it off")
    p.add_argument("--max-url", default="8KB", help="longest path and query; longer gets 414")
    p.add_argument("--max-header-size", default="32KB", help="largest total of request headers; larger gets 431")
    p.add_argument("--read-timeout", type=float, default=30.0, help="seconds a request may take to arrive; a stalled client gets 408")
    p.add_argument("--journal-size", type=int, default=1000, metavar="N",
                   help="requests the journal (and the inspector at /__flowmock/) keeps; the oldest drop out (default 1000)")
    p.add_argument("--journal-bytes", default="16MB", metavar="SIZE",
                   help="bytes of headers and bodies the journal keeps in all; the oldest requests drop out (default 16MB)")
    p.add_argument("--journal-body", default="64KB", metavar="SIZE",
                   help="bytes of each request and response body the journal keeps; longer ones are cut and marked (default 64KB)")
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
    p.add_argument("--log-level", type=log_level, default="info", metavar="LEVEL",
                   help=f"one of {', '.join(LOG_LEVELS)}; info prints one line per request")
    p.add_argument("-q", "--quiet", action="store_true", help="print no line per request (warnings and errors only)")
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
        validation_memo=parse_size(args.validation_memo),
        max_url=parse_size(args.max_url), max_headers=parse_size(args.max_header_size), read_timeout=args.read_timeout,
        journal_size=args.journal_size, journal_bytes=parse_size(args.journal_bytes), journal_body=parse_size(args.journal_body),
        allowed_hosts=tuple(args.allowed_host),
        admin_token=args.admin_token if args.admin_token is not None else os.environ.get("FLOWMOCK_ADMIN_TOKEN") or None,
        state_file=args.state_file, state_interval=args.state_interval, shutdown_grace=args.shutdown_grace,
    )


def _fixtures_dir(args: argparse.Namespace) -> Path | None:
    """--fixtures, else the bundled data set when serving the bundled specs, else none."""
    if args.empty:
        return None
    if args.fixtures:
        if not Path(args.fixtures).is_dir():
            raise ConfigError(f"--fixtures {args.fixtures}: no such directory")
        return Path(args.fixtures)
    if args.spec:
        return None
    return _bundled_fixtures()


def _bundled_fixtures() -> Path | None:
    """The data set shipped with flowmock (validated by its test suite, so not again at every start)."""
    from importlib import resources

    bundled = Path(str(resources.files("flowmock_fixtures").joinpath("default")))
    return bundled if bundled.is_dir() else None


def _configure_logging(level: str, quiet: bool) -> None:
    """Our messages at `level`; request lines bare (no level prefix); library chatter only when debugging."""
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    traffic = logging.getLogger("flowmock.traffic")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    traffic.addHandler(handler)
    traffic.propagate = False
    traffic.setLevel(logging.WARNING if quiet else level.upper())
    quiet_libraries = logging.DEBUG if level == "debug" else logging.WARNING
    for name in ("connexion", "uvicorn", "uvicorn.error", "httpx", "faker"):
        logging.getLogger(name).setLevel(max(quiet_libraries, logging.getLogger().level))


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.app import create_app
    from mock_server.loading.speclint import warning_lines
    from mock_server.banner import startup_banner
    from mock_server.listen import base_url, bind

    config = config_from_args(args)
    sock = bind(config.host, config.port)  # first: a busy port is one message, not a banner then a traceback
    app = create_app(config)
    for spec in app.specs:
        for line in warning_lines(spec.warnings, spec.source):
            print(line, file=sys.stderr)  # noqa: T201
    _configure_logging(args.log_level, args.quiet)
    url = base_url(sock)
    print(startup_banner(app.banner(url), app.specs, config, url), flush=True)  # noqa: T201
    if config.admin_disabled:
        print(f"flowmock: warning: listening on {config.host}, reachable from other machines, without --admin-token: "  # noqa: T201
              "the admin API is disabled. Set --admin-token (or FLOWMOCK_ADMIN_TOKEN) to use it, and add --allowed-host "
              "for each name clients use to reach this server.", file=sys.stderr, flush=True)
    uvicorn_level = "debug" if args.log_level == "debug" else "warning"
    # asyncio's loop, not uvloop: libuv accepts one connection per loop iteration, so under load the 50th of 50
    # clients that connect at once waits ~50 iterations (0.5-1.8 s) for its first answer; asyncio accepts every
    # waiting connection at once, at the same CPU per request (docs/performance.md, "Create path").
    server = uvicorn.Server(uvicorn.Config(app.asgi, log_level=uvicorn_level, access_log=False, lifespan="on",
                                           http=app.protocol, ws="none",  # nothing is served over WebSocket
                                           proxy_headers=False,  # flowmock never uses the client address: X-Forwarded-* are not read
                                           loop="asyncio", timeout_graceful_shutdown=config.shutdown_grace))
    gc.collect()
    gc.freeze()  # what start-up built (specs, fixtures, compiled checks) lives as long as the server: no collection scans it
    # A full collection scans every stored object (about 80 ms at 10,000 created executions): ten times rarer than
    # Python's default, so a run of creates is not stalled by one (docs/performance.md, "Create path").
    gc.set_threshold(700, 10, 100)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raised the Ctrl+C: stopping is what was asked
        pass
    finally:
        if app.state_writer is not None:
            app.state_writer.close()
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("flowmock")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """`--version`: reads the installed version only when asked (importlib.metadata is slow to import)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None) -> None:
        print(f"flowmock {_version()}")  # noqa: T201
        parser.exit()


def build_parser(registered: bool = True) -> argparse.ArgumentParser:
    """The full argument parser, with every registered subcommand (`registered=False`: `serve` alone, which starts faster)."""
    parser = Parser(prog="flowmock", description="Stateful mock server and contract harness for OpenAPI specs",
                                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _serve_parser(sub)
    for register in _registered() if registered else []:
        register(sub)
    apply_everywhere(parser)
    return parser


def serve_parser() -> argparse.ArgumentParser:
    """The `serve` subcommand's parser alone (the pytest plugin's marker takes the same option names)."""
    sub = Parser(prog="flowmock", formatter_class=HelpFormatter).add_subparsers(dest="command")
    _serve_parser(sub)
    parser: argparse.ArgumentParser = sub.choices["serve"]
    return parser


def _registered() -> list[Any]:
    """Subcommand registrars from the `flowmock.commands` entry points (so mock_server never imports contracts)."""
    from importlib.metadata import entry_points

    return [ep.load() for ep in sorted(entry_points(group="flowmock.commands"), key=lambda ep: ep.name)]


def _fail(message: str, code: int = 2) -> int:
    print(f"flowmock: {message}", file=sys.stderr)  # noqa: T201
    return code


def _quiet_broken_pipe() -> int:
    """The reader went away (`flowmock ... | head`): stop quietly, as `cat` does."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot fail again
    return 141  # 128 + SIGPIPE, what a shell reports for a command ended by a closed pipe


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `flowmock` console script: every user mistake is one message and a non-zero exit."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # third-party import-time noise, not for users
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    logging.raiseExceptions = False  # a log line to a closed pipe (`flowmock serve | head`) is dropped, not a traceback
    try:
        words = sys.argv[1:] if argv is None else argv
        command = next((word for word in words if not word.startswith("-")), None)
        parser = build_parser(registered=command != "serve")  # `serve` needs no other command's modules
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except SpecLoadError as exc:
        return _fail(f"cannot load spec {exc.path}\n  where:   {exc.place or '-'}\n  problem: {exc.problem}")
    except (ConfigError, MockServerError) as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        where = getattr(exc, "filename", None)
        reason = getattr(exc, "strerror", None) or str(exc)
        return _fail(f"cannot read {where}: {reason}" if where else f"cannot read a file: {reason}")
    except Exception as exc:  # noqa: BLE001 - the last guard: never a traceback unless asked for
        if os.environ.get(DEBUG_VARIABLE):
            raise
        return _fail(f"unexpected error: {type(exc).__name__}: {exc}\n  (set {DEBUG_VARIABLE}=1 to see the traceback, "
                     "and please report it)", 1)


if __name__ == "__main__":
    raise SystemExit(main())
