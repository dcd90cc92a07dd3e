"""A step has a kind other than `runtime` or `human`.

## What it does
Reports a step whose kind is not `runtime` (the engine does it) or `human`
(a person answers). A misspelled kind with one close match gets a "did you
mean" and an autofix.

## Why
Only these two kinds exist; the engine refuses any other
(`EnvelopeViolation`).

## Example
```mission
mission greet "Say hello" {
    version 1

    runtim hello "Write a greeting" {
        set(at: state.greeting, value: "hello")
    }
}
```

Use instead:
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" {
        set(at: state.greeting, value: "hello")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E005", "unknown-step-kind", Severity.ERROR, __doc__ or "", fixable=True)
