"""A mission has more than 2 human steps.

## What it does
Reports the third human step of a mission. The anti-failure envelope allows
at most 2 steps that wait for a person.

## Why
Every human step stops the run until someone answers; a mission that asks
three times is a process that stalls. Ask one question that covers more, or
check things in a runtime step.

## Example
```mission
mission release "Release with sign-offs" {
    version 1

    human first "First sign-off" { confirm("Ship it?") -> state.first }
    human second "Second sign-off" { confirm("Really?") -> state.second }
    human third "Third sign-off" { confirm("Sure?") -> state.third }
    runtime done "Record the answers" {
        set(at: state.ok, value: state.first and state.second and state.third)
    }
}
```

Use instead:
```mission
mission release "Release with sign-offs" {
    version 1

    human first "First sign-off" { confirm("Ship it?") -> state.first }
    human second "Second sign-off" { confirm("Really?") -> state.second }
    runtime done "Record the answers" {
        set(at: state.ok, value: state.first and state.second)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E004", "too-many-human-steps", Severity.ERROR, __doc__ or "")
