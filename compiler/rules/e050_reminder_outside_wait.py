"""A reminder that no wait has room for.

## What it does
Reports `remind D before` when D is not shorter than every wait of the step
(each `after` line counts from the one before it, and the reminder comes D
before each deadline), or when the step has no `after` line at all.

## Why
A reminder D before a deadline that is less than D away would be due before
the wait begins, and one with no deadline has nothing to remind of.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        remind 3 days before
        after 2 days fail
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

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        remind 1 day before
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

RULE = Rule("E050", "reminder-outside-wait", Severity.ERROR, __doc__ or "")
