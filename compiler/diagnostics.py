"""The diagnostic model: what the compiler and linter report.

A diagnostic has a stable code (see `compiler.rules`), a severity, a message,
a primary span, optional secondary labels and help lines. The compiler
returns these for every problem in user input; it never raises on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from compiler.ast import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "note": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Label:
    """A secondary location with a short message, e.g. "first defined here"."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `span` in the source with `replacement` (an autofix)."""

    span: Span
    replacement: str


@dataclass(frozen=True, slots=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    label: str = ""
    labels: tuple[Label, ...] = ()
    help: tuple[str, ...] = ()
    fix: Fix | None = None
    path: str = field(default="", compare=False)

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.span.start, self.span.end, self.code, self.message)
