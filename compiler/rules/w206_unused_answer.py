"""A person's answer is stored but never used.

## What it does
Reports a human step whose answer (`-> state.NAME`) no later step reads or
changes.

## Why
The run waited for a person to answer; if nothing depends on the answer,
either the question is unnecessary or a later step should use it (a `when`
guard, an argument).

## Example
```mission
mission release "Release" {
    version 1

    human approve "Approve the release" {
        confirm("Release now?") -> state.approved
    }
    runtime tag "Tag the release" {
        set(at: state.tagged, value: true)
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
    runtime tag "Tag the release" when state.approved {
        set(at: state.tagged, value: true)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        for write in facts.writes:
            if not write.answer:
                continue
            root = write.reference.path[0].text
            if context.used_later(root, facts.index):
                continue
            fields = context.analysis.state_fields.get(root)
            if fields:  # a form's answer: a map, so the example reads one of its fields
                flag = next((name for name, kind in fields.items() if kind == "bool"), None)
                example = f"when state.{root}.{flag}" if flag else \
                    f"state.{root}.{next(iter(fields))}"
                help_text = f"use its fields in a later step (for example `{example}`), or " \
                            "remove the question"
            else:
                help_text = f"use `state.{root}` in a later step (for example `when " \
                            f"state.{root}`), or remove the question"
            yield context.diagnostic(
                "W206", f"the answer to `{facts.step.id.text}` is never used",
                write.reference.span, label="stored here, read nowhere", help=(help_text,))


RULE = Rule("W206", "unused-answer", Severity.WARNING, __doc__ or "", check, whole_mission=True)
