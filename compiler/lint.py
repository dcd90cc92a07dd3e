"""What the lint rules read: one `LintContext` for a checked mission.

The rules (`compiler.rules`, `W1xx`, `W2xx`, `N3xx`) share the tree, the checker's
`Analysis`, and `StepFacts`, which say for each step what it reads, changes in place and
writes, computed once here so that each rule stays a few lines of plain logic. Below
the rules; `compiler.linter` runs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from compiler import ast
from compiler.analysis import Analysis, expression_type, references, subexpressions
from compiler.diagnostics import Diagnostic, Severity
from compiler.narrowing import compared_with_null
from compiler.operations import BUILT_IN, OperationTable
from compiler.source import SourceFile
from compiler.syntax import ANY_NAME, Mentions
from compiler.typer import match_call
from runtime.frozen import Frozen, set_field
from runtime.orchestration.calling import Operation
from runtime.orchestration.types import Type

# Operations whose place argument is read and changed in place (absent counts as empty).
_MODIFYING = frozenset({"append", "extend", "increment", "remove"})
_REPLACING = frozenset({"set", "copy"})


class Write(Frozen):
    __slots__ = ("answer", "reference", "replaces")
    reference: ast.Reference
    replaces: bool  # the whole `state.ROOT` gets a new value
    answer: bool  # the answer of a human step

    def __init__(self, reference: ast.Reference, replaces: bool, answer: bool = False) -> None:
        set_field(self, "reference", reference)
        set_field(self, "replaces", replaces)
        set_field(self, "answer", answer)


class StepFacts(Frozen):
    """What one step does with the state and the params."""

    __slots__ = (
        "arguments",
        "index",
        "modifies",
        "operation",
        "param_reads",
        "reads",
        "step",
        "writes",
    )
    index: int
    step: ast.Step
    operation: Operation | None
    arguments: Mapping[str, ast.Argument]
    reads: tuple[ast.Reference, ...]  # state values the step needs (guard, value arguments)
    modifies: tuple[ast.Reference, ...]  # places read and changed in place
    writes: tuple[Write, ...]
    param_reads: tuple[ast.Reference, ...]

    def __init__(
        self,
        index: int,
        step: ast.Step,
        operation: Operation | None,
        arguments: Mapping[str, ast.Argument],
        reads: tuple[ast.Reference, ...],
        modifies: tuple[ast.Reference, ...],
        writes: tuple[Write, ...],
        param_reads: tuple[ast.Reference, ...],
    ) -> None:
        set_field(self, "index", index)
        set_field(self, "step", step)
        set_field(self, "operation", operation)
        set_field(self, "arguments", arguments)
        set_field(self, "reads", reads)
        set_field(self, "modifies", modifies)
        set_field(self, "writes", writes)
        set_field(self, "param_reads", param_reads)

    @property
    def uses(self) -> Iterator[str]:
        """The state roots whose current value the step depends on."""
        for reference in (*self.reads, *self.modifies):
            yield reference.path[0].text


class LintContext(Frozen):
    __slots__ = (
        "analysis",
        "expressions",
        "mentions",
        "mission",
        "read_as_null",
        "severities",
        "source",
        "steps",
    )
    source: SourceFile
    mission: ast.Mission
    analysis: Analysis
    steps: tuple[StepFacts, ...]
    mentions: Mentions
    expressions: tuple[ast.Expr, ...]  # every expression, outermost first (`expressions_of`)
    # references read as null where they are missing (`x ?? d`, `x == null`): their spans
    read_as_null: frozenset[ast.Span]
    # the default severity of each rule that runs (the config may change it later)
    severities: Mapping[str, Severity]

    def __init__(
        self,
        source: SourceFile,
        mission: ast.Mission,
        analysis: Analysis,
        steps: tuple[StepFacts, ...],
        mentions: Mentions,
        expressions: tuple[ast.Expr, ...],
        read_as_null: frozenset[ast.Span] = frozenset(),
        severities: Mapping[str, Severity] = MappingProxyType({}),
    ) -> None:
        set_field(self, "source", source)
        set_field(self, "mission", mission)
        set_field(self, "analysis", analysis)
        set_field(self, "steps", steps)
        set_field(self, "mentions", mentions)
        set_field(self, "expressions", expressions)
        set_field(self, "read_as_null", read_as_null)
        set_field(self, "severities", severities)

    def diagnostic(self, code: str, message: str, span: ast.Span, **details: Any) -> Diagnostic:
        """A diagnostic at the rule's default severity (the config may change it later)."""
        return Diagnostic(code, self.severities.get(code, Severity.WARNING), message, span,
                          **details)

    def type_of(self, expression: ast.Expr) -> str:
        return expression_type(expression, self.analysis)

    def clouded(self, reference: ast.Reference) -> bool:
        """True when an error clouds what is known of this reference: an undeclared param,
        a state value nothing provides or only an unknown operation writes, or one that
        text dropped after a syntax error may write. Lint rules about its type say nothing then."""
        if not reference.path:
            return False
        head = reference.path[0].text
        if reference.root == "param":
            return head not in self.analysis.params
        return head in self.analysis.unprovided or head in self.analysis.unknown_results \
            or bool(self.mentions.state & {head, ANY_NAME})

    def static_type(self, expression: ast.Expr) -> Type:
        """The expression's full static type (element types, fields, `?`)."""
        return self.analysis.typer().type_of(expression)

    def unsure_writer(self, facts: StepFacts, root: str) -> ast.Step | None:
        """An earlier step that writes `state.root` only when its guard holds, where this
        step's guard does not imply that one: `state.root` may be missing here. None when
        it is a declared input or some earlier step writes it whenever this one runs."""
        if root in self.analysis.inputs or root in self.mentions.state:
            return None
        writers = [earlier.step for earlier in self.steps[: facts.index]
                   if any(write.reference.path[0].text == root for write in earlier.writes)]
        if not writers or any(implies(facts.step.when, _guard(w)) for w in writers):
            return None
        return writers[-1]

    def may_be_missing(self, facts: StepFacts, reference: ast.Reference) -> bool:
        """True when the state value `reference` reads may not be there when the step runs:
        written only under a guard this step's does not imply, or removed by an earlier
        step (what a comparison with null and `??` read as null)."""
        if reference.root != "state" or not reference.path:
            return False
        root = reference.path[0].text
        removed = any(earlier.operation is not None and earlier.operation.name == "remove"
                      and "item" not in earlier.arguments
                      and any(place.path[0].text == root for place in earlier.modifies)
                      for earlier in self.steps[: facts.index])
        return removed or self.unsure_writer(facts, root) is not None

    def used_later(self, root: str, after: int) -> bool:
        """True when a step after index `after` uses `state.root` (or it is mentioned in
        text the parser had to drop)."""
        if root in self.mentions.state:
            return True
        return any(root in facts.uses for facts in self.steps[after + 1:])


def _guard(step: ast.Step) -> ast.Expr | None:
    """A step's guard, unless it is always true."""
    if step.when is None or constant(step.when) == (True, True):
        return None
    return step.when


def step_expressions(step: ast.Step) -> Iterator[ast.Expr]:
    """Every expression of one step, outermost first (its guard, then its arguments)."""
    roots: list[ast.Expr] = [step.when] if step.when is not None else []
    if step.call is not None:
        roots.extend(argument.value for argument in step.call.arguments)
    for root in roots:
        yield from subexpressions(root)


def _state_refs(expression: ast.Expr) -> list[ast.Reference]:
    return [ref for ref in references(expression) if ref.root == "state" and ref.path]


def step_facts(index: int, step: ast.Step, table: OperationTable = BUILT_IN) -> StepFacts:
    call = step.call
    operation = table.get(call.operation.text) if call is not None else None
    matched = match_call(operation, operation.name, call.arguments, call.span, None) \
        if call is not None and operation is not None else None
    arguments = dict(matched.single) if matched is not None else {}
    reads: list[ast.Reference] = []
    modifies: list[ast.Reference] = []
    writes: list[Write] = []
    params: list[ast.Reference] = []
    expressions: list[ast.Expr] = [step.when] if step.when is not None else []
    if matched is not None:  # `concat(a, b, c)`, `format("...", name: value)`
        expressions += [argument.value for argument in (*matched.spread, *matched.rest)]
    if call is not None and operation is None:
        expressions += [argument.value for argument in call.arguments]
    for name, argument in arguments.items():
        parameter = operation.parameter(name) if operation is not None else None
        if parameter is None or not parameter.place:
            expressions.append(argument.value)
            continue
        target = argument.value
        if not isinstance(target, ast.Reference) or target.root != "state" or not target.path:
            continue
        assert operation is not None
        if operation.name in _MODIFYING:
            modifies.append(target)
            if operation.name == "remove":
                reads.append(target)
            writes.append(Write(target, replaces=False))
        else:
            writes.append(Write(target, replaces=len(target.path) == 1
                                and operation.name in _REPLACING))
    for expression in expressions:
        for reference in references(expression):
            if not reference.path:
                continue
            (reads if reference.root == "state" else params).append(reference)
    if call is not None and call.output is not None and call.output.root == "state" \
            and call.output.path:
        writes.append(Write(call.output, replaces=len(call.output.path) == 1,
                            answer=step.kind.text == "human"))
    return StepFacts(index, step, operation, arguments, tuple(reads), tuple(modifies),
                     tuple(writes), tuple(params))


def constant(expression: ast.Expr) -> tuple[bool, Any]:
    """(True, value) when the expression's value is the same in every run, else (False, None).

    Fixed: it reads nothing, or what it reads is never evaluated because `and`
    and `or` stop early, as the engine's do (`true or state.x` is true). Uses
    the engine's own evaluator, so the answer is what a run would compute.
    """
    return _constant(expression)


def _constant(expression: ast.Expr) -> tuple[bool, Any]:
    if next(iter(references(expression)), None) is None:
        from compiler.emit import expression_json
        from runtime.orchestration.expressions import EvaluationError, evaluate

        try:
            return True, evaluate(expression_json(expression), {}, {})
        except EvaluationError:
            return False, None
    if isinstance(expression, ast.Binary) and expression.operator in ("and", "or"):
        stops_at = expression.operator == "or"  # the value that ends the evaluation early
        known, value = _constant(expression.left)
        if not known or not isinstance(value, bool):
            return False, None
        if value is stops_at:
            return True, stops_at
        known, value = _constant(expression.right)
        return (True, value) if known and isinstance(value, bool) else (False, None)
    if isinstance(expression, ast.Unary):
        known, value = _constant(expression.operand)
        return (True, not value) if known and isinstance(value, bool) else (False, None)
    return False, None


def always_false_part(expression: ast.Expr) -> ast.Expr | None:
    """The part that keeps a condition from ever being true (`... and false`), or None.

    A run either finds the condition false or fails evaluating it: either way
    the guarded step never runs.
    """
    known, value = constant(expression)
    if known:
        return expression if value is False else None
    if isinstance(expression, ast.Binary) and expression.operator == "and":
        return always_false_part(expression.left) or always_false_part(expression.right)
    if isinstance(expression, ast.Binary) and expression.operator == "or":
        left = always_false_part(expression.left)
        right = always_false_part(expression.right)
        return expression if left is not None and right is not None else None
    return None


def conjuncts(expression: ast.Expr) -> list[ast.Expr]:
    """The parts of `a and b and c` (the expression itself when it is not an `and`)."""
    parts: list[ast.Expr] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Binary) and node.operator == "and":
            stack.extend((node.right, node.left))
        else:
            parts.append(node)
    return parts


def implies(condition: ast.Expr | None, guard: ast.Expr | None) -> bool:
    """True when `condition` being true makes `guard` true (by its `and` parts)."""
    if guard is None:
        return True
    if condition is None:
        return False
    have = conjuncts(condition)
    return all(part in have for part in conjuncts(guard))


def expressions_of(mission: ast.Mission) -> Iterator[ast.Expr]:
    """Every expression in the mission, outermost first (defaults, guards, arguments)."""
    for item in mission.items:
        if isinstance(item, ast.Declaration) and item.default is not None:
            yield from subexpressions(item.default)
    for step in mission.steps:
        yield from step_expressions(step)


def read_as_null(expressions: Iterable[ast.Expr]) -> Iterator[ast.Span]:
    """The spans of the references that read as null where their path is missing: the left
    of `??` and what is compared with null."""
    for node in expressions:
        if not isinstance(node, ast.Binary):
            continue
        operand = node.left if node.operator == "??" else compared_with_null(node)
        if isinstance(operand, ast.Reference):
            yield operand.span
