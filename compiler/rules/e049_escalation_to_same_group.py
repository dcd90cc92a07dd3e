"""An escalation asks the group that is already asked.

## What it does
Reports `escalate to GROUP` when GROUP is the group asked at that point: the
step's `by GROUP` for the first escalation, the previous escalation's group
for a later one.

## Why
Escalating moves the question to other people. Moving it to the same people
changes nothing but the time, which is not what an escalation is for; it is
usually a misspelled or copied group name.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        after 2 days escalate to managers
        after 1 day fail
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
        after 1 day fail
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E049", "escalation-to-same-group", Severity.ERROR, __doc__ or "")
