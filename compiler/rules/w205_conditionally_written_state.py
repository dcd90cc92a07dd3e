"""A value is read where it may not have been written.

## What it does
Reports a read of `state.NAME` in a step when every earlier step that writes
`NAME` has a `when` guard, and the reading step's own guard does not include
that guard (as one of its `and` parts). Declared inputs are always present.
Changing a place in place (`append`, `extend`, `increment`) is not a read:
those operations start from an empty value; nor is a read that takes a
missing value as null (`state.NAME ?? DEFAULT`, `state.NAME != null`).

## Why
When the writing step is skipped, the value is missing and the reading step
fails with "`state.NAME` does not exist".

## Example
```mission
mission release "Release" {
    version 1

    human approve "Approve the release" {
        confirm("Release now?") -> state.approved
    }
    human channel "Pick the channel" when state.approved {
        choose("Which channel?", options: ["stable", "beta"]) -> state.channel
    }
    runtime record "Record the channel" {
        append(to: state.log, value: state.channel)
    }
}
```

Use instead:
```mission
mission release "Release" {
    version 1

    human approve "Approve the release" {
        confirm("Release now?") -> state.approved
    }
    human channel "Pick the channel" when state.approved {
        choose("Which channel?", options: ["stable", "beta"]) -> state.channel
    }
    runtime record "Record the channel" when state.approved {
        append(to: state.log, value: state.channel)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    reported: set[str] = set()
    for facts in context.steps:
        for reference in facts.reads:
            root = reference.path[0].text
            if root in reported or reference.span in context.read_as_null:
                continue
            writer = context.unsure_writer(facts, root)
            if writer is None:
                continue
            reported.add(root)
            guard = context.source.text[writer.when.span.start:writer.when.span.end] \
                if writer.when is not None else ""
            yield context.diagnostic(
                "W205", f"`state.{root}` may be missing here: it is written only when the step "
                f"`{writer.id.text}` runs", reference.span, label="may not exist yet",
                labels=(Label(writer.when.span if writer.when is not None else writer.id.span,
                              f"`{writer.id.text}` runs only when this is true"),),
                help=(f"guard this step with `when {guard}` too, or write a value for "
                      f"`state.{root}` in every case",))


RULE = Rule("W205", "conditionally-written-state", Severity.WARNING, __doc__ or "", check,
            whole_mission=True)
