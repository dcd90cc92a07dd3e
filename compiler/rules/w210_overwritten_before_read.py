"""A value is overwritten before anything reads it.

## What it does
Reports a write of `state.NAME` (with `-> state.NAME`, `set` or `copy`) when
a later, unguarded step replaces `state.NAME` again and no step in between
reads or changes it.

## Why
The first value is lost: a step's work is thrown away, or the second write
meant another name.

## Example
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks, limit: 3) -> state.ranked
    }
    runtime rank_more "Rank more tasks" {
        prioritize(tasks: state.tasks, limit: 5) -> state.ranked
    }
    runtime keep "Keep the ranking" {
        set(at: state.today, value: state.ranked)
    }
}
```

Use instead:
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks, limit: 3) -> state.ranked
    }
    runtime rank_more "Rank more tasks" {
        prioritize(tasks: state.tasks, limit: 5) -> state.more
    }
    runtime keep "Keep the rankings" {
        set(at: state.today, value: {top: state.ranked, more: state.more})
    }
}
```
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    steps = context.steps
    # Per root name, the steps that read or write it, in order: the only ones the scan
    # below needs to visit, so a long mission costs linear time, not quadratic.
    touching: dict[str, list[int]] = {}
    for facts in steps:
        roots = set(facts.uses) | {w.reference.path[0].text for w in facts.writes}
        for root in roots:
            touching.setdefault(root, []).append(facts.index)
    for facts in steps:
        for write in facts.writes:
            if not write.replaces:
                continue
            root = write.reference.path[0].text
            indices = touching[root]
            for index in indices[bisect.bisect_right(indices, facts.index):]:
                later = steps[index]
                if root in later.uses:
                    break
                replacement = next((w for w in later.writes if w.replaces
                                    and w.reference.path[0].text == root), None)
                if replacement is None:
                    break  # changed in part: the first value is still used
                if later.step.when is not None:
                    continue
                yield context.diagnostic(
                    "W210", f"`state.{root}` is overwritten before anything reads it",
                    write.reference.span, label="this value is lost",
                    labels=(Label(replacement.reference.span, "replaced here"),),
                    help=("write to another name, or remove one of the writes",))
                break


RULE = Rule("W210", "overwritten-before-read", Severity.WARNING, __doc__ or "", check)
