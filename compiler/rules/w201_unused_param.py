"""A param is declared but never read.

## What it does
Reports a `param` that no guard or argument reads as `param.NAME`.

## Why
Callers must give a required param and may give an optional one, yet the
mission ignores it: either the param is left over, or a step forgot to use it.

## Example
```mission
mission echo "Echo a message" {
    version 1

    param message: str
    param loud: bool = false

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
    }
}
```

Use instead:
```mission
mission echo "Echo a message" {
    version 1

    param message: str

    runtime echo "Write the message" {
        set(at: state.echo, value: param.message)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext
from compiler.rules import Rule
from compiler.suggest import closest


def check(context: LintContext) -> Iterator[Diagnostic]:
    read = {reference.path[0].text for facts in context.steps for reference in facts.param_reads}
    declared = context.analysis.params
    # A misspelled read (E008) of a declared param counts as a read of it: no cascade.
    used = read | context.mentions.params | {
        match for name in read - declared.keys()
        if (match := closest(name, declared)) is not None}
    for name, declaration in declared.items():
        if name in used:
            continue
        yield context.diagnostic(
            "W201", f"the param `{name}` is never read", declaration.name.span,
            label="declared here, read nowhere",
            help=(f"read it as `param.{name}`, or remove the declaration",))


RULE = Rule("W201", "unused-param", Severity.WARNING, __doc__ or "", check, whole_mission=True)
