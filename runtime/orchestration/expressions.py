"""The small pure expression language of compiled workflows.

Encoding (compiled JSON): a string, number, boolean or null stands for
itself; every JSON object is a node with one key:

- `{"lit": VALUE}`: literal data (lists and maps with no references inside);
- `{"ref": "state.a.b"}` or `{"ref": "param.x"}`: a read;
- `{"list": [EXPR, ...]}`, `{"map": {"key": EXPR, ...}}`: built from parts;
- `{"op": OPERATOR, "args": [EXPR, ...]}`: `not`, `and`, `or`, `==`, `!=`,
  `<`, `<=`, `>`, `>=`, `in`, `+`, `-`, `*`, `/`, `neg`, `??`;
- `{"if": [CONDITION, THEN, ELSE]}`: a conditional value;
- `{"call": OPERATION, "args": {PARAMETER: EXPR, ...}}`: a data operation of the
  table (`operations.py`); a variadic parameter holds a `{"list": ...}` of its
  values; `{"ref": "item"}` / `{"ref": "item.f"}` read the current element, only
  inside an argument the operation evaluates per item.

`expression_problem` checks this shape (without recursion, so hostile
nesting cannot exhaust the stack) before a run starts; evaluating a checked
expression never raises anything but `EvaluationError`, whose message names
the path and what was found.

Null and missing keys: `a ?? b` is `b` when `a` is null, and a comparison with
the literal null (`x == null`, `x != null`) reads `x` the same way: where `a` or
`x` is a reference, a missing key or a null anywhere along its path reads as
null instead of failing. Every other read of a missing key fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from runtime.bounds import MAX_EXPRESSION_DEPTH, MAX_PATH_PARTS
from runtime.orchestration.model import OBSERVER
from runtime.orchestration.model import EvaluationError as EvaluationError  # its home before
from runtime.orchestration.operations import OPERATIONS
from runtime.orchestration.semantics import arithmetic
from runtime.orchestration.semantics import json_equal as json_equal  # its home before
from runtime.orchestration.types import describe, type_of

if TYPE_CHECKING:  # imported where an evaluation starts: checking a mission needs none
    from runtime.orchestration.budget import Budget

OPERATORS = ("not", "and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/",
             "neg", "??")
# How many operands each operator takes; `and` and `or` take two or more.
_ARITY = {"not": 1, "==": 2, "!=": 2, "<": 2, "<=": 2, ">": 2, ">=": 2, "in": 2, "+": 2, "-": 2,
          "*": 2, "/": 2, "neg": 1, "??": 2}
REFERENCE_ROOTS = ("param", "state")
ITEM = "item"  # the root of a reference to the current element of a list operation


def split_path(dotted: str) -> tuple[str, tuple[str, ...]]:
    root, _, rest = dotted.partition(".")
    return root, tuple(rest.split(".")) if rest else ()


def path_problem(dotted: Any, roots: tuple[str, ...] = REFERENCE_ROOTS) -> str | None:
    """None if `dotted` is `root.key[.key...]` with a known root and no empty key."""
    if not isinstance(dotted, str):
        return f"a reference must be a string like \"state.x\", found {describe(dotted)}"
    root, path = split_path(dotted)
    if root not in roots or not path or "" in path:
        expected = " or ".join(f"`{r}.NAME`" for r in roots)
        return f"`{dotted}` is not a reference of the form {expected}"
    if len(path) > MAX_PATH_PARTS:
        return (f"`{root}.{'.'.join(path[:3])}...` has {len(path)} parts after `{root}.`, over "
                f"the limit of {MAX_PATH_PARTS} (each part nests the state one level)")
    return None


def expression_problem(expression: Any, item: bool = False) -> str | None:
    """None if `expression` has the encoding above, else what is wrong with it (`item`:
    it is evaluated per item, so it may read `item`)."""
    stack: list[tuple[Any, int, bool]] = [(expression, 0, item)]  # node, depth, item bound
    while stack:
        node, depth, has_item = stack.pop()
        if node is None or isinstance(node, (bool, int, float, str)):
            continue
        if isinstance(node, list):
            return 'a list must be written {"list": [...]} or {"lit": [...]}'
        if not isinstance(node, dict):
            return f"{describe(node)} is not an expression"
        keys = sorted(node)
        if keys == ["lit"]:
            continue
        if keys == ["ref"]:
            reference = node["ref"]
            if isinstance(reference, str) and split_path(reference)[0] == ITEM:
                if not has_item:
                    return f"`{reference}` is read outside an argument evaluated per item"
                if "" in split_path(reference)[1]:
                    return f"`{reference}` has an empty key"
                continue
            problem = path_problem(reference)
            if problem:
                return problem
            continue
        if depth >= MAX_EXPRESSION_DEPTH:  # a list, map, `if` or operator is one level
            return f"the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep"
        if keys == ["list"]:
            if not isinstance(node["list"], list):
                return f"`list` must hold a list, found {describe(node['list'])}"
            stack.extend((item, depth + 1, has_item) for item in node["list"])
        elif keys == ["map"]:
            if not isinstance(node["map"], dict):
                return f"`map` must hold a map, found {describe(node['map'])}"
            stack.extend((item, depth + 1, has_item) for item in node["map"].values())
        elif keys == ["if"]:
            branches = node["if"]
            if not isinstance(branches, list) or len(branches) != 3:
                return "`if` must hold [condition, then-value, else-value]"
            stack.extend((item, depth + 1, has_item) for item in branches)
        elif keys == ["args", "call"]:
            name, args = node["call"], node["args"]
            operation = OPERATIONS.get(name) if isinstance(name, str) else None
            if operation is None or operation.compute is None:
                known = sorted(n for n, o in OPERATIONS.items() if o.compute is not None)
                return (f"{describe(name)} is not an operation that gives a value; known: "
                        f"{', '.join(known)}")
            if not isinstance(args, dict):
                return f"the arguments of `{name}` must be a map, found {describe(args)}"
            for key, value in args.items():
                parameter = operation.parameter(key)
                if parameter is None:
                    return f"`{name}` has no argument `{key}`"
                if parameter.variadic and not (isinstance(value, dict)
                                               and ("list" in value or "lit" in value)):
                    return f"the argument `{key}` of `{name}` must be a list of values"
                stack.append((value, depth + 1, has_item or parameter.per_item))
            for parameter in operation.parameters:
                if parameter.required and parameter.name not in args:
                    return f"`{name}` is missing the argument `{parameter.name}`"
        elif keys in (["op"], ["args", "op"]):
            operator, args = node["op"], node.get("args", [])
            if operator not in OPERATORS:
                return f"unknown operator {describe(operator)}; known: {', '.join(OPERATORS)}"
            if not isinstance(args, list):
                return f"the operands of `{operator}` must be a list, found {describe(args)}"
            wanted = _ARITY.get(operator)
            if (wanted is not None and len(args) != wanted) or (wanted is None and len(args) < 2):
                count = wanted if wanted is not None else "2 or more"
                return f"`{operator}` takes {count} operands, found {len(args)}"
            stack.extend((item, depth + 1, has_item) for item in args)
        else:
            return (f"an expression node has one of the keys lit, ref, list, map, op, if, "
                    f"call; found {keys}")
    return None


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


def lookup_or_null(data: Any, root: str, path: tuple[str, ...]) -> Any:
    """`lookup`, except that a missing key or a null along the path gives null (what `??` and
    a comparison with null read); a value that is neither a map nor null still fails."""
    current = data
    for depth, key in enumerate(path):
        if current is None:
            return None
        if not isinstance(current, dict):
            where = ".".join([root, *path[:depth]])
            raise EvaluationError(f"`{where}` is {describe(current)}, not a map, so "
                                  f"`{'.'.join([root, *path[: depth + 1]])}` cannot be read")
        current = current.get(key)
    return current


def references(expression: Any) -> list[str]:
    """Every `ref` in an expression, in order of appearance. Works on unchecked data too
    (graphs of hand-written workflows): a part of the wrong shape holds no reference."""
    found: list[str] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if "ref" in node:
            found.append(node["ref"])
            continue
        key = next((k for k in ("list", "map", "op", "if", "call") if k in node), None)
        if key is None:
            continue
        parts = node.get("args", []) if key in ("op", "call") else node[key]
        if isinstance(parts, dict):
            parts = list(parts.values())
        if isinstance(parts, list):
            stack.extend(reversed(parts))
    return found


_NO_ITEM: Any = object()  # no current element: `item` cannot be read


def evaluate(expression: Any, params: Mapping[str, Any], state: Mapping[str, Any],
             item: Any = _NO_ITEM, budget: Budget | None = None) -> Any:
    """The value of an expression (`item`: the current element inside a per-item argument;
    `budget`: what is left to the outermost expression, `runtime.orchestration.budget`,
    a new one when not given). Results may share structure with `state`."""
    if not isinstance(expression, dict):
        return expression
    if "lit" in expression:
        return expression["lit"]
    if "ref" in expression:
        return _read(expression["ref"], params, state, item, lookup)
    if budget is None:
        from runtime.orchestration.budget import Budget

        budget = Budget()
    if "list" in expression:
        values = []
        for part in expression["list"]:
            value = evaluate(part, params, state, item, budget)
            budget.charge(budget.placed(value), "a list")
            values.append(value)
        return values
    if "map" in expression:
        built: dict[str, Any] = {}
        for key, part in expression["map"].items():
            value = evaluate(part, params, state, item, budget)
            budget.charge(budget.placed(value) + len(key), "a map")
            built[key] = value
        return built
    if "op" in expression:
        return _apply(expression["op"], expression.get("args", []), params, state, item, budget)
    if "if" in expression:
        condition, then_value, else_value = expression["if"]
        taken = _truth(evaluate(condition, params, state, item, budget), "if")
        observer = OBSERVER.get()
        if observer is not None:  # `mission test`'s coverage (`runtime.orchestration.trace`)
            observer.branch(expression, taken)
        return evaluate(then_value if taken else else_value, params, state, item, budget)
    if "call" in expression:
        operation = OPERATIONS.get(expression["call"])
        if operation is None or operation.compute is None:
            raise EvaluationError(f"`{expression['call']}` does not give a value")
        return operation.compute(CallArguments(expression["call"], expression["args"], params,
                                               state, item, budget))
    raise EvaluationError(f"malformed expression with keys {sorted(expression)}")


class CallArguments:
    """The arguments of one data-operation call, evaluated on demand: a per-item argument
    is evaluated for each element with `item` bound to it. An operation that builds a value
    charges its size to the expression's budget first (`charge`, `size`)."""

    __slots__ = ("_args", "_budget", "_item", "_params", "_state", "name")

    def __init__(self, name: str, args: Mapping[str, Any], params: Mapping[str, Any],
                 state: Mapping[str, Any], item: Any = _NO_ITEM,
                 budget: Budget | None = None) -> None:
        self.name = name
        self._args = args
        self._params = params
        self._state = state
        self._item = item
        if budget is None:
            from runtime.orchestration.budget import Budget

            budget = Budget()
        self._budget = budget

    def has(self, name: str) -> bool:
        return name in self._args

    def value(self, name: str, default: Any = None) -> Any:
        if name not in self._args:
            return default
        return evaluate(self._args[name], self._params, self._state, self._item, self._budget)

    def parts(self, name: str, default: Any = None) -> Any:
        """A variadic or rest argument (`concat`'s lists, `format`'s values): the list or
        map of its values, each evaluated. That list or map is only how the call hands them
        over, so it is not charged to the budget; what the operation builds from them is."""
        expression = self._args.get(name)
        if isinstance(expression, dict) and isinstance(expression.get("list"), list):
            return [evaluate(part, self._params, self._state, self._item, self._budget)
                    for part in expression["list"]]
        if isinstance(expression, dict) and isinstance(expression.get("map"), dict):
            return {key: evaluate(part, self._params, self._state, self._item, self._budget)
                    for key, part in expression["map"].items()}
        return self.value(name, default)

    def expression(self, name: str) -> Any:
        return self._args.get(name)

    def each(self, expression: Any, element: Any) -> Any:
        """A per-item expression's value for one element."""
        self._budget.item()
        return evaluate(expression, self._params, self._state, element, self._budget)

    def charge(self, amount: int) -> None:
        """Count `amount` units this operation is about to build (`Budget.charge`)."""
        self._budget.charge(amount, self.name)

    def joined(self, parts: list[Any] | tuple[Any, ...]) -> int:
        """What joining `parts` into one new value adds (`joined`)."""
        return joined(self._budget, parts)

    def placing(self, value: Any) -> Any:
        """`value`, charged as one more element of a list this operation builds (its slot,
        and its whole size if the evaluation placed it before: `Budget.placed`)."""
        self._budget.charge(self._budget.placed(value), self.name)
        return value


def joined(budget: Budget, parts: list[Any] | tuple[Any, ...]) -> int:
    """What joining strings, lists or maps into one new one adds: a new string's
    characters; a slot per element of new list or map, and each part the evaluation
    placed before weighs its whole size again (`Budget.placed`)."""
    if all(isinstance(part, str) for part in parts):
        return sum(map(len, parts))
    return sum(len(part) + budget.placed(part) - 1 for part in parts)


def _truth(value: Any, operator: str) -> bool:
    if not isinstance(value, bool):
        raise EvaluationError(f"`{operator}` needs true or false, found {describe(value)}")
    return value


def _or_null(expression: Any, params: Mapping[str, Any], state: Mapping[str, Any], item: Any,
             budget: Budget) -> Any:
    """An operand of `??` or of a comparison with null: a reference reads as null where its
    path is missing or passes a null; anything else is evaluated as usual."""
    reference = expression.get("ref") if isinstance(expression, dict) else None
    if not isinstance(reference, str):
        return evaluate(expression, params, state, item, budget)
    return _read(reference, params, state, item, lookup_or_null)


def _read(reference: str, params: Mapping[str, Any], state: Mapping[str, Any], item: Any,
          find: Callable[[Any, str, tuple[str, ...]], Any]) -> Any:
    """A reference's value, found in the state, the params or the current item by `find`
    (`lookup`, or `lookup_or_null` where a missing key reads as null)."""
    root, path = split_path(reference)
    if root == "state":
        return find(state, root, path)
    if root == "param":
        return find(params, root, path)
    if root == ITEM and item is not _NO_ITEM:
        return find(item, root, path)
    raise EvaluationError(f"`{reference}` cannot be read here")


def _apply(operator: str, args: list[Any], params: Mapping[str, Any],
           state: Mapping[str, Any], item: Any, budget: Budget) -> Any:
    if operator == "??":
        found = _or_null(args[0], params, state, item, budget)
        return found if found is not None else evaluate(args[1], params, state, item, budget)
    if operator in ("==", "!=") and (args[0] is None or args[1] is None):
        left = _or_null(args[0], params, state, item, budget)
        right = _or_null(args[1], params, state, item, budget)
        return json_equal(left, right) is (operator == "==")
    if operator == "and":
        return all(_truth(evaluate(arg, params, state, item, budget), "and") for arg in args)
    if operator == "or":
        return any(_truth(evaluate(arg, params, state, item, budget), "or") for arg in args)
    values = [evaluate(arg, params, state, item, budget) for arg in args]
    if operator == "not":
        return not _truth(values[0], "not")
    if operator == "neg":
        return arithmetic("-", 0, values[0])
    left, right = values
    if operator in ("+", "-", "*", "/"):
        if operator == "+" and isinstance(left, (str, list)) and type(left) is type(right):
            budget.charge(joined(budget, (left, right)), "+")  # `+` joins strings or lists
        return arithmetic(operator, left, right)
    if operator == "==":
        return json_equal(left, right)
    if operator == "!=":
        return not json_equal(left, right)
    if operator == "in":
        if isinstance(right, list):
            return any(json_equal(left, item) for item in right)
        if isinstance(right, (str, dict)):
            if not isinstance(left, str):
                where = "a string" if isinstance(right, str) else "the keys of a map"
                raise EvaluationError(f"`in` {where} needs a string, found {describe(left)}")
            return left in right
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
