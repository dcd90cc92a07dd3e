"""A suppression comment suppresses nothing.

## What it does
Reports a code in a `# mission: ignore[CODE]` comment when no diagnostic with
that code was found where the comment applies. The autofix removes the code
(or the whole comment when it was the only one). Codes that the
configuration turns off are not reported.

## Why
A stale suppression hides the next real problem of that kind on its line or
step, long after the one it was written for is gone.

## Example
```mission
mission echo "Echo a message" {
    version 1

    param message: str  # mission: ignore[W201]

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
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

RULE = Rule("W001", "unused-suppression", Severity.WARNING, __doc__ or "", fixable=True)
