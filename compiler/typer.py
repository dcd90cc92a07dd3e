"""Static types of expressions, and call typing through the operation table.

`Typer.type_of(expression)` computes an expression's `Type` (a name, with a
list's element type and a map's known fields). Given a `report` callback it
also reports what is wrong (E006, E010-E013, E018, E025-E029); without one it
only computes, so the linter and the editor can ask again for free.

Call typing (shared by call expressions and data-operation steps): the
arguments are matched to the operation's `Parameter`s (positional in order, a
`variadic` parameter takes every positional argument from there on, unknown
named arguments go to the operation's `rest` parameter when it has one), each
is typed (a `per_item` argument with `item` bound to the element type of the
first argument) and checked against its parameter's type, and the result type
is the operation's `result_type` of those argument types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Label
from compiler.suggest import closest, did_you_mean, one_of, rename_fix
from runtime.orchestration.operations import OPERATIONS, ArgumentTypes, Operation, Parameter
from runtime.orchestration.types import (
    ANY,
    TYPE_NAMES,
    Type,
    fits,
    is_iso_date,
    join,
    simple,
    type_of,
)


class Report(Protocol):
    def __call__(self, code: str, message: str, span: Span, label: str = "",
                 labels: Iterable[Label] = (), help: Iterable[str] = (),
                 fix: Any = None) -> None: ...


def type_from_ref(type_ref: ast.TypeRef | ast.RecordType) -> Type:
    """The `Type` a declaration names: `list[{id: str, severity: int}]` keeps its shape."""
    if isinstance(type_ref, ast.RecordType):
        return Type("map", fields=tuple((field.name.text, type_from_ref(field.type))
                                        for field in type_ref.fields))
    name = type_ref.name.text
    if name not in TYPE_NAMES:
        return ANY
    element = type_from_ref(type_ref.element) if type_ref.element is not None else None
    return Type(name, element if name == "list" else None)


def value_operations() -> list[str]:
    """The operations callable inside an expression (the data operations)."""
    return sorted(name for name, operation in OPERATIONS.items() if operation.compute is not None)


@dataclass(frozen=True, slots=True)
class Matched:
    """A call's arguments by parameter: one argument, or (variadic/rest) several."""

    single: Mapping[str, ast.Argument]
    spread: tuple[ast.Argument, ...] = ()  # the variadic parameter's arguments
    rest: tuple[ast.Argument, ...] = ()  # named arguments for the `rest` parameter


def match_call(operation: Operation, name: str, arguments: tuple[ast.Argument, ...], span: Span,
               report: Report | None) -> Matched:
    """Match arguments to parameters, reporting E010/E012/E018 when `report` is given."""
    emit: Report = report if report is not None else _silent
    matched: dict[str, ast.Argument] = {}
    spread: list[ast.Argument] = []
    rest: list[ast.Argument] = []
    misspelled: set[str] = set()
    parameters = operation.parameters
    names = operation.parameter_names
    position = 0
    seen_named = False
    for argument in arguments:
        if argument.name is None:
            if seen_named:
                emit("E018", "a positional argument cannot follow a named one", argument.span,
                     "positional argument after a named one",
                     help=("name it, or move it before the named arguments",))
                unfilled = next((n for n in names if n not in matched), None)
                if unfilled is not None:
                    matched[unfilled] = argument
                continue
            if position < len(parameters) and parameters[position].variadic:
                spread.append(argument)
                continue
            if position >= len(names):
                emit("E018", f"`{name}` takes {len(names)} argument"
                     f"{'s' if len(names) != 1 else ''}; this is one too many",
                     argument.span, "extra argument", help=(f"{name}: {operation.signature}",))
                continue
            matched[names[position]] = argument
            position += 1
            continue
        seen_named = True
        key = argument.name.text
        if key not in names or (operation.rest == key):
            if operation.rest is not None:
                rest.append(argument)
                continue
            misspelled.update(found for found in [closest(key, names)] if found is not None)
            emit("E010", f"`{name}` has no argument `{key}`", argument.name.span,
                 "unknown argument",
                 help=(*did_you_mean(key, names), f"{name}: {operation.signature}"),
                 fix=rename_fix(key, argument.name.span, (n for n in names if n not in matched)))
            continue
        if key in matched:
            emit("E018", f"the argument `{key}` is given twice", argument.span, "given again here",
                 labels=(Label(matched[key].span, "first given here"),),
                 help=("keep one of them",))
            continue
        matched[key] = argument
    for parameter in parameters:
        given = parameter.name in matched or (parameter.variadic and spread) \
            or (parameter.name == operation.rest and rest)
        if parameter.required and not given and parameter.name not in misspelled:
            emit("E012", f"`{name}` needs the argument `{parameter.name}`", span,
                 f"`{parameter.name}` is missing", help=(f"{name}: {operation.signature}",))
    return Matched(matched, tuple(spread), tuple(rest))


def _silent(code: str, message: str, span: Span, label: str = "", labels: Iterable[Label] = (),
            help: Iterable[str] = (), fix: Any = None) -> None:
    return None


_NUMBERS = frozenset({"int", "float", "number"})
_ORDERED = frozenset({"<", "<=", ">", ">="})


class Typer:
    """Types expressions; `state` and `params` give the types of the names they read."""

    def __init__(self, state: Mapping[str, Type], params: Mapping[str, Type],
                 report: Report | None = None,
                 steps_only: Callable[[str], Operation | None] = lambda name: None) -> None:
        self.state = state
        self.params = params
        # the project's operations, which are steps of their own, never values
        self.steps_only = steps_only
        self.report: Report = report if report is not None else _silent
        self.reporting = report is not None

    # -- expressions ------------------------------------------------------------------
    def type_of(self, expression: ast.Expr, item: Type | None = None) -> Type:
        if isinstance(expression, ast.Literal):
            if isinstance(expression.value, str) and is_iso_date(expression.value):
                return Type("date")
            return simple(type_of(expression.value))
        if isinstance(expression, ast.ListExpr):
            elements = [self.type_of(value, item) for value in expression.items]
            joined: Type | None = elements[0] if elements else None
            for element in elements[1:]:
                joined = join(joined, element) if joined is not None else None
            return Type("list", joined if joined is not None and joined != ANY else None)
        if isinstance(expression, ast.MapExpr):
            fields = {entry.key.text: self.type_of(entry.value, item)
                      for entry in expression.entries}
            return Type("map", fields=tuple(fields.items()))
        if isinstance(expression, ast.Reference):
            return self.reference(expression, item)
        if isinstance(expression, ast.Unary):
            operand = self.type_of(expression.operand, item)
            if expression.operator == "not":
                return Type("bool")
            if operand.name in _NUMBERS or operand.name == "any":
                return operand
            self.report("E025", f"`-` needs a number, not {operand}", expression.operand.span,
                        f"this is {operand}", help=("negate a number: `-state.total`",))
            return ANY
        if isinstance(expression, ast.Binary):
            return self.binary(expression, item)
        if isinstance(expression, ast.Conditional):
            return self.conditional(expression, item)
        return self.call(expression.function, expression.arguments, expression.span, item)

    def reference(self, reference: ast.Reference, item: Type | None) -> Type:
        if reference.root == "item":
            if item is None:
                self.report("E027", f"`{reference.dotted}` is read outside a per-item argument",
                            reference.span, "no current item here",
                            help=("`item` is the current element inside `where:`, `by:` or "
                                  "`of:` of a list operation, such as "
                                  "`filter(state.bugs, where: item.open)`",))
                return ANY
            current = item
            for depth, part in enumerate(reference.path):
                if current.name == "any" or (current.name == "map" and current.fields is None):
                    return ANY
                found = current.field(part.text)
                if found is None:
                    where = ".".join(["item", *(p.text for p in reference.path[:depth])])
                    known = [key for key, _ in current.fields or ()]
                    self.report("E028", f"`{where}` has no field `{part.text}`", part.span,
                                "unknown field",
                                help=(*did_you_mean(part.text, known),
                                      f"`{where}` is {current}" + (
                                          f"; its fields are {', '.join(f'`{k}`' for k in known)}"
                                          if known else "")),
                                fix=rename_fix(part.text, part.span, known))
                    return ANY
                current = found
            return current
        if not reference.path:
            return ANY
        table = self.params if reference.root == "param" else self.state
        current = table.get(reference.path[0].text, ANY)
        for part in reference.path[1:]:
            found = current.field(part.text)
            if found is None:
                return ANY
            current = found
        return current

    def binary(self, expression: ast.Binary, item: Type | None) -> Type:
        operator = expression.operator
        left = self.type_of(expression.left, item)
        right = self.type_of(expression.right, item)
        if operator in ("and", "or", "==", "!=", "in"):
            return Type("bool")
        names = {left.name, right.name}
        if operator in _ORDERED:  # numbers, strings or ISO dates; a mismatch is W208's
            return Type("bool")
        if operator == "+" and names <= {"str", "date"}:
            return Type("str")
        if operator == "+" and names == {"list"}:
            return Type("list")
        if "any" in names:
            if names - {"any"} <= _NUMBERS and operator == "/":
                return Type("float")
            return ANY if names - {"any"} <= _NUMBERS | {"str", "list"} else self.mismatch(
                expression, left, right, "needs two numbers", _ARITHMETIC_HELP[operator])
        if not names <= _NUMBERS:
            return self.mismatch(expression, left, right,
                                 "needs two numbers" + (", two strings or two lists"
                                                        if operator == "+" else ""),
                                 _ARITHMETIC_HELP[operator])
        if operator == "/":
            return Type("float")
        if names == {"int"}:
            return Type("int")
        if "number" in names:
            return Type("number")
        return Type("float")

    def mismatch(self, expression: ast.Binary, left: Type, right: Type, needs: str,
                 help_line: str) -> Type:
        self.report("E025", f"`{expression.operator}` {needs}, not {left} and {right}",
                    expression.span, f"{left} {expression.operator} {right}",
                    labels=(Label(expression.left.span, f"this is {left}"),
                            Label(expression.right.span, f"this is {right}")),
                    help=(help_line,))
        return ANY

    def conditional(self, expression: ast.Conditional, item: Type | None) -> Type:
        condition = self.type_of(expression.condition, item)
        then_type = self.type_of(expression.then_value, item)
        else_type = self.type_of(expression.else_value, item)
        if not fits(condition, Type("bool")):
            self.report("E026", f"the condition of `if` must be true or false, not {condition}",
                        expression.condition.span, f"this is {condition}",
                        help=("compare it, for example `if state.total > 100 then ...`",))
        joined = join(then_type, else_type)
        if joined is None:
            self.report("E026", f"the branches of `if` give {then_type} and {else_type}",
                        expression.span, "the two values differ in type",
                        labels=(Label(expression.then_value.span, f"this is {then_type}"),
                                Label(expression.else_value.span, f"this is {else_type}")),
                        help=("give both branches values of one type, for example two "
                              "strings",))
            return ANY
        return joined

    # -- calls ------------------------------------------------------------------------
    def call(self, function: ast.Name, arguments: tuple[ast.Argument, ...], span: Span,
             item: Type | None, step: bool = False) -> Type:
        name = function.text
        operation = OPERATIONS.get(name) or self.steps_only(name)
        if operation is None or operation.compute is None:
            for argument in arguments:  # still type them, so their own mistakes show
                self.type_of(argument.value, item)
            candidates = value_operations()
            if operation is None:
                self.report("E006", f"unknown operation `{name}`", function.span,
                            "not an operation",
                            help=(*did_you_mean(name, candidates),
                                  f"the operations that give a value: {one_of(candidates)}"),
                            fix=rename_fix(name, function.span, candidates))
            else:
                self.report("E013", f"`{name}` is a {operation.kind} step's operation and "
                            "cannot be used inside an expression", function.span,
                            "not a value", help=(f"use it as a step of its own: "
                                                 f"`{operation.example}`",))
            return ANY
        if name == "desc":  # `sort_keys` types it where it belongs
            self.report("E027", "`desc` only marks a key of `sort`'s `by`", function.span,
                        "not inside `sort(..., by: ...)`",
                        help=("sort descending with `sort(LIST, by: desc(item.FIELD))`",))
        matched = match_call(operation, name, arguments, span,
                             self.report if self.reporting else None)
        return self.call_type(operation, matched, item)

    def call_type(self, operation: Operation, matched: Matched, item: Type | None) -> Type:
        """The result type of a matched call, checking each argument's type (E011)."""
        types: dict[str, Type] = {}
        literals: dict[str, Any] = {}
        element: Type | None = None
        for parameter in operation.parameters:
            argument = matched.single.get(parameter.name)
            if argument is None or parameter.per_item:
                continue
            found = self.type_of(argument.value, item)
            if parameter.name == operation.items_parameter and found.name in ("list", "any"):
                element = found.element or ANY
            types[parameter.name] = found
            self.check_argument(operation, parameter, argument, found)
            constant, value = _constant(argument.value)
            if constant:
                literals[parameter.name] = value
        for parameter in operation.parameters:
            argument = matched.single.get(parameter.name)
            if argument is None or not parameter.per_item:
                continue
            if operation.name == "sort" and parameter.name == "by":
                found = self.sort_keys(argument.value, element or ANY)
            else:
                found = self.type_of(argument.value, element or ANY)
            types[parameter.name] = found
            self.check_argument(operation, parameter, argument, found)
        spread = tuple(self.type_of(argument.value, item) for argument in matched.spread)
        variadic = next((p for p in operation.parameters if p.variadic), None)
        if variadic is not None:
            for argument, found in zip(matched.spread, spread, strict=True):
                self.check_argument(operation, variadic, argument, found)
        rest = {argument.name.text: self.type_of(argument.value, item)
                for argument in matched.rest if argument.name is not None}
        if operation.rest is not None:
            types[operation.rest] = Type("map", fields=tuple(rest.items()))
        if operation.name == "format":
            self.check_template(matched, rest)
        return operation.result_type(ArgumentTypes(types, literals, spread))

    def sort_keys(self, expression: ast.Expr, element: Type) -> Type:
        keys = expression.items if isinstance(expression, ast.ListExpr) else (expression,)
        for key in keys:
            if isinstance(key, ast.CallExpr) and key.function.text == "desc":
                matched = match_call(OPERATIONS["desc"], "desc", key.arguments, key.span,
                                     self.report if self.reporting else None)
                inner = matched.single.get("key")
                key_type = self.type_of(inner.value, element) if inner is not None else ANY
            else:
                key_type = self.type_of(key, element)
            if key_type.name in ("list", "map"):
                self.report("E011", f"a sort key must be a number, string, date or boolean, not "
                            f"{key_type}", key.span, f"this is {key_type}",
                            help=("sort by a field of the item, for example `item.id`",))
        return Type("list") if isinstance(expression, ast.ListExpr) else ANY

    def check_argument(self, operation: Operation, parameter: Parameter,
                       argument: ast.Argument, found: Type,
                       declared_at: tuple[Label, ...] = ()) -> None:
        """E011 when the argument's type does not fit; `declared_at` labels where the
        value's type was declared (a param or input line)."""
        if parameter.place or fits(found, simple(parameter.type)):
            return
        self.report("E011", f"`{parameter.name}` of `{operation.name}` must be "
                    f"{parameter.type}, not {found}", argument.value.span, f"this is {found}",
                    labels=declared_at, help=(f"{operation.name}: {operation.signature}",))

    def check_template(self, matched: Matched, rest: Mapping[str, Type]) -> None:
        from runtime.orchestration.data import placeholders

        argument = matched.single.get("template")
        if argument is None or not isinstance(argument.value, ast.Literal) \
                or not isinstance(argument.value.value, str):
            return
        names, problem = placeholders(argument.value.value)
        if problem:
            self.report("E029", f"the template is malformed: {problem}", argument.value.span,
                        "malformed template", help=("placeholders are written `{name}`",))
            return
        for missing in dict.fromkeys(name for name in names if name not in rest):
            self.report("E029", f"the template uses `{{{missing}}}`, but no argument "
                        f"`{missing}` is given", argument.value.span, f"`{{{missing}}}` has no "
                        "value", help=(*did_you_mean(missing, rest),
                                       f"add it: `format(..., {missing}: VALUE)`"))
        for extra in matched.rest:
            if extra.name is not None and extra.name.text not in names:
                self.report("E029", f"the argument `{extra.name.text}` is not used by the "
                            "template", extra.span, "not in the template",
                            labels=(Label(argument.value.span, "the template"),),
                            help=(*did_you_mean(extra.name.text, names),
                                  f"write `{{{extra.name.text}}}` in the template, or remove "
                                  "the argument"))


_ARITHMETIC_HELP: dict[str, str] = {
    "+": "to build text from values use `format(\"{a} {b}\", a: ..., b: ...)`",
    "-": "subtract numbers; for dates use `add_days(date, -n)` or `days_between(a, b)`",
    "*": "multiply numbers",
    "/": "divide numbers",
}


def _constant(expression: ast.Expr) -> tuple[bool, Any]:
    from compiler.emit import literal_value

    return literal_value(expression)


