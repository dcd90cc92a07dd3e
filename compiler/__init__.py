"""The mission compiler: `.mission` text to diagnostics and a `WorkflowDefinition`.

`compile_source` never raises on user input: every problem is a diagnostic.
Importing this package does not import `lark`; the first parse does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler import ast
from compiler.checks import Analysis, analyze
from compiler.diagnostics import Diagnostic, Severity
from compiler.source import SourceFile
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

    @property
    def ok(self) -> bool:
        return self.workflow is not None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


def compile_source(text: str, path: str = "<string>") -> CompileResult:
    """Parse, check and emit; the workflow is None when any error was found."""
    from compiler.emit import emit
    from compiler.parser import parse

    source = SourceFile(path, text)
    parsed = parse(source)
    diagnostics = list(parsed.diagnostics)
    analysis: Analysis | None = None
    workflow: WorkflowDefinition | None = None
    if parsed.mission is not None:
        found, analysis = analyze(parsed.mission)
        diagnostics.extend(found)
        if not any(d.severity is Severity.ERROR for d in diagnostics):
            workflow = emit(parsed.mission, analysis, source)
    unique = sorted(set(diagnostics), key=lambda d: d.sort_key)
    return CompileResult(source, parsed.mission, parsed.comments, tuple(unique), analysis, workflow)


def compile_file(path: str | Path) -> CompileResult:
    """Compile a file; raises OSError/UnicodeDecodeError only for I/O problems."""
    text = Path(path).read_text(encoding="utf-8")
    return compile_source(text, str(path))
