"""A required argument is missing.

## What it does
Reports a call that leaves out a parameter the operation requires. The help
shows the signature; optional parameters are marked `?`.

## Why
The operation cannot run without it, so the engine would refuse the workflow before
its first step.

## Example
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" {
        set(at: state.greeting)
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

RULE = Rule("E012", "missing-argument", Severity.ERROR, __doc__ or "")
