"""A person's answer is stored but never used.

## What it does
Reports a human step whose answer (`-> state.NAME`) no later step reads or
changes, although runtime steps come after it. An answer that no runtime
step follows is the mission's output (the run's final state carries it, as
in a survey), and is not reported.

## Why
The run waited for a person to answer; if the steps that do the work do not
depend on the answer, either the question is unnecessary or a later step
should use it (a `when` guard, an argument). The help suggests a guard that
fits the answer's type: `when state.NAME` for a yes/no answer, a comparison
for a number, a text or a choice (a bare text or number is not a condition,
E022).

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

import json
from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext, StepFacts
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        later = context.steps[facts.index + 1:]
        if not any(step.step.kind.text == "runtime" for step in later):
            continue  # nothing but questions after it: the answers are the mission's output
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
                help_text = f"use `state.{root}` in a later step (for example " \
                            f"`{guard(facts, f'state.{root}')}`), or remove the question"
            yield context.diagnostic(
                "W206", f"the answer to `{facts.step.id.text}` is never used",
                write.reference.span, label="stored here, read nowhere", help=(help_text,))


def guard(facts: StepFacts, value: str) -> str:
    """A `when` guard on the answer that compiles: a yes/no answer is a condition itself;
    a number, a text or a choice is compared (E022 refuses them bare)."""
    operation = facts.operation.name if facts.operation is not None else ""
    if operation == "number":
        return f"when {value} > 0"
    if operation == "choose":
        options = facts.arguments.get("options")
        if options is not None and isinstance(options.value, ast.ListExpr):
            first = next((item.value for item in options.value.items
                          if isinstance(item, ast.Literal) and isinstance(item.value, str)), None)
            if first is not None:
                return f"when {value} == {json.dumps(first, ensure_ascii=False)}"
    if operation in ("choose", "text"):
        return f'when {value} != ""'
    return f"when {value}"


RULE = Rule("W206", "unused-answer", Severity.WARNING, __doc__ or "", check, whole_mission=True)
