"""A value that may be null, or absent, is used where null does not fit.

## What it does
Reports a read of a field of a value whose type may be null (`state.next.name`
after `find(...) -> state.next`, whose type is `{name: str}?`), a read of a
record's field declared `name?:` (it may be absent), and a value that may be
null as an operand that cannot take null: `+ - * /`, `-x`, `<`, `<=`, `>`,
`>=`, `not`, `and`, `or`, the right of `in`. A guard proves the value is there
and not null, and silences it: `when state.next != null` on the step,
`state.next != null and ...` in an `and` chain, the `then` branch of `if
state.next != null then ...`, or `"done_on" in item and ...` for an absent
field. A default does too: `state.next.name ?? "nobody"` (a reference before
`??`, or compared with null, reads as null where it is missing). The fix
guards the step with `when PATH != null`, before its own condition: the step
then runs exactly when the read cannot fail, and does what it did in every run
where the read succeeded.

## Why
Without the guard the step fails whenever the value is null: `find` with no
match, `min` of an empty list, a field a record leaves out. The checker would
otherwise call the mission clean and the run would fail on the first empty
list.

## Example
```mission
mission handover "Hand over the pager" {
    version 1

    input roster: list[{name: str, available: bool}] = []

    runtime pick "The first available person" {
        find(state.roster, where: item.available) -> state.next
    }
    runtime note "Name them" {
        set(at: state.note, value: state.next.name)
    }
}
```

Use instead:
```mission
mission handover "Hand over the pager" {
    version 1

    input roster: list[{name: str, available: bool}] = []

    runtime pick "The first available person" {
        find(state.roster, where: item.available) -> state.next
    }
    runtime note "Name them" when state.next != null {
        set(at: state.note, value: state.next.name)
    }
}
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E031", "maybe-null", Severity.ERROR, __doc__ or "", fixable=True)
