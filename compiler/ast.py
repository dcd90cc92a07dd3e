"""The syntax tree of a `.mission` file.

Every node is a frozen, slotted `Node` (a `runtime.frozen.Frozen`: written by
hand rather than as dataclasses, which cost a fifth of a cold `mission check` to
create) carrying the `Span` (byte-free character offsets into the source) it
was parsed from; line and column are computed only when a diagnostic is
rendered. Equality ignores spans, so two trees that differ only in layout
compare equal: the formatter's safety check relies on it.
"""

from __future__ import annotations

from typing import TypeAlias

from runtime.frozen import Frozen, set_field


class Span(Frozen):
    """Half-open range `[start, end)` of character offsets into the source."""

    __slots__ = ("end", "start")
    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        set_field(self, "start", start)
        set_field(self, "end", end)

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


NO_SPAN = Span(0, 0)


class Node(Frozen):
    """A node of the tree: equality, hashing and `repr` leave its `span` out."""

    __slots__ = ()
    _ignored = ("span",)


class Name(Node):
    __slots__ = ("span", "text")
    text: str
    span: Span

    def __init__(self, text: str, span: Span = NO_SPAN) -> None:
        set_field(self, "text", text)
        set_field(self, "span", span)


class Literal(Node):
    """A string, number, boolean or null written in the source."""

    __slots__ = ("span", "value")
    value: str | int | float | bool | None
    span: Span

    def __init__(self, value: str | int | float | bool | None, span: Span = NO_SPAN) -> None:
        set_field(self, "value", value)
        set_field(self, "span", span)


class ListExpr(Node):
    __slots__ = ("items", "span")
    items: tuple[Expr, ...]
    span: Span

    def __init__(self, items: tuple[Expr, ...], span: Span = NO_SPAN) -> None:
        set_field(self, "items", items)
        set_field(self, "span", span)


class MapEntry(Node):
    __slots__ = ("key", "optional", "span", "value")
    key: Name
    value: Expr
    span: Span
    optional: bool  # `name?: ...`: a form's field the person may leave out

    def __init__(
        self,
        key: Name,
        value: Expr,
        span: Span = NO_SPAN,
        optional: bool = False,
    ) -> None:
        set_field(self, "key", key)
        set_field(self, "value", value)
        set_field(self, "span", span)
        set_field(self, "optional", optional)


class MapExpr(Node):
    __slots__ = ("entries", "span")
    entries: tuple[MapEntry, ...]
    span: Span

    def __init__(self, entries: tuple[MapEntry, ...], span: Span = NO_SPAN) -> None:
        set_field(self, "entries", entries)
        set_field(self, "span", span)


class Reference(Node):
    """`param.x`, `state.a.b` or `item.field`: `root` is "param", "state" or "item".

    Only an `item` reference may have an empty path (the current element itself).
    """

    __slots__ = ("path", "root", "span")
    root: str
    path: tuple[Name, ...]
    span: Span

    def __init__(self, root: str, path: tuple[Name, ...], span: Span = NO_SPAN) -> None:
        set_field(self, "root", root)
        set_field(self, "path", path)
        set_field(self, "span", span)

    @property
    def dotted(self) -> str:
        return ".".join([self.root, *(part.text for part in self.path)])


class Unary(Node):
    __slots__ = ("operand", "operator", "span")
    operator: str  # "not" or "-"
    operand: Expr
    span: Span

    def __init__(self, operator: str, operand: Expr, span: Span = NO_SPAN) -> None:
        set_field(self, "operator", operator)
        set_field(self, "operand", operand)
        set_field(self, "span", span)


class Binary(Node):
    __slots__ = ("left", "operator", "right", "span")
    # "and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "??", "+", "-", "*", "/"
    operator: str
    left: Expr
    right: Expr
    span: Span

    def __init__(self, operator: str, left: Expr, right: Expr, span: Span = NO_SPAN) -> None:
        set_field(self, "operator", operator)
        set_field(self, "left", left)
        set_field(self, "right", right)
        set_field(self, "span", span)


class Conditional(Node):
    """`if condition then then_value else else_value`."""

    __slots__ = ("condition", "else_value", "span", "then_value")
    condition: Expr
    then_value: Expr
    else_value: Expr
    span: Span

    def __init__(
        self,
        condition: Expr,
        then_value: Expr,
        else_value: Expr,
        span: Span = NO_SPAN,
    ) -> None:
        set_field(self, "condition", condition)
        set_field(self, "then_value", then_value)
        set_field(self, "else_value", else_value)
        set_field(self, "span", span)


class CallExpr(Node):
    """A pure data operation used as a value: `count(state.bugs)`.

    `piped` records that the first argument was written before `|>`
    (`state.bugs |> count()`), so the formatter keeps the pipe.
    """

    __slots__ = ("arguments", "function", "piped", "span")
    function: Name
    arguments: tuple[Argument, ...]
    piped: bool
    span: Span

    def __init__(
        self,
        function: Name,
        arguments: tuple[Argument, ...],
        piped: bool = False,
        span: Span = NO_SPAN,
    ) -> None:
        set_field(self, "function", function)
        set_field(self, "arguments", arguments)
        set_field(self, "piped", piped)
        set_field(self, "span", span)


Expr: TypeAlias = Literal | ListExpr | MapExpr | Reference | Unary | Binary | Conditional | CallExpr


class Argument(Node):
    """One argument of a call; `name` is None when written positionally."""

    __slots__ = ("name", "span", "value")
    name: Name | None
    value: Expr
    span: Span

    def __init__(self, name: Name | None, value: Expr, span: Span = NO_SPAN) -> None:
        set_field(self, "name", name)
        set_field(self, "value", value)
        set_field(self, "span", span)


class Call(Node):
    __slots__ = ("arguments", "operation", "output", "span")
    operation: Name
    arguments: tuple[Argument, ...]
    output: Reference | None
    span: Span

    def __init__(
        self,
        operation: Name,
        arguments: tuple[Argument, ...],
        output: Reference | None,
        span: Span = NO_SPAN,
    ) -> None:
        set_field(self, "operation", operation)
        set_field(self, "arguments", arguments)
        set_field(self, "output", output)
        set_field(self, "span", span)


class Duration(Node):
    """`2 days`: an amount as written (E044 refuses one that is not a whole number) and a
    unit as written (E044 refuses one that is not a unit)."""

    __slots__ = ("amount", "span", "unit")
    amount: Literal
    unit: Name
    span: Span

    def __init__(self, amount: Literal, unit: Name, span: Span = NO_SPAN) -> None:
        set_field(self, "amount", amount)
        set_field(self, "unit", unit)
        set_field(self, "span", span)


class Reminder(Node):
    """`remind 4 hours before`: a reminder that long before each deadline of the step."""

    __slots__ = ("before", "span")
    before: Duration
    span: Span

    def __init__(self, before: Duration, span: Span = NO_SPAN) -> None:
        set_field(self, "before", before)
        set_field(self, "span", span)


class DefaultAnswer(Node):
    """`answer VALUE`: the deadline answers the question with a constant."""

    __slots__ = ("span", "value")
    value: Expr
    span: Span

    def __init__(self, value: Expr, span: Span = NO_SPAN) -> None:
        set_field(self, "value", value)
        set_field(self, "span", span)


class FailStep(Node):
    """`fail "REASON"`: the deadline fails the step (the compiler words a missing reason)."""

    __slots__ = ("reason", "span")
    reason: Literal | None
    span: Span

    def __init__(self, reason: Literal | None, span: Span = NO_SPAN) -> None:
        set_field(self, "reason", reason)
        set_field(self, "span", span)


class Escalation(Node):
    """`escalate to GROUP`: the question moves to another group."""

    __slots__ = ("group", "span")
    group: Name
    span: Span

    def __init__(self, group: Name, span: Span = NO_SPAN) -> None:
        set_field(self, "group", group)
        set_field(self, "span", span)


DeadlineAction: TypeAlias = DefaultAnswer | FailStep | Escalation


class Deadline(Node):
    """`after DURATION ACTION`: counted from when the step starts waiting, or from the
    escalation before it."""

    __slots__ = ("action", "after", "span")
    after: Duration
    action: DeadlineAction
    span: Span

    def __init__(self, after: Duration, action: DeadlineAction, span: Span = NO_SPAN) -> None:
        set_field(self, "after", after)
        set_field(self, "action", action)
        set_field(self, "span", span)


class ExceptStarter(Node):
    """`except starter`: the person who started the run may not answer the step."""

    __slots__ = ("span",)
    span: Span

    def __init__(self, span: Span = NO_SPAN) -> None:
        set_field(self, "span", span)


class Step(Node):
    __slots__ = (
        "approvals",
        "call",
        "deadlines",
        "description",
        "except_starter",
        "group",
        "id",
        "kind",
        "reminder",
        "span",
        "when",
    )
    kind: Name
    id: Name
    description: Literal | None
    when: Expr | None
    call: Call | None
    span: Span
    group: Name | None  # `by GROUP`: who may answer a human step (`mission serve`)
    approvals: Literal | None  # `by N of GROUP`: N distinct people must answer
    except_starter: ExceptStarter | None
    reminder: Reminder | None
    deadlines: tuple[Deadline, ...]

    def __init__(
        self,
        kind: Name,
        id: Name,
        description: Literal | None,
        when: Expr | None,
        call: Call | None,
        span: Span = NO_SPAN,
        group: Name | None = None,
        approvals: Literal | None = None,
        except_starter: ExceptStarter | None = None,
        reminder: Reminder | None = None,
        deadlines: tuple[Deadline, ...] = (),
    ) -> None:
        set_field(self, "kind", kind)
        set_field(self, "id", id)
        set_field(self, "description", description)
        set_field(self, "when", when)
        set_field(self, "call", call)
        set_field(self, "span", span)
        set_field(self, "group", group)
        set_field(self, "approvals", approvals)
        set_field(self, "except_starter", except_starter)
        set_field(self, "reminder", reminder)
        set_field(self, "deadlines", deadlines)


class TypeRef(Node):
    """`int`, `int in 1..5`, `list[str]`, `list[{id: str, severity: int}]`, `date?`."""

    __slots__ = ("element", "maximum", "minimum", "name", "nullable", "span")
    name: Name
    minimum: Literal | None
    maximum: Literal | None
    span: Span
    # the type of a list's items; for a `map`, its record (written `{a: int}` on its own)
    element: TypeRef | RecordType | None
    nullable: bool  # `T?`: the value may be null

    def __init__(
        self,
        name: Name,
        minimum: Literal | None = None,
        maximum: Literal | None = None,
        span: Span = NO_SPAN,
        element: TypeRef | RecordType | None = None,
        nullable: bool = False,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "minimum", minimum)
        set_field(self, "maximum", maximum)
        set_field(self, "span", span)
        set_field(self, "element", element)
        set_field(self, "nullable", nullable)


class FieldType(Node):
    __slots__ = ("name", "optional", "span", "type")
    name: Name
    type: TypeRef | RecordType
    span: Span
    optional: bool  # `name?: T`: the field may be absent

    def __init__(
        self,
        name: Name,
        type: TypeRef | RecordType,
        span: Span = NO_SPAN,
        optional: bool = False,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "span", span)
        set_field(self, "optional", optional)


class RecordType(Node):
    """`{id: str, severity: int}`: a map with these fields (the items of a typed list);
    `{...}?` when the item may be null."""

    __slots__ = ("fields", "nullable", "span")
    fields: tuple[FieldType, ...]
    span: Span
    nullable: bool

    def __init__(
        self,
        fields: tuple[FieldType, ...],
        span: Span = NO_SPAN,
        nullable: bool = False,
    ) -> None:
        set_field(self, "fields", fields)
        set_field(self, "span", span)
        set_field(self, "nullable", nullable)


class Declaration(Node):
    """`param name: type = default` or `input name: type = default`."""

    __slots__ = ("default", "keyword", "name", "span", "type")
    keyword: str  # "param" or "input"
    name: Name
    type: TypeRef
    default: Expr | None
    span: Span

    def __init__(
        self,
        keyword: str,
        name: Name,
        type: TypeRef,
        default: Expr | None,
        span: Span = NO_SPAN,
    ) -> None:
        set_field(self, "keyword", keyword)
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "default", default)
        set_field(self, "span", span)


class Version(Node):
    __slots__ = ("span", "value")
    value: Literal
    span: Span

    def __init__(self, value: Literal, span: Span = NO_SPAN) -> None:
        set_field(self, "value", value)
        set_field(self, "span", span)


Item: TypeAlias = Version | Declaration | Step


class Mission(Node):
    __slots__ = ("description", "items", "name", "span")
    name: Name
    description: Literal | None
    items: tuple[Item, ...]
    span: Span

    def __init__(
        self,
        name: Name,
        description: Literal | None,
        items: tuple[Item, ...],
        span: Span = NO_SPAN,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "description", description)
        set_field(self, "items", items)
        set_field(self, "span", span)

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


class Comment(Node):
    """A `# ...` comment, kept beside the tree (not in it)."""

    __slots__ = ("span", "text")
    text: str
    span: Span

    def __init__(self, text: str, span: Span = NO_SPAN) -> None:
        set_field(self, "text", text)
        set_field(self, "span", span)
