"""The `record` command and the `fixtures` group are registered on the `flowmock` parser."""
from __future__ import annotations

import pytest

from mock_server import fixtures_cli
from mock_server.cli import build_parser, main


def test_record_and_the_fixtures_group_are_registered():
    parser = build_parser()
    args = parser.parse_args(["record", "--upstream", "https://api.example.com", "--out", "c.yaml", "--redact", "X-T"])
    assert (args.upstream, args.port, args.host, args.mode, args.redact) == (
        "https://api.example.com", 4010, "127.0.0.1", "append", ["X-T"])
    for argv in (["fixtures", "import-har", "a.har"], ["fixtures", "verify", "a.yaml", "b.yaml"],
                 ["fixtures", "to-state", "a.yaml", "--out", "state"]):
        assert callable(parser.parse_args(argv).func)


def test_adding_a_fixtures_subcommand_is_one_function(monkeypatch, capsys):
    def _hello_command(group):
        p = group.add_parser("hello")
        p.set_defaults(func=lambda args: 7)

    monkeypatch.setattr(fixtures_cli, "FIXTURES_COMMANDS", [*fixtures_cli.FIXTURES_COMMANDS, _hello_command])
    assert main(["fixtures", "hello"]) == 7
    with pytest.raises(SystemExit):
        main(["fixtures"])
    assert "COMMAND" in capsys.readouterr().err
