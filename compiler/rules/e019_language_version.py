"""The language version is missing, unsupported or repeated.

## What it does
Reports a mission without a `version` line, with a version this compiler
does not understand, or with more than one. A missing `version` is added by
`mission check --fix` (`version 1`, the only version so far).

## Why
The version says which rules the text follows, so a future version of the
language can change them without breaking existing missions.

## Example
```mission
mission greet "Say hello" {
    runtime hello "Write a greeting" {
        set(at: state.greeting, value: "hello")
    }
}
```

Use instead:
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" {
        set(at: state.greeting, value: "hello")
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E019", "language-version", Severity.ERROR, __doc__ or "", fixable=True)
