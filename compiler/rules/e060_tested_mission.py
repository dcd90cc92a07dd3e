"""A test file's mission cannot be read or does not compile.

## What it does
Reports the `tests "FILE"` line of a test file when the mission it names
cannot be read (no such file, not UTF-8 text, over `max-file-size`), is a
test file itself, or has errors. The path is relative to the test file's
directory; a misspelled name gets a "did you mean" among the missions beside it.

## Why
A test file checks its cases against the mission they run: the steps they
answer, the params they give, the state they expect. Without a mission that
compiles there is nothing to check them against, and nothing to run.

## Example
```mission
tests "relase.mission" {
    test "an approved release" {
        param version = "2.0"
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

RULE = Rule("E060", "tested-mission", Severity.ERROR, __doc__ or "")
