"""A `fail` step gives no reason.

## What it does
Reports a call of `fail()` that gives no `reason` argument (the reason is
optional in the operation table).

## Why
The run's result and receipt then say only "unspecified"; the reason is what
tells people why the run stopped.

## Example
```mission
mission release "Release" {
    version 1

    param frozen: bool = false

    runtime stop "Stop the release when frozen" when param.frozen {
        fail()
    }
}
```

Use instead:
```mission
mission release "Release" {
    version 1

    param frozen: bool = false

    runtime stop "Stop the release when frozen" when param.frozen {
        fail(reason: "releases are frozen")
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
        call = facts.step.call
        if facts.operation is None or facts.operation.name != "fail" or call is None:
            continue
        if "reason" not in facts.arguments:
            yield context.diagnostic(
                "W214", f"the step `{facts.step.id.text}` fails without saying why", call.span,
                label="no reason", help=('give one: `fail(reason: "...")`',))


RULE = Rule("W214", "fail-without-reason", Severity.WARNING, __doc__ or "", check)
