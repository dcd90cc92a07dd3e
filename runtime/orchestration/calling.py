"""What an operation of the table is, and how the engine and expressions call it.

The vocabulary that the table (`operations.py`), the data operations (`data.py`), the
effect operations (`effects.py`) and the evaluator (`expressions.py`) share, below all
of them: an operation's parameters and typing rule, what its implementation receives
and returns, and `Arguments`, what a data operation's `compute` reads its arguments
through (the evaluator's `CallArguments` is the one implementation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.frozen import Frozen, set_field
from runtime.orchestration.types import ANY, Type, simple


class Arguments(Protocol):
    """The arguments of one data-operation call, evaluated on demand (a per-item argument
    for each element, with `item` bound to it); an operation that builds a value charges
    its size to the expression's budget first."""

    name: str

    def has(self, name: str) -> bool: ...

    def value(self, name: str, default: Any = None) -> Any: ...

    def parts(self, name: str, default: Any = None) -> Any:
        """A variadic or rest argument: the list or map of its values, each evaluated."""

    def expression(self, name: str) -> Any:
        """The argument as written (compiled), not evaluated."""

    def each(self, expression: Any, element: Any) -> Any:
        """A per-item expression's value for one element."""

    def charge(self, amount: int) -> None:
        """Count `amount` units this operation is about to build."""

    def joined(self, parts: list[Any] | tuple[Any, ...]) -> int:
        """What joining `parts` into one new value adds."""

    def placing(self, value: Any) -> Any:
        """`value`, charged as one more element of a list this operation builds."""


class StepFailure(Exception):
    """The step cannot complete with this data; the run fails at this step."""


Path = tuple[str, ...]


class Change(Frozen):
    """One edit of the state: set a value at a path, or remove the key at a path."""

    __slots__ = ("action", "path", "value")
    action: str  # "set" or "remove"
    path: Path
    value: Any

    def __init__(self, action: str, path: Path, value: Any = None) -> None:
        set_field(self, "action", action)
        set_field(self, "path", path)
        set_field(self, "value", value)

    def to_json(self) -> list[Any]:
        if self.action == "remove":
            return ["remove", list(self.path)]
        return ["set", list(self.path), self.value]


class Invocation(Frozen):
    """What an implementation gets: arguments (places as paths), the state, an effect's result."""

    __slots__ = ("args", "checked", "effect_result", "state", "step_id")
    step_id: str
    args: Mapping[str, Any]
    state: Mapping[str, Any]
    effect_result: Any
    # Held by one run for its steps: a value checked by an earlier step, by what was checked.
    # A run's values are never changed in place (its state is copy-on-write), so the very
    # same object is still sound; the memo holds it, so its identity cannot be reused.
    checked: dict[str, Any] | None

    def __init__(
        self,
        step_id: str,
        args: Mapping[str, Any],
        state: Mapping[str, Any],
        effect_result: Any = None,
        checked: dict[str, Any] | None = None,
    ) -> None:
        set_field(self, "step_id", step_id)
        set_field(self, "args", args)
        set_field(self, "state", state)
        set_field(self, "effect_result", effect_result)
        set_field(self, "checked", checked)


class Outcome(Frozen):
    """What a step did. With `failure`, the changes are kept and then the run fails."""

    __slots__ = ("changes", "failure", "result")
    changes: tuple[Change, ...]
    result: Any
    failure: str | None

    def __init__(
        self,
        changes: tuple[Change, ...] = (),
        result: Any = None,
        failure: str | None = None,
    ) -> None:
        set_field(self, "changes", changes)
        set_field(self, "result", result)
        set_field(self, "failure", failure)


class Parameter(Frozen):
    __slots__ = ("doc", "name", "per_item", "place", "required", "type", "variadic")
    name: str
    type: str
    doc: str
    required: bool
    place: bool  # a `state.` path the operation writes, not a value it reads
    # Evaluated once per element of the operation's first (list) argument, with `item` bound
    # to the element: `where: item.open`, `by: [desc(item.severity), item.id]`, `of: item.x`.
    per_item: bool
    # Takes every positional argument from here on, as a list: `concat(a, b, c)`.
    variadic: bool

    def __init__(
        self,
        name: str,
        type: str,
        doc: str,
        required: bool = True,
        place: bool = False,
        per_item: bool = False,
        variadic: bool = False,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "type", type)
        set_field(self, "doc", doc)
        set_field(self, "required", required)
        set_field(self, "place", place)
        set_field(self, "per_item", per_item)
        set_field(self, "variadic", variadic)


class ArgumentTypes(Frozen):
    """What the type checker knows of a call's arguments, for an operation's `typing`.

    `types` maps each given parameter to its static type (a per-item argument is typed
    with `item` bound to the element type; a variadic one as a list of its values'
    join); `spread` holds the variadic values' own types, `literals` the value of every
    argument written as a constant (`fields: ["id", "title"]`).
    """

    __slots__ = ("literals", "spread", "types")
    types: Mapping[str, Type]
    literals: Mapping[str, Any]
    spread: tuple[Type, ...]

    def __init__(self, types: Mapping[str, Type], literals: Mapping[str, Any] | None = None,
                 spread: tuple[Type, ...] = ()) -> None:
        set_field(self, "types", types)
        set_field(self, "literals", {} if literals is None else literals)
        set_field(self, "spread", spread)

    def get(self, name: str) -> Type:
        return self.types.get(name, ANY)


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    kind: str  # the step kind that may use it: "runtime" or "human"
    parameters: tuple[Parameter, ...]
    result: str | None  # type given to `-> state.x`; None when there is no result
    summary: str
    doc: str
    implementation: Callable[[Invocation], Outcome]
    effect: str | None = None  # the effect runner's capability, None when pure
    example: str = ""
    # Human operations: validates an answer against the arguments (raises AnswerError).
    answer: Callable[[Mapping[str, Any], Any], Any] | None = field(default=None, repr=False)
    # Checks the evaluated arguments before anything is asked or run (raises StepFailure).
    check: Callable[[Mapping[str, Any]], None] | None = field(default=None, repr=False)
    # A data operation: its value from its arguments, which makes it callable inside any
    # expression (`count(state.bugs) > 0`) and, as a step, stores that value at `-> state.x`.
    compute: Callable[[Arguments], Any] | None = field(default=None, repr=False)
    # The static type of the result from the argument types (else `result` names it).
    typing: Callable[[ArgumentTypes], Type] | None = field(default=None, repr=False)
    # The parameter that receives every named argument not in `parameters`, as a map
    # (`format("{a}", a: 1)`); None when unknown names are errors.
    rest: str | None = None
    # A project's own operation: its `user_operations.OperationDeclaration`; None when built in.
    declaration: Any = field(default=None, repr=False)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters)

    def parameter(self, name: str) -> Parameter | None:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        return None

    @property
    def items_parameter(self) -> str | None:
        """The list whose elements the per-item arguments read as `item` (the first list
        parameter), or None."""
        return next((p.name for p in self.parameters if p.type == "list" and not p.per_item
                     and not p.variadic and not p.place), None)

    def result_type(self, arguments: ArgumentTypes) -> Type:
        """The static type of the result of a call: the call-typing rule of the table."""
        if self.typing is not None:
            return self.typing(arguments)
        return simple(self.result or "any")

    @property
    def signature(self) -> str:
        parts = []
        for parameter in self.parameters:
            if parameter.name == self.rest:
                parts.append("NAME: any...")
                continue
            kind = "state path" if parameter.place else parameter.type
            if parameter.per_item:
                kind += " per item"
            if parameter.variadic:
                kind += "..."
            parts.append(f"{parameter.name}{'' if parameter.required else '?'}: {kind}")
        result = f" -> {self.result}" if self.result else ""
        return f"{self.name}({', '.join(parts)}){result}"
