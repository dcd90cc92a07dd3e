"""`by GROUP` or `except starter` on a step that is not human.

## What it does
Reports `by GROUP` (or `by N of GROUP`) and `except starter` on a runtime
step. `by` names the group of people who may answer a human step when the
mission runs under `mission serve` (`docs/serve.md`), and `except starter`
keeps the person who started the run from answering it; a runtime step has no
answer and no one to name.

## Why
The mission says someone answers a step that the engine does alone: either
the step was meant to be human, or the `by` is left over.

## Example
```mission
mission release "Release with a sign-off" {
    version 1

    runtime tag "Tag the release" by release_managers {
        set(at: state.tagged, value: true)
    }
}
```

Use instead:
```mission
mission release "Release with a sign-off" {
    version 1

    human sign_off "Sign off the release" by release_managers {
        confirm("Ship it?") -> state.approved
    }
    runtime tag "Tag the release" when state.approved {
        set(at: state.tagged, value: true)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E024", "group-on-runtime-step", Severity.ERROR, __doc__ or "")
