"""A deadline's default answer is not an answer the question accepts.

## What it does
Reports the value of `after D answer VALUE` when it is not written out as a
constant (a string, number, `true`, `false`, `null`, or a list or map of them),
or when the question would refuse it from a person: the same validation the
engine applies to an answer (the type, a number's bounds, one of a `choose`'s
options or their values, every field of a form) runs on it at compile time.
Where the question's options or bounds come from the state or a param, what
can be checked without them is: the answer without the bounds, else its type.
A misspelled option with one close match is fixed by `--fix`.

## Why
The default is given when nobody answered in time, when nobody is there to be
told that it does not fit; a default that the question refuses would fail the
run at the deadline instead of deciding it.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        choose("Approve it?", options: ["approve", "reject"]) -> state.decision
        after 2 days answer "rejected"
    }

    runtime record "Record the decision" when state.decision == "approve" {
        append(to: state.log, value: "approved")
    }
}
```

Use instead:
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        choose("Approve it?", options: ["approve", "reject"]) -> state.decision
        after 2 days answer "reject"
    }

    runtime record "Record the decision" when state.decision == "approve" {
        append(to: state.log, value: "approved")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E051", "invalid-default-answer", Severity.ERROR, __doc__ or "", fixable=True)
