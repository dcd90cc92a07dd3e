"""A suppression comment is malformed or names a code it cannot suppress.

## What it does
Reports a `# mission: ignore` comment without codes in brackets, with an
unknown code, or with an error code (`E0xx`): errors block compilation and
cannot be suppressed.

## Why
A suppression that does nothing looks like it does something.

## Example
```mission
mission echo "Echo a message" {
    version 1

    param message: str
    param unused: str = ""  # mission: ignore[W999]

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
    param unused: str = ""  # mission: ignore[W201]

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("W002", "invalid-suppression", Severity.WARNING, __doc__ or "")
