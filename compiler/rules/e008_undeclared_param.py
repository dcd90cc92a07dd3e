"""A `param.NAME` reference names no declared param.

## What it does
Reports a read of `param.NAME` when no `param NAME: TYPE` is declared. A
misspelling with one close declared name gets a "did you mean" and an autofix.

## Why
Params are given by whoever runs the mission and checked against their
declarations before the first step; an undeclared one can never be given.

## Example
```mission
mission echo "Echo a message" {
    version 1

    param message: str

    runtime echo "Write the message" {
        set(at: state.echo, value: param.mesage)
    }
}
```

Use instead:
```mission
mission echo "Echo a message" {
    version 1

    param message: str

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E008", "undeclared-param", Severity.ERROR, __doc__ or "", fixable=True)
