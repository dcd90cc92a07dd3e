"""A write goes nowhere or to a place that cannot be written.

## What it does
Reports `-> state.x` after an operation that has no result, a write to a
`param.` (params are read-only), a place argument that is not a `state.` path
(`append(to: ...)`), and a human question whose answer is not stored.

## Why
Each of these loses data or cannot run: a question asked and forgotten, a
value written nowhere.

## Example
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
        confirm("Go ahead?")
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

RULE = Rule("E017", "bad-write", Severity.ERROR, __doc__ or "")
