"""A human step waits without a deadline.

## What it does
Reports a human step with no `after` line: nothing decides it when nobody
answers, so the run waits for as long as it takes. Not selected by default
(many teams answer within the day without one): turn it on with
`select = ["W216"]`, or `"ALL"`, in a project where every wait must end.

## Why
A wait without an end is the best-known failure of workflow engines: a run
waits for ever on a person who left, and nobody notices. A deadline says what
happens then: a default answer, a failure with a reason, or an escalation to
another group.

## Example
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
    }
}
```

Use instead:
```mission
mission expense "Approve an expense" {
    version 1

    human approve "Approve the expense" by managers {
        confirm("Approve it?") -> state.approved
        after 2 days escalate to directors
        after 1 day answer false
    }

    runtime record "Record the decision" when state.approved {
        append(to: state.log, value: "approved")
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
        step = facts.step
        if step.kind.text != "human" or step.deadlines:
            continue
        yield context.diagnostic(
            "W216", f"the human step `{step.id.text}` waits without a deadline", step.id.span,
            label="may wait for ever",
            help=("say what happens when nobody answers: after the question, add "
                  "`after 2 days fail`, `after 2 days answer VALUE` or "
                  "`after 2 days escalate to GROUP`",))


RULE = Rule("W216", "human-step-without-deadline", Severity.WARNING, __doc__ or "", check,
            default=False)
