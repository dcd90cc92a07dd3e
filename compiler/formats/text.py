"""The human format: rustc-style snippets, then one summary line."""

from __future__ import annotations

from compiler.formats.report import Report, summary_line
from compiler.render import render
from compiler.summary import text_report


def render_text(report: Report, colour: bool = False) -> str:
    blocks = [render(diagnostic, file.source, colour)
              for file in report.files for diagnostic in file.diagnostics]
    return text_report(blocks, summary_line(report))
