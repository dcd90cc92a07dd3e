"""A param or input is declared twice.

## What it does
Reports the second declaration of a param or input name, with a label on
the first.

## Why
Two declarations could disagree on the type or the default; one has to go.

## Example
```mission
mission echo "Echo a message" {
    version 1

    param message: str
    param message: str = "hi"

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
    }
}
```

Use instead:
```mission
mission echo "Echo a message" {
    version 1

    param message: str = "hi"

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E014", "duplicate-declaration", Severity.ERROR, __doc__ or "")
