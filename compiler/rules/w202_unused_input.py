"""An input is declared but never used.

## What it does
Reports an `input` that no step reads or changes in place (`append`,
`extend`, `increment`, `remove`). Replacing it with `set` or `copy` does not
count: the value given by the caller is then never looked at.

## Why
A declared input tells callers what the initial state must hold; one that is
never used asks them for nothing, or a step reads the wrong name.

## Example
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []
    input notes: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks) -> state.ranked
    }
}
```

Use instead:
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks) -> state.ranked
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
    touched = {root for facts in context.steps for root in facts.uses}
    written = {w.reference.path[0].text for facts in context.steps for w in facts.writes}
    declared = context.analysis.inputs
    # A misspelled read (E009) of a declared input counts as a use of it: no cascade.
    used = touched | context.mentions.state | {
        match for name in touched - declared.keys() - written
        if (match := closest(name, declared)) is not None}
    for name, declaration in declared.items():
        if name in used:
            continue
        yield context.diagnostic(
            "W202", f"the input `{name}` is never used", declaration.name.span,
            label="declared here, used nowhere",
            help=(f"read it as `state.{name}`, or remove the declaration",))


RULE = Rule("W202", "unused-input", Severity.WARNING, __doc__ or "", check, whole_mission=True)
