"""The diagnostic model: what the compiler and linter report.

A diagnostic has a stable code (see `compiler.rules`), a severity, a message,
a primary span, optional secondary labels and help lines. The compiler
returns these for every problem in user input; it never raises on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from compiler.ast import Span
from runtime.frozen import Frozen, set_field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "note": 2}[self.value]


class Label(Frozen):
    """A secondary location with a short message, e.g. "first defined here"."""

    __slots__ = ("message", "span")
    span: Span
    message: str

    def __init__(self, span: Span, message: str) -> None:
        set_field(self, "span", span)
        set_field(self, "message", message)


class Edit(Frozen):
    """Replace `span` in the source with `replacement` (an autofix)."""

    __slots__ = ("replacement", "span")
    span: Span
    replacement: str

    def __init__(self, span: Span, replacement: str) -> None:
        set_field(self, "span", span)
        set_field(self, "replacement", replacement)


class Fix(Frozen):
    __slots__ = ("edits", "message")
    message: str
    edits: tuple[Edit, ...]

    def __init__(self, message: str, edits: tuple[Edit, ...]) -> None:
        set_field(self, "message", message)
        set_field(self, "edits", edits)


class Diagnostic(Frozen):
    """One finding; equality leaves out the `path` it was found in."""

    __slots__ = ("code", "fix", "help", "label", "labels", "message", "path", "severity", "span")
    _ignored = ("path",)
    code: str
    severity: Severity
    message: str
    span: Span
    label: str
    labels: tuple[Label, ...]
    help: tuple[str, ...]
    fix: Fix | None
    path: str

    def __init__(
        self,
        code: str,
        severity: Severity,
        message: str,
        span: Span,
        label: str = "",
        labels: tuple[Label, ...] = (),
        help: tuple[str, ...] = (),
        fix: Fix | None = None,
        path: str = "",
    ) -> None:
        set_field(self, "code", code)
        set_field(self, "severity", severity)
        set_field(self, "message", message)
        set_field(self, "span", span)
        set_field(self, "label", label)
        set_field(self, "labels", labels)
        set_field(self, "help", help)
        set_field(self, "fix", fix)
        set_field(self, "path", path)

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
