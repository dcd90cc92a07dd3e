"""A true-or-false value is compared with `true` or `false`.

## What it does
Reports `x == true`, `x != false`, `x == false` and `x != true` where `x` is
known to be a boolean (not a `bool?`: for one that may be null, `x == true` is
false where `x` is null, and `x` alone would fail the step). The autofix writes
`x` or `not x`, which means the same for a boolean.

## Why
The comparison adds nothing and reads worse than the value itself.

## Example
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
        confirm("Go ahead?") -> state.approved
    }
    runtime stop "Stop unless approved" when state.approved == false {
        fail(reason: "not approved")
    }
}
```

Use instead:
```mission
mission approve "Get an approval" {
    version 1

    human ask "Ask for approval" {
        confirm("Go ahead?") -> state.approved
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
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from compiler.lint import LintContext
from compiler.rules import Rule
from runtime.orchestration.types import Type


def check(context: LintContext) -> Iterator[Diagnostic]:
    text = context.source.text
    for node in context.expressions:
        if not isinstance(node, ast.Binary) or node.operator not in ("==", "!="):
            continue
        for value, literal in ((node.left, node.right), (node.right, node.left)):
            if not isinstance(literal, ast.Literal) or not isinstance(literal.value, bool):
                continue
            if context.static_type(value) != Type("bool"):  # not a `bool?`: null is neither
                continue
            positive = (node.operator == "==") == literal.value
            written = text[value.span.start:value.span.end]
            # Only a plain reference is rewritten: a parenthesised value's span leaves out
            # its parentheses, so replacing the comparison could unbalance them.
            certain = isinstance(value, ast.Reference)
            if not certain:
                written = f"({written})"
            replacement = written if positive else f"not {written}"
            yield context.diagnostic(
                "W104", f"comparing a true-or-false value with `{str(literal.value).lower()}`",
                node.span, label=f"the same as `{replacement}`",
                help=(f"write `{replacement}`",),
                fix=Fix(f"write `{replacement}`", (Edit(node.span, replacement),))
                if certain else None)
            break


RULE = Rule("W104", "redundant-boolean-comparison", Severity.WARNING, __doc__ or "", check,
            fixable=True)
