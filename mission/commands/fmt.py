"""`mission fmt [--check] [--diff] PATH...`: rewrite missions in the canonical layout.

Files are rewritten in place (atomically, keeping their permissions, through
symlinks); `--check` and `--diff` write nothing. `-` formats standard input to
standard output, for editors. A file that cannot be formatted (syntax errors,
or a failed safety check) is left untouched and named.

Exit codes: 0 done (or nothing to change), 1 a file would change (with
`--check`/`--diff`) or could not be formatted, 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path

from mission.cli import EXIT_FINDINGS, EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="files or directories (searched for *.mission); "
                             "`-` reads standard input and writes standard output")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; list the files that would change (exit 1 if any)")
    parser.add_argument("--diff", action="store_true",
                        help="write nothing; print a unified diff of the changes (exit 1 if any)")


def write_in_place(path: Path, text: str) -> None:
    """Replace the file (the symlink's target, if it is one) atomically, keeping its mode."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode & 0o7777
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as problem:
        raise UsageError(f"{path}: cannot write it ({problem.strerror})") from None


def unified_diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True),
                                 after.splitlines(keepends=True),
                                 fromfile=f"{name} (original)", tofile=f"{name} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def _explain(name: str, problem: Exception) -> None:
    from compiler.format import FormatError
    from compiler.render import render_all
    from mission.colour import use_colour

    if isinstance(problem, FormatError) and problem.diagnostics and problem.source is not None:
        print(render_all(problem.diagnostics, problem.source, use_colour(sys.stderr)),
              file=sys.stderr, end="\n\n")
    print(f"{name}: {problem}; the file is left unchanged", file=sys.stderr)


def _standard_input(args: argparse.Namespace) -> int:
    from compiler.format import FormatError, format_source
    from mission.files import MISSION_FILE, read_config, read_text

    limits = read_config().limits
    original = read_text("-", limits.max_file_size, MISSION_FILE)
    try:
        formatted = format_source(original, "<stdin>", limits)
    except FormatError as problem:
        _explain("<stdin>", problem)
        return EXIT_FINDINGS
    if not (args.check or args.diff):
        sys.stdout.write(formatted)
        return EXIT_OK
    if formatted == original:
        return EXIT_OK
    if args.diff:
        sys.stdout.write(unified_diff(original, formatted, "<stdin>"))
    if args.check:
        print("would reformat <stdin>")
    return EXIT_FINDINGS


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _distinct_files(paths: list[Path]) -> list[Path]:
    """Each file once, though symlinks name it twice (examples/ links to the built-ins)."""
    seen: set[str] = set()
    distinct = []
    for path in paths:
        target = os.path.realpath(path)
        if target not in seen:
            seen.add(target)
            distinct.append(path)
    return distinct


def run(args: argparse.Namespace) -> int:
    from compiler.format import FormatError, format_source
    from mission.commands.check import mission_files
    from mission.files import config_at, read_mission

    if "-" in args.paths:
        if len(args.paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        return _standard_input(args)
    dry_run = args.check or args.diff
    changed = unchanged = failed = 0
    for path in _distinct_files(mission_files(args.paths)):
        config = config_at(path)  # the mission's own project, as every command finds it
        original = read_mission(path, config)
        try:
            formatted = format_source(original, str(path), config.limits)
        except FormatError as problem:
            _explain(str(path), problem)
            failed += 1
            continue
        if formatted == original:
            unchanged += 1
            continue
        changed += 1
        if args.diff:
            sys.stdout.write(unified_diff(original, formatted, str(path)))
        if args.check:
            print(f"would reformat {path}")
        if not dry_run:
            write_in_place(path, formatted)
    verb = "would be reformatted" if dry_run else "reformatted"
    kept = "already formatted" if dry_run else "left unchanged"
    summary = f"{_plural(changed, 'file')} {verb}, {unchanged} {kept}"
    if failed:
        summary += f", {failed} could not be formatted"
    print(summary + ".", file=sys.stderr)
    return EXIT_FINDINGS if failed or (dry_run and changed) else EXIT_OK
