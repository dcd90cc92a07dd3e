"""The parser's rule callbacks for test files (`compiler.building.AstBuilder` calls them).

A test file is parsed by the mission grammar itself (its `test_file` start
alternative): the same lexer, the fast path and Lark's error messages. These
callbacks build `compiler.testfile.nodes` from each rule's children; optional
parts are told apart by their type, as the mission's own callbacks do. This module is
imported on the first test file only: a mission never needs it (`RULES` in
`compiler.parser` names the callbacks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from compiler import ast
from compiler.ast import Span
from compiler.testfile import nodes

if TYPE_CHECKING:
    from lark import Token


def _span(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _is_token(value: object, kind: str | None = None) -> bool:
    return isinstance(value, str) and hasattr(value, "type") and (
        kind is None or value.type == kind)


def _name(token: Token) -> ast.Name:
    return ast.Name(str(token), _span(token))


def _end(value: Any) -> int:
    """Where a child ends: a token, a node, or the last of a list of names."""
    if _is_token(value):
        return int(value.end_pos or 0)
    if isinstance(value, tuple):
        return _end(value[-1])
    return int(value.span.end)


class Builder(Protocol):
    """What the callbacks use of the mission's builder (`compiler.building.AstBuilder`)."""

    def string(self, children: list[Token]) -> ast.Literal: ...

    def _whole_word(self, keyword: Token) -> None: ...


def _keyword(builder: Builder, token: Token) -> Span:
    builder._whole_word(token)
    return _span(token)


def test_file(builder: Builder, children: list[Any]) -> nodes.TestFile:
    _keyword(builder, children[0])
    mission = builder.string([children[1]])
    items = tuple(child for child in children[3:-1] if child is not None)
    return nodes.TestFile(mission, items, _span(children[0]).cover(_span(children[-1])))


def replay(builder: Builder, children: list[Any]) -> nodes.Replay:
    start = _keyword(builder, children[0])
    path = builder.string([children[1]])
    return nodes.Replay(path, start.cover(path.span))


def test_case(builder: Builder, children: list[Any]) -> nodes.TestCase:
    start = _keyword(builder, children[0])
    name = builder.string([children[1]])
    lines = tuple(child for child in children[3:-1] if child is not None)
    return nodes.TestCase(name, lines, start.cover(_span(children[-1])))


def given_param(builder: Builder, children: list[Any]) -> nodes.GivenParam:
    keyword, name, _equals, value = children
    return nodes.GivenParam(_name(name), value, _keyword(builder, keyword).cover(value.span))


def given_state(builder: Builder, children: list[Any]) -> nodes.GivenState:
    path = tuple(_name(token) for token in children[1:-2])
    value = children[-1]
    return nodes.GivenState(path, value, _keyword(builder, children[0]).cover(value.span))


def state_file(builder: Builder, children: list[Any]) -> nodes.StateFile:
    keyword, source, path_token = children
    _keyword(builder, source)
    path = builder.string([path_token])
    return nodes.StateFile(path, _keyword(builder, keyword).cover(path.span))


def given_start(builder: Builder, children: list[Any]) -> nodes.Started:
    by = next((child for child in children if isinstance(child, nodes.Who)), None)
    at = next((child for child in children if isinstance(child, ast.Literal)), None)
    return nodes.Started(by, at, _keyword(builder, children[0]).cover(
        Span(_end(children[-1]), _end(children[-1]))))


def given_answer(builder: Builder, children: list[Any]) -> nodes.Answer:
    equals = next(index for index, child in enumerate(children)
                  if _is_token(child, "EQUALS"))
    step = _name(children[1])
    field = _name(children[2]) if equals == 3 else None
    value = children[equals + 1]
    rest = children[equals + 2:]
    by = next((child for child in rest if isinstance(child, nodes.Who)), None)
    at = next((child for child in rest if isinstance(child, ast.Literal)), None)
    return nodes.Answer(step, field, value, by, at, _keyword(builder, children[0]).cover(
        Span(_end(children[-1]), _end(children[-1]))))


def given_result(builder: Builder, children: list[Any]) -> nodes.Result:
    outcomes = tuple(child if isinstance(child, nodes.Outcome)
                     else nodes.Outcome(child, span=child.span) for child in children[3:])
    return nodes.Result(_name(children[1]), outcomes,
                        _keyword(builder, children[0]).cover(outcomes[-1].span))


def outcome_word(builder: Builder, children: list[Any]) -> nodes.Outcome:
    word = _name(children[0])
    message = builder.string([children[1]]) if len(children) > 1 else None
    end = message.span if message is not None else word.span
    return nodes.Outcome(None, word, message, word.span.cover(end))


def given_real(builder: Builder, children: list[Any]) -> nodes.Real:
    keyword, step = children
    return nodes.Real(_name(step), _keyword(builder, keyword).cover(_span(step)))


def time_move(builder: Builder, children: list[Any]) -> nodes.TimeMove:
    keyword, duration = children
    return nodes.TimeMove(duration, _keyword(builder, keyword).cover(duration.span))


def given_cancel(builder: Builder, children: list[Any]) -> nodes.Cancel:
    reason = builder.string([children[1]]) if len(children) > 1 and _is_token(
        children[1], "STRING") else None
    by = next((child for child in children if isinstance(child, nodes.Who)), None)
    at = next((child for child in children[1:] if isinstance(child, ast.Literal)
               and child is not reason), None)
    return nodes.Cancel(reason, by, at, _keyword(builder, children[0]).cover(
        Span(_end(children[-1]), _end(children[-1]))))


def expect_state(builder: Builder, children: list[Any]) -> nodes.ExpectState:
    keyword = _name(children[0])
    _keyword(builder, children[0])
    builder._whole_word(children[1])
    operator_at = next((index for index, child in enumerate(children)
                        if _is_token(child, "COMPARE")), None)
    path_end = operator_at if operator_at is not None else len(children)
    path = tuple(_name(token) for token in children[2:path_end])
    operator = _name(children[operator_at]) if operator_at is not None else None
    value = children[operator_at + 1] if operator_at is not None else None
    return nodes.ExpectState(keyword, path, operator, value,
                             keyword.span.cover(Span(_end(children[-1]), _end(children[-1]))))


def expect_run(builder: Builder, children: list[Any]) -> nodes.ExpectRun:
    word = _name(children[1])
    names: tuple[ast.Name, ...] = ()
    excepted: tuple[ast.Name, ...] = ()
    text: ast.Literal | None = None
    by: nodes.Who | None = None
    after_except = False
    for child in children[2:]:
        if _is_token(child, "EXCEPT"):
            builder._whole_word(child)
            after_except = True
        elif _is_token(child, "STRING"):
            text = builder.string([child])
        elif isinstance(child, nodes.Who):
            by = child
        elif isinstance(child, tuple):
            if after_except:
                excepted = child
            else:
                names = child
    return nodes.ExpectRun(word, names, text, by, excepted, _keyword(builder, children[0]).cover(
        Span(_end(children[-1]), _end(children[-1]))))


def expected_names(builder: Builder, children: list[Any]) -> tuple[ast.Name, ...]:
    return tuple(_name(token) for token in children)


def actor(builder: Builder, children: list[Any]) -> nodes.Who:
    keyword, who = children
    start = _keyword(builder, keyword)
    if who.type == "STRING":
        literal = builder.string([who])
        return nodes.Who(ast.Name(str(literal.value), literal.span), True,
                         start.cover(literal.span))
    return nodes.Who(_name(who), False, start.cover(_span(who)))


def instant(builder: Builder, children: list[Any]) -> ast.Literal:
    keyword, value = children
    _keyword(builder, keyword)
    return builder.string([value])
