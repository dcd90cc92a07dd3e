"""A human step has more than 4 deadlines.

## What it does
Reports the `after` lines of a human step beyond the fourth: at most three
escalations and a last deadline.

## Why
The chain of escalations is bounded, like everything in a mission: a question
passed on four times has found no owner, and the run should say so.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        after 1 day escalate to leads
        after 1 day escalate to directors
        after 1 day escalate to finance
        after 1 day escalate to board
        after 1 day fail "nobody decided"
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
        after 1 day escalate to directors
        after 1 day escalate to finance
        after 1 day escalate to board
        after 1 day fail "nobody decided"
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E048", "too-many-deadlines", Severity.ERROR, __doc__ or "")
