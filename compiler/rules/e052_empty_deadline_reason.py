"""A deadline fails the step with an empty reason.

## What it does
Reports `after D fail ""` (or a reason of blanks only). Without a reason the
compiler words one, such as `no answer from managers within 2 days`; `--fix`
removes the empty one.

## Why
The reason is what the run's result, its receipt and `mission serve` show to
explain why the run stopped; an empty one explains nothing.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        after 2 days fail ""
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
        after 2 days fail "nobody approved the expense in time"
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E052", "empty-deadline-reason", Severity.ERROR, __doc__ or "", fixable=True)
