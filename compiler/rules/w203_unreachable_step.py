"""A step can never run.

## What it does
Reports the steps that come after a step that always stops the run (an
unguarded `fail`, or an unguarded `assert` whose condition is always false),
once, at the first of them; and a step whose `when` condition can never be
true: always false, or an `and` with an always-false part
(`when state.ready and false`, a guard left behind to switch a step off).

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

from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext, StepFacts, always_false_part, constant
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
    for facts in context.steps:
        step = facts.step
        false_part = always_false_part(step.when) if step.when is not None else None
        if step.when is not None and false_part is not None:
            whole = false_part is step.when
            yield context.diagnostic(
                "W203", f"the step `{step.id.text}` can never run: its condition is "
                f"{'always false' if whole else 'never true'}",
                step.when.span if whole else false_part.span, label="always false",
                labels=() if whole else (Label(step.when.span, "so this is never true"),),
                help=("fix the condition, or remove the step",))
            continue
        if always_stops(facts):
            yield from _after_the_stop(context, facts)
            return


def _after_the_stop(context: LintContext, stopper: StepFacts) -> Iterator[Diagnostic]:
    """One finding for the steps after a step that stops every run (like rustc's
    "unreachable statement": the first one, the others as labels)."""
    rest = [facts.step for facts in context.steps[stopper.index + 1:]]
    if not rest:
        return
    first, *others = rest
    stop_id = stopper.step.id
    yield context.diagnostic(
        "W203", f"the step `{first.id.text}` can never run"
        + (f", nor can the {len(others)} after it" if len(others) > 1 else
           ", nor can the one after it" if others else ""),
        first.id.span, label="unreachable",
        labels=(Label(stop_id.span, "every run stops at this step"),
                *(Label(step.id.span, "unreachable too") for step in others)),
        help=(f"give `{stop_id.text}` a `when` guard, or remove the steps after it",))


RULE = Rule("W203", "unreachable-step", Severity.WARNING, __doc__ or "", check)
