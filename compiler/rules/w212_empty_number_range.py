"""A `number` question accepts no answer.

## What it does
Reports `number(...)` whose literal `min` is above its literal `max`.

## Why
Every answer would be refused, so the run could never get past the step.

## Example
```mission
mission survey "Ask for a score" {
    version 1

    human score "Rate the day" {
        number("How was today?", min: 10, max: 0) -> state.score
    }
    runtime keep "Keep the score" {
        append(to: state.scores, value: state.score)
    }
}
```

Use instead:
```mission
mission survey "Ask for a score" {
    version 1

    human score "Rate the day" {
        number("How was today?", min: 0, max: 10) -> state.score
    }
    runtime keep "Keep the score" {
        append(to: state.scores, value: state.score)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def _number(argument: ast.Argument | None) -> ast.Literal | None:
    if argument is None or not isinstance(argument.value, ast.Literal):
        return None
    value = argument.value.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return argument.value


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        if facts.operation is None or facts.operation.name != "number":
            continue
        low = _number(facts.arguments.get("min"))
        high = _number(facts.arguments.get("max"))
        if low is None or high is None or low.value <= high.value:  # type: ignore[operator]
            continue
        yield context.diagnostic(
            "W212", f"no answer fits: `min` ({low.value}) is above `max` ({high.value})",
            low.span, label="above the maximum", labels=(Label(high.span, "the maximum"),),
            help=(f"swap them: `min: {high.value}, max: {low.value}`",))


RULE = Rule("W212", "empty-number-range", Severity.WARNING, __doc__ or "", check)
