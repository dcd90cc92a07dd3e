"""The value types of the language, shared by the type checker and the engine.

Values are plain JSON data. `number` accepts int or float; `date` is a string
holding an ISO calendar date (YYYY-MM-DD); `any` accepts everything. A type
name followed by `?` (`date?`) also accepts null; a record's field written
`name?: T` may be absent (docs/language.md, "Null and optional fields").
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from runtime.frozen import Frozen, set_field

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


def split_nullable(type_name: str) -> tuple[str, bool]:
    """`("date", True)` for `date?`, `("date", False)` for `date`."""
    if type_name.endswith("?"):
        return type_name[:-1], True
    return type_name, False


def is_type_name(text: object) -> bool:
    """A type name of declarations and the operation table: `int`, `int?`, `any`, ..."""
    return isinstance(text, str) and split_nullable(text)[0] in TYPE_NAMES


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
    """What a value of the type looks like, for messages: `a whole number`, `a date like
    "2026-11-24" or null`."""
    base, nullable = split_nullable(type_name)
    text = _WANTED.get(base, base)
    return f"{text} or null" if nullable and base not in ("any", "null") else text


def bounds_phrase(low: Any, high: Any) -> str:
    """`between 1 and 10`, `at least 1` or `at most 10`."""
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def matches(value: Any, type_name: str) -> bool:
    """True if a run-time value belongs to the type (`T?`: a T or null)."""
    type_name, nullable = split_nullable(type_name)
    if nullable and value is None:
        return True
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


class Type(Frozen):
    """A static type: a type name, with a list's element type and a map's known fields.

    `fields` is None when the map's keys are not known (`map`), else the fields in
    declaration order (`{id: str, severity: int}`); `optional` names the fields that may
    be absent (`{done_on?: date}`). `nullable` is `T?`: the value may also be null
    (`any` and `null` hold null anyway). The engine sees only type names and compiled
    shapes; the rest is the type checker's, computed through the operation table.
    """

    __slots__ = ("element", "fields", "name", "nullable", "optional")
    name: str
    element: Type | None
    fields: tuple[tuple[str, Type], ...] | None
    nullable: bool
    optional: frozenset[str]

    def __init__(
        self,
        name: str,
        element: Type | None = None,
        fields: tuple[tuple[str, Type], ...] | None = None,
        nullable: bool = False,
        optional: frozenset[str] = frozenset(),
    ) -> None:
        set_field(self, "name", name)
        set_field(self, "element", element)
        set_field(self, "fields", fields)
        set_field(self, "nullable", nullable)
        set_field(self, "optional", optional)

    def field(self, name: str) -> Type | None:
        """The type of a known field; None when the map has no such field (or is not a record)."""
        for key, value in self.fields or ():
            if key == name:
                return value
        return None

    @property
    def may_be_null(self) -> bool:
        """True when a value of the type may be null (`T?`, `null`; not `any`, which is
        checked when the mission runs)."""
        return self.nullable or self.name == "null"

    def to_json(self) -> dict[str, Any]:
        """The compiled form: `{"type", "nullable"?, "items"?, "fields"?}`, a field that may
        be absent marked `"optional": true` (see `shape_problem`)."""
        encoded: dict[str, Any] = {"type": self.name}
        if self.nullable:
            encoded["nullable"] = True
        if self.element is not None:
            encoded["items"] = self.element.to_json()
        if self.fields is not None:
            encoded["fields"] = {key: {**value.to_json(), "optional": True}
                                 if key in self.optional else value.to_json()
                                 for key, value in self.fields}
        return encoded

    def __str__(self) -> str:
        mark = "?" if self.nullable else ""
        if self.fields is not None:
            return "{" + ", ".join(f"{key}{'?' * (key in self.optional)}: {value}"
                                   for key, value in self.fields) + "}" + mark
        if self.name == "list" and self.element is not None:
            return f"list[{self.element}]{mark}"
        return self.name + mark


ANY = Type("any")
NULL = Type("null")


def simple(name: str) -> Type:
    """The type a name of the operation table or a declaration stands for (`int?` too)."""
    base, nullable = split_nullable(name)
    found = ANY if base == "any" else Type(base)
    return maybe_null(found) if nullable else found


def maybe_null(found: Type) -> Type:
    """`T?`: the type, or null (unchanged for `any` and `null`)."""
    if found.name in ("any", "null") or found.nullable:
        return found
    return found.replace(nullable=True)


def non_null(found: Type) -> Type:
    """The type without null: what a guard `x != null` leaves of `x`."""
    return found.replace(nullable=False) if found.nullable else found


def present(found: Type, name: str) -> Type:
    """The record with its field `name` known to be there (after `"name" in x`)."""
    return found.replace(optional=found.optional - {name}) if name in found.optional else found


def fits(source: Type, target: Type) -> bool:
    """`is_assignable` for shapes: a record fits `map`; element types are checked when known;
    a value that may be null fits only where null does (`T?`, `any`)."""
    if source.name == "any" or target.name == "any":
        return True
    if source.name == "null":
        return target.may_be_null
    if source.nullable and not target.may_be_null:
        return False
    if source.fields is not None and target.name == "map":
        if target.fields is None:
            return True
        return all(key in target.optional if (found := source.field(key)) is None
                   else fits(found, wanted_type)
                   and (key not in source.optional or key in target.optional)
                   for key, wanted_type in target.fields)
    if not is_assignable(source.name, target.name):
        return False
    if source.element is not None and target.element is not None:
        return fits(source.element, target.element)
    return True


def join(left: Type, right: Type) -> Type | None:
    """The least type holding both (int and float join to number, a type and null to `T?`),
    None when there is none but `any`. Used for the branches of `if`, lists and `??`."""
    if left == right:
        return left
    if left.name == "any" or right.name == "any":
        return ANY
    if left.name == "null":
        return maybe_null(right)
    if right.name == "null":
        return maybe_null(left)
    joined = _join_values(non_null(left), non_null(right))
    if joined is None:
        return None
    return maybe_null(joined) if left.nullable or right.nullable else joined


def _join_values(left: Type, right: Type) -> Type | None:
    if left == right:
        return left
    if {left.name, right.name} <= {"int", "float", "number"}:
        return Type("number")
    if {left.name, right.name} == {"str", "date"}:
        return Type("str")
    if left.name != right.name:
        return None
    if left.fields is not None and right.fields is not None \
            and [key for key, _ in left.fields] == [key for key, _ in right.fields]:
        kept: list[tuple[str, Type]] = []  # the same fields: each of the join of its types
        for (key, value), (_, other) in zip(left.fields, right.fields, strict=True):
            found = join(value, other)
            if found is None:
                return Type("map")
            kept.append((key, found))
        return Type("map", fields=tuple(kept), optional=left.optional | right.optional)
    if left.element is not None and right.element is not None:
        element = join(left.element, right.element)
        return Type("list", element if element is not None and element != ANY else None)
    return Type(left.name)  # two lists or two maps, one of unknown shape


MAX_SHAPE_DEPTH = 20
_SHAPE_KEYS = frozenset({"type", "items", "fields", "nullable", "optional"})


def shape_form_problem(shape: Any) -> str | None:
    """None if `shape` is a compiled element type: `{"type": NAME, "items"?: SHAPE}` for a
    list, `{"type": "map", "fields"?: {NAME: SHAPE}}` for a record, `"nullable": true` when
    it may be null, and `"optional": true` on a record's field that may be absent."""
    stack: list[tuple[Any, int, bool]] = [(shape, 0, False)]
    while stack:
        node, depth, in_fields = stack.pop()
        if depth > MAX_SHAPE_DEPTH:
            return f"an element type is nested more than {MAX_SHAPE_DEPTH} levels deep"
        if not isinstance(node, dict) or node.get("type") not in TYPE_NAMES \
                or set(node) - _SHAPE_KEYS:
            return f"an element type must be {{\"type\": NAME}}, found {describe(node)}"
        for flag in ("nullable", "optional"):
            if flag in node and node[flag] is not True:
                return f"`{flag}` is written only as `true`, found {describe(node[flag])}"
        if "optional" in node and not in_fields:
            return "only a record's field is `optional`"
        if "items" in node:
            if node["type"] != "list":
                return "only a list type has `items`"
            stack.append((node["items"], depth + 1, False))
        if "fields" in node:
            if node["type"] != "map" or not isinstance(node["fields"], dict):
                return "only a map type has `fields`, a map of field types"
            stack.extend((value, depth + 1, True) for value in node["fields"].values())
    return None


def shape_problem(value: Any, shape: dict[str, Any], where: str) -> str | None:
    """None if `value` has the element type `shape` (a checked `shape_form_problem`), else
    what is wrong, naming the path: "`bugs[2].severity` must be a whole number, found ...".
    A record's fields must be there, unless `optional`; a map may have more."""
    stack: list[tuple[Any, dict[str, Any], str]] = [(value, shape, where)]
    while stack:
        node, wanted_shape, path = stack.pop()
        nullable = wanted_shape.get("nullable") is True
        if node is None and nullable:
            continue
        if not matches(node, wanted_shape["type"]):
            kind = wanted_shape["type"] + ("?" if nullable else "")
            return f"`{path}` must be {wanted(kind)}, found {describe(node)}"
        if "items" in wanted_shape:
            stack.extend((item, wanted_shape["items"], f"{path}[{index}]")
                         for index, item in reversed(list(enumerate(node))))
        for key, field_shape in reversed(list(wanted_shape.get("fields", {}).items())):
            if key not in node:
                if field_shape.get("optional") is True:
                    continue
                return f"`{path}` has no field `{key}`"
            stack.append((node[key], field_shape, f"{path}.{key}"))
    return None
