"""The text does not follow the grammar of the language.

## What it does
The parser could not read part of the file: a bracket is missing, a comma is
missing between arguments, a string is not closed, or a character is not part
of the language. The message names what was expected in words (`}`, "a value",
"a step") and where the enclosing block starts. After an error the parser skips
to the next step or declaration, so every syntax error in the file is reported
in one run. A misspelled `param`, `input` or `version` at the start of a
line is named as such ("unknown keyword `parm`") and fixed by `--fix` when
one spelling is clearly meant. A `when` or `not` run together with the word
after it (`whenstate.x`) is an error too, fixed by putting in the space.

## Why
Nothing else can be checked or compiled in the part of the file that does
not parse.

## Example
```mission
mission greet "Say hello" {
    version 1

    runtime hello "Write a greeting" {
        set(at: state.greeting, value: "hello"
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

RULE = Rule("E001", "syntax-error", Severity.ERROR, __doc__ or "", fixable=True)
