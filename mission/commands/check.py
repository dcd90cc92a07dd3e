"""`mission check PATH...`: compile and lint missions, report every problem.

Exit codes: 0 clean (warnings and notes allowed), 1 an error (or a warning
with `--strict`, or something to fix with `--diff`), 2 a usage,
configuration or I/O problem (an unreadable file is reported and the others
are still checked).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from compiler.batch import Checked
    from compiler.config import Config
    from compiler.diagnostics import Diagnostic
    from compiler.formats import FileReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories (searched for *.mission); default: .")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 on warnings too, not only on errors")
    parser.add_argument("--fix", action="store_true",
                        help="apply the certain fixes in place, then report what is left")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff; change no file")
    parser.add_argument("--select", metavar="CODES",
                        help="comma-separated codes, prefixes or slugs to check (replaces the "
                             "configuration's `select`, `extend-select` and `ignore`)")
    parser.add_argument("--ignore", metavar="CODES",
                        help="comma-separated codes, prefixes or slugs not to report")
    parser.add_argument("--config", metavar="FILE",
                        help="a mission.toml or pyproject.toml (default: found from the "
                             "current directory upwards)")
    parser.add_argument("--no-cache", action="store_true",
                        help="check every file again, and do not update the cache")
    parser.add_argument("-j", "--jobs", type=int, metavar="N",
                        help="worker processes for large trees (default: one per core)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output: auto (a terminal without NO_COLOR)")


def use_colour(stream: object, choice: str = "auto") -> bool:
    """Colour on a terminal, or when asked; never when NO_COLOR is set."""
    if os.environ.get("NO_COLOR") or choice == "never":
        return False
    return choice == "always" or bool(getattr(stream, "isatty", lambda: False)())


def mission_files(paths: Sequence[str],
                  excluded: Callable[[str], bool] = lambda _: False) -> list[Path]:
    """The `.mission` files named or found under `paths` (see `mission.walk`).

    Raises UsageError for a path that does not exist or a directory without
    any mission file (also used by `mission fmt`).
    """
    from mission.walk import NotFound
    from mission.walk import mission_files as walk_files

    found: list[Path] = []
    seen: set[Path] = set()  # a set: a list's `in` made large trees quadratic
    for given in paths:
        try:
            matches = walk_files([given], excluded)
        except NotFound:
            raise UsageError(f"{given}: no such file or directory") from None
        if not matches:
            raise UsageError(f"{given}: no .mission files found in this directory")
        for path in matches:
            if path not in seen:
                seen.add(path)
                found.append(path)
    return found


def _selectors(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def load_settings(args: argparse.Namespace) -> Config:
    from compiler.config import ConfigError, config_for, expand

    try:
        config = config_for(".", args.config)
        select, ignore = _selectors(args.select), _selectors(args.ignore)
        for selector in (*select, *ignore):
            expand(selector)
    except ConfigError as problem:
        raise UsageError(str(problem)) from None
    if select:
        config = replace(config, select=select, extend_select=(), ignore=())
    if ignore:
        config = replace(config, ignore=(*config.ignore, *ignore))
    return config


def run(args: argparse.Namespace) -> int:
    from compiler.batch import check_paths, default_jobs
    from compiler.cache import CheckCache
    from compiler.formats import FileReport, Report, formatter, summary_line

    started = time.perf_counter()
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    config = load_settings(args)
    files = mission_files(args.paths, config.excluded)
    cache = None if args.no_cache or args.fix or args.diff else \
        CheckCache.open(config.fingerprint)
    jobs = args.jobs or default_jobs()
    checked = check_paths([str(path) for path in files], config, jobs=jobs, cache=cache)
    if cache is not None:
        cache.save()
    problems = [item for item in checked if item.problem]
    for item in problems:
        print(f"mission check: {item.path}: {item.problem}", file=sys.stderr)
    good = [item for item in checked if not item.problem and item.source is not None]
    if args.diff:
        return _show_diff(good, config, problems)
    fixed = 0
    if args.fix:
        good, fixed = _fix(good, config)
    reports = tuple(FileReport(item.source, item.diagnostics) for item in good
                    if item.source is not None)
    report = Report(reports, fixed=fixed, seconds=time.perf_counter() - started,
                    cached=sum(1 for item in good if item.cached))
    colour = args.format == "text" and args.output is None and use_colour(sys.stdout, args.color)
    output = formatter(args.format)(report, colour)
    _write(output, args.output)
    if args.format in ("json", "sarif") or args.output is not None:
        print(summary_line(report), file=sys.stderr)
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if _failed(reports, args.strict) else EXIT_OK


def _failed(reports: tuple[FileReport, ...], strict: bool) -> bool:
    from compiler.diagnostics import Severity

    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in failing for report in reports for d in report.diagnostics)


def _write(output: str, destination: str | None) -> None:
    if destination is None:
        sys.stdout.write(output)
        return
    try:
        Path(destination).write_text(output, encoding="utf-8")
    except OSError as problem:
        raise UsageError(f"{destination}: cannot write it ({problem.strerror})") from None


def _checker(path: str, config: Config) -> Callable[[str], Sequence[Diagnostic]]:
    from compiler import compile_source

    return lambda text: compile_source(text, path, config=config).diagnostics


def _fix(checked: list[Checked], config: Config) -> tuple[list[Checked], int]:
    """Apply fixes in place; the findings that remain replace the old ones."""
    from compiler.batch import Checked
    from compiler.fix import fix_text
    from compiler.source import SourceFile

    total = 0
    result = []
    for item in checked:
        if item.source is None or not any(d.fix for d in item.diagnostics):
            result.append(item)
            continue
        outcome = fix_text(item.source.text, _checker(item.path, config))
        if outcome.applied:
            try:
                Path(item.path).write_text(outcome.text, encoding="utf-8")
            except OSError as problem:
                raise UsageError(f"{item.path}: cannot write it ({problem.strerror})") from None
            total += outcome.applied
        result.append(Checked(item.path, SourceFile(item.path, outcome.text), outcome.remaining))
    return result, total


def _show_diff(checked: list[Checked], config: Config, problems: list[Checked]) -> int:
    from compiler.fix import fix_text, unified_diff

    changed = fixes = 0
    for item in checked:
        if item.source is None or not any(d.fix for d in item.diagnostics):
            continue
        outcome = fix_text(item.source.text, _checker(item.path, config))
        if outcome.text != item.source.text:
            sys.stdout.write(unified_diff(item.path, item.source.text, outcome.text))
            changed += 1
            fixes += outcome.applied
    print(f"{fixes} fix{'es' * (fixes != 1)} in {changed} file{'s' * (changed != 1)} "
          "(run with --fix to apply)", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if changed else EXIT_OK
