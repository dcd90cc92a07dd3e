"""The canonical layout of a `.mission` file: the engine of `mission fmt`.

The text is parsed, laid out again from the syntax tree, and every comment is
put back beside the code it was written next to. Layout rules (documented in
`docs/formatting.md`): four-space indentation, one item per line, one blank
line between groups and between steps, anything on one line when it fits in 100
columns and holds no comment, otherwise broken outermost first as black and
rustfmt break: calls, lists and maps one element per line with a trailing
comma, chains of `and`/`or`/`??` and other operators before each operator,
`if` before `then`/`else`, pipes before each `|>`, a long `when` with `{` on a
line of its own; canonical string escapes; trailing comments of consecutive
lines aligned.

Safety, like black: the result must parse to an equal tree (spans aside), keep
every comment in order, and format to itself. When a check fails,
`FormatError` is raised and the caller leaves the file as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from compiler import ast
from compiler.diagnostics import Severity
from compiler.layout import LINE_WIDTH, FormatError, Layout
from compiler.limits import DEFAULT_LIMITS
from compiler.parser import parse
from compiler.source import SourceFile

if TYPE_CHECKING:
    from compiler.limits import Limits

__all__ = ["LINE_WIDTH", "FormatError", "format_source"]


def format_source(text: str, path: str = "<string>", limits: Limits | None = None) -> str:
    """The canonical layout of `text`; raises `FormatError` and changes nothing on failure.
    `limits` are the compiler's (`compiler.limits`; the defaults when None)."""
    limits = limits or DEFAULT_LIMITS
    source = SourceFile(path, text)
    parsed = parse(source, limits)
    errors = [d for d in parsed.diagnostics if d.severity is Severity.ERROR]
    if not errors and parsed.tests is not None:  # a test file (`compiler.testfile`)
        from compiler.testfile.format import format_tests

        return format_tests(source, parsed.tests, parsed.comments)
    if errors or parsed.mission is None:
        count = len(errors)
        raise FormatError(f"not formatted: {count} syntax error{'s' * (count != 1)} "
                          "to fix first", errors, source)
    formatted = Layout(text, parsed.mission, parsed.comments).render()
    _check_safety(source, parsed.mission, parsed.comments, formatted, limits)
    return formatted


def _comment_texts(comments: Sequence[ast.Comment]) -> list[str]:
    return [comment.text.rstrip() for comment in comments]


def _check_safety(source: SourceFile, mission: ast.Mission, comments: Sequence[ast.Comment],
                  formatted: str, limits: Limits) -> None:
    def fail(what: str) -> FormatError:
        return FormatError(f"not formatted: the formatter's safety check failed ({what}); "
                           "please report this as a bug")

    again = parse(SourceFile(source.path, formatted), limits)
    if again.mission is None or any(d.severity is Severity.ERROR for d in again.diagnostics):
        raise fail("the formatted text does not parse")
    if again.mission != mission:
        raise fail("the formatted text means something else")
    if _comment_texts(again.comments) != _comment_texts(comments):
        raise fail("a comment was lost or moved out of order")
    if Layout(formatted, again.mission, again.comments).render() != formatted:
        raise fail("formatting twice gives a different text")
