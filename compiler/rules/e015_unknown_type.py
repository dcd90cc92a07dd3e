"""A declaration names an unknown type.

## What it does
Reports a type that is not one of `any`, `bool`, `date`, `float`, `int`,
`list`, `map`, `null`, `number`, `str` (with or without `?`), with a "did you
mean" when one is close, whether it is the declaration's own type, a list's
element type or a record's field type (`list[{done_on?: dat}]`); and a type
left out at the end of a line (`param start:`), where the next line's first
word would otherwise be taken for the type.

## Why
Params and inputs are checked against their types before the run; an
unknown type cannot be checked.

## Example
```mission
mission count "Count up" {
    version 1

    param by: integer = 1

    runtime bump "Add to the counter" {
        increment(at: state.count, by: param.by)
    }
}
```

Use instead:
```mission
mission count "Count up" {
    version 1

    param by: int = 1

    runtime bump "Add to the counter" {
        increment(at: state.count, by: param.by)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E015", "unknown-type", Severity.ERROR, __doc__ or "")
