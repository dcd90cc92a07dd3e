"""The formatter's machinery: a syntax tree laid out again as text, with every comment
put back beside the code it was written next to (`Layout`), and `FormatError`.

The layout rules (documented in `docs/formatting.md`): four-space indentation, one item
per line, one blank line between groups and between steps, anything on one line when it
fits in 100 columns and holds no comment, otherwise broken outermost first as black and
rustfmt break. `compiler.format` lays out missions with it, `compiler.testfile.format`
test files (a subclass); both sit above it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Diagnostic
from compiler.literals import quote_string
from compiler.source import SourceFile

LINE_WIDTH = 100
INDENT = "    "
_WHITESPACE = frozenset(" \t\f\r\n")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PRECEDENCE = {"if": 0, "or": 1, "and": 2, "not": 3, "??": 5, "|>": 6, "+": 7, "-": 7, "*": 8,
               "/": 8, "neg": 9}
_COMPARISON = 4
_ATOM = 10


class FormatError(Exception):
    """The text was not formatted; `diagnostics` holds the syntax errors, if any."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = (),
                 source: SourceFile | None = None) -> None:
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)
        self.source = source


# -- expressions --------------------------------------------------------------------


def _key_text(key: ast.Name) -> str:
    """A map key bare when it is a name (keywords included: a key position takes any name)."""
    return key.text if _NAME.match(key.text) else quote_string(key.text)


def _entry_key(entry: ast.MapEntry) -> str:
    return _key_text(entry.key) + ("?" if entry.optional else "")


def _breakable(expression: ast.Expr) -> bool:
    """Whether the expression can be laid out over several lines."""
    if isinstance(expression, ast.CallExpr):
        return bool(expression.arguments[expression.piped:]) or expression.piped
    if isinstance(expression, ast.Unary):
        return _breakable(expression.operand)
    return isinstance(expression, (ast.ListExpr, ast.MapExpr, ast.Binary, ast.Conditional))


def _bracketed(expression: ast.Expr) -> bool:
    """A list, a map or a call that is not a pipe, with something inside to put on lines of
    its own: what a comparison can hug."""
    if isinstance(expression, ast.ListExpr):
        return bool(expression.items)
    if isinstance(expression, ast.MapExpr):
        return bool(expression.entries)
    return isinstance(expression, ast.CallExpr) and not expression.piped \
        and bool(expression.arguments)


def _operands(expression: ast.Binary) -> list[tuple[str, ast.Expr, int]]:
    """The operands of a chain of one precedence, each with the operator before it ("" for
    the first) and the precedence it needs: `a and b and c` is three operands; `??` chains to
    the right (`a ?? b ?? c` is `a ?? (b ?? c)`); a comparison has two."""
    level = _precedence(expression)
    if level == _COMPARISON:
        return [("", expression.left, _PRECEDENCE["??"]),
                (expression.operator, expression.right, _PRECEDENCE["??"])]
    if expression.operator == "??":
        found: list[tuple[str, ast.Expr, int]] = [("", expression.left, level + 1)]
        node: ast.Expr = expression.right
        while isinstance(node, ast.Binary) and node.operator == "??":
            found.append(("??", node.left, level + 1))
            node = node.right
        return [*found, ("??", node, level)]
    chain: list[tuple[str, ast.Expr, int]] = []
    current: ast.Expr = expression
    while isinstance(current, ast.Binary) and _precedence(current) == level:
        chain.append((current.operator, current.right, level + 1))
        current = current.left
    chain.reverse()
    operators = ["", *(operator for operator, _, _ in chain)]
    operands = [current, *(operand for _, operand, _ in chain)]
    minimums = [level, *(minimum for _, _, minimum in chain)]
    return list(zip(operators, operands, minimums, strict=True))


def _precedence(expression: ast.Expr) -> int:
    if isinstance(expression, ast.Binary):
        return _PRECEDENCE.get(expression.operator, _COMPARISON)
    if isinstance(expression, ast.Unary):
        return _PRECEDENCE["not" if expression.operator == "not" else "neg"]
    if isinstance(expression, ast.Conditional):
        return _PRECEDENCE["if"]
    if isinstance(expression, ast.CallExpr) and expression.piped:
        return _PRECEDENCE["|>"]
    return _ATOM


@dataclass(slots=True)
class _Line:
    """One output line: its code, the source range it came from, and its comments."""

    depth: int
    text: str
    start: int  # source offset of the first character this line renders
    end: int  # source offset just past the last character this line renders
    blank: str = "never"  # before the first element: "never", "keep" (as in source), "always"
    keep_blanks: bool = False  # keep source blank lines among its leading comments
    closer: bool = False  # closes a block: leading comments go one level deeper
    leading: list[ast.Comment] = field(default_factory=list)
    trailing: list[ast.Comment] = field(default_factory=list)


class Layout:
    """Lays out one parsed mission and places its comments."""

    def __init__(self, text: str, mission: ast.Mission, comments: Sequence[ast.Comment]) -> None:
        self.text = text
        self.mission = mission
        self.comments = sorted(comments, key=lambda comment: comment.span.start)
        self.comment_starts = [comment.span.start for comment in self.comments]
        self.lines: list[_Line] = []

    # -- reading the source around the tree ------------------------------------------
    def _comment_at(self, offset: int) -> ast.Comment | None:
        index = bisect.bisect_right(self.comment_starts, offset) - 1
        if index >= 0 and offset < self.comments[index].span.end:
            return self.comments[index]
        return None

    def next_token(self, offset: int) -> int | None:
        """The offset of the first character of code at or after `offset`."""
        text = self.text
        while offset < len(text):
            comment = self._comment_at(offset)
            if comment is not None:
                offset = comment.span.end
            elif text[offset] in _WHITESPACE:
                offset += 1
            else:
                return offset
        return None

    def previous_token(self, offset: int) -> int:
        """The offset of the last character of code before `offset` (-1 if none)."""
        index = offset - 1
        while index >= 0:
            comment = self._comment_at(index)
            if comment is not None:
                index = comment.span.start - 1
            elif self.text[index] in _WHITESPACE:
                index -= 1
            else:
                return index
        return -1

    def find(self, offset: int, char: str) -> int:
        """The offset of the next `char` in code, skipping closing parentheses."""
        position = self.next_token(offset)
        while position is not None and self.text[position] != char:
            position = self.next_token(position + 1)
        if position is None:
            raise FormatError(f"not formatted: the formatter found no `{char}` after offset "
                              f"{offset}; please report this as a bug")
        return position

    def only_brackets(self, start: int, end: int) -> bool:
        """Whether `[start, end)` holds only brackets, no comment (`when x  # c` then `{`)."""
        if self.has_comment(start, end):
            return False
        position = self.next_token(start)
        while position is not None and position < end:
            if self.text[position] not in "{([)":
                return False
            position = self.next_token(position + 1)
        return True

    def has_comment(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.comment_starts, start)
        return index < len(self.comments) and self.comment_starts[index] < end

    def blank_before(self, offset: int) -> bool:
        """Whether an empty line separates `offset` from the code or comment before it."""
        previous = self.previous_token(offset) + 1
        index = bisect.bisect_left(self.comment_starts, offset) - 1
        if index >= 0:
            previous = max(previous, self.comments[index].span.end)
        return self.text.count("\n", previous, offset) >= 2

    # -- text of the parts that always stay on one line -------------------------------
    def literal(self, literal: ast.Literal) -> str:
        value = literal.value
        if isinstance(value, str):
            return quote_string(value)
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return self.text[literal.span.start:literal.span.end].replace("E", "e")

    def expression(self, expression: ast.Expr, minimum: int = 0) -> str:
        if isinstance(expression, ast.Literal):
            text = self.literal(expression)
        elif isinstance(expression, ast.Reference):
            text = expression.dotted
        elif isinstance(expression, ast.ListExpr):
            text = "[" + ", ".join(self.expression(item) for item in expression.items) + "]"
        elif isinstance(expression, ast.MapExpr):
            text = "{" + ", ".join(f"{_entry_key(entry)}: {self.expression(entry.value)}"
                                   for entry in expression.entries) + "}"
        elif isinstance(expression, ast.Unary):
            if expression.operator == "not":
                text = "not " + self.expression(expression.operand, _PRECEDENCE["not"])
            else:  # `- -x`: a space keeps two signs from reading as one token
                operand = self.expression(expression.operand, _PRECEDENCE["neg"])
                text = "- " + operand if operand[:1] in "-0123456789" else "-" + operand
        elif isinstance(expression, ast.Conditional):
            text = (f"if {self.expression(expression.condition)} then "
                    f"{self.expression(expression.then_value)} else "
                    f"{self.expression(expression.else_value)}")
        elif isinstance(expression, ast.CallExpr):
            arguments = expression.arguments
            if expression.piped:
                head = self.expression(arguments[0].value, _PRECEDENCE["|>"])
                rest = ", ".join(self.argument_text(a) for a in arguments[1:])
                text = f"{head} |> {expression.function.text}({rest})"
            else:
                text = f"{expression.function.text}(" + ", ".join(
                    self.argument_text(a) for a in arguments) + ")"
        else:
            level = _precedence(expression)
            if level == _COMPARISON:
                left = self.expression(expression.left, _PRECEDENCE["??"])
                right = self.expression(expression.right, _PRECEDENCE["??"])
            elif expression.operator == "??":  # `a ?? b ?? c` is `a ?? (b ?? c)`
                left = self.expression(expression.left, level + 1)
                right = self.expression(expression.right, level)
            else:
                left = self.expression(expression.left, level)
                right = self.expression(expression.right, level + 1)
            text = f"{left} {expression.operator} {right}"
        return f"({text})" if _precedence(expression) < minimum else text

    def type_text(self, type_ref: ast.TypeRef | ast.RecordType) -> str:
        if isinstance(type_ref, ast.RecordType):
            return "{" + ", ".join(f"{f.name.text}{'?' * f.optional}: {self.type_text(f.type)}"
                                   for f in type_ref.fields) + "}" + "?" * type_ref.nullable
        if type_ref.name.text == "map" and isinstance(type_ref.element, ast.RecordType) \
                and not type_ref.nullable:  # `map[{...}]?` keeps its spelling: a different tree
            return self.type_text(type_ref.element)  # a record on its own
        text = type_ref.name.text
        if type_ref.element is not None:
            text += f"[{self.type_text(type_ref.element)}]"
        if type_ref.nullable:
            text += "?"
        if type_ref.minimum is not None and type_ref.maximum is not None:
            text += f" in {self.literal(type_ref.minimum)}..{self.literal(type_ref.maximum)}"
        return text

    def call_text(self, call: ast.Call) -> str:
        arguments = ", ".join(self.argument_text(argument) for argument in call.arguments)
        return f"{call.operation.text}({arguments}){self.output_text(call)}"

    def argument_text(self, argument: ast.Argument) -> str:
        prefix = f"{argument.name.text}: " if argument.name is not None else ""
        return prefix + self.expression(argument.value)

    @staticmethod
    def output_text(call: ast.Call) -> str:
        return f" -> {call.output.dotted}" if call.output is not None else ""

    # -- laying out lines ---------------------------------------------------------------
    def emit(self, depth: int, text: str, start: int, end: int, blank: str = "never",
             keep_blanks: bool = False, closer: bool = False) -> None:
        self.lines.append(_Line(depth, text, start, end, blank, keep_blanks, closer))

    def fits(self, depth: int, text: str) -> bool:
        return len(INDENT) * depth + len(text) <= LINE_WIDTH

    def value(self, depth: int, prefix: str, value: ast.Expr, suffix: str, start: int,
              blank: str = "never", keep_blanks: bool = False, minimum: int = 0) -> None:
        """`prefix VALUE suffix` from `start`, on one line when it fits in the width and holds
        no comment; otherwise broken, outermost first, the way black and rustfmt break: a
        list, map or call one element per line; `and`, `or`, `??` and the other operators
        before each operator; `if` before `then` and `else`; a pipe before each `|>`.
        `minimum` is the precedence the context needs (below it, parentheses)."""
        flat = prefix + self.expression(value, minimum) + suffix
        span = value.span
        if not _breakable(value) or (self.fits(depth, flat) and not self.keeps_comment(value)):
            self.emit(depth, flat, start, span.end, blank, keep_blanks)
            return
        if _precedence(value) < minimum:  # the parentheses it needs, around its lines
            before, after = self.previous_token(span.start), self.next_token(span.end)
            opening = before + 1 if before >= start and self.text[before] == "(" else span.start
            closing = after if after is not None and self.text[after] == ")" else span.end
            self.emit(depth, prefix + "(", start, opening, blank, keep_blanks)
            self.value(depth + 1, "", value, "", span.start)
            self.emit(depth, ")" + suffix, closing, closing + 1, closer=True)
            return
        if isinstance(value, (ast.ListExpr, ast.MapExpr)):
            self.collection(depth, prefix, value, suffix, start, blank, keep_blanks)
        elif isinstance(value, ast.CallExpr) and value.piped:
            self.pipeline(depth, prefix, value, suffix, start, blank, keep_blanks)
        elif isinstance(value, ast.CallExpr):
            self.call_lines(depth, prefix, value.function, value.arguments, suffix, start,
                            span.end, blank, keep_blanks)
        elif isinstance(value, ast.Conditional):
            self.value(depth, prefix + "if ", value.condition, "", start, blank, keep_blanks)
            then_at = self.word_after(value.condition.span.end)
            self.value(depth + 1, "then ", value.then_value, "", then_at)
            else_at = self.word_after(value.then_value.span.end)
            self.value(depth + 1, "else ", value.else_value, suffix, else_at)
        elif isinstance(value, ast.Unary):
            sign = "not " if value.operator == "not" else "-"
            self.value(depth, prefix + sign, value.operand, suffix, start, blank, keep_blanks,
                       _PRECEDENCE["not" if value.operator == "not" else "neg"])
        elif isinstance(value, ast.Binary):
            self.operators(depth, prefix, value, suffix, start, blank, keep_blanks)

    def collection(self, depth: int, prefix: str, value: ast.ListExpr | ast.MapExpr,
                   suffix: str, start: int, blank: str, keep_blanks: bool) -> None:
        span = value.span
        opening, closing = ("[", "]") if isinstance(value, ast.ListExpr) else ("{", "}")
        self.emit(depth, prefix + opening, start, span.start + 1, blank, keep_blanks)
        if isinstance(value, ast.ListExpr):
            for item in value.items:
                self.value(depth + 1, "", item, ",", item.span.start)
        else:
            for entry in value.entries:
                self.value(depth + 1, f"{_entry_key(entry)}: ", entry.value, ",",
                           entry.span.start)
        self.emit(depth, closing + suffix, span.end - 1, span.end, closer=True)

    def call_lines(self, depth: int, prefix: str, function: ast.Name,
                   arguments: Sequence[ast.Argument], suffix: str, start: int, end: int,
                   blank: str = "never", keep_blanks: bool = False) -> None:
        """`NAME(` / one argument per line, each with a comma / `)` (the call ends at `end`,
        just past its `)`)."""
        opening = self.find(function.span.end, "(")
        closing = end - 1
        self.emit(depth, f"{prefix}{function.text}(", start, opening + 1, blank, keep_blanks)
        for argument in arguments:
            name = f"{argument.name.text}: " if argument.name is not None else ""
            self.value(depth + 1, name, argument.value, ",", argument.span.start)
        self.emit(depth, ")" + suffix, closing, closing + 1, closer=True)

    def pipeline(self, depth: int, prefix: str, value: ast.CallExpr, suffix: str, start: int,
                 blank: str, keep_blanks: bool) -> None:
        """`HEAD` / `|> f(...)` / `|> g(...)`, a stage per line, one level deeper."""
        stages: list[ast.CallExpr] = []
        node: ast.Expr = value
        while isinstance(node, ast.CallExpr) and node.piped:
            stages.append(node)
            node = node.arguments[0].value
        self.value(depth, prefix, node, "", start, blank, keep_blanks, _PRECEDENCE["|>"])
        for index, stage in enumerate(reversed(stages)):
            ending = suffix if index == len(stages) - 1 else ""
            pipe = self.previous_token(stage.function.span.start) - 1
            rest = stage.arguments[1:]
            flat = f"|> {stage.function.text}(" + ", ".join(map(self.argument_text, rest)) \
                + ")" + ending
            inside = Span(stage.function.span.end, stage.span.end)
            if not rest or (self.fits(depth + 1, flat)
                            and not self.has_comment(inside.start, inside.end)):
                self.emit(depth + 1, flat, pipe, stage.span.end)
            else:
                self.call_lines(depth + 1, "|> ", stage.function, rest, ending, pipe,
                                stage.span.end)

    def operators(self, depth: int, prefix: str, value: ast.Binary, suffix: str, start: int,
                  blank: str, keep_blanks: bool) -> None:
        """A comparison or arithmetic hugs a bracket it ends or starts with when the rest is
        short (`count(` ... `) > 0`); otherwise each operand gets a line, the operator first."""
        operands = _operands(value)
        if len(operands) == 2 and value.operator not in ("and", "or", "??") \
                and not self.keeps_comment(value):
            (_, left, left_min), (operator, right, right_min) = operands
            left_text = self.expression(left, left_min)
            right_text = self.expression(right, right_min)
            if _bracketed(right) and self.fits(depth, f"{prefix}{left_text} {operator} ["):
                self.value(depth, f"{prefix}{left_text} {operator} ", right, suffix, start,
                           blank, keep_blanks, right_min)
                return
            if _bracketed(left) and self.fits(depth, f") {operator} {right_text}{suffix}"):
                self.value(depth, prefix, left, f" {operator} {right_text}{suffix}", start,
                           blank, keep_blanks, left_min)
                return
        (_, first, first_min), *rest = operands
        self.value(depth, prefix, first, "", start, blank, keep_blanks, first_min)
        previous = first
        for index, (operator, operand, operand_min) in enumerate(rest):
            ending = suffix if index == len(rest) - 1 else ""
            self.value(depth + 1, f"{operator} ", operand, ending,
                       self.word_after(previous.span.end), minimum=operand_min)
            previous = operand

    def keeps_comment(self, value: ast.Expr) -> bool:
        """Whether a comment inside `value` stays inside it once it is laid out, so that it
        must be broken: one inside brackets, between two of its parts, or kept by a part. A
        comment inside what stays on one line (a reference) moves above the line instead."""
        span = value.span
        if not _breakable(value) or not self.has_comment(span.start, span.end):
            return False
        if isinstance(value, (ast.ListExpr, ast.MapExpr)) or (
                isinstance(value, ast.CallExpr) and not value.piped):
            return True
        if isinstance(value, ast.Unary):
            return self.keeps_comment(value.operand)
        if isinstance(value, ast.CallExpr):  # a pipe: its head and stages
            stages: list[ast.CallExpr] = []
            node: ast.Expr = value
            while isinstance(node, ast.CallExpr) and node.piped:
                stages.append(node)
                node = node.arguments[0].value
            end = node.span.end
            for stage in reversed(stages):  # a stage without arguments stays on one line
                if self.has_comment(end, stage.span.end if stage.arguments[1:]
                                    else stage.function.span.start):
                    return True
                end = stage.span.end
            return self.keeps_comment(node)
        if isinstance(value, ast.Binary):
            parts = [operand for _, operand, _ in _operands(value)]
        elif isinstance(value, ast.Conditional):
            parts = [value.condition, value.then_value, value.else_value]
        else:
            return False
        return any(self.has_comment(a.span.end, b.span.start) for a, b in pairwise(parts)) \
            or any(self.keeps_comment(part) for part in parts)

    def word_after(self, offset: int) -> int:
        """The offset of the next code after `offset` that is not a closing parenthesis (an
        operator or keyword after a parenthesised operand)."""
        position = self.next_token(offset)
        while position is not None and self.text[position] == ")":
            position = self.next_token(position + 1)
        if position is None:
            raise FormatError("not formatted: the formatter found no operator after offset "
                              f"{offset}; please report this as a bug")
        return position

    def call(self, depth: int, call: ast.Call) -> None:
        left = self.next_token(call.operation.span.end)
        assert left is not None
        if call.output is None:
            right = call.span.end - 1
        else:
            arrow = self.previous_token(call.output.span.start)
            right = self.previous_token(arrow - 1)
        flat = self.call_text(call)
        if self.fits(depth, flat) and not self.has_comment(left, right):
            self.emit(depth, flat, call.span.start, call.span.end)
            return
        self.emit(depth, f"{call.operation.text}(", call.span.start, left + 1)
        for argument in call.arguments:
            prefix = f"{argument.name.text}: " if argument.name is not None else ""
            self.value(depth + 1, prefix, argument.value, ",", argument.span.start)
        self.emit(depth, ")" + self.output_text(call), right, call.span.end, closer=True)

    def declaration(self, depth: int, declaration: ast.Declaration, blank: str) -> None:
        head = f"{declaration.keyword} {declaration.name.text}: {self.type_text(declaration.type)}"
        record = declaration.type.element
        default = f" = {self.expression(declaration.default)}" \
            if declaration.default is not None else ""
        # a record laid out over lines; `map[{...}]?` (the map may be null) stays on its line
        if isinstance(record, ast.RecordType) and record.fields \
                and not declaration.type.nullable \
                and (not self.fits(depth, head + default)
                     or self.has_comment(record.span.start, record.span.end)):
            self.record(depth, declaration, record, blank)
            return
        if declaration.default is None:
            self.emit(depth, head, declaration.span.start, declaration.span.end, blank=blank,
                      keep_blanks=True)
            return
        self.value(depth, head + " = ", declaration.default, "", declaration.span.start,
                   blank=blank, keep_blanks=True)

    def condition(self, depth: int, head: str, after: int, when: ast.Expr, start: int,
                  blank: str) -> None:
        """A `when` too long for the header: broken after `when`, or, when that takes more
        lines (or still overflows), with `when` starting a line of its own, one level
        deeper (the condition then breaks below it if it must)."""
        mark = len(self.lines)
        self.value(depth, head + " when ", when, "", start, blank, True)
        on_header = self.lines[mark:]
        del self.lines[mark:]
        keyword = self.next_token(after)
        assert keyword is not None
        self.emit(depth, head, start, after, blank, keep_blanks=True)
        self.value(depth + 1, "when ", when, "", keyword)
        below = len(self.lines) - mark
        if len(on_header) <= below and all(self.fits(line.depth, line.text)
                                           for line in on_header):
            self.lines[mark:] = on_header

    def record(self, depth: int, declaration: ast.Declaration, record: ast.RecordType,
               blank: str) -> None:
        """A long typed list: `NAME: list[{` / one field per line / `}] = DEFAULT`."""
        type_ref = declaration.type
        alone = type_ref.name.text == "map"  # `{a: int}`, not `list[{a: int}]`
        opening = "{" if alone else f"{type_ref.name.text}[{{"
        self.emit(depth, f"{declaration.keyword} {declaration.name.text}: {opening}",
                  declaration.span.start, record.span.start + 1, blank, keep_blanks=True)
        for field_type in record.fields:
            self.emit(depth + 1, f"{field_type.name.text}{'?' * field_type.optional}: "
                      f"{self.type_text(field_type.type)},", field_type.span.start,
                      field_type.span.end)
        brace = record.span.end - 1 if not record.nullable \
            else self.previous_token(record.span.end - 1)
        tail = "}" + "?" * record.nullable + ("" if alone else "]" + "?" * type_ref.nullable)
        if type_ref.minimum is not None and type_ref.maximum is not None:
            tail += f" in {self.literal(type_ref.minimum)}..{self.literal(type_ref.maximum)}"
        if declaration.default is None:
            self.emit(depth, tail, brace, declaration.span.end, closer=True)
        else:
            self.value(depth, tail + " = ", declaration.default, "", brace)

    def step(self, depth: int, step: ast.Step, blank: str) -> None:
        head = f"{step.kind.text} {step.id.text}"
        after = step.id.span.end
        if step.description is not None:
            head += " " + self.literal(step.description)
            after = step.description.span.end
        if step.group is not None:
            approvals = f"{self.literal(step.approvals)} of " if step.approvals else ""
            head += f" by {approvals}{step.group.text}"
            after = step.group.span.end
        if step.except_starter is not None:
            head += " except starter"
            after = step.except_starter.span.end
        when = step.when
        split = False
        if when is not None:
            flat = f"{head} when {self.expression(when)} {{"
            split = _breakable(when) and (not self.fits(depth, flat)
                                          or self.keeps_comment(when))
            if split:  # rustfmt's layout: the condition's lines, then `{` on a line of its own
                self.condition(depth, head, after, when, step.span.start, blank)
            head = flat[:-2]
            after = when.span.end
        brace = self.find(after, "{")
        end = step.span.end
        if step.call is None and not self.has_comment(brace, end):
            if split:
                self.emit(depth, "{}", brace, end)
            else:
                self.emit(depth, head + " {}", step.span.start, end, blank=blank,
                          keep_blanks=True)
            return
        if split:
            self.emit(depth, "{", brace, brace + 1)
        else:
            self.emit(depth, head + " {", step.span.start, brace + 1, blank=blank,
                      keep_blanks=True)
        if step.call is not None:
            self.call(depth + 1, step.call)
        if step.reminder is not None:
            reminder = step.reminder
            self.emit(depth + 1, f"remind {self.duration(reminder.before)} before",
                      reminder.span.start, reminder.span.end)
        for deadline in step.deadlines:
            self.deadline(depth + 1, deadline)
        self.emit(depth, "}", end - 1, end, closer=True)

    def duration(self, duration: ast.Duration) -> str:
        return f"{self.literal(duration.amount)} {duration.unit.text}"

    def deadline(self, depth: int, deadline: ast.Deadline) -> None:
        head = f"after {self.duration(deadline.after)} "
        action = deadline.action
        start, end = deadline.span.start, deadline.span.end
        if isinstance(action, ast.DefaultAnswer):
            self.value(depth, head + "answer ", action.value, "", start)
        elif isinstance(action, ast.FailStep):
            reason = f" {self.literal(action.reason)}" if action.reason is not None else ""
            self.emit(depth, f"{head}fail{reason}", start, end)
        else:
            self.emit(depth, f"{head}escalate to {action.group.text}", start, end)

    def layout(self) -> None:
        mission = self.mission
        head = f"mission {mission.name.text}"
        after = mission.name.span.end
        if mission.description is not None:
            head += " " + self.literal(mission.description)
            after = mission.description.span.end
        brace = self.find(after, "{")
        end = mission.span.end
        if not mission.items and not self.has_comment(brace, end):
            self.emit(0, head + " {}", mission.span.start, end, blank="keep", keep_blanks=True)
            return
        self.emit(0, head + " {", mission.span.start, brace + 1, blank="keep", keep_blanks=True)
        previous: str | None = None
        for item in mission.items:
            group = "step" if isinstance(item, ast.Step) else \
                "version" if isinstance(item, ast.Version) else item.keyword
            blank = "keep" if group == previous and group in ("param", "input") else "always"
            previous = group
            if isinstance(item, ast.Version):
                self.emit(1, f"version {self.literal(item.value)}", item.span.start,
                          item.span.end, blank=blank, keep_blanks=True)
            elif isinstance(item, ast.Declaration):
                self.declaration(1, item, blank)
            else:
                self.step(1, item, blank)
        self.emit(0, "}", end - 1, end, blank="keep", keep_blanks=True, closer=True)

    # -- comments ----------------------------------------------------------------------
    def place_comments(self) -> list[ast.Comment]:
        """Give each comment to a line; returns the comments after the last line."""
        lines = self.lines
        starts = [line.start for line in lines]
        if starts != sorted(starts):
            raise FormatError("not formatted: the layout lost the order of the source; "
                              "please report this as a bug")
        at_end: list[ast.Comment] = []

        def lead(index: int, comment: ast.Comment) -> None:
            if index < len(lines):
                lines[index].leading.append(comment)
            else:
                at_end.append(comment)

        for comment in self.comments:
            line_start = self.text.rfind("\n", 0, comment.span.start) + 1
            own_line = not self.text[line_start:comment.span.start].strip(" \t\f\r")
            if own_line:
                following = self.next_token(comment.span.end)
                if following is None:
                    at_end.append(comment)
                    continue
                index = max(bisect.bisect_right(starts, following) - 1, 0)
                lead(index if following < lines[index].end else index + 1, comment)
                continue
            preceding = self.previous_token(comment.span.start)
            index = max(bisect.bisect_right(starts, preceding) - 1, 0)
            if preceding >= lines[index].end - 1 or self.only_brackets(comment.span.end,
                                                                       lines[index].end):
                lines[index].trailing.append(comment)
            else:
                lines[index].leading.append(comment)  # inside a line that cannot break
        # One trailing comment per line: later ones go before the next line.
        # A trailing comment written after an own-line one that follows the line's
        # code (`a  # 1` written as `a` / `# 0` / `)  # 1`) also moves down, keeping order.
        for index, line in enumerate(lines):
            below = lines[index + 1].leading if index + 1 < len(lines) else at_end
            keep = 1
            if line.trailing and any(comment.span.start < line.trailing[0].span.start
                                     for comment in below):
                keep = 0
            for extra in line.trailing[keep:]:
                lead(index + 1, extra)
            del line.trailing[keep:]
        for line in lines:
            line.leading.sort(key=lambda comment: comment.span.start)
        at_end.sort(key=lambda comment: comment.span.start)
        return at_end

    def render(self) -> str:
        self.layout()
        at_end = self.place_comments()
        rows: list[tuple[int, str, str | None]] = []  # (depth, code or comment, trailing)
        state = "start"  # "start", "opener" (after a line ending in a bracket) or "other"

        def blank(wanted: bool) -> None:
            nonlocal state
            if wanted and state == "other":
                rows.append((0, "", None))

        for line in self.lines:
            comment_depth = line.depth + 1 if line.closer else line.depth
            first = True
            for comment in line.leading:
                if first:
                    blank(line.blank == "always" or
                          (line.blank == "keep" and self.blank_before(comment.span.start)))
                else:
                    blank(line.keep_blanks and self.blank_before(comment.span.start))
                rows.append((comment_depth, comment.text.rstrip(), None))
                state = "other"
                first = False
            if line.closer:
                pass  # never a blank line before a closing bracket
            elif first:
                blank(line.blank == "always" or
                      (line.blank == "keep" and self.blank_before(line.start)))
            elif line.leading[-1].span.start < line.start:
                blank(line.keep_blanks and self.blank_before(line.start))
            trailing = line.trailing[0].text.rstrip() if line.trailing else None
            rows.append((line.depth, line.text, trailing))
            state = "opener" if line.text[-1:] in ("{", "(", "[") else "other"
        for comment in at_end:
            blank(self.blank_before(comment.span.start))
            rows.append((0, comment.text.rstrip(), None))
            state = "other"
        return _join(rows)


def _join(rows: list[tuple[int, str, str | None]]) -> str:
    """Indent the rows and align the trailing comments of consecutive code lines."""
    output: list[str] = []
    index = 0
    while index < len(rows):
        depth, text, trailing = rows[index]
        if trailing is None:
            output.append(INDENT * depth + text if text else "")
            index += 1
            continue
        run_end = index
        while (run_end < len(rows) and rows[run_end][2] is not None
               and rows[run_end][0] == depth):
            run_end += 1
        column = max(len(INDENT) * d + len(t) for d, t, _ in rows[index:run_end]) + 2
        for row_depth, row_text, row_trailing in rows[index:run_end]:
            code = INDENT * row_depth + row_text
            output.append(f"{code}{' ' * (column - len(code))}{row_trailing}")
        index = run_end
    return "\n".join(output) + "\n"
