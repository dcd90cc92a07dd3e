"""An operation is used in the wrong kind of step.

## What it does
Reports a human operation (a question: `confirm`, `choose`, `text`,
`number`) in a runtime step, or a runtime operation in a human step.

## Why
A question needs a person to answer it, and only human steps wait for one;
a human step that does not ask anything would stop the run for nothing.

## Example
```mission
mission approve "Get an approval" {
    version 1

    runtime ask "Ask for approval" {
        confirm("Go ahead?") -> state.approved
    }
}
```

Use instead:
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
        confirm("Go ahead?") -> state.approved
    }
    runtime stop "Stop unless approved" when not state.approved {
        fail(reason: "not approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E013", "operation-of-other-kind", Severity.ERROR, __doc__ or "")
