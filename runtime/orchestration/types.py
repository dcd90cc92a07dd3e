"""The value types of the language, shared by the type checker and the engine.

Values are plain JSON data. `number` accepts int or float; `date` is a string
holding an ISO calendar date (YYYY-MM-DD); `any` accepts everything.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

TYPE_NAMES: tuple[str, ...] = ("any", "bool", "date", "float", "int", "list", "map", "null",
                               "number", "str")

# `sub` may be used where `sup` is expected.
_SUBTYPES: dict[str, frozenset[str]] = {
    "any": frozenset(TYPE_NAMES),
    "number": frozenset({"number", "int", "float"}),
    "float": frozenset({"float", "int"}),
    "str": frozenset({"str", "date"}),
}


def is_assignable(source: str, target: str) -> bool:
    """True if a value statically typed `source` fits where `target` is wanted.

    `any` as the source is assignable everywhere (checked at run time).
    """
    if source == "any" or source == target:
        return True
    return source in _SUBTYPES.get(target, frozenset({target}))


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_iso_date(value: str) -> bool:
    """True for a calendar date written `YYYY-MM-DD` (not week dates or other ISO forms)."""
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def type_of(value: Any) -> str:
    """The most precise type name of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return type(value).__name__


_WANTED = {
    "any": "any value",
    "bool": "true or false",
    "date": "a date like \"2026-11-24\"",
    "float": "a number",
    "int": "a whole number",
    "list": "a list",
    "map": "a map",
    "null": "null",
    "number": "a number",
    "str": "a string",
}


def wanted(type_name: str) -> str:
    """What a value of the type looks like, for messages: `a whole number`."""
    return _WANTED.get(type_name, type_name)


def bounds_phrase(low: Any, high: Any) -> str:
    """`between 1 and 10`, `at least 1` or `at most 10`."""
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def matches(value: Any, type_name: str) -> bool:
    """True if a run-time value belongs to the type."""
    actual = type_of(value)
    if type_name == "any":
        return True
    if type_name == "date":
        return actual == "str" and is_iso_date(value)
    return is_assignable(actual, type_name) and actual != "any"


def describe(value: Any) -> str:
    """A short description of a value for messages: `the int 3`, `a list of 2 items`."""
    kind = type_of(value)
    if kind == "list":
        return f"a list of {len(value)} items"
    if kind == "map":
        return f"a map with {len(value)} keys"
    if kind == "null":
        return "null"
    text = repr(value) if kind == "str" else str(value).lower() if kind == "bool" else str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"the {kind} {text}"


# -- static types: what the type checker knows of a value ---------------------------


@dataclass(frozen=True, slots=True)
class Type:
    """A static type: a type name, with a list's element type and a map's known fields.

    `fields` is None when the map's keys are not known (`map`), else the fields in
    declaration order (`{id: str, severity: int}`). The engine sees only type names;
    the shapes are the type checker's, computed through the operation table.
    """

    name: str
    element: Type | None = None
    fields: tuple[tuple[str, Type], ...] | None = None

    def field(self, name: str) -> Type | None:
        """The type of a known field; None when the map has no such field (or is not a record)."""
        for key, value in self.fields or ():
            if key == name:
                return value
        return None

    def __str__(self) -> str:
        if self.fields is not None:
            return "{" + ", ".join(f"{key}: {value}" for key, value in self.fields) + "}"
        if self.name == "list" and self.element is not None:
            return f"list[{self.element}]"
        return self.name


ANY = Type("any")


def simple(name: str) -> Type:
    return ANY if name == "any" else Type(name)


def fits(source: Type, target: Type) -> bool:
    """`is_assignable` for shapes: a record fits `map`; element types are checked when known."""
    if source.fields is not None and target.name == "map":
        if target.fields is None:
            return True
        return all((found := source.field(key)) is not None and fits(found, wanted_type)
                   for key, wanted_type in target.fields)
    if not is_assignable(source.name, target.name):
        return False
    if source.element is not None and target.element is not None:
        return fits(source.element, target.element)
    return True


def join(left: Type, right: Type) -> Type | None:
    """The least type holding both (int and float join to number), None when there is none
    but `any`. Used for the branches of `if` and for lists."""
    if left == right:
        return left
    if left.name == "any" or right.name == "any":
        return ANY
    if {left.name, right.name} <= {"int", "float", "number"}:
        return Type("number")
    if {left.name, right.name} == {"str", "date"}:
        return Type("str")
    if left.name == right.name:  # two lists or two maps whose shapes differ
        return Type(left.name)
    return None
