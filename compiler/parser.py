"""Text to syntax tree, in one pass with no intermediate parse tree.

Lark's LALR parser calls `_AstBuilder` as it reduces each rule (an inline
transformer), so the AST is built directly from tokens; spans come from the
tokens' offsets. Syntax errors become diagnostics in plain words, never
exceptions. `lark` is imported on the first parse only.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.source import SourceFile

if TYPE_CHECKING:
    from lark import Lark, Token

KEYWORDS = frozenset(
    {"mission", "version", "param", "input", "state", "when", "and", "or", "not", "in",
     "true", "false", "null"}
)

# What each grammar terminal is called in a message to the user.
TERMINAL_WORDS: dict[str, str] = {
    "MISSION": "`mission`", "VERSION": "`version`", "PARAM": "`param`", "INPUT": "`input`",
    "STATE": "`state`", "WHEN": "`when`", "AND": "`and`", "OR": "`or`", "NOT": "`not`",
    "IN": "`in`", "TRUE": "`true`", "FALSE": "`false`", "NULL": "`null`",
    "NAME": "a name", "STRING": "a string", "INT": "a number", "FLOAT": "a number",
    "COMPARE": "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)", "ARROW": "`->`",
    "EQUALS": "`=`", "DOTDOT": "`..`", "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`",
    "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COLON": "`:`", "COMMA": "`,`",
    "DOT": "`.`", "$END": "the end of the file",
}

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The tree (None when the text could not be parsed) and what was found."""

    mission: ast.Mission | None
    comments: tuple[ast.Comment, ...]
    diagnostics: tuple[Diagnostic, ...]


def _span(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _is_token(value: object) -> bool:
    return isinstance(value, str) and hasattr(value, "type")


def _node_span(value: Any) -> Span:
    return _span(value) if _is_token(value) else value.span  # type: ignore[no-any-return]


class _AstBuilder:
    """Rule callbacks for Lark's inline transformer (one method per rule)."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    # -- literals ---------------------------------------------------------
    def string(self, children: list[Token]) -> ast.Literal:
        token = children[0]
        return ast.Literal(self._decode_string(token), _span(token))

    def int(self, children: list[Token]) -> ast.Literal:
        token = children[0]
        return ast.Literal(int(token), _span(token))

    def float(self, children: list[Token]) -> ast.Literal:
        token = children[0]
        value = float(token)
        if value in (float("inf"), float("-inf")):
            self._error("E001", f"the number `{token}` is too large", _span(token),
                        "write a number below 1.8e308")
        return ast.Literal(value, _span(token))

    def true(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(True, _span(children[0]))

    def false(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(False, _span(children[0]))

    def null(self, children: list[Token]) -> ast.Literal:
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
            if len(escape) == 5 and escape[0] == "u":
                return chr(int(escape[1:], 16))
            where = Span(start + match.start(), start + match.end())
            self._error("E001", f"unknown escape `\\{escape}` in a string", where,
                        'use one of \\" \\\\ \\n \\t \\r \\b \\f \\/ or \\uXXXX')
            return escape

        return _ESCAPE_RE.sub(replace, body)

    # -- expressions --------------------------------------------------------
    def reference(self, children: list[Token]) -> ast.Reference:
        root, *names = children
        path = tuple(ast.Name(str(name), _span(name)) for name in names)
        return ast.Reference(str(root), path, Span(_span(root).start, path[-1].span.end))

    def list(self, children: list[Any]) -> ast.ListExpr:
        items = tuple(child for child in children[1:-1] if child is not None)
        return ast.ListExpr(items, _span(children[0]).cover(_span(children[-1])))

    def map(self, children: list[Any]) -> ast.MapExpr:
        entries = tuple(child for child in children[1:-1] if child is not None)
        return ast.MapExpr(entries, _span(children[0]).cover(_span(children[-1])))

    def map_entry(self, children: list[Any]) -> ast.MapEntry:
        key_token, value = children
        if key_token.type == "STRING":
            key = ast.Name(self._decode_string(key_token), _span(key_token))
        else:
            key = ast.Name(str(key_token), _span(key_token))
        return ast.MapEntry(key, value, key.span.cover(value.span))

    def _left_assoc(self, children: list[Any]) -> ast.Expr:
        result: ast.Expr = children[0]
        for index in range(1, len(children), 2):
            right = children[index + 1]
            result = ast.Binary(str(children[index]), result, right, result.span.cover(right.span))
        return result

    or_expr = _left_assoc
    and_expr = _left_assoc
    comparison = _left_assoc
    membership = _left_assoc

    def not_expr(self, children: list[Any]) -> ast.Unary:
        keyword, operand = children
        return ast.Unary("not", operand, _span(keyword).cover(operand.span))

    def group(self, children: list[Any]) -> ast.Expr:
        return children[1]  # type: ignore[no-any-return]

    # -- calls and steps ------------------------------------------------------
    def named_argument(self, children: list[Any]) -> ast.Argument:
        name_token, value = children
        name = ast.Name(str(name_token), _span(name_token))
        return ast.Argument(name, value, name.span.cover(value.span))

    def positional_argument(self, children: list[Any]) -> ast.Argument:
        value = children[0]
        return ast.Argument(None, value, value.span)

    def call(self, children: list[Any]) -> ast.Call:
        name_token = children[0]
        rpar_index = next(i for i, c in enumerate(children) if _is_token(c) and c.type == "RPAR")
        arguments = tuple(c for c in children[2:rpar_index] if c is not None)
        output = children[rpar_index + 2] if len(children) > rpar_index + 2 else None
        end = output.span.end if output is not None else _span(children[rpar_index]).end
        operation = ast.Name(str(name_token), _span(name_token))
        return ast.Call(operation, arguments, output, Span(operation.span.start, end))

    def step(self, children: list[Any]) -> ast.Step:
        kind = ast.Name(str(children[0]), _span(children[0]))
        step_id = ast.Name(str(children[1]), _span(children[1]))
        description: ast.Literal | None = None
        when: ast.Expr | None = None
        call: ast.Call | None = None
        index = 2
        if _is_token(children[index]) and children[index].type == "STRING":
            description = self.string([children[index]])
            index += 1
        if _is_token(children[index]) and children[index].type == "WHEN":
            when = children[index + 1]
            index += 2
        if isinstance(children[index + 1], ast.Call):
            call = children[index + 1]
        return ast.Step(kind, step_id, description, when, call,
                        kind.span.cover(_span(children[-1])))

    # -- declarations -------------------------------------------------------
    def type_ref(self, children: list[Any]) -> ast.TypeRef:
        name = ast.Name(str(children[0]), _span(children[0]))
        if len(children) == 1:
            return ast.TypeRef(name, None, None, name.span)
        minimum, maximum = children[2], children[4]
        return ast.TypeRef(name, minimum, maximum, name.span.cover(maximum.span))

    def _declaration(self, children: list[Any]) -> ast.Declaration:
        keyword, name_token, type_ref = children[:3]
        default = children[4] if len(children) > 3 else None
        name = ast.Name(str(name_token), _span(name_token))
        end = default.span if default is not None else type_ref.span
        return ast.Declaration(str(keyword), name, type_ref, default, _span(keyword).cover(end))

    param_decl = _declaration
    input_decl = _declaration

    def version_decl(self, children: list[Token]) -> ast.Version:
        keyword, number = children
        value = ast.Literal(int(number), _span(number))
        return ast.Version(value, _span(keyword).cover(value.span))

    def mission(self, children: list[Any]) -> ast.Mission:
        name = ast.Name(str(children[1]), _span(children[1]))
        index = 2
        description = None
        if _is_token(children[index]) and children[index].type == "STRING":
            description = self.string([children[index]])
            index += 1
        items = tuple(children[index + 1:-1])
        return ast.Mission(name, description, items, _span(children[0]).cover(_span(children[-1])))

    def start(self, children: list[Any]) -> ast.Mission:
        return children[0]  # type: ignore[no-any-return]

    def _error(self, code: str, message: str, span: Span, help_text: str) -> None:
        self.diagnostics.append(
            Diagnostic(code, Severity.ERROR, message, span, help=(help_text,) if help_text else ())
        )


class _Parser:
    """One Lark parser for the process, built on first use, used under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lark: Lark | None = None
        self._builder = _AstBuilder()
        self._comments: list[Token] = []

    def _get(self) -> Lark:
        if self._lark is None:
            import lark

            from grammar import build_parser

            transformer = lark.Transformer()
            for name in dir(_AstBuilder):
                if not name.startswith("__") and name not in {"diagnostics"}:
                    setattr(transformer, name, getattr(self._builder, name))
            self._lark = build_parser(transformer, {"COMMENT": self._comments.append})
        return self._lark

    def parse(self, source: SourceFile) -> ParseResult:
        with self._lock:
            parser = self._get()
            self._builder.diagnostics = []
            self._comments.clear()
            from lark.exceptions import UnexpectedInput

            mission: ast.Mission | None
            try:
                mission = parser.parse(source.text)
                diagnostics = list(self._builder.diagnostics)
            except UnexpectedInput as error:
                mission = None
                diagnostics = [*self._builder.diagnostics, syntax_error(source, error)]
            comments = tuple(ast.Comment(str(token), _span(token)) for token in self._comments)
        return ParseResult(mission, comments, tuple(diagnostics))


_PARSER = _Parser()


def parse(source: SourceFile) -> ParseResult:
    """Parse a source file; problems come back as diagnostics, never raised."""
    return _PARSER.parse(source)


def describe_expected(expected: set[str] | frozenset[str]) -> str:
    """The terminals the parser wanted, in the user's words."""
    names = set(expected)
    words: list[str] = []
    if {"PARAM", "INPUT", "VERSION"} <= names:
        names -= {"PARAM", "INPUT", "VERSION", "NAME"}
        words.append("a step (`runtime NAME {` or `human NAME {`), `param`, `input` or `version`")
    if {"STRING", "INT", "LSQB", "PARAM", "STATE"} <= names:
        names -= {"STRING", "INT", "FLOAT", "LSQB", "LBRACE", "PARAM", "STATE", "TRUE",
                  "FALSE", "NULL", "NOT", "LPAR"}
        words.append("a value (a string, number, `true`, `false`, `null`, a list, a map, "
                     "`param.NAME` or `state.NAME`)")
    if "INT" in names and "FLOAT" in names:
        names.discard("FLOAT")
    words.extend(sorted(TERMINAL_WORDS.get(name, f"`{name.lower()}`") for name in names))
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


_KEYWORD_TERMINALS = frozenset(keyword.upper() for keyword in KEYWORDS)
_CLOSERS = {"LBRACE": "RBRACE", "LSQB": "RSQB", "LPAR": "RPAR"}
_OPENERS = {closer: opener for opener, closer in _CLOSERS.items()}


def syntax_error(source: SourceFile, error: Exception) -> Diagnostic:
    """Turn a Lark exception into a diagnostic that names what was expected."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        char = source.text[offset : offset + 1]
        return Diagnostic(
            "E001", Severity.ERROR, f"unexpected character `{char}`", Span(offset, offset + 1),
            label="not part of the mission language",
            help=("remove it, or put text inside double quotes",),
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    at_end = token.type == "$END"
    offset = len(source.text) if at_end else (token.start_pos or 0)
    span = Span(offset, offset if at_end else (token.end_pos or offset))
    if token.type in _KEYWORD_TERMINALS and "NAME" in error.expected:
        return Diagnostic(
            "E002", Severity.ERROR, f"`{token}` is a reserved keyword and cannot be used as a name",
            span, label="reserved keyword", help=(f"rename it, for example `{token.lower()}_value`",),
        )
    expected = describe_expected(error.expected)
    found = "the end of the file" if at_end else f"`{token}`"
    opener = _innermost_open(error)
    labels: tuple[Label, ...] = ()
    if opener is not None and _CLOSERS[opener[0]] in error.expected:
        closer = TERMINAL_WORDS[_CLOSERS[opener[0]]]
        _, what, where = opener
        line, column = source.location(where.start)
        message = f"expected {closer} to close the {what} that starts at {line}:{column}, found {found}"
        labels = (Label(where, f"the {what} starts here"),)
    else:
        message = f"expected {expected}, found {found}"
    return Diagnostic("E001", Severity.ERROR, message, span, label=f"expected {expected}",
                      labels=labels)


def _innermost_open(error: Any) -> tuple[str, str, Span] | None:
    """The innermost bracket still open at the error: (terminal, what, where it starts).

    Scans the LALR value stack from the top, skipping bracket pairs whose
    rule is not reduced yet.
    """
    try:
        stack = list(error.interactive_parser.parser_state.value_stack)
    except AttributeError:
        return None

    def token_type(position: int) -> str:
        item = stack[position] if 0 <= position < len(stack) else None
        return item.type if _is_token(item) else ""  # type: ignore[union-attr]

    closed: list[str] = []
    for index in range(len(stack) - 1, -1, -1):
        kind = token_type(index)
        if kind in _OPENERS:
            closed.append(kind)
            continue
        if kind not in _CLOSERS:
            continue
        if closed and closed[-1] == _CLOSERS[kind]:
            closed.pop()
            continue
        start = stack[index]
        what = "list"
        if kind == "LPAR":
            what = f"call of `{stack[index - 1]}`" if token_type(index - 1) == "NAME" else "parenthesis"
        elif kind == "LBRACE":
            before = index - 1
            if token_type(before) == "STRING":
                before -= 1
            if token_type(before) == "NAME" and token_type(before - 1) == "MISSION":
                what, start = f"mission `{stack[before]}`", stack[before - 1]
            else:
                before = index - 1
                if token_type(before - 1) == "WHEN":
                    before -= 2
                if token_type(before) == "STRING":
                    before -= 1
                if token_type(before) == "NAME" and token_type(before - 1) == "NAME":
                    what, start = f"step `{stack[before]}`", stack[before - 1]
                else:
                    what = "map"
        return kind, what, _span(start)
    return None
