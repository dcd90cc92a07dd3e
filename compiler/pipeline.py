"""`compile_source`: parse, check, lint, suppress and emit one text; a test file is checked
against the mission it names, compiled here too (`load_tested`).

Everything is imported where it is used: importing the package does not import `lark`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from compiler.result import CompileResult, Tested

if TYPE_CHECKING:
    from compiler.analysis import Analysis
    from compiler.config import Config
    from compiler.diagnostics import Diagnostic
    from compiler.result import CheckedTests
    from compiler.testfile import nodes
    from compiler.testfile.check import Reader
    from runtime.orchestration.model import WorkflowDefinition


def compile_source(text: str, path: str = "<string>", *,
                   config: Config | None = None, read: Reader | None = None) -> CompileResult:
    """Parse, check, lint and emit; the workflow is None when any error was found.

    `config` chooses the rules in force and their severities (the defaults when
    None); `path` is used for messages and per-file settings only. A test file
    (`compiler.testfile`) is checked against the mission it names, read beside `path`
    (by `read`, when given: the language server's view of unsaved files); it has no
    workflow, and its cases in `tests`.
    """
    from compiler.checks import analyze
    from compiler.config import DEFAULT
    from compiler.diagnostics import Severity
    from compiler.emit import emit
    from compiler.linter import lint
    from compiler.parser import parse
    from compiler.source import SourceFile
    from compiler.suppress import apply_suppressions

    settings = config or DEFAULT
    enabled = settings.enabled_for(path)
    source = SourceFile(path, text)
    parsed = parse(source, settings.limits)
    complete = not parsed.diagnostics or all(
        d.severity is not Severity.ERROR for d in parsed.diagnostics)
    diagnostics = list(parsed.diagnostics)
    analysis: Analysis | None = None
    workflow: WorkflowDefinition | None = None
    tests: CheckedTests | None = None
    if parsed.tests is not None:
        from compiler.testfile.check import check_tests

        tested = load_tested(path, parsed.tests, settings, read)
        found_in_tests, tests = check_tests(source, parsed.tests, tested, read, parsed.skipped)
        diagnostics.extend(found_in_tests)
    if parsed.mission is not None:
        found, analysis = analyze(parsed.mission, text, parsed.mentions,
                                  settings.operation_table)
        diagnostics.extend(found)
        diagnostics.extend(lint(source, parsed.mission, analysis, enabled=enabled,
                                complete=complete, mentions=parsed.mentions))
    diagnostics = apply_suppressions(source, parsed.mission, parsed.comments, diagnostics,
                                     enabled, report_unused=complete)
    if settings.severity:
        diagnostics = [_configured(d, settings) for d in diagnostics]
    if parsed.mission is not None and analysis is not None and \
            not any(d.severity is Severity.ERROR for d in diagnostics):
        workflow = emit(parsed.mission, analysis, source)
    unique = sorted(set(diagnostics), key=lambda d: d.sort_key)
    return CompileResult(source, parsed.mission, parsed.comments, tuple(unique), analysis, workflow,
                         tests)


def _configured(diagnostic: Diagnostic, config: Config) -> Diagnostic:
    severity = config.severity_of(diagnostic.code)
    if severity is None or severity is diagnostic.severity:
        return diagnostic
    return diagnostic.replace(severity=severity)


def compile_file(path: str | Path) -> CompileResult:
    """Compile a file; raises OSError/UnicodeDecodeError only for I/O problems."""
    text = Path(path).read_text(encoding="utf-8")
    return compile_source(text, str(path))


def load_tested(test_path: str, tree: nodes.TestFile, config: Config,
                read: Reader | None = None) -> Tested:
    """The mission `tree` names, read and compiled under `config`."""
    from compiler.testfile.check import default_reader
    from compiler.testfile.paths import beside
    from runtime.reading import TooLarge, describe_problem

    written = str(tree.mission.value)
    path = beside(test_path, written)
    if not written.endswith(".mission"):  # any other file is not read: it never reaches a
        # message (a test file naming a key or a password file, as a batch line could)
        return Tested(written, path, None, "not a `.mission` file, so it is not read")
    reader = read or default_reader(config.limits.max_file_size)
    try:
        text = reader(path)
    except TooLarge:
        return Tested(written, path, None, f"larger than {config.limits.max_file_size:,} "
                      "bytes, the limit `max-file-size`")
    except (OSError, UnicodeDecodeError) as problem:
        return Tested(written, path, None, describe_problem(problem))
    # A test file named as the mission is not followed to the mission it names in turn.
    return Tested(written, path, compile_source(text, path, config=config, read=_not_followed))


def _not_followed(path: str) -> str:
    raise OSError(f"{path} is not read: a test file tests a mission, not another test file")
