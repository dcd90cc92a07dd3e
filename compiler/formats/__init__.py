"""Output formats for `mission check`: text, json, sarif and github.

Every formatter takes the same `Report` and returns the whole output as one
string. Only the text format shows timing; the others are deterministic for
the same files, so tools (and golden tests) can compare them byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from compiler.diagnostics import Diagnostic, Severity
from compiler.source import SourceFile
from compiler.summary import summary_text

FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True, slots=True)
class FileReport:
    """The findings for one file, with its text (for snippets, lines and columns)."""

    source: SourceFile
    diagnostics: tuple[Diagnostic, ...]

    @property
    def path(self) -> str:
        return self.source.path


@dataclass(frozen=True, slots=True)
class Report:
    files: tuple[FileReport, ...]  # every file checked, in a stable order
    fixed: int = 0  # problems fixed by --fix
    seconds: float = 0.0  # shown by the text format only
    cached: int = 0  # files whose findings came from the cache

    def count(self, severity: Severity) -> int:
        return sum(1 for report in self.files for d in report.diagnostics
                   if d.severity is severity)

    @property
    def fixable(self) -> int:
        return sum(1 for report in self.files for d in report.diagnostics if d.fix is not None)


def summary_line(report: Report) -> str:
    """`Checked 3 files in 0.02s: 1 error, 2 warnings, 0 notes.` (plus what was fixed/cached)."""
    return summary_text(len(report.files), cached=report.cached,
                        errors=report.count(Severity.ERROR),
                        warnings=report.count(Severity.WARNING),
                        notes=report.count(Severity.NOTE), fixed=report.fixed,
                        fixable=report.fixable, seconds=report.seconds)


def formatter(name: str) -> Callable[[Report, bool], str]:
    """The function that renders a report in format `name` (colour applies to text only)."""
    if name == "json":
        from compiler.formats.json_format import render_json

        return lambda report, colour: render_json(report)
    if name == "sarif":
        from compiler.formats.sarif import render_sarif

        return lambda report, colour: render_sarif(report)
    if name == "github":
        from compiler.formats.github import render_github

        return lambda report, colour: render_github(report)
    from compiler.formats.text import render_text

    return render_text


def by_position(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: d.sort_key)
