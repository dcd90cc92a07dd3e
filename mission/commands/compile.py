"""`mission compile FILE [-o OUT]`: write the compiled workflow as canonical JSON."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from mission.cli import EXIT_FINDINGS, EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the .mission file to compile")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="where to write the JSON (default, or `-`: standard output)")


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as problem:
        raise UsageError(f"{path}: cannot write it ({problem.strerror})") from None


def run(args: argparse.Namespace) -> int:
    from compiler import compile_source
    from compiler.render import render_all
    from mission.colour import use_colour
    from mission.files import config_at, read_mission
    from runtime.orchestration.canonical import canonical_json

    config = config_at(args.file)  # the mission's own project, as every command finds it
    result = compile_source(read_mission(args.file, config), args.file, config=config)
    if result.diagnostics:
        print(render_all(result.diagnostics, result.source, use_colour(sys.stderr)),
              file=sys.stderr, end="\n\n")
    if result.workflow is None:
        count = len(result.errors)
        print(f"{args.file}: not compiled ({count} error{'s' * (count != 1)})", file=sys.stderr)
        return EXIT_FINDINGS
    text = canonical_json(result.workflow.to_dict()) + "\n"
    if args.output and args.output != "-":
        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
