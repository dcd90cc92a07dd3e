"""`mission lsp`: the language server, speaking LSP over standard input and output.

Needs the `pygls` package (`pip install 'mission[lsp]'`); editors start it
(see docs/editors.md).
"""

from __future__ import annotations

import argparse
import importlib.util

from mission.cli import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk over standard input/output (the default and only transport; "
                             "accepted because editors pass it)")


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("pygls") is None:
        raise UsageError("the language server needs the `pygls` package: "
                         "pip install 'mission[lsp]'")
    from mission.lsp.server import build_server

    build_server().start_io()
    return EXIT_OK
