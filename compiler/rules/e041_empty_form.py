"""A form has no fields.

## What it does
Reports `form(..., fields: {})`: a form that asks nothing.

## Why
A human step stops the run until a person answers; a form without fields has
nothing to answer, and its answer would be an empty map.

## Example
```mission
mission standup "Daily stand-up" {
    version 1

    human ask "Answer the stand-up" {
        form("Stand-up", fields: {}) -> state.standup
    }
}
```

Use instead:
```mission
mission standup "Daily stand-up" {
    version 1

    human ask "Answer the stand-up" {
        form("Stand-up", fields: {today: text("What will you do today?")}) -> state.standup
    }

    runtime keep "Keep the plan" {
        append(to: state.log, value: state.standup.today)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E041", "empty-form", Severity.ERROR, __doc__ or "")
