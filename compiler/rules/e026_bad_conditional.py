"""A conditional value has a non-boolean condition or branches of different types.

## What it does
Reports `if C then A else B` where `C` is statically not true or false (a
`bool?` too: null is neither), or where `A` and `B` have types with nothing in
common (an `int` and a `str`), and `A ?? B` whose value and default have
nothing in common. Branches of `int` and `float` join to `number`; a value and
`null` join to a type that may be null (`if state.who != null then "x" else
null` is a `str?`).

## Why
The engine chooses a branch only on exactly `true` or `false`; a value whose
type depends on the branch taken breaks every later use of it.

## Example
```mission
mission budget "Check the budget" {
    version 1

    input spent: int = 0

    runtime label "Label the budget" {
        set(at: state.label, value: if state.spent > 100 then "over" else 0)
    }
}
```

Use instead:
```mission
mission budget "Check the budget" {
    version 1

    input spent: int = 0

    runtime label "Label the budget" {
        set(at: state.label, value: if state.spent > 100 then "over" else "within")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E026", "bad-conditional", Severity.ERROR, __doc__ or "")
