"""A `when` condition is not true or false.

## What it does
Reports a `when` whose value is statically not a boolean, such as a number
or a list. (A value of unknown type is reported by W209 instead.)

## Why
The engine runs a guarded step only when the condition is exactly `true`;
any other value fails the step.

## Example
```mission
mission count "Count up" {
    version 1

    input count: int = 0

    runtime bump "Add one while counting" when state.count {
        increment(at: state.count)
    }
}
```

Use instead:
```mission
mission count "Count up" {
    version 1

    input count: int = 0

    runtime bump "Add one while counting" when state.count > 0 {
        increment(at: state.count)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E022", "non-boolean-when", Severity.ERROR, __doc__ or "")
