"""An argument has the wrong type.

## What it does
Reports an argument whose value is statically of a type the parameter does
not accept (a string where an `int` is wanted, a map where a `list` is).
Values of unknown type (`any`) are checked when the mission runs.

## Why
The operation would fail at run time; the compiler knows already.

## Example
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks, limit: "3") -> state.ranked
    }
}
```

Use instead:
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks, limit: 3) -> state.ranked
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E011", "argument-type", Severity.ERROR, __doc__ or "")
