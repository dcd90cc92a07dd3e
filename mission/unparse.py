"""Compiled expressions (see `runtime.orchestration.expressions`) back to mission syntax.

Used to label graphs and reports of compiled workflows, which have no source
text: `{"op": "and", "args": [{"ref": "state.a"}, true]}` becomes
`state.a and true`. Strings use JSON escapes, which are the language's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.orchestration.calling import Operation
    from runtime.orchestration.model import WorkflowDefinition

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# As in the formatter (`compiler.format`): loosest first.
_PRECEDENCE = {"if": 0, "or": 1, "and": 2, "not": 3, "??": 5, "+": 7, "-": 7, "*": 8, "/": 8,
               "neg": 9}
_COMPARISON = 4
_ATOM = 10


def operations_of(workflow: WorkflowDefinition) -> Mapping[str, Operation]:
    """The operations a compiled workflow's steps may name: the built-in ones and the
    project operations it declares (only the built-in ones when those declarations are
    broken: a graph or a report still shows what it can)."""
    from runtime.orchestration.operations import OPERATIONS
    from runtime.orchestration.user_operations import DeclarationError, workflow_operations

    try:
        return workflow_operations(workflow.metadata)
    except DeclarationError:
        return OPERATIONS


def value_text(value: Any) -> str:
    """A JSON value as a mission literal."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(str(key))}: {value_text(item)}"
                               for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def key_text(key: str) -> str:
    return key if _NAME.match(key) else json.dumps(key, ensure_ascii=False)


def _precedence(expression: Any) -> int:
    if isinstance(expression, dict) and "op" in expression:
        return _PRECEDENCE.get(str(expression["op"]), _COMPARISON)
    if isinstance(expression, dict) and "if" in expression:
        return _PRECEDENCE["if"]
    if isinstance(expression, (int, float)) and not isinstance(expression, bool) \
            and expression < 0:
        return _PRECEDENCE["neg"]
    return _ATOM


def expression_text(expression: Any, minimum: int = 0) -> str:
    """The source form of a compiled expression, with parentheses only where needed."""
    if not isinstance(expression, dict):
        return value_text(expression)
    if "lit" in expression:
        return value_text(expression["lit"])
    if "ref" in expression:
        return str(expression["ref"])
    if "list" in expression and isinstance(expression["list"], list):
        return "[" + ", ".join(expression_text(item) for item in expression["list"]) + "]"
    if "map" in expression and isinstance(expression["map"], dict):
        return "{" + ", ".join(f"{key_text(str(key))}: {expression_text(item)}"
                               for key, item in expression["map"].items()) + "}"
    if "call" in expression and isinstance(expression.get("args"), dict):
        return _call_expression_text(str(expression["call"]), expression["args"])
    if "if" in expression and isinstance(expression["if"], list) and len(expression["if"]) == 3:
        condition, then_value, else_value = (expression_text(part) for part in expression["if"])
        text = f"if {condition} then {then_value} else {else_value}"
        return f"({text})" if minimum > _PRECEDENCE["if"] else text
    if "op" not in expression:
        return value_text(expression)
    operator = str(expression["op"])
    args = expression.get("args", [])
    args = list(args) if isinstance(args, list) else []  # unchecked data: draw what is there
    level = _precedence(expression)
    if operator == "not":
        text = "not " + expression_text(args[0] if args else None, level)
    elif operator == "neg":
        operand = expression_text(args[0] if args else None, level)
        text = ("- " if operand[:1] in "-0123456789" else "-") + operand
    elif level == _COMPARISON:
        text = f" {operator} ".join(expression_text(arg, _PRECEDENCE["??"]) for arg in args)
    elif operator == "??":  # `a ?? b ?? c` is `a ?? (b ?? c)`
        text = " ?? ".join(expression_text(arg, level + 1 if index == 0 else level)
                           for index, arg in enumerate(args))
    else:
        text = f" {operator} ".join(expression_text(arg, level if index == 0 else level + 1)
                                    for index, arg in enumerate(args))
    return f"({text})" if level < minimum else text


def form_field_specs(fields: Any) -> list[dict[str, Any]]:
    """The field specs of a compiled form's `fields` (`{"lit": [...]}` or `{"list": [{"map":
    ...}]}`), each value still an expression; [] for anything else."""
    if isinstance(fields, dict) and isinstance(fields.get("lit"), list):
        return [spec for spec in fields["lit"] if isinstance(spec, dict)]
    if isinstance(fields, dict) and isinstance(fields.get("list"), list):
        return [spec["map"] for spec in fields["list"]
                if isinstance(spec, dict) and isinstance(spec.get("map"), dict)]
    return []


def field_text(spec: dict[str, Any]) -> str:
    """One field as it is written: `number("Hours?", min: 0, max: 12)`."""
    rest = [f"{key}: {expression_text(spec[key])}" for key in ("options", "min", "max")
            if key in spec]
    return f"{spec.get('type')}(" + ", ".join(
        [expression_text(spec.get("prompt")), *rest]) + ")"


def fields_text(fields: Any) -> str:
    """A compiled form's fields as written: `{today: text("Today?"), ...}`."""
    specs = form_field_specs(fields)
    if not specs:
        return expression_text(fields)
    return "{" + ", ".join(f"{key_text(str(spec.get('name')))}{'?' * bool(spec.get('optional'))}"
                           f": {field_text(spec)}" for spec in specs) + "}"

def _call_expression_text(name: str, args: dict[str, Any]) -> str:
    """`take(sort(state.bugs, by: item.id), n: 3)`: the list positionally, in the table's
    parameter order; a variadic parameter's values and `format`'s named values spread."""
    from runtime.orchestration.operations import OPERATIONS

    operation = OPERATIONS.get(name)
    order = operation.parameter_names if operation is not None else ()
    parts: list[str] = []
    for key in [*[n for n in order if n in args], *sorted(k for k in args if k not in order)]:
        parameter = operation.parameter(key) if operation is not None else None
        value = args[key]
        if parameter is not None and parameter.variadic and isinstance(value, dict) \
                and isinstance(value.get("list"), list):
            parts += [expression_text(item) for item in value["list"]]
        elif operation is not None and key == operation.rest and isinstance(value, dict) \
                and isinstance(value.get("map"), dict):
            parts += [f"{k}: {expression_text(v)}" for k, v in value["map"].items()]
        elif operation is not None and key == operation.parameter_names[0] and not parts:
            parts.append(expression_text(value))
        else:
            parts.append(f"{key}: {expression_text(value)}")
    return f"{name}(" + ", ".join(parts) + ")"


def call_text(payload: dict[str, Any], parameter_order: tuple[str, ...] = ()) -> str:
    """`operation(name: value, ...) -> state.x` from a compiled step payload."""
    from runtime.orchestration.operations import OPERATIONS

    args = payload.get("args", {})
    operation = OPERATIONS.get(str(payload.get("operation", "noop")))
    if operation is not None and operation.compute is not None and isinstance(args, dict):
        text = _call_expression_text(operation.name, args)  # written as in an expression
    else:
        names = [name for name in parameter_order if name in args]
        names += sorted(name for name in args if name not in names)
        form = payload.get("operation") == "form"

        def argument(name: str) -> str:
            value = args[name]
            return fields_text(value) if form and name == "fields" else expression_text(value)

        text = f"{payload.get('operation', 'noop')}(" + ", ".join(
            f"{name}: {argument(name)}" for name in names) + ")"
    if payload.get("output"):
        text += f" -> {payload['output']}"
    return text
