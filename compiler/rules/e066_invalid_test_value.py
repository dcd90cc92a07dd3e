"""A test gives a value it cannot use.

## What it does
Reports a value that is not a constant (it reads `state.x` or `param.x`, or
computes), an `at` that is not an ISO 8601 instant with an offset, a `state
from "FILE"` that cannot be read or does not hold a JSON object, an outcome
word other than `error "MESSAGE"` and `timeout`, and a `replay` pattern that
matches no file.

## Why
A test gives the run its data: written out, it says exactly what the run
is given, and the same every time.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = not false
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

RULE = Rule("E066", "invalid-test-value", Severity.ERROR, __doc__ or "")
