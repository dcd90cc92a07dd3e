"""A test names a step the mission does not have.

## What it does
Reports a step id in a test (in `answer`, `result`, `real`, `expect steps`,
`expect skipped` or `expect waiting`) that is not a step of the mission, with
the closest id as a "did you mean" and a fix; and `expect waiting` on a
runtime step, which never waits.

## Why
The test would answer or expect a step the run never reaches: an answer to
no step is refused by the engine, and an expectation about it can never
hold. A renamed step is the usual cause.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer aprove = true
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

RULE = Rule("E061", "unknown-test-step", Severity.ERROR, __doc__ or "", fixable=True)
