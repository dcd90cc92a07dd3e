"""A state read that nothing provides.

## What it does
Reports a read of `state.NAME` when `NAME` is neither a declared input nor
written by an earlier step. Steps run in order, so a value written by a later
step does not count (the label shows where it is written). A misspelling with
one close name gets a "did you mean" and an autofix.

## Why
The run would fail at this step with "`state.NAME` does not exist". Declaring
inputs documents what the initial state must hold.

## Example
```mission
mission plan "Plan the day" {
    version 1

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks) -> state.ranked
    }
}
```

Use instead:
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks) -> state.ranked
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E009", "unprovided-state", Severity.ERROR, __doc__ or "", fixable=True)
