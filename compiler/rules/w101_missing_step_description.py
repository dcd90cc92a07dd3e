"""A step has no description.

## What it does
Reports a step written without a description string after its id. The
autofix adds one made from the id (`summarise_yesterday` becomes
`"Summarise yesterday"`), to be reworded.

## Why
The description is what people read in `mission run` prompts, graphs, run
reports and receipts; an id alone rarely says what a step is for.

## Example
```mission
mission greet "Say hello" {
    version 1

    runtime write_greeting {
        set(at: state.greeting, value: "hello")
    }
}
```

Use instead:
```mission
mission greet "Say hello" {
    version 1

    runtime write_greeting "Write a greeting" {
        set(at: state.greeting, value: "hello")
    }
}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def sentence(name: str) -> str:
    """`summarise_yesterday` or `summariseYesterday` as "Summarise yesterday"."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").split()
    text = " ".join(words).lower() or name
    return text[:1].upper() + text[1:]


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        step = facts.step
        if step.description is not None and str(step.description.value).strip():
            continue
        fix = None
        if step.description is None:
            stub = sentence(step.id.text)
            fix = Fix(f'add the description "{stub}"',
                      (Edit(Span(step.id.span.end, step.id.span.end), f' "{stub}"'),))
        yield context.diagnostic(
            "W101", f"the step `{step.id.text}` has no description", step.id.span,
            label="no description", fix=fix,
            help=(f'say what it does: `{step.kind.text} {step.id.text} "..." {{`',))


RULE = Rule("W101", "missing-step-description", Severity.WARNING, __doc__ or "", check,
            fixable=True)
