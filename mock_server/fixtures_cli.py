"""The `record` command and the `fixtures` command group (import-har, to-state, verify, ...).

To add a subcommand to `flowmock fixtures`, write one `def _NAME_command(group) -> None` that adds its
parser with `set_defaults(func=...)` (the function returns an exit code) and list it in FIXTURES_COMMANDS.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mock_server.recording.cassette import Redaction, read_cassette, write_cassette

logger = logging.getLogger(__name__)


def _redaction_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redact", action="append", default=[], metavar="NAME",
                        help="also redact this header or field name (repeatable; added to the defaults)")
    parser.add_argument("--keep", action="append", default=[], metavar="NAME",
                        help="do not redact this default header or field name (repeatable)")


def _redaction(args: argparse.Namespace) -> Redaction:
    return Redaction().adjusted(args.redact, args.keep)


# ------------------------------------------------------------------ record


def _record_command(sub: Any) -> None:
    p = sub.add_parser("record", help="run a recording proxy: forward to --upstream and append every exchange to --out")
    p.add_argument("--upstream", required=True, help="the real API's base URL, e.g. https://api.example.com")
    p.add_argument("--host", default="127.0.0.1", help="address the proxy listens on")
    p.add_argument("--port", type=int, default=4010, help="port the proxy listens on")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="also forward requests whose Host is NAME (repeatable; .example.com: the domain and its subdomains; "
                        "* any); default: loopback names and the --host address only")
    p.add_argument("--out", type=Path, required=True, help="the cassette to write, e.g. fixtures/cassettes/NAME.yaml")
    p.add_argument("--mode", default="append", choices=["append", "overwrite"],
                   help="append to an existing cassette (default) or start it afresh")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the upstream (default 30)")
    p.add_argument("--max-exchanges", type=int, default=10_000, metavar="N",
                   help="the cassette holds at most N exchanges; later ones are forwarded but not recorded (default 10000)")
    p.add_argument("--max-cassette-size", default="64MB", metavar="SIZE",
                   help="the cassette grows to at most SIZE; later exchanges are forwarded but not recorded (default 64MB)")
    p.add_argument("--max-recorded-body", default="10MB", metavar="SIZE",
                   help="an exchange with a larger request or response body is forwarded but not recorded (default 10MB)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="how much the proxy logs")
    _redaction_options(p)
    p.set_defaults(func=_record)


def _record(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.config import parse_size
    from mock_server.errors import ConfigError
    from mock_server.recording.record import RecordingProxy, RecordLimits, RecordMode, banner, open_cassette
    from mock_server.request_path.exposure import HostPolicy

    from mock_server.listen import bind

    redaction = _redaction(args)
    if args.max_exchanges < 1:
        raise ConfigError(f"--max-exchanges must be at least 1, got {args.max_exchanges}")
    limits = RecordLimits(args.max_exchanges, parse_size(args.max_cassette_size), parse_size(args.max_recorded_body))
    sock = bind(args.host, args.port)  # a busy port is one message, before the banner
    writer = open_cassette(args.out, args.upstream, redaction, RecordMode.parse(args.mode), limits)
    proxy = RecordingProxy(args.upstream, writer, timeout=args.timeout, max_body=limits.max_body,
                           hosts=HostPolicy(args.host, args.allowed_host))
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    port = sock.getsockname()[1]
    print(banner(args.host, port, proxy.upstream, args.out, writer.count), flush=True)  # noqa: T201
    server = uvicorn.Server(uvicorn.Config(proxy, log_level=args.log_level.lower(), access_log=False, lifespan="on",
                                           server_header=False, date_header=False))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stopped cleanly, then re-raised the Ctrl+C
        pass
    skipped = f" ({proxy.skipped} forwarded but not recorded: over a limit)" if proxy.skipped else ""
    print(f"recorded {writer.count} exchange(s) in {args.out}{skipped}", flush=True)  # noqa: T201
    return 0


# ------------------------------------------------------------------ fixtures import-har


def _import_har_command(group: Any) -> None:
    p = group.add_parser("import-har", help="turn a browser's HAR export into a cassette (secrets redacted)")
    p.add_argument("har", type=Path, metavar="FILE.har")
    p.add_argument("--out", type=Path, help="cassette to write (default: fixtures/cassettes/<name of FILE>.yaml)")
    p.add_argument("--url-prefix", action="append", default=[], metavar="URL",
                   help="keep only entries whose URL starts with this (repeatable), e.g. https://api.example.com/")
    _redaction_options(p)
    p.set_defaults(func=_import_har)


def _import_har(args: argparse.Namespace) -> int:
    from mock_server.recording.har import har_to_cassette, read_har

    result = har_to_cassette(read_har(args.har), _redaction(args), tuple(args.url_prefix))
    out = args.out or Path("fixtures") / "cassettes" / f"{args.har.name.rsplit('.', 1)[0]}.yaml"
    write_cassette(result.cassette, out)
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(result.skipped.items()))
    print(f"wrote {len(result.cassette.interactions)} exchange(s) to {out}"  # noqa: T201
          + (f"; skipped {skipped}" if skipped else ""))
    return 0


# ------------------------------------------------------------------ fixtures to-state


def _to_state_command(group: Any) -> None:
    p = group.add_parser("to-state", help="turn recorded read/create responses into a fixtures directory")
    p.add_argument("cassettes", type=Path, nargs="+", metavar="CASSETTE")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the fixtures directory to write")
    p.add_argument("--spec", action="append", type=Path, default=[], help="OpenAPI file (repeatable); default: bundled specs")
    p.set_defaults(func=_to_state)


def _to_state(args: argparse.Namespace) -> int:
    from mock_server.recording.drift import load_specs
    from mock_server.recording.harvest import to_state

    result, files = to_state(args.cassettes, load_specs(args.spec), args.out)
    print(f"{result.objects} object(s) from {result.used} exchange(s) ({result.ignored} ignored) written to {args.out}:")  # noqa: T201
    for path in files:
        print(f"  {path}")  # noqa: T201
    for note in result.notes:
        print(f"  note: {note}")  # noqa: T201
    return 0


# ------------------------------------------------------------------ fixtures verify


def _verify_command(group: Any) -> None:
    p = group.add_parser("verify", help="validate recorded traffic against the specs (drift check; exit 1 on violations)")
    p.add_argument("cassettes", type=Path, nargs="+", metavar="CASSETTE")
    p.add_argument("--spec", action="append", type=Path, default=[], help="OpenAPI file (repeatable); default: bundled specs")
    p.add_argument("--allow-unknown", action="store_true", help="do not fail on requests no operation serves")
    p.add_argument("--format", choices=["text", "json"], default="text", help="report as text or as JSON")
    p.set_defaults(func=_verify)


def _verify(args: argparse.Namespace) -> int:
    from mock_server.recording.drift import load_specs, report_json, verify

    for path in args.cassettes:
        read_cassette(path)  # fail early, naming the file, before loading specs
    report = verify(args.cassettes, load_specs(args.spec))
    text = report_json(report) if args.format == "json" else report.render(args.allow_unknown)
    print(text, file=sys.stdout)  # noqa: T201
    return 1 if report.failed(args.allow_unknown) else 0


# ------------------------------------------------------------------ fixtures generate


def _generate_command(group: Any) -> None:
    p = group.add_parser("generate", help="write a consistent, realistic Faker-made data set (one YAML file per resource)")
    p.add_argument("--seed", type=int, required=True, help="same seed, locale and size give the same files")
    p.add_argument("--size", choices=["small", "medium", "large"], default="small", help="how many objects to generate")
    p.add_argument("--locale", default="en_US", help="Faker locale, e.g. de_DE")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the fixtures directory to write")
    p.add_argument("--spec", action="append", type=Path, default=[], help="OpenAPI file (repeatable); default: bundled specs")
    p.set_defaults(func=_generate)


def _generate(args: argparse.Namespace) -> int:
    from mock_server.app import load_specs
    from mock_server.config import ServerConfig
    from mock_server.datasets.dataset import generate_dataset
    from mock_server.datasets.fixtures import write_fixture_set

    specs = load_specs(ServerConfig(specs=tuple(args.spec)))
    collections, skipped = generate_dataset(specs, args.seed, args.size, args.locale)
    for stale in args.out.glob("*.yaml") if args.out.is_dir() else []:
        stale.unlink()
    files = write_fixture_set(collections, args.out)
    total = sum(len(c.items) for c in collections)
    print(f"{total} object(s) in {len(files)} file(s) written to {args.out}")  # noqa: T201
    for name in skipped:
        print(f"  could not generate a valid request for {name}", file=sys.stderr)  # noqa: T201
    return 0


# ------------------------------------------------------------------ registration

FIXTURES_COMMANDS: list[Callable[[Any], None]] = [_generate_command, _import_har_command, _to_state_command, _verify_command]


def register(subparsers: Any) -> None:
    """Add `record` and the `fixtures` group to the `flowmock` parser."""
    _record_command(subparsers)
    fixtures = subparsers.add_parser("fixtures", help="seed data sets, cassettes and drift checks")
    group = fixtures.add_subparsers(dest="fixtures_command", required=True, metavar="COMMAND")
    for add in FIXTURES_COMMANDS:
        add(group)
