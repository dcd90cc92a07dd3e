"""The small pure expression language of compiled workflows.

Encoding (compiled JSON): a string, number, boolean or null stands for
itself; every JSON object is a node with one key:

- `{"lit": VALUE}`: literal data (lists and maps with no references inside);
- `{"ref": "state.a.b"}` or `{"ref": "param.x"}`: a read;
- `{"list": [EXPR, ...]}`, `{"map": {"key": EXPR, ...}}`: built from parts;
- `{"op": OPERATOR, "args": [EXPR, ...]}`: `not`, `and`, `or`, `==`, `!=`,
  `<`, `<=`, `>`, `>=`, `in`.

Evaluation never raises anything but `EvaluationError`, whose message names
the path and what was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.orchestration.types import describe, type_of

OPERATORS = ("not", "and", "or", "==", "!=", "<", "<=", ">", ">=", "in")


class EvaluationError(Exception):
    """An expression could not be evaluated (a missing key, a wrong type)."""


def split_path(dotted: str) -> tuple[str, tuple[str, ...]]:
    root, _, rest = dotted.partition(".")
    return root, tuple(rest.split(".")) if rest else ()


def lookup(data: Any, root: str, path: tuple[str, ...]) -> Any:
    """Follow `path` into `data`; name the first segment that is missing."""
    current = data
    for depth, key in enumerate(path):
        if not isinstance(current, dict):
            where = ".".join([root, *path[:depth]])
            raise EvaluationError(f"`{where}` is {describe(current)}, not a map, so "
                                  f"`{'.'.join([root, *path[: depth + 1]])}` cannot be read")
        if key not in current:
            where = ".".join([root, *path[: depth + 1]])
            raise EvaluationError(f"`{where}` does not exist")
        current = current[key]
    return current


def references(expression: Any) -> list[str]:
    """Every `ref` in an expression, in order of appearance."""
    found: list[str] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "ref" in node:
                found.append(node["ref"])
            elif "list" in node:
                stack.extend(reversed(node["list"]))
            elif "map" in node:
                stack.extend(reversed(list(node["map"].values())))
            elif "op" in node:
                stack.extend(reversed(node.get("args", [])))
    return found


def evaluate(expression: Any, params: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    """The value of an expression. Results may share structure with `state`."""
    if not isinstance(expression, dict):
        return expression
    if "lit" in expression:
        return expression["lit"]
    if "ref" in expression:
        root, path = split_path(expression["ref"])
        if root == "state":
            return lookup(state, root, path)
        if root == "param":
            return lookup(params, root, path)
        raise EvaluationError(f"unknown reference root `{root}`")
    if "list" in expression:
        return [evaluate(item, params, state) for item in expression["list"]]
    if "map" in expression:
        return {key: evaluate(value, params, state) for key, value in expression["map"].items()}
    if "op" in expression:
        return _apply(expression["op"], expression.get("args", []), params, state)
    raise EvaluationError(f"malformed expression with keys {sorted(expression)}")


def _truth(value: Any, operator: str) -> bool:
    if not isinstance(value, bool):
        raise EvaluationError(f"`{operator}` needs true or false, found {describe(value)}")
    return value


def _apply(operator: str, args: list[Any], params: Mapping[str, Any],
           state: Mapping[str, Any]) -> Any:
    if operator == "and":
        return all(_truth(evaluate(arg, params, state), "and") for arg in args)
    if operator == "or":
        return any(_truth(evaluate(arg, params, state), "or") for arg in args)
    values = [evaluate(arg, params, state) for arg in args]
    if operator == "not":
        return not _truth(values[0], "not")
    left, right = values
    if operator == "==":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    if operator == "in":
        if isinstance(right, (list, str)) or isinstance(right, dict):
            if isinstance(right, str) and not isinstance(left, str):
                raise EvaluationError(f"`in` a string needs a string, found {describe(left)}")
            return any(_equal(left, item) for item in right) if isinstance(right, list) \
                else left in right
        raise EvaluationError(f"`in` needs a list, map or string, found {describe(right)}")
    numeric = {"int", "float"}
    kinds = {type_of(left), type_of(right)}
    if not (kinds <= numeric or kinds == {"str"}):
        raise EvaluationError(f"`{operator}` compares two numbers or two strings, found "
                              f"{describe(left)} and {describe(right)}")
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    if operator == ">=":
        return bool(left >= right)
    raise EvaluationError(f"unknown operator `{operator}`")


def _equal(left: Any, right: Any) -> bool:
    """JSON equality: `true` is not `1`, but `1` equals `1.0`."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return bool(left == right)
