"""Render diagnostics as text, the way rustc does.

    error[E006]: unknown operation `prioritise`
     --> examples/daily_loop.mission:18:9
       |
    18 |         prioritise(tasks: state.tasks, limit: param.top_n) -> state.priorities
       |         ^^^^^^^^^^ not an operation
       |
       = help: did you mean `prioritize`?

Colour only when asked (the CLI asks on a terminal without `NO_COLOR`).
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Severity
from compiler.source import SourceFile

_COLOURS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m",
            Severity.NOTE: "\033[1;36m"}
_BLUE = "\033[1;34m"
_BOLD = "\033[1m"
_RESET = "\033[0m"


def location(source: SourceFile, span: Span) -> str:
    line, column = source.location(span.start)
    return f"{source.path}:{line}:{column}"


def _marks(source: SourceFile, span: Span, message: str,
           primary: bool) -> list[tuple[int, int, int, str, bool]]:
    """(line, start, end, message, primary) per line a span underlines (first and last line)."""
    first, _ = source.location(span.start)
    last, last_column = source.location(span.end)
    if last > first and last_column == 1:  # the span ends with a line break
        last -= 1
    if last <= first:
        return [(first, span.start, span.end, message, primary)]
    first_end = source.line_start(first) + len(source.line_text(first))
    last_start = source.line_start(last)
    last_text = source.line_text(last)
    indent = len(last_text) - len(last_text.lstrip())
    end = min(span.end, last_start + len(last_text))
    return [(first, span.start, first_end, "", primary),
            (last, last_start + indent, max(end, last_start + indent + 1), message, primary)]


def render(diagnostic: Diagnostic, source: SourceFile, colour: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if colour else text

    severity = diagnostic.severity
    head = paint(f"{severity.value}[{diagnostic.code}]", _COLOURS[severity])
    lines = [f"{head}{paint(': ' + diagnostic.message, _BOLD)}"]
    line, column = source.location(diagnostic.span.start)
    marks = _marks(source, diagnostic.span, diagnostic.label, True)
    for label in diagnostic.labels:
        marks += _marks(source, label.span, label.message, False)
    marks.sort(key=lambda mark: (mark[0], not mark[4], mark[1]))
    numbers = sorted({mark[0] for mark in marks})
    width = len(str(numbers[-1]))
    gutter = paint(" " * width + " |", _BLUE)
    lines.append(f"{' ' * width}{paint('-->', _BLUE)} {source.path}:{line}:{column}")
    lines.append(gutter)
    previous = None
    for number in numbers:
        if previous is not None and number > previous + 1:
            lines.append(paint("...", _BLUE))
        previous = number
        text = source.line_text(number).expandtabs(4)
        lines.append(f"{paint(str(number).rjust(width) + ' |', _BLUE)} {text}".rstrip())
        for mark_line, start, end, message, primary in marks:
            if mark_line == number:
                underline = _underline(source, number, start, end, message, primary)
                style = _COLOURS[severity] if primary else _BLUE
                lines.append(f"{gutter} {paint(underline, style)}")
    lines.append(gutter)
    for help_line in diagnostic.help:
        lines.append(f"{' ' * width} {paint('=', _BLUE)} {paint('help', _BOLD)}: {help_line}")
    return "\n".join(lines)


def _underline(source: SourceFile, number: int, start: int, end: int, message: str,
               primary: bool) -> str:
    line_start = source.line_start(number)
    raw = source.line_text(number)
    begin = max(0, start - line_start)
    finish = min(end - line_start, len(raw))
    prefix = raw[:begin].expandtabs(4)
    marked = raw[begin:finish].expandtabs(4)
    char = "^" if primary else "-"
    return f"{' ' * len(prefix)}{char * max(1, len(marked))} {message}".rstrip()


def render_all(diagnostics: Iterable[Diagnostic], source: SourceFile, colour: bool = False) -> str:
    return "\n\n".join(render(d, source, colour) for d in diagnostics)
