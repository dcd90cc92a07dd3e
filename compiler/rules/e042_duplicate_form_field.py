"""A form asks the same field twice.

## What it does
Reports a field name given twice in `form(..., fields: {...})`.

## Why
The answer is one map with one key per field: a second field of the same name
could never be stored, and the person would answer it for nothing.

## Example
```mission
mission standup "Daily stand-up" {
    version 1

    human ask "Answer the stand-up" {
        form("Stand-up", fields: {
            today: text("What will you do today?"),
            today: text("What did you do yesterday?"),
        }) -> state.standup
    }
}
```

Use instead:
```mission
mission standup "Daily stand-up" {
    version 1

    human ask "Answer the stand-up" {
        form("Stand-up", fields: {
            today: text("What will you do today?"),
            yesterday: text("What did you do yesterday?"),
        }) -> state.standup
    }

    runtime keep "Keep the plan" {
        append(to: state.log, value: state.standup.today)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E042", "duplicate-form-field", Severity.ERROR, __doc__ or "")
