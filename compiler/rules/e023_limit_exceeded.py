"""An expression, string, call or file is over one of the compiler's limits.

## What it does
Reports a mission that goes over a bound the compiler keeps on what it reads:

- `max-file-size` (default 4 MiB): bytes of the file; a larger file is not
  read at all;
- `max-depth` (default 32, at most 48): how deeply one expression nests;
  each list, map, `not` and operator is one level (parentheses are free);
- `max-string-length` (default 65,536): characters in one string or name;
- `max-arguments` (default 32): arguments in one call;
- a `state.` or `param.` path has at most 16 parts (fixed): each part nests
  the state one level, and a run's data may nest at most 100 levels.

A step or declaration whose expression nests too deeply (or holds a path
that is too long) is left out of the
other checks, as if it had a syntax error. Each bound is set in
`[tool.mission.limits]` of `pyproject.toml` (or `[limits]` of
`mission.toml`):

    [tool.mission.limits]
    max-depth = 40

## Why
Mission files, like any input, may come from anyone. The bounds keep a
hostile or generated file from exhausting the stack, the memory or the time
of the compiler, the editor and CI; no real mission comes near them. The
depth is capped at 48 because the compiled form of a deeper expression would
go past the 100 levels of data the engine accepts, and never run.

## Example
```mission
mission nested "Deep data" {
    version 1

    runtime keep "Keep the data" {
        set(at: state.data, value: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1
            ]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])
    }
}
```

Use instead:
```mission
mission nested "Flat data" {
    version 1

    runtime keep "Keep the data" {
        set(at: state.data, value: [1])
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E023", "limit-exceeded", Severity.ERROR, __doc__ or "")
