"""A reserved keyword is used as a name.

## What it does
Reports a mission name, step id, param or input named after one of the
language's keywords: `mission`, `version`, `param`, `input`, `state`, `when`,
`and`, `or`, `not`, `in`, `true`, `false`, `null`.

## Why
A keyword used as a name makes references ambiguous (`param.state`, `state.in`)
and the text hard to read.

## Example
```mission
mission report "Record a status" {
    version 1

    param state: str

    runtime record "Keep the status" {
        set(at: state.status, value: param.state)
    }
}
```

Use instead:
```mission
mission report "Record a status" {
    version 1

    param status: str

    runtime record "Keep the status" {
        set(at: state.status, value: param.status)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E002", "reserved-keyword", Severity.ERROR, __doc__ or "")
