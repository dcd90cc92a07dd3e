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


def render(diagnostic: Diagnostic, source: SourceFile, colour: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if colour else text

    severity = diagnostic.severity
    head = paint(f"{severity.value}[{diagnostic.code}]", _COLOURS[severity])
    lines = [f"{head}{paint(': ' + diagnostic.message, _BOLD)}"]
    line, column = source.location(diagnostic.span.start)
    marks = [(diagnostic.span, diagnostic.label, True)]
    marks += [(label.span, label.message, False) for label in diagnostic.labels]
    numbers = sorted({source.location(span.start)[0] for span, _, _ in marks})
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
        for span, message, primary in marks:
            if source.location(span.start)[0] != number:
                continue
            lines.append(f"{gutter} {_underline(source, span, number, message, primary, paint, severity)}")
    lines.append(gutter)
    for help_line in diagnostic.help:
        lines.append(f"{' ' * width} {paint('=', _BLUE)} {paint('help', _BOLD)}: {help_line}")
    return "\n".join(lines)


def _underline(source: SourceFile, span: Span, number: int, message: str, primary: bool,
               paint: object, severity: Severity) -> str:
    line_start = source.line_start(number)
    raw = source.line_text(number)
    start = span.start - line_start
    end = min(span.end - line_start, len(raw))
    prefix = raw[:start].expandtabs(4)
    marked = raw[start:end].expandtabs(4)
    char = "^" if primary else "-"
    underline = " " * len(prefix) + char * max(1, len(marked))
    text = f"{underline} {message}".rstrip()
    style = _COLOURS[severity] if primary else _BLUE
    return paint(text, style)  # type: ignore[operator, no-any-return]


def render_all(diagnostics: Iterable[Diagnostic], source: SourceFile, colour: bool = False) -> str:
    return "\n\n".join(render(d, source, colour) for d in diagnostics)
