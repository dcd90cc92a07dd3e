"""`mission test -k EXPRESSION`: which tests run, as pytest's `-k` chooses them.

A word matches a test when it is part of the test's id (`FILE::NAME`), ignoring case;
words combine with `and`, `or`, `not` and parentheses: `-k "deadline and not refused"`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class SelectionError(ValueError):
    """A `-k` expression that does not parse; the message says where."""


def matcher(expression: str) -> Callable[[str], bool]:
    """A function telling whether a test id is selected (`SelectionError` if the
    expression does not parse)."""
    tokens = [match.group(1) for match in _TOKEN.finditer(expression)]
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise SelectionError(f"-k {expression!r}: the expression ends too early")
        position += 1
        return token

    def either() -> Callable[[str], bool]:
        parts = [both()]
        while peek() == "or":
            take()
            parts.append(both())
        return lambda text: any(part(text) for part in parts)

    def both() -> Callable[[str], bool]:
        parts = [negated()]
        while peek() == "and":
            take()
            parts.append(negated())
        return lambda text: all(part(text) for part in parts)

    def negated() -> Callable[[str], bool]:
        token = take()
        if token == "not":
            inner = negated()
            return lambda text: not inner(text)
        if token == "(":
            inner = either()
            if peek() != ")":
                raise SelectionError(f"-k {expression!r}: a `(` is not closed")
            take()
            return inner
        if token in (")", "and", "or"):
            raise SelectionError(f"-k {expression!r}: `{token}` where a word was expected")
        word = token.lower()
        return lambda text: word in text.lower()

    if not tokens:
        return lambda text: True
    found = either()
    if peek() is not None:
        raise SelectionError(f"-k {expression!r}: unexpected `{peek()}`; join words with "
                             "`and`, `or`, `not`")
    return found
