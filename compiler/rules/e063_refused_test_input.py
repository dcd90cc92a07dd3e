"""A test gives params or an initial state the run would refuse.

## What it does
Reports a `param` the mission does not declare (with a "did you mean"), a
param value of the wrong type or out of its range, a required param left out,
and an initial state whose declared inputs do not fit their types: the
engine's own binding of params and inputs, run on the test's values. A case
whose first expectation is `expect refused "..."` is meant to be refused, and
is not reported.

## Why
The run would be refused before its first step, so none of the case's
expectations would be checked.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = 2
        answer approve = true
        expect succeeded
    }
}
```

Use instead:
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = true
        expect succeeded
    }
}
```

Both test this mission, `release.mission`:
```mission
mission release "Release with one sign-off" {
    version 1

    param version: str

    runtime prepare "Write the notes" {
        set(at: state.notes, value: {version: param.version})
    }

    human approve "Approve the release" {
        confirm("Release it?", show: state.notes) -> state.approved
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E063", "refused-test-input", Severity.ERROR, __doc__ or "")
