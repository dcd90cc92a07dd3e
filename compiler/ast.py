"""The syntax tree of a `.mission` file.

Every node is a frozen, slotted dataclass carrying the `Span` (byte-free
character offsets into the source) it was parsed from; line and column are
computed only when a diagnostic is rendered. Equality ignores spans
(`compare=False`), so two trees that differ only in layout compare equal: the
formatter's safety check relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open range `[start, end)` of character offsets into the source."""

    start: int
    end: int

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


NO_SPAN = Span(0, 0)


@dataclass(frozen=True, slots=True)
class Name:
    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Literal:
    """A string, number, boolean or null written in the source."""

    value: str | int | float | bool | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class MapEntry:
    key: Name
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    optional: bool = False  # `name?: ...`: a form's field the person may leave out


@dataclass(frozen=True, slots=True)
class MapExpr:
    entries: tuple[MapEntry, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """`param.x`, `state.a.b` or `item.field`: `root` is "param", "state" or "item".

    Only an `item` reference may have an empty path (the current element itself).
    """

    root: str
    path: tuple[Name, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def dotted(self) -> str:
        return ".".join([self.root, *(part.text for part in self.path)])


@dataclass(frozen=True, slots=True)
class Unary:
    operator: str  # "not" or "-"
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Binary:
    # "and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "??", "+", "-", "*", "/"
    operator: str
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Conditional:
    """`if condition then then_value else else_value`."""

    condition: Expr
    then_value: Expr
    else_value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CallExpr:
    """A pure data operation used as a value: `count(state.bugs)`.

    `piped` records that the first argument was written before `|>`
    (`state.bugs |> count()`), so the formatter keeps the pipe.
    """

    function: Name
    arguments: tuple[Argument, ...]
    piped: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr: TypeAlias = Literal | ListExpr | MapExpr | Reference | Unary | Binary | Conditional | CallExpr


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a call; `name` is None when written positionally."""

    name: Name | None
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    operation: Name
    arguments: tuple[Argument, ...]
    output: Reference | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Duration:
    """`2 days`: an amount as written (E044 refuses one that is not a whole number) and a
    unit as written (E044 refuses one that is not a unit)."""

    amount: Literal
    unit: Name
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reminder:
    """`remind 4 hours before`: a reminder that long before each deadline of the step."""

    before: Duration
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DefaultAnswer:
    """`answer VALUE`: the deadline answers the question with a constant."""

    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FailStep:
    """`fail "REASON"`: the deadline fails the step (the compiler words a missing reason)."""

    reason: Literal | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Escalation:
    """`escalate to GROUP`: the question moves to another group."""

    group: Name
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


DeadlineAction: TypeAlias = DefaultAnswer | FailStep | Escalation


@dataclass(frozen=True, slots=True)
class Deadline:
    """`after DURATION ACTION`: counted from when the step starts waiting, or from the
    escalation before it."""

    after: Duration
    action: DeadlineAction
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ExceptStarter:
    """`except starter`: the person who started the run may not answer the step."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Step:
    kind: Name
    id: Name
    description: Literal | None
    when: Expr | None
    call: Call | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    group: Name | None = None  # `by GROUP`: who may answer a human step (`mission serve`)
    approvals: Literal | None = None  # `by N of GROUP`: N distinct people must answer
    except_starter: ExceptStarter | None = None
    reminder: Reminder | None = None
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True, slots=True)
class TypeRef:
    """`int`, `int in 1..5`, `list[str]`, `list[{id: str, severity: int}]`, `date?`."""

    name: Name
    minimum: Literal | None = None
    maximum: Literal | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    # the type of a list's items; for a `map`, its record (written `{a: int}` on its own)
    element: TypeRef | RecordType | None = None
    nullable: bool = False  # `T?`: the value may be null


@dataclass(frozen=True, slots=True)
class FieldType:
    name: Name
    type: TypeRef | RecordType
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    optional: bool = False  # `name?: T`: the field may be absent


@dataclass(frozen=True, slots=True)
class RecordType:
    """`{id: str, severity: int}`: a map with these fields (the items of a typed list);
    `{...}?` when the item may be null."""

    fields: tuple[FieldType, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Declaration:
    """`param name: type = default` or `input name: type = default`."""

    keyword: str  # "param" or "input"
    name: Name
    type: TypeRef
    default: Expr | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Version:
    value: Literal
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Item: TypeAlias = Version | Declaration | Step


@dataclass(frozen=True, slots=True)
class Mission:
    name: Name
    description: Literal | None
    items: tuple[Item, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(item for item in self.items if isinstance(item, Step))

    @property
    def params(self) -> tuple[Declaration, ...]:
        return tuple(i for i in self.items if isinstance(i, Declaration) and i.keyword == "param")

    @property
    def inputs(self) -> tuple[Declaration, ...]:
        return tuple(i for i in self.items if isinstance(i, Declaration) and i.keyword == "input")

    @property
    def versions(self) -> tuple[Version, ...]:
        return tuple(item for item in self.items if isinstance(item, Version))


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# ...` comment, kept beside the tree (not in it)."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
