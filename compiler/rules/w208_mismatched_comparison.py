"""A comparison between values of types that cannot match.

## What it does
Reports `==` and `!=` between values whose types are known and can never be
equal (a number and a string, a boolean and a number: equality is JSON
equality, so `true` is not `1`), ordering (`<`, `<=`, `>`, `>=`) of values
that are not two numbers or two strings, `in` on something that is not a
list, a map or a string, and `in` a map or a string of something that is not
a string.

## Why
An equality of different types is always false (`!=` always true), so the
guard is constant; an ordering or `in` of the wrong types fails the step at
run time.

## Example
```mission
mission count "Count up" {
    version 1

    input count: int = 0

    runtime bump "Add one below three" when state.count == "3" {
        increment(at: state.count)
    }
}
```

Use instead:
```mission
mission count "Count up" {
    version 1

    input count: int = 0

    runtime bump "Add one below three" when state.count < 3 {
        increment(at: state.count)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext
from compiler.rules import Rule

_FAMILY = {"int": "number", "float": "number", "number": "number", "str": "string",
           "date": "string", "bool": "boolean", "list": "list", "map": "map", "null": "null"}
_ORDERED = frozenset({"number", "string"})


_IN_HELP = "`in` finds an item in a list, a key (a string) in a map, or text in a string"


def _problem(operator: str, left: str, right: str) -> tuple[str, str]:
    """What is wrong with `left OPERATOR right` for these families, and the help line
    (("", "") when nothing is)."""
    if operator in ("==", "!="):
        if left != right and "any" not in (left, right):
            outcome = "always false" if operator == "==" else "always true"
            return (f"a {left} is never equal to a {right}: this is {outcome}",
                    "compare values of the same type")
        return "", ""
    if operator == "in":
        if right not in ("list", "map", "string", "any"):
            return f"`in` needs a list, a map or a string on its right, not a {right}", _IN_HELP
        if right in ("map", "string") and left not in ("string", "any"):
            return (f"`in` a {right} needs a string on its left, not a {left}: the step fails",
                    _IN_HELP)
        return "", ""
    if "any" not in (left, right) and (left != right or left not in _ORDERED):
        return (f"`{operator}` compares two numbers or two strings, not a {left} and a {right}",
                "compare values of the same type")
    return "", ""


def check(context: LintContext) -> Iterator[Diagnostic]:
    for node in context.expressions:
        if not isinstance(node, ast.Binary) or node.operator in ("and", "or", "+", "-", "*", "/"):
            continue
        left = _FAMILY.get(context.type_of(node.left), "any")
        right = _FAMILY.get(context.type_of(node.right), "any")
        problem, help_line = _problem(node.operator, left, right)
        if problem:
            label = f"this is a {right}" if node.operator == "in" and left == "any" else \
                f"a {left} and a {right}"
            yield context.diagnostic("W208", problem, node.span, label=label, help=(help_line,))


RULE = Rule("W208", "mismatched-comparison", Severity.WARNING, __doc__ or "", check)
