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

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

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


Mark = tuple[int, int, int, str, bool]  # (line, start, end, message, primary)
_SHOWN_BLOCK_LINES = 6  # a longer multi-line span shows its first and last lines only
_LONGEST_LINE = 200  # characters of a line shown whole; a longer one is cut around its marks
_CONTEXT = 60  # characters shown on each side of the marks on a cut line
_CUT = "..."

Window = tuple[int, int]  # the characters of a line shown, [start, end) from its first


def _window(length: int, points: Iterable[int]) -> Window:
    """What of a line of `length` characters to show: all of it, or a part around `points`
    (offsets in the line), so a long generated line cannot flood the terminal."""
    if length <= _LONGEST_LINE:
        return 0, length
    inside = [min(max(point, 0), length) for point in points] or [0]
    low = max(0, min(inside) - _CONTEXT)
    return low, min(length, max(inside) + _CONTEXT, low + _LONGEST_LINE)


def _before(raw: str, window: Window, offset: int) -> str:
    """The shown text of a line before `offset`, tabs expanded: what a mark there follows."""
    low, high = window
    return ((_CUT if low else "") + raw[low:min(max(low, offset), high)]).expandtabs(4)


def _shown(raw: str, window: Window) -> str:
    low, high = window
    return (_CUT if low else "") + raw[low:high] + (_CUT if high < len(raw) else "")


@dataclass(frozen=True, slots=True)
class _Block:
    """A span over several lines, drawn with a bar in the margin, as rustc does."""

    first: int
    last: int
    span: Span
    message: str
    primary: bool

    def lines(self) -> set[int]:
        if self.last - self.first < _SHOWN_BLOCK_LINES:
            return set(range(self.first, self.last + 1))
        return {self.first, self.first + 1, self.last}


def _line_range(source: SourceFile, span: Span) -> tuple[int, int]:
    """The first and last line a span covers (a final line break does not count)."""
    first, _ = source.location(span.start)
    last, last_column = source.location(span.end)
    if last > first and last_column == 1:
        last -= 1
    return first, max(first, last)


def _split(source: SourceFile, span: Span, message: str, primary: bool) -> list[Mark]:
    """A second multi-line span, drawn as underlines of its first and last lines."""
    first, last = _line_range(source, span)
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
    lines = [f"{head}{paint(': ' + visible(diagnostic.message), _BOLD)}"]
    line, column = source.location(diagnostic.span.start)
    marks: list[Mark] = []
    block: _Block | None = None
    spans = [(diagnostic.span, visible(diagnostic.label), True),
             *((label.span, visible(label.message), False) for label in diagnostic.labels)]
    for span, message, primary in spans:
        first, last = _line_range(source, span)
        if first == last:
            marks.append((first, span.start, span.end, message, primary))
        elif block is None:
            block = _Block(first, last, span, message, primary)
        else:
            marks += _split(source, span, message, primary)
    marks.sort(key=lambda mark: (mark[0], not mark[4], mark[1]))
    numbers = sorted({mark[0] for mark in marks} | (block.lines() if block else set()))
    points: dict[int, list[int]] = {number: [] for number in numbers}
    for number, start, end, _, _ in marks:
        line_start = source.line_start(number)
        points[number] += (start - line_start, end - line_start)
    if block is not None:
        points[block.first].append(block.span.start - source.line_start(block.first))
        points[block.last].append(block.span.end - source.line_start(block.last))
    windows = {number: _window(len(source.line_text(number)), points[number])
               for number in numbers}
    width = len(str(numbers[-1]))
    gutter = paint(" " * width + " |", _BLUE)

    def bar(inside: bool) -> str:
        """The margin column of a block: `|` beside the lines it covers."""
        if block is None:
            return ""
        return paint("| ", _COLOURS[severity] if block.primary else _BLUE) if inside else "  "

    lines.append(f"{' ' * width}{paint('-->', _BLUE)} {visible(source.path)}:{line}:{column}")
    lines.append(gutter)
    previous = None
    for number in numbers:
        if previous is not None and number > previous + 1:
            lines.append(paint("...", _BLUE))
        previous = number
        inside = block is not None and block.first < number <= block.last
        text = visible(_shown(source.line_text(number), windows[number])).expandtabs(4)
        lines.append(f"{paint(str(number).rjust(width) + ' |', _BLUE)} {bar(inside)}{text}"
                     .rstrip())
        if block is not None and number == block.first:
            opening = _block_start(source, block, windows[number], paint, severity)
            lines.append(f"{gutter} {opening}")
        below = block is not None and block.first <= number < block.last
        on_line = [mark for mark in marks if mark[0] == number]
        for row in _underlines(source, number, windows[number], on_line, severity, paint):
            lines.append(f"{gutter} {bar(below)}{row}".rstrip())
        if block is not None and number == block.last:
            closing = _block_end(source, block, windows[number], paint, severity)
            lines.append(f"{gutter} {closing}")
    lines.append(gutter)
    for help_line in diagnostic.help:
        lines.append(f"{' ' * width} {paint('=', _BLUE)} {paint('help', _BOLD)}: "
                     f"{visible(help_line)}")
    return "\n".join(lines)


def _block_start(source: SourceFile, block: _Block, window: Window,
                 paint: Callable[[str, str], str], severity: Severity) -> str:
    """` ____^`: from the margin to the block's first character."""
    raw = source.line_text(block.first)
    before = _before(raw, window, block.span.start - source.line_start(block.first))
    char = "^" if block.primary else "-"
    style = _COLOURS[severity] if block.primary else _BLUE
    return paint(" " + "_" * (_width(before) + 1) + char, style)


def _block_end(source: SourceFile, block: _Block, window: Window,
               paint: Callable[[str, str], str], severity: Severity) -> str:
    """`|____^ message`: from the margin to the block's last character."""
    raw = source.line_text(block.last)
    end = min(max(block.span.end - source.line_start(block.last), 1), len(raw)) if raw else 1
    before = _before(raw, window, end - 1)
    char = "^" if block.primary else "-"
    style = _COLOURS[severity] if block.primary else _BLUE
    return paint(f"|{'_' * (_width(before) + 1)}{char} {block.message}".rstrip(), style)


def _columns(source: SourceFile, number: int, window: Window, start: int,
             end: int) -> tuple[int, int]:
    """The display columns (from 0) a span takes on its shown line: first, and width (at
    least 1). A span reaching past a cut line's shown part is clipped to it."""
    line_start = source.line_start(number)
    raw = source.line_text(number)
    prefix = _before(raw, window, start - line_start)
    through = _before(raw, window, max(start, end) - line_start)
    return _width(prefix), max(1, _width(through[len(prefix):]))


def _underlines(source: SourceFile, number: int, window: Window, marks: list[Mark],
                severity: Severity, paint: Callable[[str, str], str]) -> list[str]:
    """The rows under one source line, as rustc draws them.

    Marks side by side share one row of `^`/`-`; the rightmost message stands
    beside it, the others hang below on `|` lines, right to left. Marks that
    overlap get a row each.
    """
    if not marks:
        return []
    placed = sorted(((*_columns(source, number, window, start, end), message, primary)
                     for _, start, end, message, primary in marks), key=lambda m: m[0])
    apart = all(left[0] + left[1] <= right[0] for left, right in pairwise(placed))
    if not apart:
        placed.sort(key=lambda m: not m[3])  # the primary first
        return [_row([(column, ("^" if primary else "-") * width + " " + message, primary)],
                     severity, paint) for column, width, message, primary in placed]
    pieces = [(column, ("^" if primary else "-") * width, primary)
              for column, width, _, primary in placed]
    last_column, last_width, last_message, last_primary = placed[-1]
    if last_message:
        pieces.append((last_column + last_width + 1, last_message, last_primary))
    rows = [_row(pieces, severity, paint)]
    hanging = [(column, message, primary) for column, _, message, primary in placed[:-1]
               if message]
    if hanging:
        rows.append(_row([(column, "|", primary) for column, _, primary in hanging],
                         severity, paint))
    for index in range(len(hanging) - 1, -1, -1):
        column, message, primary = hanging[index]
        rows.append(_row([*((left, "|", up) for left, _, up in hanging[:index]),
                          (column, message, primary)], severity, paint))
    return rows


def _row(pieces: list[tuple[int, str, bool]], severity: Severity,
         paint: Callable[[str, str], str]) -> str:
    """Texts at display columns, painted as primary or secondary marks."""
    row = ""
    width = 0
    for column, text, primary in sorted(pieces, key=lambda piece: piece[0]):
        row += " " * max(0, column - width) + paint(text, _COLOURS[severity] if primary else _BLUE)
        width = max(width, column) + _width(text)
    return row.rstrip()


def _width(text: str) -> int:
    """Columns `text` takes on a terminal: wide (CJK, emoji) characters take two, combining
    marks and zero-width characters none, so carets stay under their text."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


# Control characters shown as what they are, one column each like the character they
# replace (so underlines stay aligned): a mission file, a path or a message quoting one
# cannot send escape sequences to the terminal. Tabs are expanded where lines are drawn.
_VISIBLE = {code: 0x2400 + code for code in range(0x20) if code != 0x09}
_VISIBLE |= {0x7F: 0x2421} | {code: 0xFFFD for code in range(0x80, 0xA0)}


def visible(text: str) -> str:
    """`text` with its control characters replaced by visible symbols (␛ for ESC)."""
    return text.translate(_VISIBLE)


def render_all(diagnostics: Iterable[Diagnostic], source: SourceFile, colour: bool = False) -> str:
    return "\n\n".join(render(d, source, colour) for d in diagnostics)
