"""`item` is read where there is no current item.

## What it does
Reports a reference to `item` outside an argument that a list operation
evaluates once per element: `where:` of `filter`, `find` and `count`, `by:`
of `sort`, `of:` of `sum`, `min` and `max`, and `label:`/`value:` of `choose`.

## Why
Everywhere else there is no current element, so `item` has no value.

## Example
```mission
mission triage "Triage the bugs" {
    version 1

    input bugs: list[{id: str, open: bool}] = []

    runtime keep "Keep the open bugs" when item.open {
        filter(state.bugs, where: true) -> state.open
    }
}
```

Use instead:
```mission
mission triage "Triage the bugs" {
    version 1

    input bugs: list[{id: str, open: bool}] = []

    runtime keep "Keep the open bugs" {
        filter(state.bugs, where: item.open) -> state.open
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E027", "item-outside-list-operation", Severity.ERROR, __doc__ or "")
