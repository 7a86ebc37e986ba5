"""The `flowmock contract` subcommand: run the specs' contract against a base URL."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from contracts.checks import DEFAULT_CHECKS, KNOWN_CHECKS, PHASES, select_checks, select_phases
from contracts.errors import ContractConfigError
from contracts.events import SpecFinished, SpecStarted
from contracts.progress import progress_display
from contracts.report import render_text, write_junit, write_report
from contracts.runner import ContractOptions, run_contract
from contracts.secrets import TOKEN_PLACEHOLDER
from contracts.summary import ContractSummary

TOKEN_ENV = TOKEN_PLACEHOLDER.lstrip("$")
REPORT_SUFFIXES = (".md", ".markdown", ".html", ".htm")


def register(subparsers: Any) -> None:
    """Add `contract` to the `flowmock` command."""
    p = subparsers.add_parser(
        "contract", help="run the specs' contract (Schemathesis) against a base URL",
        description="Fuzz an implementation of the specs and check every response against them. "
                    "Exit status: 0 when every check passed, 1 when a check failed or the run hit an error (or, with "
                    "--fail-on-uncovered, a documented success status was never seen), 2 on bad options, 130 when interrupted.")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--spec", action="append", type=Path, default=[], help="an OpenAPI file (repeatable)")
    which.add_argument("--all", action="store_true", help="every bundled spec")
    p.add_argument("--base-url", required=True,
                   help="where the implementation listens, e.g. https://staging.example.com; '{spec}' is replaced by "
                        "each spec's name (for flowmock: http://127.0.0.1:4010/{spec})")
    p.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                   help=f"bearer token sent on every request (default: ${TOKEN_ENV})")
    p.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="extra header (repeatable)")
    p.add_argument("--max-examples", type=int, default=10, help="examples per operation and phase (default 10)")
    p.add_argument("--max-time", type=float, default=600.0, help="overall time budget in seconds (default 600)")
    p.add_argument("--seed", type=int, help="make the run repeatable (printed when drawn at random)")
    p.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    p.add_argument("--report", type=Path, help="write a human report here (.md or .html)")
    p.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated subset of {', '.join(PHASES)}")
    p.add_argument("--checks", help=f"comma-separated checks, or 'all' (default: {', '.join(DEFAULT_CHECKS)}); "
                                    f"known: {', '.join(KNOWN_CHECKS)}")
    p.add_argument("--exclude-checks", default="", help="comma-separated checks to leave out (default: none)")
    p.add_argument("--operation", action="append", default=[], metavar="OPERATION_ID",
                   help="test only this operationId (repeatable)")
    p.add_argument("--request-timeout", type=float, default=10.0, help="seconds per request (default 10)")
    p.add_argument("--fail-on-uncovered", action="store_true",
                   help="fail the run when a documented success status (2xx) was never seen")
    p.add_argument("--progress-interval", type=float, default=10.0, metavar="SECONDS",
                   help="seconds between progress lines when the output is not a terminal (on a terminal: a live bar)")
    p.set_defaults(func=run_command)


def options_from_args(args: argparse.Namespace) -> ContractOptions:
    """Turn parsed `contract` arguments into ContractOptions."""
    from mock_server.loading.spec import bundled_spec_paths

    specs = tuple(bundled_spec_paths()) if args.all else tuple(args.spec)
    headers = []
    for raw in args.header:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            raise ContractConfigError(f"--header must look like 'Name: value', got {raw!r}")
        headers.append((name.strip(), value.strip()))
    checks = select_checks(args.checks.split(",") if args.checks else None, args.exclude_checks.split(","))
    return ContractOptions(
        specs=specs, base_url=args.base_url, token=args.token or None, headers=tuple(headers),
        max_examples=args.max_examples, max_time=args.max_time, seed=args.seed, checks=checks,
        phases=select_phases(args.phases.split(",")), operations=tuple(args.operation),
        request_timeout=args.request_timeout,
    )


def run_command(args: argparse.Namespace) -> int:
    """Run the contract, print progress and the report, write files; return the exit status."""
    try:
        options = options_from_args(args).with_seed()
        if args.report and args.report.suffix.lower() not in REPORT_SUFFIXES:
            raise ContractConfigError(f"--report must end in .md or .html, got {args.report}")
    except ContractConfigError as exc:
        print(f"flowmock contract: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    summary = ContractSummary(require_success_coverage=args.fail_on_uncovered)
    interrupted = False
    cancel = threading.Event()

    def on_ctrl_c(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("flowmock contract: stopping after the current step (Ctrl+C again to quit at once)", file=sys.stderr)  # noqa: T201

    previous = signal.signal(signal.SIGINT, on_ctrl_c) if threading.current_thread() is threading.main_thread() else None
    try:
        with progress_display(interval=args.progress_interval) as progress:
            for event in run_contract(options, cancel):
                summary.add(event)
                progress.add(event)
                if isinstance(event, SpecStarted):
                    print(f"contract {event.spec}: {len(event.operations)} operation(s) against {event.base_url} "  # noqa: T201
                          f"(seed {event.seed}) ...", flush=True)
                elif isinstance(event, SpecFinished):
                    spec = summary.specs[event.spec]
                    print(f"contract {event.spec}: {spec.requests} request(s), {len(spec.failures)} failure(s), "  # noqa: T201
                          f"{event.elapsed:.1f}s, {event.stop_reason}", flush=True)
    except ContractConfigError as exc:
        print(f"flowmock contract: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if interrupted or cancel.is_set():
        print("flowmock contract: interrupted; reporting what ran", file=sys.stderr)  # noqa: T201
        summary.interrupted = interrupted = True
    print(render_text(summary))  # noqa: T201
    try:
        if args.junit:
            print(f"JUnit XML: {write_junit(summary, args.junit)}")  # noqa: T201
        if args.report:
            print(f"report:    {write_report(summary, args.report)}")  # noqa: T201
    except ContractConfigError as exc:
        print(f"flowmock contract: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    if not summary.passed:
        print(f"re-run the same cases with --seed {options.seed}")  # noqa: T201
    if interrupted:
        return 130
    return 0 if summary.passed else 1
