"""Values written out in mission syntax: the value an expression holds when it reads
nothing (`literal_value`), and a string as the formatter and every help line write it
(`quote_string`). Below the typer, the emitter, the deadline checks and the formatter,
which all need them."""

from __future__ import annotations

import unicodedata
from typing import Any

from compiler import ast

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r",
                  "\b": "\\b", "\f": "\\f"}


# Characters written as \uXXXX: invisible or control characters (including bidi overrides).
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def quote_string(value: str) -> str:
    """A string literal in the one canonical spelling (JSON escapes, minimal)."""
    parts = ['"']
    for char in value:
        if char in _SHORT_ESCAPES:
            parts.append(_SHORT_ESCAPES[char])
        elif ord(char) <= 0xFFFF and unicodedata.category(char) in _ESCAPED_CATEGORIES:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def literal_value(expression: ast.Expr) -> tuple[bool, Any]:
    """(True, value) when the expression holds no reference, else (False, None)."""
    if isinstance(expression, ast.Literal):
        return True, expression.value
    if isinstance(expression, ast.ListExpr):
        items = []
        for item in expression.items:
            constant, value = literal_value(item)
            if not constant:
                return False, None
            items.append(value)
        return True, items
    if isinstance(expression, ast.MapExpr):
        entries = {}
        for entry in expression.entries:
            constant, value = literal_value(entry.value)
            if not constant:
                return False, None
            entries[entry.key.text] = value
        return True, entries
    return False, None
