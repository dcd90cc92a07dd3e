"""Output formats for `mission check`: text, json, sarif and github.

Every formatter takes the same `Report` (`report.py`, below them all) and returns the
whole output as one string. Only the text format shows timing; the others are
deterministic for the same files, so tools (and golden tests) can compare them byte for
byte. Each formatter is imported when its format is asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from compiler.formats.report import FileReport, Report, by_position, summary_line

__all__ = ["FORMATS", "FileReport", "Report", "by_position", "formatter", "summary_line"]

FORMATS = ("text", "json", "sarif", "github")


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
