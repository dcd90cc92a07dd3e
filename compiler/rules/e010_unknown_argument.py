"""A call names an argument the operation does not take.

## What it does
Reports a named argument that is not one of the operation's parameters. A
misspelling with one close parameter name gets a "did you mean" and an
autofix. The help shows the operation's signature.

## Why
An argument the operation does not read is a mistake: its value would be
silently ignored.

## Example
```mission
mission log "Keep a log" {
    version 1

    runtime note "Append a note" {
        append(into: state.log, value: "started")
    }
}
```

Use instead:
```mission
mission log "Keep a log" {
    version 1

    runtime note "Append a note" {
        append(to: state.log, value: "started")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E010", "unknown-argument", Severity.ERROR, __doc__ or "", fixable=True)
