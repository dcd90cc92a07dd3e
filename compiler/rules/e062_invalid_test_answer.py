"""A test answers a step with an answer its question refuses, or a step nobody answers.

## What it does
Reports an `answer` to a runtime step, an answer to a form's field the form
does not have, and an answer the question refuses: checked by the question's
own validation in the operation table, the function the engine applies to a
person's answer (so `"maybe"` is not a `confirm`'s answer, `11` not one of
`number(..., max: 10)`), as far as it is known without a run. An answer
followed by `expect refused "..."` is meant to be refused, and is not reported.

## Why
The engine would refuse the answer and the test would fail on the refusal,
not on what it means to test.

## Example
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = "maybe"
        expect succeeded
    }
}
```

Use instead:
```mission
tests "release.mission" {
    test "an approved release" {
        param version = "2.0"
        answer approve = "yes"
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

RULE = Rule("E062", "invalid-test-answer", Severity.ERROR, __doc__ or "")
