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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from mission.colour import use_colour
from mission.progress import Progress

if TYPE_CHECKING:
    from compiler.cache import CheckCache
    from compiler.checked import Checked
    from compiler.config import Config
    from compiler.diagnostics import Diagnostic
    from compiler.formats import FileReport

PROGRESS_FROM = 100  # files: a progress bar (on a terminal) from this many on


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
                        help="worker processes for large trees (default: one per 256 files to "
                             "check, at most one per core)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output: auto (a terminal, unless NO_COLOR is "
                             "set), always (even with NO_COLOR) or never")


def mission_files(paths: Sequence[str],
                  excluded: Callable[[str], bool] = lambda _: False) -> list[Path]:
    """The `.mission` files named or found under `paths` (see `mission.walk`).

    Raises UsageError for a path that does not exist or a directory without
    any mission file (also used by `mission fmt`).
    """
    return [Path(path) for path, _ in found_files(paths, excluded)]


def found_files(paths: Sequence[str], excluded: Callable[[str], bool] = lambda _: False,
                allow_empty: bool = False) -> list[tuple[str, str]]:
    """`mission_files` as strings: each file as shown, and its absolute path (with
    `allow_empty`, a directory without mission files is not a usage error)."""
    from mission import walk

    found: list[tuple[str, str]] = []
    seen: set[str] = set()  # a set: a list's `in` made large trees quadratic
    for given in paths:
        try:
            matches = walk.found_files([given], excluded)
        except walk.NotFound:
            raise UsageError(f"{given}: no such file or directory") from None
        if not matches and not allow_empty:
            raise UsageError(f"{given}: no .mission files found in this directory")
        for path, absolute in matches:
            if absolute not in seen:
                seen.add(absolute)
                found.append((path, absolute))
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
        config = config.replace(select=select, extend_select=(), ignore=())
    if ignore:
        config = config.replace(ignore=(*config.ignore, *ignore))
    return config


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    config = load_settings(args)
    named = [path for path in args.paths if Path(path).name in _CONFIG_NAMES
             and os.path.isfile(path)]
    paths = [path for path in args.paths if path not in named]
    files = found_files(paths, config.excluded if config.exclude else lambda _: False,
                        allow_empty=bool(config.schedules)) if paths else []
    nested = {} if args.config else _nested_configs(files, config)
    configured = _configuration_reports(config, nested, named)
    text = args.format == "text"
    colour = text and args.output is None and use_colour(sys.stdout, args.color)
    caches = None if args.no_cache or args.fix or args.diff else _Caches(config, nested)
    with Progress(len(files), "mission check", show=len(files) >= PROGRESS_FROM) as progress:
        hits = {} if caches is None else _hits(files, caches, text and not colour, progress)
        misses = [path for index, (path, _) in enumerate(files) if index not in hits]
        checked = _check(misses, config, args.jobs, caches, progress, nested) if misses else []
    problems = [item for item in checked if item.problem]
    for item in problems:
        print(f"mission check: {item.path}: {item.problem}", file=sys.stderr)
    good = [item for item in checked if not item.problem and item.source is not None]
    if args.diff:
        return _show_diff(good, config, problems, nested)
    fixed = 0
    if args.fix:
        good, fixed = _fix(good, config, nested)
    outcomes = {item.path: item for item in good}
    if text:
        output, summary, failed = _text(files, hits, outcomes, caches, colour, args.strict,
                                        fixed, started, configured)
    else:
        output, summary, failed = _formatted(args.format, files, hits, outcomes, args.strict,
                                             fixed, started, configured)
    if caches is not None:
        caches.save()
    _write(output, args.output)
    if args.format in ("json", "sarif") or args.output is not None:
        print(summary, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if failed else EXIT_OK


# The configuration files `mission check` checks when named (their schedules).
_CONFIG_NAMES = ("mission.toml", "pyproject.toml")


def _configuration_reports(config: Config, nested: dict[str, Config],
                           named: list[str]) -> list[FileReport]:
    """The findings about the schedules of the configuration in force, of those the checked
    files are under, and of the configuration files named on the command line."""
    from compiler.config import ConfigError, load_config

    configs = {conf.origin: conf for conf in (config, *nested.values()) if conf.origin}
    for path in named:
        try:
            loaded = load_config(path)
        except ConfigError as problem:
            raise UsageError(str(problem)) from None
        configs[loaded.origin] = loaded
    if not any(conf.schedules for conf in configs.values()):
        return []
    from compiler.formats import FileReport
    from compiler.source import SourceFile
    from mission.files import read_text
    from mission.schedule_check import check_configuration

    reports = []
    for origin, conf in sorted(configs.items()):
        if not conf.schedules:
            continue
        shown = os.path.relpath(origin) if os.path.isabs(origin) else origin
        text = read_text(origin, what="a configuration file")
        found = sorted(check_configuration(conf, text, shown), key=lambda d: d.sort_key)
        reports.append(FileReport(SourceFile(shown, text), tuple(found)))
    return reports


# What `_nested_configs` finds above a file outside the project in force: no configuration.
_NONE_FOUND = Path("/")

# A cache hit: the file's findings as data, and their text as printed (or "" for none).
Hit = tuple[list[dict[str, Any]], str]


def _nested_configs(files: list[tuple[str, str]], config: Config) -> dict[str, Config]:
    """The files under another project's configuration (a `mission.toml` or `pyproject.toml`
    nearer to the file than the one in force here), with that configuration: a nested
    project's own operations and rules apply to its missions, and a file outside this
    project with no configuration above it has the defaults. So each file has the
    configuration found from its own directory upwards, as every command finds it. Each
    directory is looked at once, so a large tree costs a few `stat`s per directory."""
    from compiler.config import DEFAULT, ConfigError, has_config, load_config

    stop = Path(config.root) if config.root else None
    nearest: dict[Path, Path | None] = {}

    def lookup(directory: Path) -> Path | None:
        trail = []
        found: Path | None = None
        while True:
            if directory in nearest:
                found = nearest[directory]
                break
            trail.append(directory)
            if directory == stop:
                break
            own = has_config(directory)
            if own is not None:
                found = own
                break
            if directory.parent == directory:
                found = _NONE_FOUND if stop is not None else None
                break
            directory = directory.parent
        for visited in trail:
            nearest[visited] = found
        return found

    import os.path

    loaded: dict[Path, Config] = {}
    result: dict[str, Config] = {}
    by_directory: dict[str, Path | None] = {}  # a string key: `Path` objects are slow to make
    for path, absolute in files:
        directory = os.path.dirname(absolute)
        if directory not in by_directory:
            by_directory[directory] = lookup(Path(directory))
        own = by_directory[directory]
        if own is None or str(own) == config.origin:
            continue
        if own is _NONE_FOUND:  # outside this project, and in none of its own
            result[path] = DEFAULT
            continue
        if own not in loaded:
            try:
                loaded[own] = load_config(own)
            except ConfigError as problem:
                raise UsageError(str(problem)) from None
        result[path] = loaded[own]
    return result


class _Caches:
    """The check cache of each configuration in force: a file's findings are kept under the
    configuration found for it (this project's, a nested project's, or the defaults for a
    file outside any project), so every file is cached and checked in parallel alike."""

    def __init__(self, config: Config, nested: dict[str, Config]) -> None:
        self.config = config
        self.nested = nested
        self.opened: dict[str, CheckCache] = {}

    def of(self, path: str) -> CheckCache:
        """The cache of the configuration in force for `path` (each opened once: working
        out a configuration's fingerprint stats the directories packages are installed in)."""
        from compiler.cache import CheckCache

        own = self.nested.get(path, self.config)
        if own.origin not in self.opened:
            self.opened[own.origin] = CheckCache.open(own.fingerprint)
        return self.opened[own.origin]

    def save(self) -> None:
        for cache in self.opened.values():
            cache.save()


def _hits(files: list[tuple[str, str]], caches: _Caches, plain_text: bool,
          progress: Progress) -> dict[int, Hit]:
    """The files that need neither the compiler nor reading: unchanged (by `stat`) and
    clean, or with findings whose text the cache kept, by index in `files`."""
    hits: dict[int, Hit] = {}
    for index, (path, absolute) in enumerate(files):
        cache = caches.of(path)
        findings = cache.hit(absolute)
        if findings is None:
            continue
        shown = ""
        if findings:
            kept = cache.rendered_text(absolute, path) if plain_text else None
            if kept is None:
                continue  # read and rendered again, through the cache (not compiled)
            shown = kept
        hits[index] = (findings, shown)
        progress.advance()
    return hits


def _check(paths: list[str], config: Config, jobs: int | None, caches: _Caches | None,
           progress: Progress, nested: dict[str, Config]) -> list[Checked]:
    """Check `paths`, each under the configuration found for it: the files of each
    configuration together, through its cache and in parallel."""
    if caches is None and len(paths) == 1:  # the editor on save, a hook
        from compiler.checked import check_file

        checked_one = check_file(paths[0], nested.get(paths[0], config))
        progress.advance()
        return [checked_one]
    from compiler.batch import check_paths

    groups: dict[str, list[str]] = {}
    configs: dict[str, Config] = {}
    for path in paths:
        own = nested.get(path, config)
        groups.setdefault(own.origin, []).append(path)
        configs[own.origin] = own
    checked: list[Checked] = []
    for origin, group in groups.items():
        checked += check_paths(group, configs[origin], jobs=jobs,
                               cache=caches.of(group[0]) if caches is not None else None,
                               progress=progress.advance)
    order = {path: index for index, path in enumerate(paths)}
    return sorted(checked, key=lambda item: order[item.path])


def _text(files: list[tuple[str, str]], hits: dict[int, Hit], outcomes: dict[str, Checked],
          caches: _Caches | None, colour: bool, strict: bool, fixed: int,
          started: float, configured: list[FileReport]) -> tuple[str, str, bool]:
    """The text report, its summary line and whether it fails, from what the cache kept,
    what was checked now and the configurations' findings; what was rendered now is kept
    for the next run."""
    blocks: list[str] = []
    severities: list[str] = []
    fixable = cached = count = 0
    for index, (path, absolute) in enumerate(files):
        hit = hits.get(index)
        if hit is not None:
            findings, shown = hit
            severities += [str(finding.get("severity")) for finding in findings]
            fixable += sum(1 for finding in findings if "fix" in finding)
            count, cached = count + 1, cached + 1
        else:
            item = outcomes.get(path)
            if item is None or item.source is None:
                continue  # could not be read (reported)
            severities += [d.severity.value for d in item.diagnostics]
            fixable += sum(1 for d in item.diagnostics if d.fix is not None)
            count, cached = count + 1, cached + item.cached
            shown = _rendered(item, colour)
            if caches is not None and not colour:
                caches.of(path).keep_rendered(absolute, path, shown)
        if shown:
            blocks.append(shown)
    if configured:
        from compiler.render import render

        for checked in configured:
            count += 1
            severities += [d.severity.value for d in checked.diagnostics]
            blocks += [render(d, checked.source, colour) for d in checked.diagnostics]
    from compiler.summary import summary_text, text_report

    summary = summary_text(count, cached=cached, errors=severities.count("error"),
                           warnings=severities.count("warning"),
                           notes=severities.count("note"), fixed=fixed, fixable=fixable,
                           seconds=time.perf_counter() - started)
    failing = ("error", "warning") if strict else ("error",)
    return text_report(blocks, summary), summary, any(level in failing for level in severities)


def _rendered(item: Checked, colour: bool) -> str:
    if not item.diagnostics or item.source is None:
        return ""
    from compiler.render import render

    return "\n\n".join(render(d, item.source, colour) for d in item.diagnostics)


def _formatted(name: str, files: list[tuple[str, str]], hits: dict[int, Hit],
               outcomes: dict[str, Checked], strict: bool, fixed: int,
               started: float, configured: list[FileReport]) -> tuple[str, str, bool]:
    """The report in another format, its summary line and whether it fails."""
    from compiler.formats import FileReport, Report, formatter, summary_line
    from compiler.source import SourceFile

    reports = []
    for index, (path, _) in enumerate(files):
        item = outcomes.get(path)
        if index in hits:  # clean: a hit with findings was read again (see `_hits`)
            reports.append(FileReport(SourceFile(path, ""), ()))
        elif item is not None and item.source is not None:
            reports.append(FileReport(item.source, item.diagnostics))
    reports += configured
    report = Report(tuple(reports), fixed=fixed, seconds=time.perf_counter() - started,
                    cached=len(hits) + sum(1 for item in outcomes.values() if item.cached))
    return formatter(name)(report, False), summary_line(report), _failed(report.files, strict)


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


def _fix(checked: list[Checked], config: Config,
         nested: dict[str, Config]) -> tuple[list[Checked], int]:
    """Apply fixes in place; the findings that remain replace the old ones."""
    from compiler.checked import Checked
    from compiler.fix import fix_text
    from compiler.source import SourceFile

    total = 0
    result = []
    for item in checked:
        if item.source is None or not any(d.fix for d in item.diagnostics):
            result.append(item)
            continue
        outcome = fix_text(item.source.text, _checker(item.path, nested.get(item.path, config)))
        if outcome.applied:
            try:
                Path(item.path).write_text(outcome.text, encoding="utf-8")
            except OSError as problem:
                raise UsageError(f"{item.path}: cannot write it ({problem.strerror})") from None
            total += outcome.applied
        result.append(Checked(item.path, SourceFile(item.path, outcome.text), outcome.remaining))
    return result, total


def _show_diff(checked: list[Checked], config: Config, problems: list[Checked],
               nested: dict[str, Config]) -> int:
    from compiler.fix import fix_text, unified_diff

    changed = fixes = 0
    for item in checked:
        if item.source is None or not any(d.fix for d in item.diagnostics):
            continue
        outcome = fix_text(item.source.text, _checker(item.path, nested.get(item.path, config)))
        if outcome.text != item.source.text:
            sys.stdout.write(unified_diff(item.path, item.source.text, outcome.text))
            changed += 1
            fixes += outcome.applied
    print(f"{fixes} fix{'es' * (fixes != 1)} in {changed} file{'s' * (changed != 1)} "
          "(run with --fix to apply)", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if changed else EXIT_OK
