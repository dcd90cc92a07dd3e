"""The diagnostic model: what the compiler and linter report.

A diagnostic has a stable code (see `compiler.rules`), a severity, a message,
a primary span, optional secondary labels and help lines. The compiler
returns these for every problem in user input; it never raises on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from compiler.ast import Span


class Severity(StrEnum):
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


def _span_data(span: Span) -> list[int]:
    return [span.start, span.end]


def to_data(diagnostic: Diagnostic) -> dict[str, Any]:
    """A lossless plain-data form (for the check cache and worker processes)."""
    data: dict[str, Any] = {
        "code": diagnostic.code, "severity": diagnostic.severity.value,
        "message": diagnostic.message, "span": _span_data(diagnostic.span),
    }
    if diagnostic.label:
        data["label"] = diagnostic.label
    if diagnostic.labels:
        data["labels"] = [[*_span_data(label.span), label.message] for label in diagnostic.labels]
    if diagnostic.help:
        data["help"] = list(diagnostic.help)
    if diagnostic.fix is not None:
        data["fix"] = [diagnostic.fix.message,
                       [[*_span_data(edit.span), edit.replacement]
                        for edit in diagnostic.fix.edits]]
    return data


def from_data(data: Mapping[str, Any]) -> Diagnostic:
    """The inverse of `to_data`; raises KeyError, TypeError or ValueError on damaged data."""
    start, end = data["span"]
    labels = tuple(Label(Span(int(a), int(b)), str(message))
                   for a, b, message in data.get("labels", ()))
    fix = None
    if "fix" in data:
        message, edits = data["fix"]
        fix = Fix(str(message), tuple(Edit(Span(int(a), int(b)), str(text))
                                      for a, b, text in edits))
    return Diagnostic(str(data["code"]), Severity(str(data["severity"])), str(data["message"]),
                      Span(int(start), int(end)), str(data.get("label", "")), labels,
                      tuple(str(line) for line in data.get("help", ())), fix)
