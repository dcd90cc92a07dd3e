"""A `choose` question has too few, repeated or non-text options.

## What it does
Reports, for `choose(...)` with a literal `options` list: fewer than two
options, an option listed twice, and options that are not strings.

## Why
A choice of one is not a choice; a repeated option makes two answers look
different when they are the same; answers are matched as text, so a number
option can never be picked as written.

## Example
```mission
mission release "Release" {
    version 1

    human channel "Pick the channel" {
        choose("Which channel?", options: ["stable", "beta", "stable"]) -> state.channel
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

    human channel "Pick the channel" {
        choose("Which channel?", options: ["stable", "beta"]) -> state.channel
    }
    runtime record "Record the channel" {
        append(to: state.log, value: state.channel)
    }
}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.lint import LintContext
from compiler.rules import Rule


def check(context: LintContext) -> Iterator[Diagnostic]:
    for facts in context.steps:
        if facts.operation is None or facts.operation.name != "choose":
            continue
        argument = facts.arguments.get("options")
        if argument is None or not isinstance(argument.value, ast.ListExpr):
            continue
        options = argument.value
        if len(options.items) < 2:
            yield context.diagnostic(
                "W211", f"the question of `{facts.step.id.text}` offers {len(options.items)} option"
                f"{'s' * (len(options.items) != 1)}: there is nothing to choose",
                options.span, label="fewer than two options",
                help=("offer at least two options, or ask with `confirm` instead",))
        seen: dict[object, ast.Expr] = {}
        for item in options.items:
            if not isinstance(item, ast.Literal):
                continue
            if not isinstance(item.value, str):
                yield context.diagnostic(
                    "W211", "an option is not a string", item.span, label="not a string",
                    help=(f'write it as text: `"{item.value}"`',))
                continue
            if item.value in seen:
                yield context.diagnostic(
                    "W211", f'the option "{item.value}" is listed twice', item.span,
                    label="listed again here",
                    labels=(Label(seen[item.value].span, "first listed here"),),
                    help=("remove one of them",))
                continue
            seen[item.value] = item


RULE = Rule("W211", "choice-options", Severity.WARNING, __doc__ or "", check)
