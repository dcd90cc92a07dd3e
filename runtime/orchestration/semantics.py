"""The language's value semantics, shared by the evaluator and the operations below it:
JSON equality at every depth, and `+ - * /` on its numbers, strings and lists."""

from __future__ import annotations

from typing import Any

from runtime.orchestration.model import EvaluationError
from runtime.orchestration.types import describe, type_of

_MAX_SAFE_INTEGER = 2**53 - 1


def arithmetic(operator: str, left: Any, right: Any) -> Any:
    """`+ - * /` with the language's number semantics: int op int stays int (an error past
    ±(2**53 - 1)), `/` gives a float, a zero divisor or a non-finite result is an error;
    `+` also joins two strings or two lists."""
    kinds = (type_of(left), type_of(right))
    if operator == "+" and kinds in (("str", "str"), ("list", "list")):
        return left + right
    if not set(kinds) <= {"int", "float"}:
        raise EvaluationError(f"`{operator}` needs two numbers, found {describe(left)} and "
                              f"{describe(right)}")
    if operator == "/":
        if right == 0:
            raise EvaluationError(f"division by zero: {describe(left)} / {describe(right)}")
        result = left / right
    elif operator == "+":
        result = left + right
    elif operator == "-":
        result = left - right
    else:
        result = left * right
    if isinstance(result, int):
        if abs(result) > _MAX_SAFE_INTEGER:
            raise EvaluationError(f"integer overflow: {left} {operator} {right} is beyond "
                                  f"±{_MAX_SAFE_INTEGER}")
        return result
    if result != result or result in (float("inf"), float("-inf")):
        raise EvaluationError(f"{left} {operator} {right} is not a finite number")
    return result


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality at every depth: `true` is not `1` (not even inside lists), `1` is `1.0`."""
    stack = [(left, right)]
    while stack:
        a, b = stack.pop()
        kinds = {type_of(a), type_of(b)}
        if kinds <= {"int", "float"}:
            if a != b:
                return False
        elif len(kinds) != 1:
            return False
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif isinstance(a, dict):
            if a.keys() != b.keys():
                return False
            stack.extend((a[key], b[key]) for key in a)
        elif a != b:
            return False
    return True
