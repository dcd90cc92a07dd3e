"""A `when` condition whose type is only known at run time.

## What it does
Reports a `when` guard that is a bare value of unknown type (`any`): a deeper
path such as `state.summary.ready`, an input declared `any`, or a value
written by an operation whose result type is open. (A value known not to be
a boolean is the error E022.) Not reported on a step whose operation is
unknown (E006), nor for a value only an unknown operation writes: the error
comes first.

## Why
The engine runs a guarded step only when the condition is exactly `true`;
if the value turns out to be a number or a string the step fails. An
explicit comparison says what is meant and cannot fail that way.

## Example
```mission
mission report "Report when ready" {
    version 1

    input status: map = {}

    runtime report "Write the report" when state.status.ready {
        set(at: state.report, value: "ready")
    }
}
```

Use instead:
```mission
mission report "Report when ready" {
    version 1

    input status: map = {}

    runtime report "Write the report" when state.status.ready == true {
        set(at: state.report, value: "ready")
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


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        condition = facts.step.when
        candidates: list[ast.Expr] = []
        call = facts.step.call
        if call is not None and facts.step.id.text not in context.analysis.operations:
            continue  # an unknown operation (E006): that error is this step's one finding
        if condition is not None:
            candidates.append(condition.operand if isinstance(condition, ast.Unary)
                              else condition)
        for value in candidates:
            if isinstance(value, ast.Reference) and context.type_of(value) == "any" \
                    and not context.clouded(value):
                yield context.diagnostic(
                    "W209", f"`{value.dotted}` may not be true or false when the step runs",
                    value.span, label="type known only at run time",
                    help=(f"compare it: `{value.dotted} == true`, or declare its type",))


RULE = Rule("W209", "untyped-condition", Severity.WARNING, __doc__ or "", check)
