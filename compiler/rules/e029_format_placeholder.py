"""A `format` template and its named arguments do not agree.

## What it does
Reports, for a template written as a string literal, a `{name}` placeholder
with no named argument `name`, a named argument the template never uses, and
a lone `{` or `}` (write `{{` and `}}` for the characters themselves).

## Why
A missing value would fail the step when it runs; an unused one is almost
always a misspelled placeholder.

## Example
```mission
mission release "Prepare a release" {
    version 1

    param release: str = "1.0"

    runtime note "Write the release note" {
        set(at: state.note, value: format("Release {relase}", release: param.release))
    }
}
```

Use instead:
```mission
mission release "Prepare a release" {
    version 1

    param release: str = "1.0"

    runtime note "Write the release note" {
        set(at: state.note, value: format("Release {release}", release: param.release))
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E029", "format-placeholder", Severity.ERROR, __doc__ or "")
