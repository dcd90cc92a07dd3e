"""A human step asks nothing.

## What it does
Reports a human step with an empty body. (An empty runtime step is a
`noop`.)

## Why
A human step stops the run until a person answers; without a question there
is nothing to answer.

## Example
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
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

RULE = Rule("E020", "empty-human-step", Severity.ERROR, __doc__ or "")
