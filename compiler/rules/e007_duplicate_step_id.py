"""Two steps have the same id.

## What it does
Reports the second step that uses an id already taken, with a label on the
first.

## Why
Step ids name steps in answers (`--answer ID=...`), lineage and receipts;
they must be unique.

## Example
```mission
mission greet "Say hello twice" {
    version 1

    runtime hello "Write a greeting" { set(at: state.greeting, value: "hello") }
    runtime hello "Write a farewell" { set(at: state.farewell, value: "bye") }
}
```

Use instead:
```mission
mission greet "Say hello twice" {
    version 1

    runtime hello "Write a greeting" { set(at: state.greeting, value: "hello") }
    runtime goodbye "Write a farewell" { set(at: state.farewell, value: "bye") }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E007", "duplicate-step-id", Severity.ERROR, __doc__ or "")
