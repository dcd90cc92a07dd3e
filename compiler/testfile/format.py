"""The canonical layout of a test file: `mission fmt` on a `*_test.mission`.

The mission formatter's own machinery (`compiler.format`) lays the lines out and puts every
comment back beside the code it was written next to, with the same rules: four-space
indentation, one line per fact or event, a value on one line when it fits in 100 columns
(else one element per line with a trailing comma), a blank line between cases, blank lines
inside a case kept as written, canonical strings. The same safety checks apply: the result
must parse to an equal tree, keep every comment, and format to itself.
"""

from __future__ import annotations

import re
from typing import Any, cast

from compiler import ast
from compiler.ast import NO_SPAN
from compiler.layout import INDENT, FormatError, Layout
from compiler.literals import quote_string
from compiler.source import SourceFile
from compiler.testfile import nodes

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def who_text(who: nodes.Who) -> str:
    name = who.name.text
    return f"by {name if _NAME.match(name) else quote_string(name)}"


def _path(path: tuple[ast.Name, ...]) -> str:
    return ".".join(["state", *(part.text for part in path)])


class _TestLayout(Layout):
    """Lays out one parsed test file (the mission layout's lines, comments and joining)."""

    def __init__(self, text: str, tree: nodes.TestFile, comments: tuple[ast.Comment, ...]
                 ) -> None:
        super().__init__(text, cast(Any, tree), comments)
        self.tree = tree

    def layout(self) -> None:
        tree = self.tree
        head = f"tests {self.literal(tree.mission)}"
        brace = self.find(tree.mission.span.end, "{")
        end = tree.span.end
        if not tree.items and not self.has_comment(brace, end):
            self.emit(0, head + " {}", tree.span.start, end, blank="keep", keep_blanks=True)
            return
        self.emit(0, head + " {", tree.span.start, brace + 1, blank="keep", keep_blanks=True)
        for item in tree.items:
            if isinstance(item, nodes.Replay):
                self.emit(1, f"replay {self.literal(item.path)}", item.span.start,
                          item.span.end, blank="always", keep_blanks=True)
            else:
                self.case(item)
        self.emit(0, "}", end - 1, end, blank="keep", keep_blanks=True, closer=True)

    def case(self, case: nodes.TestCase) -> None:
        head = f"test {self.literal(case.name)}"
        brace = self.find(case.name.span.end, "{")
        end = case.span.end
        if not case.lines and not self.has_comment(brace, end):
            self.emit(1, head + " {}", case.span.start, end, blank="always", keep_blanks=True)
            return
        self.emit(1, head + " {", case.span.start, brace + 1, blank="always", keep_blanks=True)
        for line in case.lines:
            self.line(2, line)
        self.emit(1, "}", end - 1, end, closer=True)

    def line(self, depth: int, line: nodes.Line) -> None:
        start, end = line.span.start, line.span.end
        if isinstance(line, nodes.GivenParam):
            self.value(depth, f"param {line.name.text} = ", line.value, "", start, "keep", True)
        elif isinstance(line, nodes.GivenState):
            self.value(depth, f"{_path(line.path)} = ", line.value, "", start, "keep", True)
        elif isinstance(line, nodes.StateFile):
            self.emit(depth, f"state from {self.literal(line.path)}", start, end, "keep", True)
        elif isinstance(line, nodes.Started):
            self.emit(depth, "started" + self.who_and_when(line.by, line.at), start, end,
                      "keep", True)
        elif isinstance(line, nodes.Answer):
            field = f".{line.form_field.text}" if line.form_field is not None else ""
            self.value(depth, f"answer {line.step.text}{field} = ", line.value,
                       self.who_and_when(line.by, line.at), start, "keep", True)
        elif isinstance(line, nodes.Result):
            self.result(depth, line)
        elif isinstance(line, nodes.Real):
            self.emit(depth, f"real {line.step.text}", start, end, "keep", True)
        elif isinstance(line, nodes.TimeMove):
            self.emit(depth, f"after {self.duration(line.duration)}", start, end, "keep", True)
        elif isinstance(line, nodes.Cancel):
            reason = f" {self.literal(line.reason)}" if line.reason is not None else ""
            self.emit(depth, "cancel" + reason + self.who_and_when(line.by, line.at), start,
                      end, "keep", True)
        elif isinstance(line, nodes.ExpectState):
            head = f"{line.keyword.text} {line.dotted}"
            if line.value is None:
                self.emit(depth, head, start, end, "keep", True)
            else:
                operator = line.operator.text if line.operator is not None else "=="
                self.value(depth, f"{head} {operator} ", line.value, "", start, "keep", True)
        else:
            self.emit(depth, self.expect_run_text(line), start, end, "keep", True)

    def who_and_when(self, by: nodes.Who | None, at: ast.Literal | None) -> str:
        text = f" {who_text(by)}" if by is not None else ""
        return text + (f" at {self.literal(at)}" if at is not None else "")

    def result(self, depth: int, line: nodes.Result) -> None:
        head = f"result {line.step.text} = "
        outcomes = line.outcomes
        if len(outcomes) == 1 and outcomes[0].value is not None:
            self.value(depth, head, outcomes[0].value, "", line.span.start, "keep", True)
            return
        self.emit(depth, head + ", ".join(self.outcome_text(item) for item in outcomes),
                  line.span.start, line.span.end, "keep", True)

    def outcome_text(self, outcome: nodes.Outcome) -> str:
        if outcome.value is not None:
            return self.expression(outcome.value)
        assert outcome.word is not None
        message = f" {self.literal(outcome.message)}" if outcome.message is not None else ""
        return outcome.word.text + message

    def expect_run_text(self, line: nodes.ExpectRun) -> str:
        text = f"expect {line.word.text}"
        if line.names:
            text += " " + ", ".join(name.text for name in line.names)
        if line.text is not None:
            text += " " + self.literal(line.text)
        if line.by is not None:
            text += " " + who_text(line.by)
        if line.excepted:
            text += " except " + ", ".join(name.text for name in line.excepted)
        return text


def format_tests(source: SourceFile, tree: nodes.TestFile,
                 comments: tuple[ast.Comment, ...]) -> str:
    """The canonical layout of a parsed test file; `FormatError` when a check fails."""
    from compiler.parser import parse

    formatted = _TestLayout(source.text, tree, comments).render()

    def fail(what: str) -> FormatError:
        return FormatError(f"not formatted: the formatter's safety check failed ({what}); "
                           "please report this as a bug")

    again = parse(SourceFile(source.path, formatted))
    if again.tests is None or any(d.severity.value == "error" for d in again.diagnostics):
        raise fail("the formatted text does not parse")
    if again.tests != tree:
        raise fail("the formatted text means something else")
    if [c.text.rstrip() for c in again.comments] != [c.text.rstrip() for c in comments]:
        raise fail("a comment was lost or moved out of order")
    if _TestLayout(formatted, again.tests, again.comments).render() != formatted:
        raise fail("formatting twice gives a different text")
    return formatted


class _ValueLayout(_TestLayout):
    """Lays out a value built from data (no source text: numbers are written from their
    values)."""

    def literal(self, literal: ast.Literal) -> str:
        value = literal.value
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return super().literal(literal)
        return repr(value) if isinstance(value, float) else str(value)


def value_lines(value: Any, depth: int, prefix: str) -> list[str]:
    """`prefix VALUE` laid out at `depth` as the formatter would (`mission test --update`
    writes a snapshot's value so): the lines, the first without its indentation."""
    expression = _expression(value)
    layout = _ValueLayout("", nodes.TestFile(ast.Literal(""), ()), ())
    layout.value(depth, prefix, expression, "", 0)
    rows = [INDENT * line.depth + line.text for line in layout.lines]
    rows[0] = rows[0].removeprefix(INDENT * depth)
    return rows


def _expression(value: Any) -> ast.Expr:
    """A JSON value as the syntax tree of its literal."""
    if isinstance(value, list):
        return ast.ListExpr(tuple(_expression(item) for item in value), NO_SPAN)
    if isinstance(value, dict):
        return ast.MapExpr(tuple(ast.MapEntry(ast.Name(str(key)), _expression(item))
                                 for key, item in value.items()), NO_SPAN)
    return ast.Literal(value, NO_SPAN)
