"""A time limit's duration is not a whole number of a known unit, or is out of bounds.

## What it does
Reports the duration of a `remind` or `after` line whose unit is not one of
`minutes`, `hours`, `days` and `weeks` (or their singulars), whose amount is
not a whole number, or which is shorter than 1 minute or longer than 52 weeks.
A misspelled unit with one close match, and an amount in a fraction of a unit
that is a whole number of a smaller one (`1.5 hours` is `90 minutes`), are
fixed by `--fix`.

## Why
Durations are exact and the engine counts them in seconds: a day is 24 hours
and a week 7 days, every day. There are no business days (calendars and
holidays are not data the engine has), no months (they differ in length) and
no seconds (a person is never given less than a minute).

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" {
        confirm("Approve it?") -> state.approved
        after 2 business_days fail
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```

Use instead:
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" {
        confirm("Approve it?") -> state.approved
        after 2 days fail
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E044", "invalid-duration", Severity.ERROR, __doc__ or "", fixable=True)
