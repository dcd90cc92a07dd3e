"""An arithmetic operator is given values it cannot work on.

## What it does
Reports `+ - * /` or a unary `-` whose operands are statically of the wrong
type: arithmetic works on numbers (`int`, `float`, `number`); `+` also joins
two strings or two lists. `int` with `int` gives `int` (except `/`, which
always gives `float`); with a `float` the result is `float`.

## Why
The engine would fail the step; the compiler knows already. To build text
from values, `format` is the tool.

## Example
```mission
mission budget "Check the budget" {
    version 1

    input spent: int = 0

    runtime note "Note the budget" {
        set(at: state.note, value: "spent " + state.spent)
    }
}
```

Use instead:
```mission
mission budget "Check the budget" {
    version 1

    input spent: int = 0

    runtime note "Note the budget" {
        set(at: state.note, value: format("spent {spent}", spent: state.spent))
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E025", "operand-type", Severity.ERROR, __doc__ or "")
