"""A `remind` or `after` line on a step that is not human.

## What it does
Reports the reminder and deadlines of a runtime step. Only a human step waits
for an answer, so only a human step has a wait to limit.

## Why
The engine runs a runtime step at once: a deadline on it would never apply,
which is not what whoever wrote it expected. Either the step was meant to be
human, or the lines belong to the human step before it.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" {
        confirm("Approve it?") -> state.approved
    }

    runtime notify "Tell the team" {
        append(to: state.messages, value: "an expense is waiting")
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

    human approve "Approve the expense" {
        confirm("Approve it?") -> state.approved
        after 1 day fail
    }

    runtime notify "Tell the team" {
        append(to: state.messages, value: "an expense is waiting")
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E045", "deadline-on-runtime-step", Severity.ERROR, __doc__ or "")
