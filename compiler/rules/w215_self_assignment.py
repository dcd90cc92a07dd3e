"""A value is written onto itself.

## What it does
Reports `set(at: state.x, value: state.x)` and `copy(from: state.x, to:
state.x)`: the same path read and written.

## Why
The step changes nothing; it was probably meant to read or write another
name.

## Example
```mission
mission backup "Back up the tasks" {
    version 1

    input tasks: list = []

    runtime keep "Copy the tasks" {
        copy(from: state.tasks, to: state.tasks)
    }
}
```

Use instead:
```mission
mission backup "Back up the tasks" {
    version 1

    input tasks: list = []

    runtime keep "Copy the tasks" {
        copy(from: state.tasks, to: state.backup)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext
from compiler.rules import Rule

_PAIRS = {"set": ("value", "at"), "copy": ("from", "to")}


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        if facts.operation is None or facts.operation.name not in _PAIRS:
            continue
        source_name, target_name = _PAIRS[facts.operation.name]
        source = facts.arguments.get(source_name)
        target = facts.arguments.get(target_name)
        if source is None or target is None:
            continue
        if isinstance(source.value, ast.Reference) and isinstance(target.value, ast.Reference) \
                and source.value == target.value:
            yield context.diagnostic(
                "W215", f"`{target.value.dotted}` is written onto itself", source.value.span,
                label="read here", labels=(Label(target.value.span, "and written back here"),),
                help=("this step changes nothing: read or write another name",))


RULE = Rule("W215", "self-assignment", Severity.WARNING, __doc__ or "", check)
