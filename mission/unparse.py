"""Compiled expressions (see `runtime.orchestration.expressions`) back to mission syntax.

Used to label graphs and reports of compiled workflows, which have no source
text: `{"op": "and", "args": [{"ref": "state.a"}, true]}` becomes
`state.a and true`. Strings use JSON escapes, which are the language's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PRECEDENCE = {"or": 1, "and": 2, "not": 3}
_COMPARISON = 4
_ATOM = 5


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
    return "{" + ", ".join(f"{key_text(str(spec.get('name')))}: {field_text(spec)}"
                           for spec in specs) + "}"


def call_text(payload: dict[str, Any], parameter_order: tuple[str, ...] = ()) -> str:
    """`operation(name: value, ...) -> state.x` from a compiled step payload."""
    args = payload.get("args", {})
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
