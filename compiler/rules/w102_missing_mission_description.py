"""A mission has no description.

## What it does
Reports a mission without a description string after its name. The autofix
adds one made from the name, to be reworded.

## Why
`mission list`, the registry, graphs and run reports show the description; a
name alone rarely says what the mission is for.

## Example
```mission
mission greet {
    version 1

    runtime hello "Write a greeting" {
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
from compiler.lint import LintContext
from compiler.rules import Rule
from compiler.rules.w101_missing_step_description import sentence


def check(context: LintContext) -> Iterator[Diagnostic]:
    mission = context.mission
    if mission.description is not None and str(mission.description.value).strip():
        return
    fix = None
    if mission.description is None:
        stub = sentence(mission.name.text)
        end = mission.name.span.end
        fix = Fix(f'add the description "{stub}"', (Edit(Span(end, end), f' "{stub}"'),))
    yield context.diagnostic(
        "W102", f"the mission `{mission.name.text}` has no description", mission.name.span,
        label="no description", fix=fix,
        help=(f'say what it is for: `mission {mission.name.text} "..." {{`',))


# After a syntax error the description may be in the text the parser dropped.
RULE = Rule("W102", "missing-mission-description", Severity.WARNING, __doc__ or "", check,
            fixable=True, whole_mission=True)
