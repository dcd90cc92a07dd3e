"""Entry point: `mission COMMAND [ARGS]`. Exit codes: 0 ok, 1 findings or a
failed run, 2 usage or I/O error, 3 a run waits for a person's answer, 4 a
project operation's implementation is missing or does not match its declaration."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_WAITING = 3
EXIT_IMPLEMENTATION = 4
EXIT_INTERNAL = 70

# name -> (module, one-line help). Each module defines `add_arguments(parser)`
# and `run(args) -> int`; it is imported only when its command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("mission.commands.check", "compile and lint missions; report problems"),
    "compile": ("mission.commands.compile", "compile a mission to a workflow JSON file"),
    "run": ("mission.commands.run", "run a mission, a compiled workflow or a registered name"),
    "test": ("mission.commands.test", "run the test files of missions (*_test.mission)"),
    "resume": ("mission.commands.resume", "answer a waiting run and continue it"),
    "cancel": ("mission.commands.cancel", "withdraw a waiting run, saying why"),
    "runs": ("mission.commands.runs", "list stored runs, newest first"),
    "tick": ("mission.commands.tick", "fire what is due, start scheduled runs, notify"),
    "schedules": ("mission.commands.schedules", "list the schedules and their next fires"),
    "notifications": ("mission.commands.notifications",
                      "list the messages sent and to send; retry given-up ones"),
    "store": ("mission.commands.store", "migrate a run store; export and import its runs"),
    "verify": ("mission.commands.verify", "replay a run and check its receipt"),
    "list": ("mission.commands.list", "list the registered missions"),
    "fmt": ("mission.commands.fmt", "format mission files in the canonical layout"),
    "graph": ("mission.commands.graph", "draw a mission as Mermaid, DOT or SVG"),
    "explain": ("mission.commands.explain", "explain a diagnostic code"),
    "rules": ("mission.commands.rules", "list every diagnostic code"),
    "schema": ("mission.commands.schema", "print the JSON Schema of compiled workflows"),
    "lsp": ("mission.commands.lsp", "run the language server over stdio"),
    "serve": ("mission.commands.serve", "the web inbox and HTTP API over the run store"),
    "users": ("mission.commands.users", "manage the people and groups of `mission serve`"),
}


class UsageError(Exception):
    """A problem with how the command was called, or with a file it was given (exit 2)."""

    exit_code = EXIT_USAGE


class ImplementationMissing(UsageError):
    """A project operation the workflow calls cannot be bound to trusted code, or its code
    does not match its declaration: refused before the first step (exit 4)."""

    exit_code = EXIT_IMPLEMENTATION


class Refusal(UsageError):
    """The engine refused a run: its message, with Python list reprs written out as plain
    lists (`human, runtime`); `mission` shows it as the compiler shows an error (exit 2)."""

    def __init__(self, refused: Exception, where: str = "") -> None:
        super().__init__(where + _plain_lists(str(refused)))
        self.kind = type(refused).__name__

    def rendered(self) -> str:
        """`error: MESSAGE` and a note naming the refusal, in the layout of the compiler's
        diagnostics (which also have a source span); the message is the engine's, whole."""
        return (f"error: {self}\n"
                f"  = note: the engine refused the run ({self.kind}); nothing was stored")


def _plain_lists(message: str) -> str:
    """`['human', 'runtime']` (a Python list of strings in an engine message) as
    `human, runtime`."""
    import re

    def plain(found: re.Match[str]) -> str:
        return ", ".join(re.findall(r"'((?:[^'\\]|\\.)*)'", found.group(0)))

    return re.sub(r"\['(?:[^'\\]|\\.)*'(?:, '(?:[^'\\]|\\.)*')*\]", plain, message)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, given the terminal's width itself: argparse makes one for
    every `add_argument`, and its own way to the width imports `shutil` (with `bz2`,
    `lzma` and `zlib`), a few milliseconds of every command's start-up."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


def _terminal_columns() -> int:
    """What `shutil.get_terminal_size().columns` gives: $COLUMNS, the terminal, or 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _top_parser() -> argparse.ArgumentParser:
    width = max(map(len, COMMANDS))
    commands = "\n".join(f"  {name:<{width}} {help_text}"
                         for name, (_, help_text) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="mission",
        description="Write, check and run missions: small, safe, deterministic workflows.",
        epilog=f"commands:\n{commands}\n\nRun `mission COMMAND --help` for a command's options.\n"
               "Exit codes: 0 ok, 1 findings or a failed run, 2 usage or I/O error, "
               "3 waiting for an answer, 4 a project operation's implementation is missing "
               "or does not match its declaration.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="mission 0.1.0")
    parser.add_argument("command", metavar="COMMAND", nargs="?", help="one of the commands below")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0].startswith("-"):
        top = _top_parser()  # built only here: a command's start-up does not pay for it
        top.parse_args(arguments)  # --help / --version exit here
        top.print_help(sys.stderr)
        return EXIT_USAGE
    name, rest = arguments[0], arguments[1:]
    if name not in COMMANDS:
        from compiler.suggest import did_you_mean

        hint = "".join(f" ({line})" for line in did_you_mean(name, COMMANDS))
        print(f"mission: unknown command `{name}`{hint}; run `mission --help` for the list",
              file=sys.stderr)
        return EXIT_USAGE
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"mission {name}", description=help_text,
                                     formatter_class=_HelpFormatter)
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args))
    except Refusal as problem:
        print(_visible(problem.rendered()), file=sys.stderr)
        return EXIT_USAGE
    except UsageError as problem:
        print(f"mission {name}: {_visible(str(problem))}", file=sys.stderr)
        return problem.exit_code
    except KeyboardInterrupt:
        print(f"mission {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as problem:  # a bug in mission itself: say so in one line
        if os.environ.get("MISSION_DEBUG"):
            raise
        print(f"mission {name}: internal error: {type(problem).__name__}: "
              f"{_visible(str(problem))} "
              "(set MISSION_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _visible(message: str) -> str:
    """A message that may quote user text (a path, a JSON key), safe for a terminal: its
    control characters are shown as symbols, line breaks kept."""
    from compiler.render import visible

    return "\n".join(visible(line) for line in message.split("\n"))
