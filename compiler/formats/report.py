"""What every output format renders: the findings of each file checked, and the counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler.diagnostics import Diagnostic, Severity
from compiler.source import SourceFile
from compiler.summary import summary_text


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


def by_position(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: d.sort_key)
