"""A step calls an operation that does not exist.

## What it does
Reports a call of an operation that is not in the operation table. When
exactly one operation is spelled closely, the help says "did you mean" and
`mission check --fix` corrects it; the help also lists the operations for
the step's kind (the full table is in `docs/language.md`).

## Why
The engine can only run operations it knows; an unknown one used to be a
silent no-op and is now refused before anything runs.

## Example
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritise(tasks: state.tasks) -> state.ranked
    }
    runtime keep "Keep the ranking" {
        set(at: state.today, value: state.ranked)
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
    runtime keep "Keep the ranking" {
        set(at: state.today, value: state.ranked)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E006", "unknown-operation", Severity.ERROR, __doc__ or "", fixable=True)
