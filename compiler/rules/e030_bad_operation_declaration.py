"""A step calls a project operation whose declaration is not valid.

## What it does
Reports a call of an operation the project declares (`[operations.NAME]` in
`mission.toml`, or `[tool.mission.operations.NAME]` in `pyproject.toml`)
whose declaration cannot be used: an unknown key, a `kind` other than
`"pure"` or `"effect"`, a type that does not exist, an `implementation` that
is not `"module:function"`, a name that is a keyword or a built-in
operation. The help quotes the declaration's problem, naming the table and
the key. The declaration is read as data: its code is not imported.

## Why
A declaration is what the type checker, the editor and the engine know of a
project's operation; one that is wrong cannot be checked against, so its
calls are refused here rather than at run time. The other missions of the
project, and the other operations, are still checked.

## Example
The project's `mission.toml`:
```toml
[operations.slugify]
kind = "pure"
params = { text = "string" }
result = "str"
implementation = "release_ops:slugify"

[operations.slug]
kind = "pure"
params = { text = "str" }
result = "str"
implementation = "release_ops:slugify"
```

```mission
mission name_it "Name a file" {
    version 1

    param title: str

    runtime name "Make the file name" {
        slugify(text: param.title) -> state.name
    }
}
```

Use instead: call `slug`, declared with the type `str` (or fix `slugify`'s type):
```mission
mission name_it "Name a file" {
    version 1

    param title: str

    runtime name "Make the file name" {
        slug(text: param.title) -> state.name
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E030", "bad-operation-declaration", Severity.ERROR, __doc__ or "")
