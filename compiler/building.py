"""What both parsers share: the rule callbacks that build the AST while parsing
(`AstBuilder`: Lark's inline transformer in `compiler.parser`, the table-driven loop of
`compiler.fastparse`), and `ParseResult`, what a parse gives. Below both parsers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeAlias

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from compiler.syntax import NO_MENTIONS, Mentions
from runtime.frozen import Frozen, set_field
from runtime.orchestration.values import MAX_SAFE_INTEGER

if TYPE_CHECKING:
    from lark import Token

    from compiler.testfile.nodes import TestFile


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE_RE = re.compile(r"\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                        r"|u[0-9a-fA-F]{4}|.)", re.DOTALL)


class ParseResult(Frozen):
    """The tree and what was found.

    With syntax errors, `mission` holds the items that parsed (None when not
    even the mission's header did); `skipped` lists the text the recovery
    dropped and `mentions` the names that text refers to.
    """

    __slots__ = ("comments", "diagnostics", "mentions", "mission", "skipped", "tests")
    mission: ast.Mission | None
    comments: tuple[ast.Comment, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped: tuple[Span, ...]
    mentions: Mentions
    tests: TestFile | None  # the tree of a test file (`compiler.testfile`), instead

    def __init__(
        self,
        mission: ast.Mission | None,
        comments: tuple[ast.Comment, ...],
        diagnostics: tuple[Diagnostic, ...],
        skipped: tuple[Span, ...] = (),
        mentions: Mentions = NO_MENTIONS,
        tests: TestFile | None = None,
    ) -> None:
        set_field(self, "mission", mission)
        set_field(self, "comments", comments)
        set_field(self, "diagnostics", diagnostics)
        set_field(self, "skipped", skipped)
        set_field(self, "mentions", mentions)
        set_field(self, "tests", tests)


def parsed_tree(tree: object, comments: tuple[ast.Comment, ...],
                diagnostics: tuple[Diagnostic, ...]) -> ParseResult:
    """What a parse that reached the end gives: a mission's tree, or a test file's (the
    grammar's other start, `compiler.testfile`)."""
    if tree is None or isinstance(tree, ast.Mission):
        return ParseResult(tree, comments, diagnostics)
    return ParseResult(None, comments, diagnostics, tests=tree)  # type: ignore[arg-type]


# Rule callbacks take the list of a rule's children; the aliases keep the builder's
# `list` callback from shadowing the type in its annotations.
Children: TypeAlias = "list[Any]"
Tokens: TypeAlias = "list[Token]"
Whole: TypeAlias = int


def _span(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _is_token(value: object) -> bool:
    return isinstance(value, str) and hasattr(value, "type")


class AstBuilder:
    """Rule callbacks for Lark's inline transformer (one method per rule; those of test
    files are `compiler.testfile.build`'s, added below)."""

    def __init__(self, text: str = "") -> None:
        self.diagnostics: list[Diagnostic] = []
        self.text = text  # the source, to tell a keyword glued to the next word

    # -- literals ---------------------------------------------------------
    def string(self, children: Tokens) -> ast.Literal:
        token = children[0]
        return ast.Literal(self._decode_string(token), _span(token))

    def int(self, children: Tokens) -> ast.Literal:
        token = children[0]
        return ast.Literal(self._whole_number(token), _span(token))

    def _whole_number(self, token: Token) -> Whole:
        """The value of an INT token; one beyond ±(2**53 - 1) is an error (JSON readers
        round such numbers, and Python refuses to convert one of over 4300 digits)."""
        digits = token.lstrip("-").lstrip("0")
        if len(digits) <= len(str(MAX_SAFE_INTEGER)):
            value = int(token)
            if abs(value) <= MAX_SAFE_INTEGER:
                return value
        shown = token if len(token) <= 24 else f"{token[:12]}…({len(digits):,} digits)"
        self._error("E001", f"the whole number `{shown}` is too large", _span(token),
                    f"whole numbers go from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER}, the "
                    "range every JSON reader keeps exact; write a larger one as a string")
        return 0

    def float(self, children: Tokens) -> ast.Literal:
        token = children[0]
        value = float(token)
        if value in (float("inf"), float("-inf")):
            self._error("E001", f"the number `{token}` is too large", _span(token),
                        "write a number below 1.8e308")
        return ast.Literal(value, _span(token))

    def true(self, children: Tokens) -> ast.Literal:
        return ast.Literal(True, _span(children[0]))

    def false(self, children: Tokens) -> ast.Literal:
        return ast.Literal(False, _span(children[0]))

    def null(self, children: Tokens) -> ast.Literal:
        return ast.Literal(None, _span(children[0]))

    def _decode_string(self, token: Token) -> str:
        body = token[1:-1]
        if "\\" not in body:
            return body
        start = (token.start_pos or 0) + 1

        def replace(match: re.Match[str]) -> str:
            escape = match.group(1)
            if escape in _ESCAPES:
                return _ESCAPES[escape]
            where = Span(start + match.start(), start + match.end())
            if len(escape) == 11:  # a surrogate pair, as JSON writes a character beyond U+FFFF
                high, low = int(escape[1:5], 16), int(escape[7:], 16)
                return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            if len(escape) == 5 and escape[0] == "u":
                code = int(escape[1:], 16)
                if 0xD800 <= code <= 0xDFFF:
                    self._error("E001", f"`\\{escape}` is half of a surrogate pair, not a "
                                "character", where, "write the character itself, or both halves "
                                "of its pair (`\\ud83d\\ude00` is U+1F600)")
                    return "\ufffd"
                return chr(code)
            self._error("E001", f"unknown escape `\\{escape}` in a string", where,
                        'use one of \\" \\\\ \\n \\t \\r \\b \\f \\/ or \\uXXXX')
            return escape

        return _ESCAPE_RE.sub(replace, body)

    # -- expressions --------------------------------------------------------
    def reference(self, children: Tokens) -> ast.Reference:
        root, *names = children
        path = tuple(ast.Name(str(name), _span(name)) for name in names)
        return ast.Reference(str(root), path, Span(_span(root).start, path[-1].span.end))

    def item_reference(self, children: Tokens) -> ast.Reference:
        root, *names = children
        path = tuple(ast.Name(str(name), _span(name)) for name in names)
        end = path[-1].span.end if path else _span(root).end
        return ast.Reference(str(root), path, Span(_span(root).start, end))

    def list(self, children: Children) -> ast.ListExpr:
        items = tuple(child for child in children[1:-1] if child is not None)
        return ast.ListExpr(items, _span(children[0]).cover(_span(children[-1])))

    def map(self, children: Children) -> ast.MapExpr:
        entries = tuple(child for child in children[1:-1] if child is not None)
        return ast.MapExpr(entries, _span(children[0]).cover(_span(children[-1])))

    def map_entry(self, children: Children) -> ast.MapEntry:
        key_token, value = children[0], children[-1]
        if key_token.type == "STRING":
            key = ast.Name(self._decode_string(key_token), _span(key_token))
        else:
            key = ast.Name(str(key_token), _span(key_token))
        return ast.MapEntry(key, value, key.span.cover(value.span), len(children) == 3)

    def _left_assoc(self, children: Children) -> ast.Expr:
        result: ast.Expr = children[0]
        for index in range(1, len(children), 2):
            right = children[index + 1]
            result = ast.Binary(str(children[index]), result, right, result.span.cover(right.span))
        return result

    or_expr = _left_assoc
    and_expr = _left_assoc
    comparison = _left_assoc
    membership = _left_assoc
    sum_expr = _left_assoc
    product_expr = _left_assoc

    def coalesce(self, children: Children) -> ast.Binary:
        left, operator, right = children
        return ast.Binary(str(operator), left, right, left.span.cover(right.span))

    def not_expr(self, children: Children) -> ast.Unary:
        keyword, operand = children
        return ast.Unary("not", operand, _span(keyword).cover(operand.span))

    def negate(self, children: Children) -> ast.Unary:
        sign, operand = children
        return ast.Unary("-", operand, _span(sign).cover(operand.span))

    def conditional(self, children: Children) -> ast.Conditional:
        keyword, condition, _then, then_value, _else, else_value = children
        return ast.Conditional(condition, then_value, else_value,
                               _span(keyword).cover(else_value.span))

    def call_expr(self, children: Children) -> ast.CallExpr:
        name_token, rpar = children[0], children[-1]
        arguments = tuple(c for c in children[2:-1] if c is not None)
        function = ast.Name(str(name_token), _span(name_token))
        return ast.CallExpr(function, arguments, False, function.span.cover(_span(rpar)))

    def pipe(self, children: Children) -> ast.CallExpr:
        """`value |> f(args)` is `f(value, args)`, marked as piped."""
        value, _pipe, call = children
        first = ast.Argument(None, value, value.span)
        return ast.CallExpr(call.function, (first, *call.arguments), True,
                            value.span.cover(call.span))

    def group(self, children: Children) -> ast.Expr:
        return children[1]  # type: ignore[no-any-return]

    # -- calls and steps ------------------------------------------------------
    def named_argument(self, children: Children) -> ast.Argument:
        name_token, value = children
        name = ast.Name(str(name_token), _span(name_token))
        return ast.Argument(name, value, name.span.cover(value.span))

    def positional_argument(self, children: Children) -> ast.Argument:
        value = children[0]
        return ast.Argument(None, value, value.span)

    def call(self, children: Children) -> ast.Call:
        name_token = children[0]
        rpar_index = next(i for i, c in enumerate(children) if _is_token(c) and c.type == "RPAR")
        arguments = tuple(c for c in children[2:rpar_index] if c is not None)
        output = children[rpar_index + 2] if len(children) > rpar_index + 2 else None
        end = output.span.end if output is not None else _span(children[rpar_index]).end
        operation = ast.Name(str(name_token), _span(name_token))
        return ast.Call(operation, arguments, output, Span(operation.span.start, end))

    def step(self, children: Children) -> ast.Step:
        kind = ast.Name(str(children[0]), _span(children[0]))
        step_id = ast.Name(str(children[1]), _span(children[1]))
        description: ast.Literal | None = None
        when: ast.Expr | None = None
        index = 2

        def at(terminal: str) -> bool:
            return _is_token(children[index]) and children[index].type == terminal

        if at("STRING"):
            description = self.string([children[index]])
            index += 1
        group: ast.Name | None = None
        approvals: ast.Literal | None = None
        if at("BY"):
            index += 1
            if at("INT"):  # `by N of GROUP`
                approvals = self.int([children[index]])
                self._whole_word(children[index + 1])
                index += 2
            group = ast.Name(str(children[index]), _span(children[index]))
            index += 1
        except_starter: ast.ExceptStarter | None = None
        if at("EXCEPT"):
            self._whole_word(children[index])
            except_starter = ast.ExceptStarter(
                _span(children[index]).cover(_span(children[index + 1])))
            index += 2
        if at("WHEN"):
            when = children[index + 1]
            index += 2
        body = children[index + 1:-1]
        call = next((part for part in body if isinstance(part, ast.Call)), None)
        reminder = next((part for part in body if isinstance(part, ast.Reminder)), None)
        deadlines = tuple(part for part in body if isinstance(part, ast.Deadline))
        return ast.Step(kind, step_id, description, when, call,
                        kind.span.cover(_span(children[-1])), group, approvals, except_starter,
                        reminder, deadlines)

    # -- a human step's time limits -------------------------------------------------------
    def duration(self, children: Tokens) -> ast.Duration:
        amount_token, unit_token = children
        amount = self.float([amount_token]) if amount_token.type == "FLOAT" \
            else self.int([amount_token])
        unit = ast.Name(str(unit_token), _span(unit_token))
        return ast.Duration(amount, unit, amount.span.cover(unit.span))

    def reminder(self, children: Children) -> ast.Reminder:
        keyword, duration, before = children
        self._whole_word(keyword)
        return ast.Reminder(duration, _span(keyword).cover(_span(before)))

    def answer_deadline(self, children: Children) -> ast.Deadline:
        keyword, duration, answer, value = children
        self._whole_word(keyword)
        self._whole_word(answer)
        action = ast.DefaultAnswer(value, _span(answer).cover(value.span))
        return ast.Deadline(duration, action, _span(keyword).cover(action.span))

    def fail_deadline(self, children: Children) -> ast.Deadline:
        keyword, duration, fail, *rest = children
        self._whole_word(keyword)
        self._whole_word(fail)
        reason = self.string(rest) if rest else None
        action = ast.FailStep(reason, _span(fail).cover(reason.span) if reason else _span(fail))
        return ast.Deadline(duration, action, _span(keyword).cover(action.span))

    def escalate_deadline(self, children: Children) -> ast.Deadline:
        keyword, duration, escalate, to, group_token = children
        for token in (keyword, escalate, to):
            self._whole_word(token)
        group = ast.Name(str(group_token), _span(group_token))
        action = ast.Escalation(group, _span(escalate).cover(group.span))
        return ast.Deadline(duration, action, _span(keyword).cover(action.span))

    def _whole_word(self, keyword: Token) -> None:
        """`remind4 hours`, `escalateto`: where no name can stand, the lexer reads a keyword
        at the start of a longer word; that reads as a typo, so it is an error (as
        `whenstate.x` is), with the space as its fix."""
        end = keyword.end_pos or 0
        text = self.text
        if end >= len(text) or not (text[end].isalnum() or text[end] == "_"):
            return
        word_end = end
        while word_end < len(text) and (text[word_end].isalnum() or text[word_end] == "_"):
            word_end += 1
        start = keyword.start_pos or 0
        self.diagnostics.append(Diagnostic(
            "E001", Severity.ERROR, f"`{text[start:word_end]}` is read as `{keyword}` followed "
            f"by `{text[end:word_end]}`", Span(start, word_end), "missing space",
            help=(f"write `{keyword} {text[end:word_end]}`",),
            fix=Fix(f"put a space after `{keyword}`", (Edit(Span(end, end), " "),))))

    # -- declarations -------------------------------------------------------
    def type_ref(self, children: Children) -> ast.TypeRef:
        name = ast.Name(str(children[0]), _span(children[0]))
        rest = list(children[1:])
        element: ast.TypeRef | ast.RecordType | None = None
        end = name.span
        if rest and _is_token(rest[0]) and rest[0].type == "LSQB":
            element, end = rest[1], _span(rest[2])
            rest = rest[3:]
        nullable = bool(rest) and _is_token(rest[0]) and rest[0].type == "QUESTION"
        if nullable:
            end = _span(rest[0])
            rest = rest[1:]
        if not rest:
            return ast.TypeRef(name, None, None, name.span.cover(end), element, nullable)
        minimum, maximum = rest[1], rest[3]
        return ast.TypeRef(name, minimum, maximum, name.span.cover(maximum.span), element,
                           nullable)

    def record_type(self, children: Children) -> ast.RecordType:
        nullable = _is_token(children[-1]) and children[-1].type == "QUESTION"
        closer = -2 if nullable else -1
        fields = tuple(child for child in children[1:closer] if child is not None)
        return ast.RecordType(fields, _span(children[0]).cover(_span(children[-1])), nullable)

    def field_type(self, children: Children) -> ast.FieldType:
        name_token, type_ref = children[0], children[-1]
        name = ast.Name(str(name_token), _span(name_token))
        return ast.FieldType(name, type_ref, name.span.cover(type_ref.span), len(children) == 3)

    def _declaration(self, children: Children) -> ast.Declaration:
        keyword, name_token, type_ref = children[:3]
        if isinstance(type_ref, ast.RecordType):  # `{a: int}` is `map` with these fields
            start = type_ref.span.start
            type_ref = ast.TypeRef(ast.Name("map", Span(start, start)), span=type_ref.span,
                                   element=type_ref)
        default = children[4] if len(children) > 3 else None
        name = ast.Name(str(name_token), _span(name_token))
        end = default.span if default is not None else type_ref.span
        return ast.Declaration(str(keyword), name, type_ref, default, _span(keyword).cover(end))

    param_decl = _declaration
    input_decl = _declaration

    def version_decl(self, children: Tokens) -> ast.Version:
        keyword, number = children
        value = ast.Literal(self._whole_number(number), _span(number))
        return ast.Version(value, _span(keyword).cover(value.span))

    def mission(self, children: Children) -> ast.Mission:
        name = ast.Name(str(children[1]), _span(children[1]))
        index = 2
        description = None
        if _is_token(children[index]) and children[index].type == "STRING":
            description = self.string([children[index]])
            index += 1
        items = tuple(children[index + 1:-1])
        return ast.Mission(name, description, items, _span(children[0]).cover(_span(children[-1])))

    def start(self, children: Children) -> ast.Mission:
        return children[0]  # type: ignore[no-any-return]

    def _error(self, code: str, message: str, span: Span, help_text: str) -> None:
        self.diagnostics.append(
            Diagnostic(code, Severity.ERROR, message, span, help=(help_text,) if help_text else ())
        )


# The callbacks of a test file's rules (`compiler.testfile.build`), imported on the first
# test file: a mission never needs them.
TEST_FILE_RULES = ("test_file", "replay", "test_case", "given_param", "given_state",
                   "state_file", "given_start", "given_answer", "given_result", "outcome_word",
                   "given_real", "time_move", "given_cancel", "expect_state", "expect_run",
                   "expected_names", "actor", "instant")


def _test_file_rule(name: str) -> Any:
    def callback(self: AstBuilder, children: Children) -> Any:
        from compiler.testfile import build

        return getattr(build, name)(self, children)

    callback.__name__ = name
    return callback


for _rule in TEST_FILE_RULES:
    setattr(AstBuilder, _rule, _test_file_rule(_rule))
