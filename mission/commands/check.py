"""`mission check PATH...`: compile and check missions, print what is wrong."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from mission.cli import EXIT_FINDINGS, EXIT_OK, UsageError

SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv",
                                 "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
                                 ".pytest_cache", "build", "dist"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories (searched for *.mission); default: .")


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def mission_files(paths: list[str]) -> list[Path]:
    """The `.mission` files named or found under the given paths, in a stable order."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            matches = sorted(_walk(path))
            if not matches:
                raise UsageError(f"{given}: no .mission files found in this directory")
            found.extend(matches)
        else:
            raise UsageError(f"{given}: no such file or directory")
    return found


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        subdirectories[:] = sorted(
            name for name in subdirectories
            if name not in SKIPPED_DIRECTORIES and not _is_virtualenv(here / name)
        )
        for name in files:
            if name.endswith(".mission"):
                yield here / name


def use_colour(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def run(args: argparse.Namespace) -> int:
    from compiler import compile_source
    from compiler.diagnostics import Severity
    from compiler.render import render
    from mission.files import read_text

    files = mission_files(args.paths)
    colour = use_colour(sys.stdout)
    errors = warnings = 0
    for path in files:
        result = compile_source(read_text(path), str(path))
        for diagnostic in result.diagnostics:
            print(render(diagnostic, result.source, colour), end="\n\n")
            if diagnostic.severity is Severity.ERROR:
                errors += 1
            elif diagnostic.severity is Severity.WARNING:
                warnings += 1
    noun = "file" if len(files) == 1 else "files"
    print(f"Checked {len(files)} {noun}: {errors} error{'s' * (errors != 1)}, "
          f"{warnings} warning{'s' * (warnings != 1)}.")
    return EXIT_FINDINGS if errors else EXIT_OK
