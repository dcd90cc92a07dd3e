"""A mission has more than 5 steps.

## What it does
Reports the sixth step of a mission (and points at the first five). The
anti-failure envelope allows at most 5 steps per mission; the engine refuses a
larger workflow before it runs anything (`AntiFailureViolation`).

## Why
Small missions stay understandable, reviewable and safe to re-run. A longer
process is better split into several missions.

## Example
```mission
mission chores "Too many chores" {
    version 1

    runtime one "Step one" { append(to: state.done, value: 1) }
    runtime two "Step two" { append(to: state.done, value: 2) }
    runtime three "Step three" { append(to: state.done, value: 3) }
    runtime four "Step four" { append(to: state.done, value: 4) }
    runtime five "Step five" { append(to: state.done, value: 5) }
    runtime six "Step six" { append(to: state.done, value: 6) }
}
```

Use instead:
```mission
mission chores "A few chores" {
    version 1

    runtime one "Step one" { append(to: state.done, value: 1) }
    runtime rest "The other steps" { extend(to: state.done, values: [2, 3, 4, 5, 6]) }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E003", "too-many-steps", Severity.ERROR, __doc__ or "")
