"""`mission test [PATH...]`: run the test files of missions (docs/testing.md).

Exit codes: 0 every test passed (and the coverage is at least `--fail-under`), 1 a test
failed or could not run, a test file has errors, or the coverage is under `--fail-under`,
2 a usage or I/O problem (a path without test files, a `-k` that does not parse, a report
that cannot be written).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from mission.testing.coverage import MissionCoverage
    from mission.testing.results import FileResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="test files or directories (searched for *_test.mission); "
                             "default: .")
    parser.add_argument("-k", dest="keyword", metavar="EXPRESSION", default="",
                        help="run only the tests whose id (FILE::NAME) holds these words "
                             "(combined with and, or, not), as pytest's -k")
    parser.add_argument("--format", choices=("text", "json", "junit", "github"),
                        default="text", help="output format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--update", action="store_true",
                        help="write the run's values into the `snapshot` lines that differ, "
                             "and show the changes as a diff")
    parser.add_argument("--coverage", action="store_true",
                        help="report the steps and branches of each mission the tests ran")
    parser.add_argument("--coverage-xml", metavar="FILE",
                        help="write the coverage as Cobertura XML (GitLab, Jenkins, Codecov)")
    parser.add_argument("--coverage-lcov", metavar="FILE",
                        help="write the coverage as an LCOV tracefile (Codecov, Coveralls)")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="fail when the steps and branches covered are under PERCENT")
    parser.add_argument("--replay-store", action="store_true",
                        help="also replay the waiting runs of the run store (--store) of each "
                             "tested mission against the mission as it is now")
    parser.add_argument("--store", metavar="PATH_OR_URL",
                        help="the run store for --replay-store (default: as `mission runs`)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N",
                        help="worker processes (default: one per 16 test files, at most one "
                             "per core)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output: auto (a terminal, unless NO_COLOR is "
                             "set), always or never")


def run(args: argparse.Namespace) -> int:
    from mission.colour import use_colour
    from mission.testing.select import SelectionError, matcher
    from mission.testing.suite import NoTests, Options, run_files, test_files

    started = time.perf_counter()
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.fail_under is not None and not 0 <= args.fail_under <= 100:
        raise UsageError("--fail-under is a percentage, from 0 to 100")
    try:
        matcher(args.keyword)
    except SelectionError as problem:
        raise UsageError(str(problem)) from None
    config = _config()
    try:
        paths = test_files(args.paths, config.excluded if config.exclude else lambda _: False)
    except NoTests as problem:
        raise UsageError(str(problem)) from None
    store = _store(args) if args.replay_store else None
    options = Options(args.keyword, store, _wants_coverage(args))
    text = args.format == "text"
    colour = text and args.output is None and use_colour(sys.stdout, args.color)
    stream = sys.stdout if text and args.output is None else None

    def done(result: FileResult) -> None:
        if stream is not None:
            from mission.testing.report import progress_line

            print(progress_line(result), file=stream, flush=True)

    results = run_files(paths, options, args.jobs, done)
    if args.update:
        results = _update(results, options, args.jobs)
    seconds = time.perf_counter() - started
    coverage = _coverage(results) if _wants_coverage(args) else None
    output, summary = _report(args.format, results, seconds, colour, coverage)
    if coverage is not None and text:
        from mission.testing.coverage import text_report

        output += "\n" + text_report(coverage)
    under = _under(args, coverage)
    if under:
        output += under + "\n"
    _write_coverage(args, coverage)
    _write(output, args.output)
    if not text or args.output is not None:
        print(summary, file=sys.stderr)
        if under:
            print(under, file=sys.stderr)
    from mission.testing.report import failed

    return EXIT_FINDINGS if failed(results) or under else EXIT_OK


def _config() -> Any:
    from mission.files import read_config

    return read_config()


def _store(args: argparse.Namespace) -> str:
    from mission.stores import chosen_location

    return chosen_location(args.store)


def _update(results: list[FileResult], options: Any, jobs: int | None) -> list[FileResult]:
    """Write the stale snapshots, show each change as a diff, and run those files again."""
    from compiler.fix import unified_diff
    from mission.testing.snapshots import missing, updates
    from mission.testing.suite import run_file

    for line in missing(results):
        print(f"mission test: {line}", file=sys.stderr)
    changed = updates(results)
    for path, (before, after) in changed.items():
        try:
            Path(path).write_text(after, encoding="utf-8")
        except OSError as problem:
            raise UsageError(f"{path}: cannot write it ({problem.strerror})") from None
        sys.stdout.write(unified_diff(path, before, after))
    count = len(changed)
    print(f"mission test: updated the snapshots of {count} file{'s' * (count != 1)}",
          file=sys.stderr)
    return [run_file(result.path, options) if result.path in changed else result
            for result in results]


def _wants_coverage(args: argparse.Namespace) -> bool:
    return bool(args.coverage or args.coverage_xml or args.coverage_lcov
                or args.fail_under is not None)


def _coverage(results: list[FileResult]) -> list[MissionCoverage]:
    from mission.testing.coverage import gather

    return gather(results)


def _coverage_json(coverage: list[MissionCoverage]) -> dict[str, Any]:
    from mission.testing.coverage import percent

    return {"percent": round(percent(coverage), 2), "missions": [
        {"path": mission.path, "steps": list(mission.steps), "branches": list(mission.branches),
         "percent": round(percent([mission]), 2),
         "missed": [{"line": unit.line, "what": unit.label, "step": unit.step}
                    for unit in mission.missed]}
        for mission in coverage]}


def _report(name: str, results: list[FileResult], seconds: float, colour: bool,
            coverage: list[MissionCoverage] | None) -> tuple[str, str]:
    from mission.testing import report

    summary = report.summary(results, seconds)
    if name == "json":
        return report.json_report(results, _coverage_json(coverage)
                                  if coverage is not None else None), summary
    if name == "junit":
        return report.junit_report(results, seconds), summary
    if name == "github":
        return report.github_report(results), summary
    return report.text_report(results, seconds, colour), summary


def _under(args: argparse.Namespace, coverage: list[MissionCoverage] | None) -> str:
    if args.fail_under is None or coverage is None:
        return ""
    from mission.testing.coverage import percent

    found = percent(coverage)
    if found + 1e-9 >= args.fail_under:
        return ""
    return (f"mission test: the coverage is {found:.1f}%, under --fail-under "
            f"{args.fail_under:g}%")


def _write_coverage(args: argparse.Namespace, coverage: list[MissionCoverage] | None) -> None:
    if coverage is None:
        return
    from mission.testing.coverage import cobertura, lcov

    if args.coverage_xml:
        _write(cobertura(coverage), args.coverage_xml)
    if args.coverage_lcov:
        _write(lcov(coverage), args.coverage_lcov)


def _write(output: str, destination: str | None) -> None:
    if destination is None:
        sys.stdout.write(output)
        return
    try:
        Path(destination).write_text(output, encoding="utf-8")
    except OSError as problem:
        raise UsageError(f"{destination}: cannot write it ({problem.strerror})") from None
