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
    from runtime.orchestration.model import WorkflowDefinition
    from runtime.orchestration.operations import Operation

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PRECEDENCE = {"or": 1, "and": 2, "not": 3}
_COMPARISON = 4
_ATOM = 5


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
    return _ATOM


def expression_text(expression: Any, minimum: int = 0) -> str:
    """The source form of a compiled expression, with parentheses only where needed."""
    if not isinstance(expression, dict):
        return value_text(expression)
    if "lit" in expression:
        return value_text(expression["lit"])
    if "ref" in expression:
        return str(expression["ref"])
    if "list" in expression:
        return "[" + ", ".join(expression_text(item) for item in expression["list"]) + "]"
    if "map" in expression:
        return "{" + ", ".join(f"{key_text(str(key))}: {expression_text(item)}"
                               for key, item in expression["map"].items()) + "}"
    if "op" not in expression:
        return value_text(expression)
    operator = str(expression["op"])
    args = list(expression.get("args", []))
    level = _precedence(expression)
    if operator == "not":
        text = "not " + expression_text(args[0] if args else None, level)
    elif level == _COMPARISON:
        text = f" {operator} ".join(expression_text(arg, _ATOM) for arg in args)
    else:
        text = f" {operator} ".join(expression_text(arg, level if index == 0 else level + 1)
                                    for index, arg in enumerate(args))
    return f"({text})" if level < minimum else text


def call_text(payload: dict[str, Any], parameter_order: tuple[str, ...] = ()) -> str:
    """`operation(name: value, ...) -> state.x` from a compiled step payload."""
    args = payload.get("args", {})
    names = [name for name in parameter_order if name in args]
    names += sorted(name for name in args if name not in names)
    text = f"{payload.get('operation', 'noop')}(" + ", ".join(
        f"{name}: {expression_text(args[name])}" for name in names) + ")"
    if payload.get("output"):
        text += f" -> {payload['output']}"
    return text
