"""A map gives the same key twice.

## What it does
Reports a key written a second time in one map literal (`{a: 1, a: 2}`).

## Why
Only the last value is kept; the first is silently lost.

## Example
```mission
mission log "Keep a log" {
    version 1

    runtime note "Append an entry" {
        append(to: state.log, value: {day: "mon", note: "start", day: "tue"})
    }
}
```

Use instead:
```mission
mission log "Keep a log" {
    version 1

    runtime note "Append an entry" {
        append(to: state.log, value: {day: "mon", note: "start"})
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
    for node in context.expressions:
        if not isinstance(node, ast.MapExpr) or node.span in context.analysis.form_maps:
            continue  # a form's fields: a field asked twice is an error (E042)
        seen: dict[str, ast.MapEntry] = {}
        for entry in node.entries:
            first = seen.get(entry.key.text)
            if first is None:
                seen[entry.key.text] = entry
                continue
            yield context.diagnostic(
                "W213", f"the key `{entry.key.text}` is given twice in this map", entry.key.span,
                label="given again here", labels=(Label(first.key.span, "first given here"),),
                help=("only the last value is kept: remove one of them",))


RULE = Rule("W213", "duplicate-map-key", Severity.WARNING, __doc__ or "", check)
