"""A fast parse path that builds the same AST as the Lark path, without importing Lark.

Lark's LALR parser spends most of a parse in generic machinery: a lexer that
counts lines for every token, tokens with eight attributes, and a chain of
wrappers around each rule callback. This module drives the same LALR tables
(exported from Lark and cached as JSON by `compiler.tables`) with one tight
loop, lexes with one regular expression per parser state (`compiler.lexer`),
and calls the very same rule callbacks (`compiler.parser.AstBuilder`) with the
very same children, so the tree, its spans, the comments and the builder's
diagnostics are identical. A test proves it on every example and on generated
missions.

It only handles text that parses: on any syntax error `parse_fast` returns
None and the caller uses the Lark path, which explains the error:

    def parse(source: SourceFile) -> ParseResult:
        from compiler.fastparse import parse_fast

        return parse_fast(source) or _PARSER.parse(source)
"""

from __future__ import annotations

import threading
from typing import Any

from compiler import ast
from compiler.ast import Span
from compiler.building import AstBuilder, ParseResult, parsed_tree
from compiler.diagnostics import Diagnostic
from compiler.lexer import COLLECT, DROP, END, SKIP, Scanner, Token, compile_scanner
from compiler.source import SourceFile

__all__ = ["parse_fast", "reset"]

# How a reduction builds its value (see `Driver._plan`).
_PASS = 0  # a `?rule` with one child: the child itself, only the state changes
_SPLICE = 1  # a `_helper` rule: the list of its children, spliced into its parent
_CALL = 2  # everything else: the filtered children, passed to the builder's callback

_COMMENT = "COMMENT"  # the terminal whose tokens `compiler.parser` collects as comments
_END = "$END"

Rule = tuple[int, str, "list[list[int]] | None", int, int, bool, int]


class Driver:
    """The LALR tables of one grammar, ready to drive. Shared by threads: its only
    mutations fill memo tables with values that do not depend on who computes them."""

    def __init__(self, tables: dict[str, Any]) -> None:
        self.start: int = tables["start"]
        self.end: int = tables["end"]
        self.actions: list[dict[str, int]] = tables["actions"]
        self.dropped = frozenset(tables["dropped"])
        self._lexer_specs: list[dict[str, Any]] = tables["lexers"]
        self._lexer_of_state: list[int] = tables["lexer_of_state"]
        self._lexers: list[Scanner | None] = [None] * len(self._lexer_specs)
        self.scanners: list[Scanner | None] = [None] * len(self.actions)
        self.gotos: dict[tuple[int, str, str], int] = {}
        plans = [self._plan(rule) for rule in tables["rules"]]
        names = sorted({rule["callback"] for rule, mode in zip(tables["rules"], plans, strict=True)
                        if mode == _CALL})
        missing = [name for name in names if not callable(getattr(AstBuilder, name, None))]
        if missing:
            raise ValueError(f"the AST builder has no callback for {', '.join(missing)}")
        self.callback_names = tuple(names)
        self.rules: list[Rule] = [
            (rule["size"], rule["origin"], rule["include"], rule["append_none"], mode,
             rule["expand1"], names.index(rule["callback"]) if mode == _CALL else -1)
            for rule, mode in zip(tables["rules"], plans, strict=True)
        ]

    @staticmethod
    def _plan(rule: dict[str, Any]) -> int:
        if rule["callback"] is None:
            return _SPLICE
        single = rule["size"] == 1 and rule["include"] is None and not rule["append_none"]
        return _PASS if rule["expand1"] and single else _CALL

    def scanner(self, state: int) -> Scanner:
        """The lexer of a parser state, its regular expression compiled on first use."""
        index = self._lexer_of_state[state]
        lexer = self._lexers[index]
        if lexer is None:
            lexer = compile_scanner(self._lexer_specs[index], self.dropped, _COMMENT)
            self._lexers[index] = lexer
        self.scanners[state] = lexer
        return lexer

    def goto(self, below: int, origin: str, kind: str) -> int:
        """The state after pushing `origin` on `below`, past the `?rule` reductions that
        would follow at once with lookahead `kind` (they pop it and push another name
        on `below`, and leave the value as it is). Memoised: it depends on nothing else."""
        actions, rules = self.actions, self.rules
        state = actions[below][origin]
        for _ in rules:
            code = actions[state].get(kind)
            if code is None or code >= 0 or rules[~code][4] != _PASS:
                break
            state = actions[below][rules[~code][1]]
        self.gotos[below, origin, kind] = state
        return state

    def parse(self, text: str) -> ParseResult | None:
        """The tree, comments and builder diagnostics; None if the text does not parse."""
        builder = AstBuilder(text)
        callbacks = [getattr(builder, name) for name in self.callback_names]
        comments: list[ast.Comment] = []
        actions, rules, scanners, gotos = self.actions, self.rules, self.scanners, self.gotos
        end_state = self.end
        new_string = str.__new__
        state = self.start
        states = [state]
        values: list[Any] = []
        position = 0
        token: Token | None
        while True:
            match, special = scanners[state] or self.scanner(state)
            found = match(text, position)
            if found is None:
                return None
            kind: str = found.lastgroup  # type: ignore[assignment]
            start = found.start(kind)
            position = found.end()
            what = special.get(kind)
            if what is None:
                token = new_string(Token, text[start:position])
                token.type, token.start_pos, token.end_pos = kind, start, position
            elif what is DROP:
                token = None
            elif what is END:
                kind, token = _END, None
            elif what is SKIP:
                continue
            elif what is COLLECT:
                comments.append(ast.Comment(text[start:position], Span(start, position)))
                continue
            else:  # a NAME that may be a keyword in this state
                value = text[start:position]
                kind = what.get(value, kind)
                token = new_string(Token, value)
                token.type, token.start_pos, token.end_pos = kind, start, position
            row = actions[state]
            while True:
                code = row.get(kind)
                if code is None:
                    return None
                if code >= 0:
                    states.append(code)
                    values.append(token)
                    state = code
                    break
                size, origin, include, append_none, mode, expand1, callback = rules[~code]
                if mode == _PASS:
                    state = actions[states[-2]][origin]
                    states[-1] = state
                else:
                    if size:
                        children = values[-size:]
                        del values[-size:]
                        del states[-size:]
                    else:
                        children = []
                    if include is not None:
                        children = _filter(children, include, append_none)
                    if mode == _SPLICE:
                        value_: Any = children
                    elif expand1 and len(children) == 1:
                        value_ = children[0]
                    else:
                        value_ = callbacks[callback](children)
                    below = states[-1]
                    state = gotos.get((below, origin, kind), -1)
                    if state < 0:
                        state = self.goto(below, origin, kind)
                    states.append(state)
                    values.append(value_)
                if state == end_state and kind == _END:
                    return parsed_tree(values[-1], tuple(comments),
                                       _ordered(builder.diagnostics))
                row = actions[state]


def _ordered(diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    """As `compiler.parser` reports them: by position, each once."""
    return tuple(sorted(set(diagnostics), key=lambda d: d.sort_key))


def _filter(children: list[Any], include: list[list[int]], append_none: int) -> list[Any]:
    """What Lark's `ChildFilterLALR` passes on: kept children, spliced helpers, placeholders."""
    filtered: list[Any] = []
    for index, splice, nones in include:
        if nones:
            filtered += [None] * nones
        if not splice:
            filtered.append(children[index])
        elif filtered:
            filtered += children[index]
        else:
            filtered = children[index]  # reuse the helper's list: left recursion stays linear
    if append_none:
        filtered += [None] * append_none
    return filtered


class _State:
    """The process's driver, loaded on first use; `None` once the fast path is known unusable."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.driver: Driver | None = None

    def get(self) -> Driver | None:
        if not self.loaded:
            with self.lock:
                if not self.loaded:
                    self.driver = _load_driver()
                    self.loaded = True
        return self.driver


def _load_driver() -> Driver | None:
    from compiler.tables import load_tables

    try:
        return Driver(load_tables())
    except Exception:  # an accelerator that cannot be built is simply not used
        return None


_STATE = _State()


def parse_fast(source: SourceFile) -> ParseResult | None:
    """Parse with the fast driver; None when the text has a syntax error (use the Lark path)."""
    driver = _STATE.get()
    if driver is None:
        return None
    try:
        return driver.parse(source.text)
    except (KeyError, IndexError):  # a table that does not fit the text: let Lark decide
        return None


def reset() -> None:
    """Forget the loaded tables (tests use it after changing the cache)."""
    with _STATE.lock:
        _STATE.loaded = False
        _STATE.driver = None
