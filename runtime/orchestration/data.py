"""The general data operations: list, map, string and date work on plain JSON values.

Each is a pure `Operation` with a `compute` (so it is callable inside any
expression, nested or after `|>`, and as a step that stores its value at
`-> state.x`) and a `typing` rule (the result type from the argument types).
A list operation's per-item arguments (`where`, `by`, `of`) are evaluated once
per element with `item` bound to it. Bad data raises `EvaluationError`, which
fails the step with its message.

Defined results: `find` with no match, `first` of an empty list and `min`/`max`
of an empty list give null (their result types say so: `T?`); `sum` of an empty
list gives 0; `sort` is stable and orders the values of
one key numbers first, then strings (dates are ISO strings, so in date order),
then booleans (false before true), with null always last, ascending or `desc`.
`round` and `format`'s `{name:.Nf}` round half away from zero, on the exact
value of the number, with `decimal`: the same digits on every platform.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runtime.orchestration.calling import Arguments, ArgumentTypes, Operation, Parameter
from runtime.orchestration.model import EvaluationError
from runtime.orchestration.semantics import arithmetic
from runtime.orchestration.types import (
    ANY,
    Type,
    describe,
    is_iso_date,
    join,
    maybe_null,
    type_of,
)
from runtime.orchestration.values import MAX_SAFE_INTEGER

if TYPE_CHECKING:  # imported on the first rounding (a check of most missions never rounds)
    import decimal

_LIST = Parameter("list", "list", "The list to work on.")


def _list(arguments: Arguments, name: str = "list") -> list[Any]:
    value = arguments.value(name)
    if not isinstance(value, list):
        raise EvaluationError(f"`{arguments.name}` needs a list as `{name}`, found "
                              f"{describe(value)}")
    return value


def _condition(arguments: Arguments, element: Any) -> bool:
    value = arguments.each(arguments.expression("where"), element)
    if not isinstance(value, bool):
        raise EvaluationError(f"the `where` condition of `{arguments.name}` must be true or "
                              f"false, found {describe(value)} for {describe(element)}")
    return value


def _count_int(arguments: Arguments, name: str) -> int:
    value = arguments.value(name)
    if type_of(value) != "int" or value < 0:
        raise EvaluationError(f"`{name}` of `{arguments.name}` must be a whole number of at "
                              f"least 0, found {describe(value)}")
    return int(value)


# -- lists ------------------------------------------------------------------------


def _filter(arguments: Arguments) -> Any:
    return [element for element in _list(arguments) if _condition(arguments, element)]


def _find(arguments: Arguments) -> Any:
    return next((element for element in _list(arguments) if _condition(arguments, element)),
                None)


def _count(arguments: Arguments) -> Any:
    values = _list(arguments)
    if not arguments.has("where"):
        return len(values)
    return sum(1 for element in values if _condition(arguments, element))


def _take(arguments: Arguments) -> Any:
    return _list(arguments)[:_count_int(arguments, "n")]


_KEY_RANKS = {"int": 0, "float": 0, "str": 1, "bool": 2}


def _sort_keys(expression: Any) -> list[tuple[Any, bool]]:
    """The keys of `by` (one expression or a list of them), each with "descending"."""
    keys = expression["list"] if isinstance(expression, dict) and "list" in expression \
        else [expression]
    found = []
    for key in keys:
        if isinstance(key, dict) and key.get("call") == "desc":
            found.append((key["args"]["key"], True))
        else:
            found.append((key, False))
    return found


def _sort(arguments: Arguments) -> Any:
    values = list(_list(arguments))
    for expression, descending in reversed(_sort_keys(arguments.expression("by"))):
        keyed = []
        for element in values:
            key = arguments.each(expression, element)
            kind = type_of(key)
            if key is not None and kind not in _KEY_RANKS:
                raise EvaluationError(f"`sort` orders by numbers, strings, booleans or null; a "
                                      f"key of {describe(element)} is {describe(key)}")
            # null last in both directions: in a reversed sort it must compare lowest
            rank = (key is None) != descending
            keyed.append(((rank, _KEY_RANKS.get(kind, 0), key if key is not None else 0),
                          element))
        keyed.sort(key=lambda pair: pair[0], reverse=descending)  # stable both ways
        values = [element for _, element in keyed]
    return values


def _desc(arguments: Arguments) -> Any:
    raise EvaluationError("`desc` marks a key of `sort`'s `by`; it has no value of its own")


def _values_of(arguments: Arguments) -> list[Any]:
    values = _list(arguments)
    expression = arguments.expression("of")
    if expression is None:
        return values
    return [arguments.each(expression, element) for element in values]


def _sum(arguments: Arguments) -> Any:
    total: Any = 0
    for value in _values_of(arguments):
        if type_of(value) not in ("int", "float"):
            raise EvaluationError(f"`sum` adds numbers, found {describe(value)}")
        total = arithmetic("+", total, value)
    return total


def _extreme(pick: Callable[..., Any]) -> Callable[[Arguments], Any]:
    def compute(arguments: Arguments) -> Any:
        values = _values_of(arguments)
        if not values:
            return None
        kinds = {type_of(value) for value in values}
        if not (kinds <= {"int", "float"} or kinds == {"str"}):
            raise EvaluationError(f"`{arguments.name}` compares numbers or strings, found "
                                  f"{', '.join(sorted(kinds))}")
        return pick(values)

    return compute


def _concat(arguments: Arguments) -> Any:
    lists = arguments.parts("lists", [])
    for value in lists:
        if not isinstance(value, list):
            raise EvaluationError(f"`concat` joins lists, found {describe(value)}")
    arguments.charge(arguments.joined(lists))
    return [element for value in lists for element in value]


def _first(arguments: Arguments) -> Any:
    values = _list(arguments)
    return values[0] if values else None


def _map(arguments: Arguments) -> Any:
    expression = arguments.expression("to")
    return [arguments.placing(arguments.each(expression, element))
            for element in _list(arguments)]


def _update(arguments: Arguments) -> Any:
    expression = arguments.expression("with")
    return [arguments.placing(arguments.each(expression, element))
            if _condition(arguments, element) else element for element in _list(arguments)]


# -- maps -------------------------------------------------------------------------


def _each_map(arguments: Arguments, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Apply `edit` to a map, or to every map of a list."""
    value = arguments.value("value")
    if isinstance(value, dict):
        return edit(value)
    if isinstance(value, list):
        return [edit(element) if isinstance(element, dict) else _not_a_map(arguments, element)
                for element in value]
    return _not_a_map(arguments, value)


def _not_a_map(arguments: Arguments, value: Any) -> Any:
    raise EvaluationError(f"`{arguments.name}` works on a map or a list of maps, found "
                          f"{describe(value)}")


def _pick(arguments: Arguments) -> Any:
    fields = arguments.value("fields")
    if not (isinstance(fields, list) and all(isinstance(name, str) for name in fields)):
        raise EvaluationError(f"`fields` of `pick` must be a list of names, found "
                              f"{describe(fields)}")

    def edit(record: dict[str, Any]) -> dict[str, Any]:
        missing = [name for name in fields if name not in record]
        if missing:
            raise EvaluationError(f"`pick`: {describe(record)} has no field `{missing[0]}`")
        return {name: record[name] for name in fields}

    return _each_map(arguments, edit)


def _rename(arguments: Arguments) -> Any:
    fields = arguments.value("fields")
    if not (isinstance(fields, dict) and all(isinstance(new, str) for new in fields.values())):
        raise EvaluationError(f"`fields` of `rename` must map old names to new names (strings), "
                              f"found {describe(fields)}")

    def edit(record: dict[str, Any]) -> dict[str, Any]:
        renamed: dict[str, Any] = {}
        for key, value in record.items():
            new = fields.get(key, key)
            if new in renamed:
                raise EvaluationError(f"`rename`: two fields would be named `{new}`")
            renamed[new] = value
        missing = [old for old in fields if old not in record]
        if missing:
            raise EvaluationError(f"`rename`: {describe(record)} has no field `{missing[0]}`")
        return renamed

    return _each_map(arguments, edit)


def _merge(arguments: Arguments) -> Any:
    maps = arguments.parts("maps", [])
    for value in maps:
        if not isinstance(value, dict):
            raise EvaluationError(f"`merge` joins maps, found {describe(value)}")
    arguments.charge(arguments.joined(maps))
    merged: dict[str, Any] = {}
    for value in maps:
        merged.update(value)
    return merged


# -- strings ----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}|[{}]")
_DECIMALS = re.compile(r"\.([0-9]{1,2})f")
MAX_PLACES = 15  # a double has 15 to 17 significant digits


def placeholders(template: str) -> tuple[list[str], str | None]:
    """The names a template uses, in order, and what is malformed in it (None if nothing)."""
    names: list[str] = []
    for match in _PLACEHOLDER.finditer(template):
        text = match.group(0)
        if text in ("{{", "}}"):
            continue
        if match.group(1) is None:
            return names, (f"a lone `{text}` at character {match.start() + 1}: write `{text * 2}` "
                           f"for the character itself, or `{{name}}` for a value")
        spec = match.group(2)
        if spec is not None and _places_of(spec) is None:
            return names, (f"`{text}` at character {match.start() + 1}: the one format is "
                           f"`{{{match.group(1)}:.2f}}` (a number with 2 decimals; 0 to "
                           f"{MAX_PLACES})")
        names.append(match.group(1))
    return names, None


def fixed_placeholders(template: str) -> list[tuple[str, int]]:
    """The placeholders written `{name:.Nf}`, with their N (a template `placeholders` finds
    well formed)."""
    found = []
    for match in _PLACEHOLDER.finditer(template):
        places = _places_of(match.group(2)) if match.group(2) is not None else None
        if match.group(1) is not None and places is not None:
            found.append((match.group(1), places))
    return found


def _places_of(spec: str) -> int | None:
    matched = _DECIMALS.fullmatch(spec)
    places = int(matched.group(1)) if matched else None
    return places if places is not None and places <= MAX_PLACES else None


def render(value: Any) -> str:
    """How `format` writes a value: strings as they are, numbers in the shortest form that
    reads back the same (`0.1`, `2.5`, `1e+16`, `3`), true/false/null, lists and maps as
    canonical JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _written(placeholder: str, value: Any, spec: str | None) -> str:
    """What a placeholder of `format` becomes: the value as `render` writes it, or with
    `{name:.Nf}` the number with N decimals."""
    if spec is None:
        return render(value)
    if type_of(value) not in ("int", "float"):
        raise EvaluationError(f"`{placeholder}` writes a number, found {describe(value)}")
    return fixed(value, _places_of(spec) or 0)


def _format(arguments: Arguments) -> Any:
    template = arguments.value("template")
    if not isinstance(template, str):
        raise EvaluationError(f"the template of `format` must be a string, found "
                              f"{describe(template)}")
    names, problem = placeholders(template)
    if problem:
        raise EvaluationError(f"the template of `format` is malformed: {problem}")
    values = arguments.parts("values", {})
    missing = [name for name in names if name not in values]
    if missing:
        raise EvaluationError(f"the template uses `{{{missing[0]}}}`, which is not given")

    rendered: dict[str, str] = {}  # each placeholder written once

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text in ("{{", "}}"):
            piece = text[0]
        else:  # `{name}` or `{name:.2f}`: each written once, however often it is used
            if text not in rendered:
                rendered[text] = _written(text, values[match.group(1)], match.group(2))
            piece = rendered[text]
        arguments.charge(len(piece))  # as the text grows: a template can repeat a value
        return piece

    arguments.charge(len(template))
    return _PLACEHOLDER.sub(replace, template)


# -- numbers ----------------------------------------------------------------------

def rounded(value: int | float, places: int) -> decimal.Decimal:
    """`value` to `places` decimals, half away from zero, on its exact value (a float's
    binary value: 2.675 is 2.67499999..., so it gives 2.67)."""
    import decimal

    exact = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_UP)  # a double: < 330 digits
    return decimal.Decimal(value).quantize(decimal.Decimal(1).scaleb(-places), context=exact)


def fixed(value: int | float, places: int) -> str:
    """`{x:.2f}`: the number rounded as `rounded`, with exactly `places` decimals, never an
    exponent, and no sign on a zero (`-0.001` gives `0.00`)."""
    text = format(rounded(value, places), "f")
    return text.lstrip("-") if text.strip("-0.") == "" else text


def _number(arguments: Arguments) -> int | float:
    value = arguments.value("value")
    if type_of(value) not in ("int", "float"):
        raise EvaluationError(f"`{arguments.name}` needs a number, found {describe(value)}")
    return value  # type: ignore[no-any-return]


def _whole(arguments: Arguments, value: int | float, result: int) -> int:
    if abs(result) > MAX_SAFE_INTEGER:
        raise EvaluationError(f"integer overflow: `{arguments.name}` of {value} is beyond "
                              f"±{MAX_SAFE_INTEGER}")
    return result


def _round(arguments: Arguments) -> Any:
    value = _number(arguments)
    places = arguments.value("places", 0)
    if type_of(places) != "int" or not 0 <= places <= MAX_PLACES:
        raise EvaluationError(f"`places` of `round` must be a whole number from 0 to "
                              f"{MAX_PLACES}, found {describe(places)}")
    if isinstance(value, int):
        return value
    result = rounded(value, places)
    if places == 0:
        return _whole(arguments, value, int(result))
    number = float(result)
    return 0.0 if number == 0 else number


def _floor(arguments: Arguments) -> Any:
    value = _number(arguments)
    return _whole(arguments, value, math.floor(value))


def _ceil(arguments: Arguments) -> Any:
    value = _number(arguments)
    return _whole(arguments, value, math.ceil(value))


def _abs(arguments: Arguments) -> Any:
    return abs(_number(arguments))


# -- dates ------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _date(arguments: Arguments, name: str) -> datetime.date:
    value = arguments.value(name)
    if not (isinstance(value, str) and is_iso_date(value)):
        raise EvaluationError(f"`{name}` of `{arguments.name}` must be a date like "
                              f"\"2026-11-24\", found {describe(value)}")
    return datetime.date.fromisoformat(value)


def _add_days(arguments: Arguments) -> Any:
    start = _date(arguments, "date")
    days = arguments.value("days")
    if type_of(days) != "int":
        raise EvaluationError(f"`days` of `add_days` must be a whole number, found "
                              f"{describe(days)}")
    try:
        return (start + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        raise EvaluationError(f"{start.isoformat()} plus {days} days is outside the years "
                              "1 to 9999") from None


def _weekday(arguments: Arguments) -> Any:
    return WEEKDAYS[_date(arguments, "date").weekday()]


def _days_between(arguments: Arguments) -> Any:
    return (_date(arguments, "end") - _date(arguments, "start")).days


# -- typing rules -----------------------------------------------------------------


def _same_list(types: ArgumentTypes) -> Type:
    found = types.get("list")
    return found if found.name == "list" else Type("list")


def _element(types: ArgumentTypes) -> Type:
    return types.get("list").element or ANY


def _of_type(types: ArgumentTypes) -> Type:
    return types.get("of") if "of" in types.types else _element(types)


def _maybe_element(types: ArgumentTypes) -> Type:
    return maybe_null(_element(types))


def _maybe_of(types: ArgumentTypes) -> Type:
    return maybe_null(_of_type(types))


def _map_type(types: ArgumentTypes) -> Type:
    found = types.get("to")
    return Type("list", found if found != ANY else None)


def _update_type(types: ArgumentTypes) -> Type:
    element = join(_element(types), types.get("with"))
    return Type("list", element if element is not None and element != ANY else None)


def _round_type(types: ArgumentTypes) -> Type:
    value = types.get("value")
    places = types.literals.get("places", 0 if "places" not in types.types else None)
    if value.name == "int" or (places == 0 and value.name in ("float", "number")):
        return Type("int")
    return Type("float") if value.name == "float" and places is not None else Type("number")


def _abs_type(types: ArgumentTypes) -> Type:
    value = types.get("value")
    return Type(value.name) if value.name in ("int", "float") else Type("number")


def _sum_type(types: ArgumentTypes) -> Type:
    found = _of_type(types)
    return found if found.name in ("int", "float") else Type("number")


def _on_records(types: ArgumentTypes, edit: Callable[[Type], Type]) -> Type:
    value = types.get("value")
    if value.name == "list":
        return Type("list", edit(value.element)) if value.element is not None else value
    return edit(value) if value.fields is not None else value


def _pick_type(types: ArgumentTypes) -> Type:
    fields = types.literals.get("fields")

    def edit(record: Type) -> Type:
        if record.fields is None or not isinstance(fields, list):
            return Type("map")
        return Type("map", fields=tuple((name, record.field(name) or ANY) for name in fields
                                        if isinstance(name, str)))

    return _on_records(types, edit)


def _rename_type(types: ArgumentTypes) -> Type:
    fields = types.literals.get("fields")

    def edit(record: Type) -> Type:
        if record.fields is None or not isinstance(fields, dict):
            return Type("map")
        return Type("map", fields=tuple((str(fields.get(key, key)), value)
                                        for key, value in record.fields))

    return _on_records(types, edit)


def _concat_type(types: ArgumentTypes) -> Type:
    elements = [found.element or ANY for found in types.spread]
    joined: Type | None = elements[0] if elements else ANY
    for element in elements[1:]:
        joined = join(joined, element) if joined is not None else None
    return Type("list", joined if joined is not None and joined != ANY else None)


def _merge_type(types: ArgumentTypes) -> Type:
    if not types.spread or any(found.fields is None for found in types.spread):
        return Type("map")
    fields: dict[str, Type] = {}
    for found in types.spread:
        fields.update(found.fields or ())
    return Type("map", fields=tuple(fields.items()))


# -- the table --------------------------------------------------------------------

_WHERE = Parameter("where", "bool", "The condition each item must meet (reads `item`).",
                   per_item=True)
_OF = Parameter("of", "any", "The value taken from each item (default: the item itself).",
                required=False, per_item=True)
_RECORDS = Parameter("value", "any", "A map, or a list of maps.")


def _data(name: str, parameters: tuple[Parameter, ...], result: str, summary: str, doc: str,
          compute: Callable[[Arguments], Any], example: str,
          typing: Callable[[ArgumentTypes], Type] | None = None,
          rest: str | None = None) -> Operation:
    def step(invocation: Any) -> Any:
        raise AssertionError("the engine evaluates a data operation as its call expression")

    return Operation(name, "runtime", parameters, result, summary, doc, step, example=example,
                     compute=compute, typing=typing, rest=rest)


DATA_OPERATIONS: tuple[Operation, ...] = (
    _data("filter", (_LIST, _WHERE), "list", "Keep the items that meet a condition.",
          "Returns the items of `list`, in order, for which `where` (evaluated per item, "
          "reading `item`) is true. The result has the list's element type.",
          _filter, 'filter(state.bugs, where: item.status == "open")', _same_list),
    _data("sort", (_LIST, Parameter("by", "any", "A key, or a list of keys; `desc(KEY)` sorts "
                                    "that key descending.", per_item=True)),
          "list", "Sort a list by one or more keys.",
          "Returns the items of `list` ordered by the keys of `by` (evaluated per item), the "
          "first key first. The sort is stable. The values of one key order numbers first, "
          "then strings (ISO dates in date order), then false, true; null is last, ascending "
          "or descending. Lists and maps cannot be keys.",
          _sort, "sort(state.bugs, by: [desc(item.severity), item.id])", _same_list),
    _data("desc", (Parameter("key", "any", "The sort key."),), "any",
          "Sort this key descending (inside `sort`'s `by`).",
          "Marks a key of `sort`'s `by` as descending; it has no value anywhere else.",
          _desc, "sort(state.bugs, by: desc(item.severity))",
          lambda types: types.get("key")),
    _data("take", (_LIST, Parameter("n", "int", "How many items to keep (at least 0).")),
          "list", "Keep the first N items.",
          "Returns the first `n` items of `list` (all of them when it has fewer).",
          _take, "take(state.bugs, 3)", _same_list),
    _data("count", (_LIST, Parameter("where", "bool", "Count only the items that meet this.",
                                     required=False, per_item=True)),
          "int", "Count the items of a list.",
          "Returns how many items `list` has, or how many meet `where` when given.",
          _count, 'count(state.bugs, where: item.status == "open")'),
    _data("find", (_LIST, _WHERE), "any?", "The first item that meets a condition.",
          "Returns the first item of `list` for which `where` is true, or null when none does "
          "(its type is the element type, or null: `{id: str}?`).",
          _find, 'find(state.bugs, where: item.id == state.chosen)', _maybe_element),
    _data("sum", (_LIST, _OF), "number", "Add up a list.",
          "Returns the sum of the numbers `of` gives for each item (the items themselves when "
          "`of` is left out); 0 for an empty list. Whole numbers stay whole (an error past "
          "±(2^53 - 1)).",
          _sum, "sum(state.expenses, of: item.amount)", _sum_type),
    _data("min", (_LIST, _OF), "any?", "The smallest value of a list.",
          "Returns the smallest of the values `of` gives (numbers, or strings and dates); "
          "null for an empty list (its type says so: `int?`).",
          _extreme(min), "min(state.bugs, of: item.severity)", _maybe_of),
    _data("max", (_LIST, _OF), "any?", "The largest value of a list.",
          "Returns the largest of the values `of` gives (numbers, or strings and dates); "
          "null for an empty list (its type says so: `int?`).",
          _extreme(max), "max(state.bugs, of: item.severity)", _maybe_of),
    _data("concat", (Parameter("lists", "list", "The lists to join, in order.", variadic=True),),
          "list", "Join lists.", "Returns the items of every list given, in order.",
          _concat, "concat(state.open, state.new)", _concat_type),
    _data("pick", (_RECORDS, Parameter("fields", "list", "The names of the fields to keep.")),
          "any", "Keep some fields of a map (or of every map of a list).",
          "Returns the map with only `fields`, in that order; on a list, does so to each map. "
          "A missing field fails the step.",
          _pick, 'pick(state.bugs, fields: ["id", "title"])', _pick_type),
    _data("rename", (_RECORDS, Parameter("fields", "map", "Old name to new name.")),
          "any", "Rename fields of a map (or of every map of a list).",
          "Returns the map with each field `old` of `fields` named `new` instead; on a list, "
          "does so to each map. A missing field, or two fields with one name, fail the step.",
          _rename, 'rename(state.bug, fields: {title: "summary"})', _rename_type),
    _data("merge", (Parameter("maps", "map", "The maps to merge, in order.", variadic=True),),
          "map", "Merge maps.",
          "Returns one map with the keys of every map given; a key in several takes the value "
          "of the last.",
          _merge, "merge(state.defaults, state.settings)", _merge_type),
    _data("first", (_LIST,), "any?", "The first item of a list.",
          "Returns the first item of `list`, or null when it is empty (its type is the element "
          "type, or null).",
          _first, "first(sort(state.roster, by: item.name))", _maybe_element),
    _data("map", (_LIST, Parameter("to", "any", "The new item, from the item (reads `item`).",
                                   per_item=True)),
          "list", "Make a new item from each item.",
          "Returns a list of the values `to` gives for each item of `list`, in order "
          "(`map(state.bugs, to: item.id)` is the ids).",
          _map, "map(state.bugs, to: item.title)", _map_type),
    _data("update", (_LIST, Parameter("where", "bool", "Which items to change (reads `item`).",
                                      per_item=True),
                     Parameter("with", "any", "The new item in place of each one that meets "
                               "`where` (reads `item`, the old one).", per_item=True)),
          "list", "Change the items that meet a condition, in place.",
          "Returns `list` with each item for which `where` is true replaced by what `with` "
          "gives for it; the other items, and the order, stay as they are. "
          "`with: merge(item, {done: true})` changes one field.",
          _update, 'update(state.bugs, where: item.id == "B2", with: merge(item, '
                   '{status: "done"}))', _update_type),
    _data("format", (Parameter("template", "str", "The text, with `{name}` placeholders."),
                     Parameter("values", "map", "The named values (every other named "
                               "argument).", required=False)),
          "str", "Build a string from a template.",
          "Returns `template` with each `{name}` replaced by the named argument `name` "
          "(`{{` and `}}` write braces). Strings are inserted as they are, numbers in the "
          "shortest form that reads back the same (`0.1`, `2.5`, `1e+16`), booleans and null "
          "as `true`/`false`/`null`, lists and maps as compact JSON. `{name:.2f}` writes a "
          "number with exactly 2 decimals (0 to 15), rounded half away from zero. The "
          "placeholders are checked against the named arguments when the mission is checked.",
          _format, 'format("Release {version}", version: param.release)', rest="values"),
    _data("round", (Parameter("value", "number", "The number to round."),
                    Parameter("places", "int", "How many decimals to keep, 0 to 15 (default 0).",
                              required=False)),
          "number", "Round a number to some decimals.",
          "Returns `value` rounded to `places` decimals (a whole number when `places` is 0 or "
          "left out), half away from zero: 2.5 gives 3, -2.5 gives -3. A float is rounded on "
          "its exact binary value, the same on every platform (2.675 is stored as "
          "2.67499999..., so `round(2.675, 2)` is 2.67).",
          _round, "round(state.total, 2)", _round_type),
    _data("floor", (Parameter("value", "number", "The number."),), "int",
          "The whole number at or below a number.",
          "Returns the largest whole number not greater than `value` (`floor(-1.5)` is -2).",
          _floor, "floor(state.hours)"),
    _data("ceil", (Parameter("value", "number", "The number."),), "int",
          "The whole number at or above a number.",
          "Returns the smallest whole number not less than `value` (`ceil(1.2)` is 2).",
          _ceil, "ceil(state.hours)"),
    _data("abs", (Parameter("value", "number", "The number."),), "number",
          "The size of a number, without its sign.",
          "Returns `value` without its sign (`abs(-3)` is 3); an int stays an int.",
          _abs, "abs(state.balance)", _abs_type),
    _data("add_days", (Parameter("date", "date", "The date to start from."),
                       Parameter("days", "int", "How many days to add (negative goes back).")),
          "date", "Move a date by some days.",
          "Returns the ISO date `days` days after `date`.",
          _add_days, "add_days(param.today, 7)"),
    _data("weekday", (Parameter("date", "date", "The date."),), "str", "The day of the week.",
          "Returns the English name of the day of the week of `date`: \"Monday\" to "
          "\"Sunday\".",
          _weekday, "weekday(param.today)"),
    _data("days_between", (Parameter("start", "date", "The first date."),
                           Parameter("end", "date", "The second date.")),
          "int", "Count the days between two dates.",
          "Returns the number of days from `start` to `end` (negative when `end` is earlier).",
          _days_between, "days_between(param.start, param.today)"),
)
