"""A question has no prompt text.

## What it does
Reports a human question (`confirm`, `choose`, `text`, `number`, `date`,
`form`), or a field of a form, whose prompt is an empty or blank string.

## Why
The person answering sees only the prompt (and what `show` adds); without
one they cannot know what they are asked.

## Example
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
        confirm("") -> state.approved
    }
    runtime stop "Stop unless approved" when not state.approved {
        fail(reason: "not approved")
    }
}
```

Use instead:
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
        confirm("Release version 1.4 now?") -> state.approved
    }
    runtime stop "Stop unless approved" when not state.approved {
        fail(reason: "not approved")
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        if facts.operation is None or facts.operation.kind != "human":
            continue
        step_id = facts.step.id.text
        prompts = [(f"the question of `{step_id}`", facts.arguments.get("prompt"))]
        prompts += [(f"the field `{field.name.text}` of `{step_id}`", field.arguments.get("prompt"))
                    for field in context.analysis.form_fields.get(step_id, ())]
        for what, prompt in prompts:
            if prompt is None or not isinstance(prompt.value, ast.Literal):
                continue
            if isinstance(prompt.value.value, str) and not prompt.value.value.strip():
                yield context.diagnostic(
                    "W207", f"{what} has no prompt text", prompt.value.span,
                    label="empty prompt", help=("write the question the person should answer",))


RULE = Rule("W207", "empty-prompt", Severity.WARNING, __doc__ or "", check)
