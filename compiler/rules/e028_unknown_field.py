"""`item` is read at a field its element type does not have.

## What it does
Reports `item.FIELD` where the list's element type is declared
(`list[{id: str, severity: int}]`) and has no field `FIELD`; the help suggests
the closest field and lists them all.

## Why
Every item would lack the field, so the condition or key could never be
evaluated: almost always a typo.

## Example
```mission
mission triage "Triage the bugs" {
    version 1

    input bugs: list[{id: str, severity: int}] = []

    runtime rank "Rank the bugs" {
        sort(state.bugs, by: desc(item.severty)) -> state.ranked
    }
}
```

Use instead:
```mission
mission triage "Triage the bugs" {
    version 1

    input bugs: list[{id: str, severity: int}] = []

    runtime rank "Rank the bugs" {
        sort(state.bugs, by: desc(item.severity)) -> state.ranked
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E028", "unknown-field", Severity.ERROR, __doc__ or "")
