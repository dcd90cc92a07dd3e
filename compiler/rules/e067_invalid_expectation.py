"""A test expects something that cannot be checked.

## What it does
Reports an `expect` word that is not one of `succeeded`, `failed`,
`waiting`, `cancelled`, `refused`, `steps`, `skipped` (with a "did you
mean" and a fix), parts an expectation does not take (`expect succeeded
"text"`), a pattern that is not a regular expression, a comparison other than
`==`, and `expect state.x` without the value it should have.

## Why
An expectation that cannot be checked would be ignored, and the test would
pass for nothing.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = true
        expect suceeded
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

RULE = Rule("E067", "invalid-expectation", Severity.ERROR, __doc__ or "", fixable=True)
