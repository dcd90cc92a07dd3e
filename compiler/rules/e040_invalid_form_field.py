"""A form's field is not a question a form can ask.

## What it does
Reports, in `form(..., fields: {...})`: fields that are not written in the
mission as a map; a field that is not a question call; a field of an unknown
type (the types are `text`, `number`, `choose`, `confirm` and `date`); a
`number` field whose `min` is greater than its `max`; a `choose` field with an
empty list of options. A field's arguments are checked like the question's of
the same name (E010, E011, E012), without `show`: the form shows one value for
all its fields.

## Why
Nobody could answer such a field, so the step could never complete; the
fields are checked before the mission runs, where the fix is easy.

## Example
```mission
mission standup "Daily stand-up" {
    version 1

    human ask "Answer the stand-up" {
        form("Stand-up", fields: {
            today: txt("What will you do today?"),
            hours: number("How many hours?", min: 8, max: 0),
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
            hours: number("How many hours?", min: 0, max: 8),
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

RULE = Rule("E040", "invalid-form-field", Severity.ERROR, __doc__ or "", fixable=True)
