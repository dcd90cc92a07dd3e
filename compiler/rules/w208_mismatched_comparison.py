"""A comparison between values of types that cannot match.

## What it does
Reports `==` and `!=` between values whose types are known and can never be
equal (a number and a string, a boolean and a number: equality is JSON
equality, so `true` is not `1`; a value whose type has no `?` and null),
ordering (`<`, `<=`, `>`, `>=`) of values that are not two numbers or two
strings, `in` on something that is not a list, a map or a string, and `in` a
map or a string of something that is not a string. A type that may be null
(`T?`, the result of `find`, `first`, `min`, `max`) can equal null, so
`state.who != null` is a guard, not a constant; a reference compared with
null, or missing where it is read (a field declared `name?:`, a value
written only by a guarded step), reads as null. Only what holds for every
value of the two types is claimed: a test evaluates every reported comparison
over generated values of its operand types.

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
from compiler.lint import LintContext, step_expressions
from compiler.narrowing import compared_with_null
from compiler.rules import Rule
from runtime.orchestration.types import Type

_FAMILY = {"int": "number", "float": "number", "number": "number", "str": "string",
           "date": "string", "bool": "boolean", "list": "list", "map": "map", "null": "null"}
_ORDERED = frozenset({"number", "string"})


_IN_HELP = "`in` finds an item in a list, a key (a string) in a map, or text in a string"


def families(found: Type) -> frozenset[str]:
    """The kinds of JSON value a type holds (`int?` holds numbers and null); empty for
    `any`, which holds every kind."""
    family = _FAMILY.get(found.name)
    if family is None:
        return frozenset()
    return frozenset({family, "null"}) if found.nullable else frozenset({family})


def _name(kinds: frozenset[str]) -> str:
    return next(iter(kinds - {"null"} or kinds))


def problem(operator: str, left: frozenset[str], right: frozenset[str]) -> tuple[str, str]:
    """What is wrong with `left OPERATOR right` for these families of values, and the help
    line (("", "") when nothing is). Each claim holds for every value of the families."""
    if operator == "in":
        if right and not right - {"null"} & {"list", "map", "string"}:
            return (f"`in` needs a list, a map or a string on its right, not a {_name(right)}",
                    _IN_HELP)
        if left and right and right - {"null"} <= {"map", "string"} and "string" not in left:
            return (f"`in` a {_name(right)} needs a string on its left, not a {_name(left)}: "
                    "the step fails", _IN_HELP)
        return "", ""
    if not left or not right:
        return "", ""
    if operator in ("==", "!="):
        if not left & right:
            outcome = "always false" if operator == "==" else "always true"
            return (f"a {_name(left)} is never equal to a {_name(right)}: this is {outcome}",
                    "compare values of the same type")
        return "", ""
    if (left - {"null"}) & (right - {"null"}) & _ORDERED:
        return "", ""
    return (f"`{operator}` compares two numbers or two strings, not a {_name(left)} and a "
            f"{_name(right)}", "compare values of the same type")


def check(context: LintContext) -> Iterator[Diagnostic]:
    typer = context.analysis.typer()
    for facts in context.steps:
        for node in step_expressions(facts.step):
            if not isinstance(node, ast.Binary) or node.operator in _NOT_COMPARISONS:
                continue
            left_type, right_type = typer.compared(node)
            null_side = compared_with_null(node)
            if isinstance(null_side, ast.Reference) and context.may_be_missing(facts,
                                                                              null_side):
                continue  # read as null where it is missing
            left, right = families(left_type), families(right_type)
            found, help_line = problem(node.operator, left, right)
            if found:
                label = f"this is a {_name(right)}" if node.operator == "in" and not left else \
                    f"a {_name(left)} and a {_name(right)}"
                yield context.diagnostic("W208", found, node.span, label=label,
                                         help=(help_line,))


_NOT_COMPARISONS = frozenset({"and", "or", "??", "+", "-", "*", "/"})


RULE = Rule("W208", "mismatched-comparison", Severity.WARNING, __doc__ or "", check)
