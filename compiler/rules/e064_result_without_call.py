"""A test gives a result for a step that calls no effect or project operation.

## What it does
Reports `result STEP = ...` and `real STEP` for a step whose operation the
engine computes itself (`set`, `filter`, a question, ...): only an effect or
an operation the project declares has a result a test can give. Also a
`timeout` outcome for a built-in effect (`run_pytest`), which reports a
timeout in its result (`timed_out: true`), not as a failure.

## Why
The result would never be used: a mock for an effect the mission never
calls. Usually the step was renamed or the mission changed.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        result prepare = {version: "2.0"}
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

RULE = Rule("E064", "result-without-call", Severity.ERROR, __doc__ or "")
