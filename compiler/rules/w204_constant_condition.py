"""A `when` condition is always true.

## What it does
Reports a `when` guard whose value is fixed and true: it reads no param and
no state, as in `when true` or `when 1 < 2`, or what it reads is never
evaluated, as in `when true or state.ready` (`or` stops at the first true
part, `and` at the first false one, as the engine does). The autofix removes
the guard, which changes nothing in any run. (An always-false guard is W203.)

## Why
A guard that cannot be false is noise, and usually a leftover of a guard that
once read a value.

## Example
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" when true {
        set(at: state.greeting, value: "hello")
    }
}
```

Use instead:
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" {
        set(at: state.greeting, value: "hello")
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from compiler.lint import LintContext, constant
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        step = facts.step
        if step.when is None or constant(step.when) != (True, True):
            continue
        before = (step.description or step.id).span.end
        yield context.diagnostic(
            "W204", "this condition is always true", step.when.span, label="always true",
            help=("remove the `when` guard",),
            fix=Fix("remove the guard", (Edit(Span(before, step.when.span.end), ""),)))


RULE = Rule("W204", "constant-condition", Severity.WARNING, __doc__ or "", check, fixable=True)
