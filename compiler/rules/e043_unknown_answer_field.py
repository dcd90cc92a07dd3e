"""A read of a field that the form's answer does not have.

## What it does
Reports `state.X.NAME` where `state.X` holds the answer of a form that has no
field `NAME` (the answer is a map with exactly the form's fields).

## Why
The read would fail when the mission runs, after a person took the time to
answer; it is usually a misspelled field name.

## Example
```mission
mission standup "Daily stand-up" {
    version 1

    human ask "Answer the stand-up" {
        form("Stand-up", fields: {today: text("What will you do today?")}) -> state.standup
    }

    runtime keep "Keep the plan" {
        append(to: state.log, value: state.standup.todya)
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

RULE = Rule("E043", "unknown-answer-field", Severity.ERROR, __doc__ or "", fixable=True)
