"""The human format: rustc-style snippets, then one summary line."""

from __future__ import annotations

from compiler.formats import Report, summary_line
from compiler.render import render


def render_text(report: Report, colour: bool = False) -> str:
    blocks = [render(diagnostic, file.source, colour)
              for file in report.files for diagnostic in file.diagnostics]
    lines = [block + "\n" for block in blocks]
    if blocks:
        lines.append("For more about a code, run `mission explain CODE`.")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
