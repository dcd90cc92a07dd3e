"""Arguments in the wrong order, too many, or given twice.

## What it does
Reports a positional argument after a named one, more positional arguments
than the operation takes, and the same argument given twice.

## Why
Positional arguments are matched by position, so after a named one (or past
the end) their meaning is unclear; a repeated argument has two values.

## Example
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" {
        set(at: state.greeting, value: "hello", value: "hi")
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

RULE = Rule("E018", "bad-arguments", Severity.ERROR, __doc__ or "")
