"""GitHub Actions workflow commands: one `::error file=...,line=...::message` per finding.

Annotations appear on the pull request's changed lines. Errors are `error`,
warnings `warning`, notes `notice`.
"""

from __future__ import annotations

from compiler.formats.report import Report, summary_line
from compiler.source import SourceFile

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    from compiler.rules import find_rule

    lines = []
    for file in report.files:
        source: SourceFile = file.source
        for diagnostic in file.diagnostics:
            line, column = source.location(diagnostic.span.start)
            end_line, end_column = source.location(diagnostic.span.end)
            rule = find_rule(diagnostic.code)
            title = f"{diagnostic.code} {rule.slug}" if rule else diagnostic.code
            message = "\n".join([diagnostic.message, *(f"help: {h}" for h in diagnostic.help)])
            properties = (f"file={_property(source.path)},line={line},endLine={end_line},"
                          f"col={column},endColumn={end_column},title={_property(title)}")
            lines.append(f"::{_COMMANDS[diagnostic.severity.value]} {properties}::"
                         f"{_data(message)}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
