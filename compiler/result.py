"""What compiling a file gives: a mission's tree, findings and workflow, or a test file's
cases with the mission they test (compiled in turn)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from runtime.frozen import Frozen, set_field

if TYPE_CHECKING:  # `import compiler` stays cheap
    from compiler import ast
    from compiler.analysis import Analysis
    from compiler.diagnostics import Diagnostic
    from compiler.source import SourceFile
    from compiler.testfile import nodes
    from runtime.orchestration.model import WorkflowDefinition


class CompileResult(Frozen):
    __slots__ = ("analysis", "comments", "diagnostics", "mission", "source", "tests", "workflow")
    source: SourceFile
    mission: ast.Mission | None
    comments: tuple[ast.Comment, ...]
    diagnostics: tuple[Diagnostic, ...]
    analysis: Analysis | None
    workflow: WorkflowDefinition | None
    tests: CheckedTests | None  # a test file: its cases and the mission they test

    def __init__(
        self,
        source: SourceFile,
        mission: ast.Mission | None,
        comments: tuple[ast.Comment, ...],
        diagnostics: tuple[Diagnostic, ...],
        analysis: Analysis | None,
        workflow: WorkflowDefinition | None,
        tests: CheckedTests | None = None,
    ) -> None:
        set_field(self, "source", source)
        set_field(self, "mission", mission)
        set_field(self, "comments", comments)
        set_field(self, "diagnostics", diagnostics)
        set_field(self, "analysis", analysis)
        set_field(self, "workflow", workflow)
        set_field(self, "tests", tests)

    @property
    def ok(self) -> bool:
        return self.workflow is not None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        from compiler.diagnostics import Severity

        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


@dataclass(frozen=True, slots=True)
class Tested:
    """The mission a test file tests: where it is, and its compile result (None, with the
    `problem`, when it could not be read)."""

    written: str  # as the test file writes it
    path: str  # as found: relative to the test file's directory
    result: CompileResult | None
    problem: str = ""

    @property
    def workflow(self) -> WorkflowDefinition | None:
        return self.result.workflow if self.result is not None else None


@dataclass(frozen=True, slots=True)
class CheckedTests:
    """A test file that parsed: its tree, and the mission it tests."""

    tree: nodes.TestFile
    tested: Tested
