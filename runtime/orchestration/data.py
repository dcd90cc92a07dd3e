"""The general data operations: list, map, string and date work on plain JSON values.

Each is a pure `Operation` with a `compute` (so it is callable inside any
expression, nested or after `|>`, and as a step that stores its value at
`-> state.x`) and a `typing` rule (the result type from the argument types).
A list operation's per-item arguments (`where`, `by`, `of`) are evaluated once
per element with `item` bound to it. Bad data raises `EvaluationError`, which
fails the step with its message.

Defined results: `find` with no match and `min`/`max` of an empty list give
null; `sum` of an empty list gives 0; `sort` is stable and orders the values of
one key numbers first, then strings (dates are ISO strings, so in date order),
then booleans (false before true), with null always last, ascending or `desc`.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

from runtime.orchestration.expressions import CallArguments, EvaluationError, _arithmetic
from runtime.orchestration.operations import ArgumentTypes, Operation, Parameter, register
from runtime.orchestration.types import ANY, Type, describe, is_iso_date, join, type_of

_LIST = Parameter("list", "list", "The list to work on.")


def _list(arguments: CallArguments, name: str = "list") -> list[Any]:
    value = arguments.value(name)
    if not isinstance(value, list):
        raise EvaluationError(f"`{arguments.name}` needs a list as `{name}`, found "
                              f"{describe(value)}")
    return value


def _condition(arguments: CallArguments, element: Any) -> bool:
    value = arguments.each(arguments.expression("where"), element)
    if not isinstance(value, bool):
        raise EvaluationError(f"the `where` condition of `{arguments.name}` must be true or "
                              f"false, found {describe(value)} for {describe(element)}")
    return value


def _count_int(arguments: CallArguments, name: str) -> int:
    value = arguments.value(name)
    if type_of(value) != "int" or value < 0:
        raise EvaluationError(f"`{name}` of `{arguments.name}` must be a whole number of at "
                              f"least 0, found {describe(value)}")
    return int(value)


# -- lists ------------------------------------------------------------------------


def _filter(arguments: CallArguments) -> Any:
    return [element for element in _list(arguments) if _condition(arguments, element)]


def _find(arguments: CallArguments) -> Any:
    return next((element for element in _list(arguments) if _condition(arguments, element)),
                None)


def _count(arguments: CallArguments) -> Any:
    values = _list(arguments)
    if not arguments.has("where"):
        return len(values)
    return sum(1 for element in values if _condition(arguments, element))


def _take(arguments: CallArguments) -> Any:
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


def _sort(arguments: CallArguments) -> Any:
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


def _desc(arguments: CallArguments) -> Any:
    raise EvaluationError("`desc` marks a key of `sort`'s `by`; it has no value of its own")


def _values_of(arguments: CallArguments) -> list[Any]:
    values = _list(arguments)
    expression = arguments.expression("of")
    if expression is None:
        return values
    return [arguments.each(expression, element) for element in values]


def _sum(arguments: CallArguments) -> Any:
    total: Any = 0
    for value in _values_of(arguments):
        if type_of(value) not in ("int", "float"):
            raise EvaluationError(f"`sum` adds numbers, found {describe(value)}")
        total = _arithmetic("+", total, value)
    return total


def _extreme(pick: Callable[..., Any]) -> Callable[[CallArguments], Any]:
    def compute(arguments: CallArguments) -> Any:
        values = _values_of(arguments)
        if not values:
            return None
        kinds = {type_of(value) for value in values}
        if not (kinds <= {"int", "float"} or kinds == {"str"}):
            raise EvaluationError(f"`{arguments.name}` compares numbers or strings, found "
                                  f"{', '.join(sorted(kinds))}")
        return pick(values)

    return compute


def _concat(arguments: CallArguments) -> Any:
    lists = arguments.parts("lists", [])
    for value in lists:
        if not isinstance(value, list):
            raise EvaluationError(f"`concat` joins lists, found {describe(value)}")
    arguments.charge(arguments.joined(lists))
    return [element for value in lists for element in value]


# -- maps -------------------------------------------------------------------------


def _each_map(arguments: CallArguments, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Apply `edit` to a map, or to every map of a list."""
    value = arguments.value("value")
    if isinstance(value, dict):
        return edit(value)
    if isinstance(value, list):
        return [edit(element) if isinstance(element, dict) else _not_a_map(arguments, element)
                for element in value]
    return _not_a_map(arguments, value)


def _not_a_map(arguments: CallArguments, value: Any) -> Any:
    raise EvaluationError(f"`{arguments.name}` works on a map or a list of maps, found "
                          f"{describe(value)}")


def _pick(arguments: CallArguments) -> Any:
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


def _rename(arguments: CallArguments) -> Any:
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


def _merge(arguments: CallArguments) -> Any:
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

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]")


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
        names.append(match.group(1))
    return names, None


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


def _format(arguments: CallArguments) -> Any:
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

    rendered: dict[str, str] = {}  # each value written once, however often it is used

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text in ("{{", "}}"):
            piece = text[0]
        else:
            name = match.group(1)
            if name not in rendered:
                rendered[name] = render(values[name])
            piece = rendered[name]
        arguments.charge(len(piece))  # as the text grows: a template can repeat a value
        return piece

    arguments.charge(len(template))
    return _PLACEHOLDER.sub(replace, template)


# -- dates ------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _date(arguments: CallArguments, name: str) -> datetime.date:
    value = arguments.value(name)
    if not (isinstance(value, str) and is_iso_date(value)):
        raise EvaluationError(f"`{name}` of `{arguments.name}` must be a date like "
                              f"\"2026-11-24\", found {describe(value)}")
    return datetime.date.fromisoformat(value)


def _add_days(arguments: CallArguments) -> Any:
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


def _weekday(arguments: CallArguments) -> Any:
    return WEEKDAYS[_date(arguments, "date").weekday()]


def _days_between(arguments: CallArguments) -> Any:
    return (_date(arguments, "end") - _date(arguments, "start")).days


# -- typing rules -----------------------------------------------------------------


def _same_list(types: ArgumentTypes) -> Type:
    found = types.get("list")
    return found if found.name == "list" else Type("list")


def _element(types: ArgumentTypes) -> Type:
    return types.get("list").element or ANY


def _of_type(types: ArgumentTypes) -> Type:
    return types.get("of") if "of" in types.types else _element(types)


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
          compute: Callable[[CallArguments], Any], example: str,
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
    _data("find", (_LIST, _WHERE), "any", "The first item that meets a condition.",
          "Returns the first item of `list` for which `where` is true, or null when none does.",
          _find, 'find(state.bugs, where: item.id == state.chosen)', _element),
    _data("sum", (_LIST, _OF), "number", "Add up a list.",
          "Returns the sum of the numbers `of` gives for each item (the items themselves when "
          "`of` is left out); 0 for an empty list. Whole numbers stay whole (an error past "
          "±(2^53 - 1)).",
          _sum, "sum(state.expenses, of: item.amount)", _sum_type),
    _data("min", (_LIST, _OF), "any", "The smallest value of a list.",
          "Returns the smallest of the values `of` gives (numbers, or strings and dates); "
          "null for an empty list.",
          _extreme(min), "min(state.bugs, of: item.severity)", _of_type),
    _data("max", (_LIST, _OF), "any", "The largest value of a list.",
          "Returns the largest of the values `of` gives (numbers, or strings and dates); "
          "null for an empty list.",
          _extreme(max), "max(state.bugs, of: item.severity)", _of_type),
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
    _data("format", (Parameter("template", "str", "The text, with `{name}` placeholders."),
                     Parameter("values", "map", "The named values (every other named "
                               "argument).", required=False)),
          "str", "Build a string from a template.",
          "Returns `template` with each `{name}` replaced by the named argument `name` "
          "(`{{` and `}}` write braces). Strings are inserted as they are, numbers in the "
          "shortest form that reads back the same (`0.1`, `2.5`, `1e+16`), booleans and null "
          "as `true`/`false`/`null`, lists and maps as compact JSON. The placeholders are "
          "checked against the named arguments when the mission is checked.",
          _format, 'format("Release {version}", version: param.release)', rest="values"),
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

for _operation in DATA_OPERATIONS:
    register(_operation)
