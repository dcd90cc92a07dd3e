"""A literal word (`true`, `false`, `null`) is used as a name.

## What it does
Reports a mission name, step id, param, input or form field named `true`,
`false` or `null`. Every other keyword (`mission`, `version`, `param`,
`input`, `state`, `item`, `when`, `by`, `if`, `then`, `else`, `and`, `or`,
`not`, `in`) is contextual: it is a keyword only where a keyword can stand,
and a name wherever the grammar takes a name, so `param version: str`,
`input state: map` or a step called `when` are fine.

## Why
The three literal words are whole values wherever a value may stand: a param
or a field spelled `true` would read as the boolean in messages, on the
command line (`--param true=...`) and in the documentation.

## Example
```mission
mission report "Record a flag" {
    version 1

    param true: bool

    runtime record "Keep the flag" {
        set(at: state.flag, value: param.true)
    }
}
```

Use instead:
```mission
mission report "Record a flag" {
    version 1

    param flag: bool

    runtime record "Keep the flag" {
        set(at: state.flag, value: param.flag)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E002", "reserved-keyword", Severity.ERROR, __doc__ or "")
