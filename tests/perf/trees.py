"""Comparing parse results exactly: spans and value types included.

The AST's own equality ignores spans and says `Literal(1) == Literal(True)`;
the fast path must agree with the Lark path on both, so compare field by field.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from compiler.parser import ParseResult
from runtime.frozen import Frozen


def differences(left: Any, right: Any, where: str = "") -> list[str]:
    """Every place where two values differ, by type, field, span or value."""
    if type(left) is not type(right):
        return [f"{where or '<root>'}: {type(left).__name__} != {type(right).__name__}"]
    if isinstance(left, Frozen) or dataclasses.is_dataclass(left):
        names = left._fields if isinstance(left, Frozen) else \
            [field.name for field in dataclasses.fields(left)]
        found: list[str] = []
        for name in names:
            found += differences(getattr(left, name), getattr(right, name), f"{where}.{name}")
        return found
    if isinstance(left, tuple | list):
        if len(left) != len(right):
            return [f"{where}: {len(left)} items != {len(right)} items"]
        found = []
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found += differences(a, b, f"{where}[{index}]")
        return found
    if isinstance(left, float) and left != left:
        return [] if right != right else [f"{where}: nan != {right!r}"]
    if left != right or repr(left) != repr(right):  # repr tells -0.0 from 0.0
        return [f"{where}: {left!r} != {right!r}"]
    return []


def assert_same_result(fast: ParseResult, lark: ParseResult) -> None:
    problems = differences(fast, lark)
    assert not problems, "fast path differs from the Lark path:\n" + "\n".join(problems[:20])
