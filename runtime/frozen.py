"""Immutable slotted classes written by hand, for the classes every `mission check` makes.

A `Frozen` subclass behaves like a `@dataclass(frozen=True, slots=True)` class, without its
cost at import: a dataclass writes `__init__`, `__eq__`, `__hash__`, `__repr__`,
`__setattr__` and `__delattr__` as source text and compiles them when its module is
imported, about 0.6 ms a class on Python 3.11, and the syntax tree, the diagnostics and the
compiler's other records on the path of a one-file check were about 45 classes, a quarter
of a cold `mission check FILE` (docs/performance.md, "Scenario 2").

A subclass annotates its fields, names them in `__slots__`, and sets each in a typed
`__init__` with `set_field`, taking them in the order of the annotations. Equality,
hashing, `repr`, `replace`, `as_dict`, copying and pickling come from here, over the fields except
those named in `_ignored` (the tree's spans). Classes made once per process or off that
path stay dataclasses.
"""

from __future__ import annotations

import inspect
import operator
from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, Self

__all__ = ["Frozen", "set_field"]

# How an `__init__` sets a field: the class's own `__setattr__` refuses every change.
set_field = object.__setattr__


def _no_fields(value: object) -> tuple[()]:
    return ()


class Frozen:
    """Fields in `__slots__`, set once by `__init__`; equal when their compared fields are."""

    __slots__: tuple[str, ...] = ()
    _ignored: ClassVar[tuple[str, ...]] = ()  # fields that equality, hashing and repr leave out
    _fields: ClassVar[tuple[str, ...]] = ()  # in the order of the annotations and `__init__`
    _compared: ClassVar[tuple[str, ...]] = ()
    _key: ClassVar[staticmethod[[Any], Any]] = staticmethod(_no_fields)  # the compared values

    def __init_subclass__(cls) -> None:
        fields = tuple(inspect.get_annotations(cls))
        if set(fields) != set(cls.__slots__):
            raise TypeError(f"{cls.__name__}: __slots__ must name the annotated fields")
        cls._fields = fields
        cls._compared = tuple(name for name in fields if name not in cls._ignored)
        if cls._compared:
            cls._key = staticmethod(operator.attrgetter(*cls._compared))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._key(self) == self._key(other))

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__name__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]:
        return type(self), tuple([getattr(self, name) for name in self._fields])

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, in order (not recursive, unlike `dataclasses.asdict`)."""
        return {name: getattr(self, name) for name in self._fields}

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed, like `dataclasses.replace`."""
        return type(self)(**{**self.as_dict(), **changes})
