"""The mission compiler: `.mission` text to diagnostics and a `WorkflowDefinition`.

`compile_source` never raises on user input: every problem is a diagnostic.
The pipeline: parse (recovering from syntax errors), check (errors E0xx),
lint (the rules in force for this path, see `compiler.config`), inline
suppressions (`compiler.suppress`), severity overrides, then emit when no
error is left. Importing this package does not import `lark`; the first parse
does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used, so `import compiler.cache` etc. stays cheap
    from compiler import ast
    from compiler.checks import Analysis
    from compiler.config import Config
    from compiler.diagnostics import Diagnostic
    from compiler.source import SourceFile
    from compiler.testfile.check import CheckedTests, Reader
    from runtime.orchestration.model import WorkflowDefinition

__all__ = ["CompileResult", "compile_file", "compile_source"]


@dataclass(frozen=True, slots=True)
class CompileResult:
    source: SourceFile
    mission: ast.Mission | None
    comments: tuple[ast.Comment, ...]
    diagnostics: tuple[Diagnostic, ...]
    analysis: Analysis | None
    workflow: WorkflowDefinition | None
    tests: CheckedTests | None = None  # a test file: its cases and the mission they test

    @property
    def ok(self) -> bool:
        return self.workflow is not None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        from compiler.diagnostics import Severity

        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


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

        found_in_tests, tests = check_tests(source, parsed.tests, settings, read,
                                            parsed.skipped)
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
    return replace(diagnostic, severity=severity)


def compile_file(path: str | Path) -> CompileResult:
    """Compile a file; raises OSError/UnicodeDecodeError only for I/O problems."""
    text = Path(path).read_text(encoding="utf-8")
    return compile_source(text, str(path))
