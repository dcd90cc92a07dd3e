"""The `Analysis` side table: what the checks learned of a mission (types of state paths,
where each is written and read, each step's operation and arguments), which the emitter,
the deadline checks, the linter and the editor read; and the walks over an expression
that all of them share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from compiler import ast
from compiler.ast import Span
from compiler.operations import BUILT_IN, OperationTable
from compiler.typer import Matched, Typer
from runtime.frozen import Frozen, set_field
from runtime.orchestration.calling import Operation
from runtime.orchestration.types import Type


@dataclass
class Analysis:
    """What the checks learned, keyed by name; shared with emit, lint and the editor."""

    params: dict[str, ast.Declaration] = field(default_factory=dict)
    inputs: dict[str, ast.Declaration] = field(default_factory=dict)
    steps: dict[str, ast.Step] = field(default_factory=dict)
    # state root name -> the type written there (or declared for an input)
    state_types: dict[str, str] = field(default_factory=dict)
    # state root name -> the spans where it is written / read
    writes: dict[str, list[Span]] = field(default_factory=dict)
    reads: dict[str, list[Span]] = field(default_factory=dict)
    param_reads: dict[str, list[Span]] = field(default_factory=dict)
    # step id -> its operation (when known) and its arguments matched to parameter names
    operations: dict[str, Operation] = field(default_factory=dict)
    arguments: dict[str, dict[str, ast.Argument]] = field(default_factory=dict)
    # state roots read where nothing provides them (E009): lint rules leave them alone
    unprovided: set[str] = field(default_factory=set)
    # state roots written by an unknown operation (E006): of no known type, because of that
    # error, so lint rules about their type (W209) leave them alone
    unknown_results: set[str] = field(default_factory=set)
    # what the mission may call: the built-in operations and the project's own
    table: OperationTable = BUILT_IN
    # a call is to an operation an installed package declares: the findings depend on that
    # declaration's file, which the check cache does not watch (so they are not cached)
    uses_installed: bool = False
    # the full static types (element types, known fields) of state roots and params
    state_shapes: dict[str, Type] = field(default_factory=dict)
    param_shapes: dict[str, Type] = field(default_factory=dict)
    # data-operation steps: their arguments as the call typing matched them (for emit)
    calls: dict[str, Matched] = field(default_factory=dict)

    def typer(self) -> Typer:
        """Types expressions against what is known so far (reports nothing)."""
        return Typer(self.state_shapes, self.param_shapes, steps_only=self.table.local)

    # state root -> field -> type, where a form's answer is stored (`state.standup.today`)
    state_fields: dict[str, dict[str, str]] = field(default_factory=dict)
    # step id -> a form's fields in order: (name, kind, arguments matched to parameter names)
    form_fields: dict[str, list[FormField]] = field(default_factory=dict)
    # where the fields of each form are written (their duplicates are E042, not W213)
    form_maps: set[Span] = field(default_factory=set)
    # human step id -> the type of the answer it stores (a default answer's, E051)
    answer_types: dict[str, Type] = field(default_factory=dict)


class FormField(Frozen):
    """One field of a form as checked: its name, its kind (`text`, ...), its arguments and
    whether it may be left out."""

    __slots__ = ("arguments", "kind", "name", "optional")
    name: ast.Name
    kind: str
    arguments: dict[str, ast.Argument]
    optional: bool  # `name?: ...`: the person may leave it out

    def __init__(
        self,
        name: ast.Name,
        kind: str,
        arguments: dict[str, ast.Argument],
        optional: bool = False,
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "kind", kind)
        set_field(self, "arguments", arguments)
        set_field(self, "optional", optional)


def expression_type(expression: ast.Expr, analysis: Analysis) -> str:
    """The static type name of an expression (`any` when it is only known at run time)."""
    return analysis.typer().type_of(expression).name


def subexpressions(expression: ast.Expr) -> Iterable[ast.Expr]:
    """The expression and every expression inside it, outermost first."""
    stack: list[ast.Expr] = [expression]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.ListExpr):
            stack.extend(reversed(node.items))
        elif isinstance(node, ast.MapExpr):
            stack.extend(reversed([entry.value for entry in node.entries]))
        elif isinstance(node, ast.Unary):
            stack.append(node.operand)
        elif isinstance(node, ast.Binary):
            stack.extend((node.right, node.left))
        elif isinstance(node, ast.Conditional):
            stack.extend((node.else_value, node.then_value, node.condition))
        elif isinstance(node, ast.CallExpr):
            stack.extend(reversed([argument.value for argument in node.arguments]))


def references(expression: ast.Expr) -> Iterable[ast.Reference]:
    """Every reference inside the expression, in source order."""
    return (node for node in subexpressions(expression) if isinstance(node, ast.Reference))
