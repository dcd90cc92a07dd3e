"""A value is written but no later step reads it.

## What it does
Reports a write of `state.NAME` that no later step reads or changes. The
value is then only a result of the mission, left in the final state. Answers
of human steps are W206 instead. Not selected by default (most missions end
by writing their results): turn it on with `select = ["N301"]`, or `"ALL"`.

## Why
In a mission whose results are read from the final state this is expected;
anywhere else, a value nobody reads is work for nothing or a misspelled name.

## Example
```mission
mission plan "Plan the day" {
    version 1

    input tasks: list = []

    runtime rank "Rank the tasks" {
        prioritize(tasks: state.tasks) -> state.ranked
    }
    runtime count "Count the tasks" {
        summarize(tasks: state.tasks, today: "2026-01-05") -> state.summary
    }
    runtime check "Check the ranking" {
        assert(condition: state.ranked != [], message: "no open task")
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
    runtime check "Check the ranking" {
        assert(condition: state.ranked != [], message: "no open task")
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
    last_writer: dict[str, int] = {}
    for facts in context.steps:
        for write in facts.writes:
            if not write.answer:
                last_writer[write.reference.path[0].text] = facts.index
    for facts in context.steps:
        for write in facts.writes:
            root = write.reference.path[0].text
            if write.answer or last_writer.get(root) != facts.index \
                    or context.used_later(root, facts.index):
                continue
            yield context.diagnostic(
                "N301", f"`state.{root}` is written but no later step reads it",
                write.reference.span, label="only a result of the mission",
                help=("fine if it is a result read from the final state; otherwise remove "
                      "the write",))


RULE = Rule("N301", "write-never-read", Severity.NOTE, __doc__ or "", check, default=False,
            whole_mission=True)
