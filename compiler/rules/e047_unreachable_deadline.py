"""An `after` line follows one that answers or fails the step.

## What it does
Reports the `after` lines that come after a deadline that ends the wait (with
`answer` or `fail`). Each `after` line counts from the one before it; only
an `escalate to` line lets the wait go on, so only the last line may answer or
fail.

## Why
A deadline after the one that decides the step can never apply: the lines are
out of order, or the earlier one was meant to escalate.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        after 1 day answer false
        after 2 days escalate to directors
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
        after 2 days escalate to directors
        after 1 day answer false
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E047", "unreachable-deadline", Severity.ERROR, __doc__ or "")
