"""A default does not fit its declaration.

## What it does
Reports a default of the wrong type, outside the declared range, that
reads another value (`= param.x`) or that is computed (`= 1 + 2`,
`= [1 < 2]`): defaults are written out as literals, because the compiled
workflow stores them as data.

## Why
A default is used when the caller gives nothing; one that does not fit would
fail every run that relies on it.

## Example
```mission
mission count "Count up" {
    version 1

    param by: int in 1..10 = 20

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

RULE = Rule("E016", "bad-default", Severity.ERROR, __doc__ or "")
