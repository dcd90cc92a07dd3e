"""A range is empty or on a type that is not a number.

## What it does
Reports `in A..B` when A is above B, or on a type other than `int`, `float`
or `number`.

## Why
No value would fit an empty range; ranges only compare numbers.

## Example
```mission
mission count "Count up" {
    version 1

    param by: int in 10..1 = 2

    runtime bump "Add to the counter" {
        increment(at: state.count, by: param.by)
    }
}
```

Use instead:
```mission
mission count "Count up" {
    version 1

    param by: int in 1..10 = 2

    runtime bump "Add to the counter" {
        increment(at: state.count, by: param.by)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E021", "bad-range", Severity.ERROR, __doc__ or "")
