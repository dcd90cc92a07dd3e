"""`by N of GROUP` asks for fewer than 1 or more than 20 people.

## What it does
Reports the number of `by N of GROUP` when it is below 1 or above 20. N is how
many distinct people of the group must answer the step; `by 1 of GROUP` is
`by GROUP`.

## Why
A step that needs no one is decided by nobody, and one that needs more people
than a group sensibly has waits for ever; the engine refuses both.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by 0 of managers {
        confirm("Approve it?") -> state.approved
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

    human approve "Approve the expense" by 2 of managers {
        confirm("Approve it?") -> state.approved
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E046", "invalid-approvals", Severity.ERROR, __doc__ or "")
