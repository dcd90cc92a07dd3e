"""A step can never run.

## What it does
Reports a step that comes after a step that always stops the run (an
unguarded `fail`, or an unguarded `assert` whose condition is always false),
and a step whose `when` condition is always false.

## Why
A step that never runs is dead text: either the stopping step needs a `when`
guard, or the condition is wrong.

## Example
```mission
mission release "Release" {
    version 1

    runtime stop "Stop the release" {
        fail(reason: "frozen")
    }
    runtime tag "Tag the release" {
        set(at: state.tagged, value: true)
    }
}
```

Use instead:
```mission
mission release "Release" {
    version 1

    param frozen: bool = false

    runtime stop "Stop the release when frozen" when param.frozen {
        fail(reason: "frozen")
    }
    runtime tag "Tag the release" {
        set(at: state.tagged, value: true)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext, StepFacts, constant
from compiler.rules import Rule


def always_stops(facts: StepFacts) -> bool:
    """True when the step runs in every run and always fails it."""
    step = facts.step
    if step.when is not None and constant(step.when) != (True, True):
        return False
    if facts.operation is None:
        return False
    if facts.operation.name == "fail":
        return True
    if facts.operation.name == "assert":
        condition = facts.arguments.get("condition")
        return condition is not None and constant(condition.value) == (True, False)
    return False


def check(context: LintContext) -> Iterator[Diagnostic]:
    stopper: ast.Step | None = None
    for facts in context.steps:
        step = facts.step
        if stopper is not None:
            yield context.diagnostic(
                "W203", f"the step `{step.id.text}` can never run", step.id.span,
                label="unreachable",
                labels=(Label(stopper.id.span, "every run stops at this step"),),
                help=(f"give `{stopper.id.text}` a `when` guard, or remove this step",))
            continue
        if step.when is not None and constant(step.when) == (True, False):
            yield context.diagnostic(
                "W203", f"the step `{step.id.text}` can never run: its condition is always false",
                step.when.span, label="always false",
                help=("fix the condition, or remove the step",))
            continue
        if always_stops(facts):
            stopper = step


RULE = Rule("W203", "unreachable-step", Severity.WARNING, __doc__ or "", check)
