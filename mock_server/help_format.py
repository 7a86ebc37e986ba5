"""How every `flowmock` command prints its --help (each default shown, long words never split) and its usage errors."""
from __future__ import annotations

import argparse
import textwrap
from typing import NoReturn

_NO_DEFAULT: tuple[object, ...] = (None, False, True, [], (), "", argparse.SUPPRESS)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Appends `(default: X)` to an option's help unless it already speaks of its default or has none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if not action.option_strings or "default" in text.lower() or action.default in _NO_DEFAULT:
            return text
        return f"{text} (default: %(default)s)"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # prose paragraphs are wrapped; a paragraph with indented lines (an example) is kept as written
        paragraphs = []
        for paragraph in text.split("\n\n"):
            if any(line.startswith(" ") for line in paragraph.splitlines()):
                paragraphs.append("\n".join(indent + line for line in paragraph.splitlines()))
            else:
                paragraphs.append(textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent, subsequent_indent=indent,
                                                break_long_words=False, break_on_hyphens=False))
        return "\n\n".join(paragraphs)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # argparse's own wrapper splits a long word (a comma-separated list) anywhere; wrap at spaces only
        return textwrap.wrap(" ".join(text.split()), width, break_long_words=False, break_on_hyphens=False)


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one short paragraph instead of the whole usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n  (see '{self.prog} --help')\n")


def apply_everywhere(parser: argparse.ArgumentParser) -> None:
    """Use HelpFormatter for a parser and every subcommand parser under it."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                apply_everywhere(child)


def all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """A parser and every subcommand parser under it (for tests and docs)."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += all_parsers(child)
    return found
