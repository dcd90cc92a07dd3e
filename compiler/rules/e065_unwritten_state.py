"""A test expects a state path the mission can never write.

## What it does
Reports `expect state.NAME ...` (and `snapshot`) when `NAME` is neither an
input the mission declares, nor written by any of its steps, nor given by the
case's own initial state; and a field of a form's answer the form does not
have. The closest name is offered as a "did you mean", with a fix.

## Why
The expectation can never hold: the run's state never has that path.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = true
        expect state.aproved == true
    }
}
```

Use instead:
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = true
        expect state.approved == true
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

RULE = Rule("E065", "unwritten-state", Severity.ERROR, __doc__ or "", fixable=True)
