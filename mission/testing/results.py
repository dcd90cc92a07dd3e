"""What running tests gives: per case, per file. Plain frozen data, so that worker processes
can send it back and every report (text, JSON, JUnit XML, GitHub) is written from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.ast import Span
from compiler.diagnostics import Diagnostic
from compiler.source import SourceFile

PASSED, FAILED, ERROR = "passed", "failed", "error"


@dataclass(frozen=True, slots=True)
class Failure:
    """One expectation that does not hold, or what kept a case from running (an `error`):
    where it is in the test file, what is wrong, and the lines that show it (a diff of the
    expected value against the actual one)."""

    span: Span
    message: str
    detail: tuple[str, ...] = ()
    error: bool = False  # the case could not run as written (not an expectation failing)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A `snapshot` line, and the value the run had there (for `--update`)."""

    span: Span  # the whole line
    path_end: int  # where the path ends (a value is written after it)
    value_span: Span | None  # the value written now, if any
    actual: Any
    missing: bool = False  # the path does not exist in the state


@dataclass(frozen=True, slots=True)
class Hits:
    """What one case covered of its mission (see `mission.testing.coverage`)."""

    steps: frozenset[str] = frozenset()
    branches: frozenset[tuple[Any, ...]] = frozenset()


@dataclass(frozen=True, slots=True)
class CaseResult:
    name: str
    span: Span  # the case's name in the test file
    failures: tuple[Failure, ...] = ()
    hits: Hits = field(default_factory=Hits)
    snapshots: tuple[Snapshot, ...] = ()
    replay: bool = False  # a recorded run replayed, not a written case

    @property
    def outcome(self) -> str:
        if any(failure.error for failure in self.failures):
            return ERROR
        return FAILED if self.failures else PASSED


@dataclass(frozen=True, slots=True)
class FileResult:
    """A test file: its cases' results, or what kept it from running (its errors, as
    `mission check` reports them, or an I/O problem)."""

    path: str
    source: SourceFile | None
    mission: str = ""  # the mission it tests, as found
    cases: tuple[CaseResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()  # errors: no case ran
    problem: str = ""  # it could not be read
    units: tuple[Unit, ...] = ()  # the steps and branches of its mission (coverage)

    @property
    def broken(self) -> bool:
        return bool(self.problem or self.diagnostics)

    def case_id(self, case: CaseResult) -> str:
        return f"{self.path}::{case.name}"


@dataclass(frozen=True, slots=True)
class Unit:
    """A step or a branch of a mission, at a line of its file."""

    key: tuple[Any, ...]
    line: int
    label: str
    step: str  # the step it belongs to
    branch: bool = True
