"""Two tests have the same name.

## What it does
Reports a test whose name another test of the same file already has; the
label points at the first.

## Why
The report, `mission test -k`, JUnit XML and the pytest plugin tell tests
apart by their file and name; two tests of one name could not be told apart
(nor run one without the other).

## Example
```mission
tests "release.mission" {
    test "a release" {
        param version = "2.0"
        answer approve = true
        expect succeeded
    }

    test "a release" {
        param version = "2.0"
        answer approve = false
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

    test "a rejected release still succeeds" {
        param version = "2.0"
        answer approve = false
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

RULE = Rule("E068", "duplicate-test", Severity.ERROR, __doc__ or "")
