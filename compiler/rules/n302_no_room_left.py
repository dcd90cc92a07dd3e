"""A mission is at the envelope's limit.

## What it does
Notes a mission with exactly 5 steps, or exactly 2 human steps: the most the
anti-failure envelope allows.

## Why
Nothing is wrong, but the next step (or the next question) cannot be added
without merging steps or splitting the mission: worth knowing before a review
asks for "just one more step".

## Example
```mission
mission chores "Five chores" {
    version 1

    runtime one "Step one" { append(to: state.done, value: 1) }
    runtime two "Step two" { append(to: state.done, value: 2) }
    runtime three "Step three" { append(to: state.done, value: 3) }
    runtime four "Step four" { append(to: state.done, value: 4) }
    runtime five "Step five" { append(to: state.done, value: 5) }
}
```

Use instead:
```mission
mission chores "A few chores" {
    version 1

    runtime one "Step one" { append(to: state.done, value: 1) }
    runtime rest "The other steps" { extend(to: state.done, values: [2, 3, 4, 5]) }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks import MAX_HUMAN_STEPS, MAX_TOTAL_STEPS
from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    mission = context.mission
    steps = mission.steps
    if len(steps) == MAX_TOTAL_STEPS:
        yield context.diagnostic(
            "N302", f"this mission has {MAX_TOTAL_STEPS} steps, the most allowed: no room left",
            mission.name.span, label=f"{MAX_TOTAL_STEPS} of {MAX_TOTAL_STEPS} steps",
            help=("to add a step, merge two steps or split the mission",))
    human = [step for step in steps if step.kind.text == "human"]
    if len(human) == MAX_HUMAN_STEPS:
        yield context.diagnostic(
            "N302", f"this mission has {MAX_HUMAN_STEPS} human steps, the most allowed: no room "
            "left", mission.name.span,
            label=f"{MAX_HUMAN_STEPS} of {MAX_HUMAN_STEPS} human steps",
            help=("to ask more, ask several fields in one `form(...)` step",))


RULE = Rule("N302", "no-room-left", Severity.NOTE, __doc__ or "", check, whole_mission=True)
