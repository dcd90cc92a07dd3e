"""A name is not written in snake_case.

## What it does
Reports a mission name, step id, param or input that is not `snake_case`:
lower-case letters, digits and single underscores, starting with a letter.
The help shows the snake_case spelling. There is no autofix: renaming a
step id or a param changes how callers name it.

## Why
One style makes missions read alike, and ids appear in command lines
(`--answer confirm_release=yes`) where mixed case is easy to get wrong.

## Example
```mission
mission greet "Say hello" {
    version 1

    runtime writeGreeting "Write a greeting" {
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

from compiler import ast
from compiler.diagnostics import Diagnostic, Severity
from compiler.lint import LintContext
from compiler.rules import Rule
from compiler.syntax import KEYWORDS

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def snake_case(name: str) -> str:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    words = [word for word in re.split(r"_+", spaced.lower()) if word]
    text = "_".join(words)
    return text if text[:1].isalpha() else f"x_{text}"


def check(context: LintContext) -> Iterator[Diagnostic]:
    mission = context.mission
    names: list[tuple[str, ast.Name]] = [("mission name", mission.name)]
    for item in mission.items:
        if isinstance(item, ast.Declaration):
            names.append((f"{item.keyword} name", item.name))
        elif isinstance(item, ast.Step):
            names.append(("step id", item.id))
    for what, name in names:
        if _SNAKE.fullmatch(name.text) or name.text in KEYWORDS:
            continue
        better = snake_case(name.text)
        yield context.diagnostic(
            "W103", f"the {what} `{name.text}` is not in snake_case", name.span,
            label="not snake_case",
            help=(f"write it `{better}`" if better != name.text else
                  "use lower-case letters, digits and single underscores",))


RULE = Rule("W103", "naming-style", Severity.WARNING, __doc__ or "", check)
