"""Syntax tree to `WorkflowDefinition` (the compiled form, canonical JSON).

Step payload: `{"operation", "args": {name: expression}, "output"?, "when"?,
"description"?}`; expressions use the encoding documented in
`runtime.orchestration.expressions`. Literal lists and maps are emitted whole
as `{"lit": ...}` so large data costs one node.
"""

from __future__ import annotations

from typing import Any

from compiler import ast
from compiler.analysis import Analysis, FormField
from compiler.literals import literal_value
from compiler.source import SourceFile
from compiler.typer import Matched, match_call, type_from_ref
from runtime.orchestration.calling import Operation
from runtime.orchestration.model import (
    SCHEMA_VERSION,
    TIMED_SCHEMA_VERSION,
    StepSpec,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.operations import OPERATIONS

# The payload keys that make a workflow schema version 2 (`runtime.orchestration.human`).
_TIMED_KEYS = ("approvals", "exclude_starter", "remind_before", "deadlines")

def workflow_id(mission_name: str) -> str:
    return "wf-" + mission_name.replace("_", "-")


def expression_json(expression: ast.Expr) -> Any:
    if isinstance(expression, ast.Literal):
        return expression.value
    constant, value = literal_value(expression)
    if constant:
        return {"lit": value}
    if isinstance(expression, ast.Reference):
        return {"ref": expression.dotted}
    if isinstance(expression, ast.ListExpr):
        return {"list": [expression_json(item) for item in expression.items]}
    if isinstance(expression, ast.MapExpr):
        entries = expression.entries
        return {"map": {entry.key.text: expression_json(entry.value) for entry in entries}}
    if isinstance(expression, ast.Unary):
        operator = "neg" if expression.operator == "-" else expression.operator
        return {"op": operator, "args": [expression_json(expression.operand)]}
    if isinstance(expression, ast.Conditional):
        return {"if": [expression_json(expression.condition),
                       expression_json(expression.then_value),
                       expression_json(expression.else_value)]}
    if isinstance(expression, ast.CallExpr):
        operation = OPERATIONS.get(expression.function.text)
        if operation is None or operation.compute is None:  # only for the linter (E006/E013
            # block compilation): the engine refuses to evaluate it, so it is not constant
            return {"call": expression.function.text, "args": {}}
        matched = match_call(operation, operation.name, expression.arguments, expression.span,
                             None)
        return {"call": operation.name, "args": call_arguments_json(operation, matched)}
    return {"op": expression.operator,
            "args": [expression_json(expression.left), expression_json(expression.right)]}


def form_fields_json(fields: list[FormField]) -> Any:
    """A form's fields as the engine reads them: a list, in the order written, of
    `{name, type, prompt, optional?, min?, max?, options?}` (one `{"lit": [...]}` when
    constant)."""
    specs = [{"name": field.name.text, "type": field.kind,
              **({"optional": True} if field.optional else {}),
              **{name: expression_json(argument.value)
                 for name, argument in sorted(field.arguments.items())}} for field in fields]
    folded = [{key: _constant(value) for key, value in spec.items()} for spec in specs]
    if all(value is not _VARIES for spec in folded for value in spec.values()):
        return {"lit": folded}
    return {"list": [{"map": spec} for spec in specs]}


_VARIES = object()  # an expression whose value is known only at run time


def _constant(node: Any) -> Any:
    """The value of an emitted expression that holds no reference, else `_VARIES`."""
    if not isinstance(node, dict):
        return node
    return node["lit"] if list(node) == ["lit"] else _VARIES

def call_arguments_json(operation: Operation, matched: Matched) -> dict[str, Any]:
    """A call's arguments by parameter name; a variadic parameter's values as one list, the
    named arguments of the `rest` parameter as one map."""
    args = {name: expression_json(argument.value) for name, argument in
            sorted(matched.single.items())}
    variadic = next((p.name for p in operation.parameters if p.variadic), None)
    if variadic is not None and matched.spread:
        args[variadic] = expression_json(ast.ListExpr(tuple(a.value for a in matched.spread)))
    if operation.rest is not None and matched.rest:
        args[operation.rest] = expression_json(ast.MapExpr(tuple(
            ast.MapEntry(argument.name, argument.value) for argument in matched.rest
            if argument.name is not None)))
    return args


def step_arguments_json(step_id: str, operation: Operation | None,
                        analysis: Analysis) -> dict[str, Any]:
    """A checked step's `args`, as the engine reads them."""
    call = analysis.calls.get(step_id)
    if call is not None and operation is not None:
        return call_arguments_json(operation, call)
    matched = analysis.arguments.get(step_id, {})
    args = {name: expression_json(argument.value) for name, argument in sorted(matched.items())}
    if step_id in analysis.form_fields:
        args["fields"] = form_fields_json(analysis.form_fields[step_id])
    return args


def _who_and_when(step: ast.Step) -> dict[str, Any]:
    """A human step's `answered_by`, `approvals`, `exclude_starter`, `remind_before` and
    `deadlines` (docs/language.md, "The compiled form")."""
    found: dict[str, Any] = {}
    if step.group is not None:
        found["answered_by"] = step.group.text
        if step.approvals is not None and step.approvals.value != 1:  # `by 1 of g` is `by g`
            found["approvals"] = step.approvals.value
    if step.except_starter is not None:
        found["exclude_starter"] = True
    if step.reminder is not None:
        from compiler.durations import duration_seconds

        found["remind_before"] = duration_seconds(step.reminder.before)
    if step.deadlines:
        found["deadlines"] = deadlines_json(step)
    return found


def deadlines_json(step: ast.Step) -> list[dict[str, Any]]:
    """The `deadlines` of a checked step's payload, in source order: `{"after": SECONDS}`
    and one of `answer` (the default as plain JSON), `fail` (the reason; without one, the
    group asked and the wait) or `escalate` (the group)."""
    from compiler.durations import duration_seconds, duration_text

    compiled: list[dict[str, Any]] = []
    asked = step.group.text if step.group is not None else None
    for deadline in step.deadlines:
        seconds = duration_seconds(deadline.after)
        assert seconds is not None  # E044 blocks compilation otherwise
        action = deadline.action
        entry: dict[str, Any] = {"after": seconds}
        if isinstance(action, ast.DefaultAnswer):
            entry["answer"] = literal_value(action.value)[1]
        elif isinstance(action, ast.FailStep):
            who = f" from {asked}" if asked is not None else ""
            entry["fail"] = str(action.reason.value) if action.reason is not None else \
                f"no answer{who} within {duration_text(seconds)}"
        else:
            entry["escalate"] = asked = action.group.text
        compiled.append(entry)
    return compiled


def _declarations(declarations: dict[str, ast.Declaration]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, declaration in sorted(declarations.items()):
        entry: dict[str, Any] = {"type": declaration.type.name.text}
        if declaration.type.nullable:
            entry["nullable"] = True
        if declaration.default is not None:
            entry["default"] = literal_value(declaration.default)[1]
        if declaration.type.element is not None and declaration.type.name.text == "list":
            entry["items"] = type_from_ref(declaration.type.element).to_json()
        if declaration.type.element is not None and declaration.type.name.text == "map":
            entry.update(type_from_ref(declaration.type).to_json())  # fields (and nullable)
        if declaration.type.minimum is not None and declaration.type.maximum is not None:
            entry["min"] = declaration.type.minimum.value
            entry["max"] = declaration.type.maximum.value
        result[name] = entry
    return result


def _user_operations(analysis: Analysis) -> dict[str, Any]:
    """The declarations of the project operations the mission calls: the engine binds and
    checks their implementations from these, without the compiler or the project's config."""
    declared = sorted((operation for operation in analysis.operations.values()
                       if operation.declaration is not None), key=lambda op: op.name)
    if not declared:
        return {}  # most missions: no need to import the declarations' module
    from runtime.orchestration.user_operations import emitted

    return {operation.name: emitted(operation.declaration) for operation in declared
            if operation.declaration is not None}


def emit(mission: ast.Mission, analysis: Analysis, source: SourceFile) -> WorkflowDefinition:
    """Build the workflow of a mission that passed the checks."""
    steps = []
    for step in mission.steps:
        payload: dict[str, Any] = {}
        if step.description is not None:
            payload["description"] = step.description.value
        if step.when is not None:
            payload["when"] = expression_json(step.when)
        if step.call is None:
            payload["operation"] = "noop"
            payload["args"] = {}
        else:
            payload["operation"] = step.call.operation.text
            operation = analysis.operations.get(step.id.text)
            payload["args"] = step_arguments_json(step.id.text, operation, analysis)
            if step.call.output is not None:
                payload["output"] = step.call.output.dotted
        payload.update(_who_and_when(step))
        steps.append(StepSpec(step.id.text, step.kind.text, payload))
    versions = mission.versions
    metadata: dict[str, Any] = {
        "declarations": {"inputs": _declarations(analysis.inputs),
                         "params": _declarations(analysis.params)},
        "description": mission.description.value if mission.description else "",
        "language_version": versions[0].value.value if versions else 1,
        "mission_type": mission.name.text,
        "schema_version": TIMED_SCHEMA_VERSION if any(
            key in step.payload for step in steps for key in _TIMED_KEYS) else SCHEMA_VERSION,
        "source": {"path": source.path, "sha256": source.sha256},
    }
    declared = _user_operations(analysis)
    if declared:
        metadata["operations"] = declared
    workflow = WorkflowDefinition(id=workflow_id(mission.name.text), steps=steps, metadata=metadata)
    workflow.metadata["content_hash"] = content_hash(workflow)
    return workflow
