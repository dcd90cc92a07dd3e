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
from typing import Any, Protocol

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Fix, Label
from compiler.literals import literal_value
from compiler.narrowing import NO_FACTS, Facts, compared_with_null, proven
from compiler.suggest import closest, did_you_mean, listed, rename_fix
from runtime.frozen import Frozen, set_field
from runtime.orchestration.calling import ArgumentTypes, Operation, Parameter
from runtime.orchestration.data import fixed_placeholders, placeholders
from runtime.orchestration.operations import OPERATIONS
from runtime.orchestration.types import (
    ANY,
    TYPE_NAMES,
    Type,
    fits,
    is_iso_date,
    join,
    maybe_null,
    non_null,
    simple,
    type_of,
)


class Report(Protocol):
    def __call__(self, code: str, message: str, span: Span, label: str = "",
                 labels: Iterable[Label] = (), help: Iterable[str] = (),
                 fix: Any = None) -> None: ...


def type_from_ref(type_ref: ast.TypeRef | ast.RecordType) -> Type:
    """The `Type` a declaration names: `list[{id: str, done_on?: date}]` keeps its shape,
    `date?` its null."""
    if isinstance(type_ref, ast.RecordType):
        found = Type("map", fields=tuple((field.name.text, type_from_ref(field.type))
                                         for field in type_ref.fields),
                     optional=frozenset(field.name.text for field in type_ref.fields
                                        if field.optional))
    else:
        name = type_ref.name.text
        if name not in TYPE_NAMES or name == "any":
            return ANY
        element = type_from_ref(type_ref.element) if type_ref.element is not None else None
        if name == "map" and element is not None:  # a record declared on its own
            return maybe_null(element) if type_ref.nullable else element
        found = Type(name, element if name == "list" else None)
    return maybe_null(found) if type_ref.nullable else found


def value_operations() -> list[str]:
    """The operations callable inside an expression (the data operations)."""
    return sorted(name for name, operation in OPERATIONS.items()
                  if operation.compute is not None and name != "desc")


class Matched(Frozen):
    """A call's arguments by parameter: one argument, or (variadic/rest) several."""

    __slots__ = ("rest", "single", "spread")
    single: Mapping[str, ast.Argument]
    spread: tuple[ast.Argument, ...]  # the variadic parameter's arguments
    rest: tuple[ast.Argument, ...]  # named arguments for the `rest` parameter

    def __init__(
        self,
        single: Mapping[str, ast.Argument],
        spread: tuple[ast.Argument, ...] = (),
        rest: tuple[ast.Argument, ...] = (),
    ) -> None:
        set_field(self, "single", single)
        set_field(self, "spread", spread)
        set_field(self, "rest", rest)


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
            nullable = operation.declaration is not None and parameter.type.endswith("?")
            emit("E012", f"`{name}` needs the argument `{parameter.name}`", span,
                 f"`{parameter.name}` is missing", help=(
                     f"{name}: {operation.signature}",
                     *([f"`{parameter.name}` is declared \"{parameter.type}\": a "
                        f"{parameter.type[:-1]} or null, which must still be given; to let "
                        f"calls leave it out, declare it {{ type = \"{parameter.type}\", "
                        "optional = true }"] if nullable else [])))
    return Matched(matched, tuple(spread), tuple(rest))


def _silent(code: str, message: str, span: Span, label: str = "", labels: Iterable[Label] = (),
            help: Iterable[str] = (), fix: Any = None) -> None:
    return None


_NUMBERS = frozenset({"int", "float", "number"})
_ORDERED = frozenset({"<", "<=", ">", ">="})


class Typer:
    """Types expressions; `state` and `params` give the types of the names they read.

    `guard`, when given, makes the fix of an E031 in the step being typed: it guards the
    step with `when PATH != null` (None where it cannot)."""

    def __init__(self, state: Mapping[str, Type], params: Mapping[str, Type],
                 report: Report | None = None,
                 steps_only: Callable[[str], Operation | None] = lambda name: None,
                 guard: Callable[[str], Fix | None] | None = None, source: str = "") -> None:
        self.state = state
        self.params = params
        # the project's operations, which are steps of their own, never values
        self.steps_only = steps_only
        self.report: Report = report if report is not None else _silent
        self.reporting = report is not None
        self.guard: Callable[[str], Fix | None] = guard or (lambda dotted: None)
        self.source = source  # the text, to quote a value in a help line

    def text_of(self, expression: ast.Expr) -> str:
        """An expression as written, for a help line (`...` when long or unknown)."""
        if isinstance(expression, ast.Reference):
            return expression.dotted
        written = " ".join(self.source[expression.span.start:expression.span.end].split())
        return written if 0 < len(written) <= 40 else "..."

    # -- expressions ------------------------------------------------------------------
    def type_of(self, expression: ast.Expr, item: Type | None = None,
                facts: Facts = NO_FACTS) -> Type:
        """The expression's type; `item` is the current element's type inside a per-item
        argument, `facts` what the guards around the expression prove (`narrowing`)."""
        if isinstance(expression, ast.Literal):
            if isinstance(expression.value, str) and is_iso_date(expression.value):
                return Type("date")
            return simple(type_of(expression.value))
        if isinstance(expression, ast.ListExpr):
            elements = [self.type_of(value, item, facts) for value in expression.items]
            joined: Type | None = elements[0] if elements else None
            for element in elements[1:]:
                joined = join(joined, element) if joined is not None else None
            return Type("list", joined if joined is not None and joined != ANY else None)
        if isinstance(expression, ast.MapExpr):
            fields = {entry.key.text: self.type_of(entry.value, item, facts)
                      for entry in expression.entries}
            return Type("map", fields=tuple(fields.items()))
        if isinstance(expression, ast.Reference):
            return self.reference(expression, item, facts)
        if isinstance(expression, ast.Unary):
            operand = self.usable(expression.operand,
                                  self.type_of(expression.operand, item, facts),
                                  f"`{expression.operator}`")
            if expression.operator == "not":
                return Type("bool")
            if operand.name in _NUMBERS or operand.name == "any":
                return operand
            self.report("E025", f"`-` needs a number, not {operand}", expression.operand.span,
                        f"this is {operand}", help=("negate a number: `-state.total`",))
            return ANY
        if isinstance(expression, ast.Binary):
            return self.binary(expression, item, facts)
        if isinstance(expression, ast.Conditional):
            return self.conditional(expression, item, facts)
        return self.call(expression.function, expression.arguments, expression.span, item,
                         facts=facts)

    def operand(self, expression: ast.Expr, item: Type | None, facts: Facts) -> Type:
        """An operand of `??` or of a comparison with null, typed as the engine reads it: a
        reference whose path is missing or passes a null reads as null."""
        if isinstance(expression, ast.Reference):
            return self.reference(expression, item, facts, or_null=True)
        return self.type_of(expression, item, facts)

    def reference(self, reference: ast.Reference, item: Type | None,
                  facts: Facts = NO_FACTS, or_null: bool = False) -> Type:
        """The type of a read. A field read of a value that may be null, or of a field that
        may be absent, is E031 unless a guard proves it safe, or `or_null` (the reference
        is read as null there: by `??`, or compared with null)."""
        if reference.root == "item":
            if item is None:
                self.report("E027", f"`{reference.dotted}` is read outside a per-item argument",
                            reference.span, "no current item here",
                            help=("`item` is the current element inside `where:`, `by:` or "
                                  "`of:` of a list operation, such as "
                                  "`filter(state.bugs, where: item.open)`",))
                return ANY
            current, dotted, parts = item, "item", reference.path
        else:
            if not reference.path:
                return ANY
            table = self.params if reference.root == "param" else self.state
            head = reference.path[0].text
            current, dotted = table.get(head, ANY), f"{reference.root}.{head}"
            parts = reference.path[1:]
        current = _narrowed(current, dotted, facts)
        # the first part that may be null (the value it is read from) or absent (its type)
        unsafe: tuple[str, str, Type] | None = None
        for part in parts:
            if current.name == "any":
                break
            if current.may_be_null:
                unsafe = unsafe or ("null", dotted, current)
                current = non_null(current)
            if current.name in ("any", "null") or (current.name == "map"
                                                    and current.fields is None):
                current = ANY
                break
            found = current.field(part.text)
            if found is None:
                if reference.root == "item":
                    self.unknown_field(dotted, part, current)
                current = ANY
                break
            field = f"{dotted}.{part.text}"
            if part.text in current.optional and field not in facts.present:
                unsafe = unsafe or ("absent", field, found)
            current, dotted = _narrowed(found, field, facts), field
        if unsafe is None:
            return current
        if or_null:  # `??` and a comparison with null read it as null
            return maybe_null(current)
        kind, where, found = unsafe
        if kind == "null":
            self.null_read(reference, where, found, current)
        else:
            self.absent_read(reference, where, found, current)
        return current

    def unknown_field(self, where: str, part: ast.Name, current: Type) -> None:
        known = [key for key, _ in current.fields or ()]
        self.report("E028", f"`{where}` has no field `{part.text}`", part.span, "unknown field",
                    help=(*did_you_mean(part.text, known),
                          f"`{where}` is {current}" + (
                              f"; its fields are {', '.join(f'`{k}`' for k in known)}"
                              if known else "")),
                    fix=rename_fix(part.text, part.span, known))

    def null_read(self, reference: ast.Reference, dotted: str, found: Type,
                  read: Type) -> None:
        """E031: `state.next.name` where `state.next` may be null."""
        what = "is null" if found.name == "null" else f"may be null (it is {found})"
        self.report("E031", f"`{dotted}` {what}, so `{reference.dotted}` cannot always be "
                    "read", reference.span, f"`{dotted}` may be null here",
                    help=self.null_help(reference, dotted, read), fix=self.guard_fix(dotted))

    def absent_read(self, reference: ast.Reference, field: str, found: Type,
                    read: Type) -> None:
        """E031: `item.done_on` where the record declares `done_on?: ...`."""
        holder, _, name = field.rpartition(".")
        self.report("E031", f"`{field}` may be absent (its record declares `{name}?: {found}`)",
                    reference.span, "may be absent here",
                    help=(*self.null_help(reference, field, read),
                          f"or test that it is there: `\"{name}\" in {holder} and ...`"),
                    fix=self.guard_fix(field))

    def null_help(self, reference: ast.Reference, dotted: str, read: Type) -> tuple[str, ...]:
        guard = f"guard the step: `when {dotted} != null`" if reference.root != "item" else \
            f"guard it: `{dotted} != null and ...`"
        return (guard, f"or give a default: `{reference.dotted} ?? {_default(read)}`")

    def guard_fix(self, dotted: str) -> Fix | None:
        return self.guard(dotted) if not dotted.startswith("item") else None

    def usable(self, expression: ast.Expr, found: Type, needs: str) -> Type:
        """`found` where null does not fit (an operand of `+`, `<`, `not`, ...): E031 when it
        may be null; the type without null, so nothing cascades."""
        if not found.nullable:
            return found
        what = f"`{expression.dotted}`" if isinstance(expression, ast.Reference) else "this"
        self.report("E031", f"{needs} cannot take null, and {what} may be null (it is {found})",
                    expression.span, "may be null here",
                    help=(f"give a default: `{self.text_of(expression)} ?? {_default(found)}`",
                          "or guard it: `... != null and ...` (in a `when`, an `and` chain or "
                          "an `if`)"))
        return non_null(found)

    def binary(self, expression: ast.Binary, item: Type | None, facts: Facts) -> Type:
        operator = expression.operator
        if operator in ("and", "or"):
            left = self.type_of(expression.left, item, facts)
            right = self.type_of(expression.right, item,
                                 facts | proven(expression.left, operator == "and"))
            self.usable(expression.left, left, f"`{operator}`")
            self.usable(expression.right, right, f"`{operator}`")
            return Type("bool")
        if operator == "??":
            left = non_null(self.operand(expression.left, item, facts))
            right = self.type_of(expression.right, item, facts)
            return self.joined(expression, (expression.left, left), (expression.right, right),
                               f"the two sides of `??` give {left} and {right}",
                               "the value and its default differ in type",
                               f"give a default of the same type: "
                               f"`{self.text_of(expression.left)} ?? {_default(left)}`")
        other = compared_with_null(expression)
        if other is not None:
            self.operand(other, item, facts)
            return Type("bool")
        left = self.type_of(expression.left, item, facts)
        right = self.type_of(expression.right, item, facts)
        if operator in ("==", "!="):
            return Type("bool")
        if operator == "in":
            self.usable(expression.right, right, "`in`")
            return Type("bool")
        left = self.usable(expression.left, left, f"`{operator}`")
        right = self.usable(expression.right, right, f"`{operator}`")
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

    def compared(self, expression: ast.Binary) -> tuple[Type, Type]:
        """The operand types of a comparison as the engine reads them (silently): with null,
        a reference reads as null where its path is missing or passes a null."""
        null_side = compared_with_null(expression)
        if null_side is None:
            return self.type_of(expression.left), self.type_of(expression.right)
        read = self.operand(null_side, ANY, NO_FACTS)
        return (read, Type("null")) if null_side is expression.left else (Type("null"), read)

    def mismatch(self, expression: ast.Binary, left: Type, right: Type, needs: str,
                 help_line: str) -> Type:
        self.report("E025", f"`{expression.operator}` {needs}, not {left} and {right}",
                    expression.span, f"{left} {expression.operator} {right}",
                    labels=(Label(expression.left.span, f"this is {left}"),
                            Label(expression.right.span, f"this is {right}")),
                    help=(help_line,))
        return ANY

    def conditional(self, expression: ast.Conditional, item: Type | None,
                    facts: Facts) -> Type:
        condition = self.type_of(expression.condition, item, facts)
        then_type = self.type_of(expression.then_value, item,
                                 facts | proven(expression.condition, True))
        else_type = self.type_of(expression.else_value, item,
                                 facts | proven(expression.condition, False))
        if not fits(condition, Type("bool")):
            self.report("E026", f"the condition of `if` must be true or false, not {condition}",
                        expression.condition.span, f"this is {condition}",
                        help=(f"give it a default: "
                              f"`{self.text_of(expression.condition)} ?? false`",)
                        if condition.nullable else
                        ("compare it, for example `if state.total > 100 then ...`",))
        return self.joined(expression, (expression.then_value, then_type),
                           (expression.else_value, else_type),
                           f"the branches of `if` give {then_type} and {else_type}",
                           "the two values differ in type",
                           "give both branches values of one type, for example two strings")

    def joined(self, expression: ast.Expr, first: tuple[ast.Expr, Type],
               second: tuple[ast.Expr, Type], message: str, label: str,
               help_line: str) -> Type:
        """The join of the two values a conditional may give; E026 when there is none."""
        joined = join(first[1], second[1])
        if joined is not None:
            return joined
        self.report("E026", message, expression.span, label,
                    labels=tuple(Label(part.span, f"this is {found}")
                                 for part, found in (first, second)),
                    help=(help_line,))
        return ANY

    # -- calls ------------------------------------------------------------------------
    def call(self, function: ast.Name, arguments: tuple[ast.Argument, ...], span: Span,
             item: Type | None, step: bool = False, facts: Facts = NO_FACTS) -> Type:
        name = function.text
        operation = OPERATIONS.get(name) or self.steps_only(name)
        if operation is None or operation.compute is None:
            for argument in arguments:  # still type them, so their own mistakes show
                self.type_of(argument.value, item, facts)
            candidates = value_operations()
            if operation is None:
                self.report("E006", f"unknown operation `{name}`", function.span,
                            "not an operation",
                            help=(*did_you_mean(name, candidates),
                                  listed(candidates, "operations that give a value")),
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
        return self.call_type(operation, matched, item, facts)

    def call_type(self, operation: Operation, matched: Matched, item: Type | None,
                  facts: Facts = NO_FACTS) -> Type:
        """The result type of a matched call, checking each argument's type (E011); `facts`
        hold for every argument, those about `item` only outside per-item ones."""
        each = facts.without_item()
        types: dict[str, Type] = {}
        literals: dict[str, Any] = {}
        element: Type | None = None
        for parameter in operation.parameters:
            argument = matched.single.get(parameter.name)
            if argument is None or parameter.per_item:
                continue
            found = self.type_of(argument.value, item, facts)
            if parameter.name == operation.items_parameter and found.name in ("list", "any"):
                element = found.element or ANY
            types[parameter.name] = found
            self.check_argument(operation, parameter, argument, found)
            constant, value = literal_value(argument.value)
            if constant:
                literals[parameter.name] = value
        for parameter in operation.parameters:
            argument = matched.single.get(parameter.name)
            if argument is None or not parameter.per_item:
                continue
            if operation.name == "sort" and parameter.name == "by":
                found = self.sort_keys(argument.value, element or ANY, each)
            else:
                found = self.type_of(argument.value, element or ANY, each)
            types[parameter.name] = found
            self.check_argument(operation, parameter, argument, found)
        spread = tuple(self.type_of(argument.value, item, facts)
                       for argument in matched.spread)
        variadic = next((p for p in operation.parameters if p.variadic), None)
        if variadic is not None:
            for argument, found in zip(matched.spread, spread, strict=True):
                self.check_argument(operation, variadic, argument, found)
        rest = {argument.name.text: self.type_of(argument.value, item, facts)
                for argument in matched.rest if argument.name is not None}
        if operation.rest is not None:
            types[operation.rest] = Type("map", fields=tuple(rest.items()))
        if operation.name == "format":
            self.check_template(matched, rest)
        return operation.result_type(ArgumentTypes(types, literals, spread))

    def sort_keys(self, expression: ast.Expr, element: Type, facts: Facts = NO_FACTS) -> Type:
        keys = expression.items if isinstance(expression, ast.ListExpr) else (expression,)
        for key in keys:
            if isinstance(key, ast.CallExpr) and key.function.text == "desc":
                matched = match_call(OPERATIONS["desc"], "desc", key.arguments, key.span,
                                     self.report if self.reporting else None)
                inner = matched.single.get("key")
                key_type = self.type_of(inner.value, element, facts) if inner is not None \
                    else ANY
            else:
                key_type = self.type_of(key, element, facts)
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
        wanted = simple(parameter.type)
        if parameter.place or fits(found, wanted):
            return
        self.report("E011", f"`{parameter.name}` of `{operation.name}` must be "
                    f"{parameter.type}, not {found}", argument.value.span, f"this is {found}",
                    labels=declared_at,
                    help=(*conversions(argument.value, self.text_of(argument.value), found,
                                       wanted),
                          f"{operation.name}: {operation.signature}"))

    def check_template(self, matched: Matched, rest: Mapping[str, Type]) -> None:
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
        given = {extra.name.text: extra for extra in matched.rest if extra.name is not None}
        for name, places in dict.fromkeys(fixed_placeholders(argument.value.value)):
            found = rest.get(name, ANY)
            if name in given and not fits(found, Type("number")):
                self.report("E029", f"`{{{name}:.{places}f}}` writes a number, but `{name}` "
                            + ("may be null" if found.nullable else f"is {found}"),
                            given[name].value.span, f"this is {found}",
                            labels=(Label(argument.value.span, "the template"),),
                            help=(f"give a default: "
                                  f"`{name}: {self.text_of(given[name].value)} ?? 0`"
                                  if found.nullable else
                                  f"write `{{{name}}}` for a value that is not a number",))
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


def conversions(value: ast.Expr, text: str, found: Type, wanted: Type) -> tuple[str, ...]:
    """Help lines that turn `value` (written `text`), of type `found`, into one that fits
    `wanted`, where the language has a way (E011): a default for null, `format` for text,
    `round` for a whole number."""
    helps: list[str] = []
    if found.nullable:
        guard = f", or guard the step: `when {text} != null`" \
            if isinstance(value, ast.Reference) and value.root != "item" else ""
        helps.append(f"it may be null: give a default, `{text} ?? {_default(wanted)}`{guard}")
    base = non_null(found)
    name = value.path[-1].text if isinstance(value, ast.Reference) and value.path else "value"
    if wanted.name == "str" and base.name in ("int", "float", "number", "bool"):
        helps.append(f"make it text with `format`: `format(\"{{{name}}}\", {name}: {text})`")
    elif wanted.name == "int" and base.name in ("float", "number"):
        helps.append(f"make it a whole number: `round({text})` (or `floor`, `ceil`)")
    return tuple(helps)


def _narrowed(found: Type, dotted: str, facts: Facts) -> Type:
    """The type of the reference `dotted`, less null where a guard proves it is not null."""
    return non_null(found) if dotted in facts.non_null else found


_DEFAULTS = {"str": '""', "int": "0", "float": "0.0", "number": "0", "bool": "false",
             "list": "[]", "map": "{}"}


def _default(found: Type) -> str:
    """A default of the type, for a help line (`0`, `""`, `[]`; `VALUE` when none is plain)."""
    return _DEFAULTS.get(found.name, "VALUE")


