"""Immutable slotted records written by hand: the syntax tree's and the diagnostics' classes.

They behave like `@dataclass(frozen=True, slots=True)` classes, without their cost at import:
a dataclass writes `__init__`, `__eq__`, `__hash__`, `__repr__`, `__setattr__` and
`__delattr__` as source text and compiles them when its module is imported, about 0.6 ms a
class on Python 3.11, and these 32 classes are made by every process that checks a file
(docs/performance.md, "A cold one-file check"). A subclass annotates its fields, names them
in `__slots__`, and sets each in a typed `__init__` with `set_field`, taking them in the order
of the annotations; equality, hashing, `repr`, `replace`, copying and pickling come from
here, over the fields except those named in `_ignored` (the tree's spans).
"""

from __future__ import annotations

import inspect
from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, Self

__all__ = ["Record", "set_field"]

# How an `__init__` sets a field: the record's own `__setattr__` refuses every change.
set_field = object.__setattr__


class Record:
    """Fields in `__slots__`, set once by `__init__`; equal when their compared fields are."""

    __slots__: tuple[str, ...] = ()
    _ignored: ClassVar[tuple[str, ...]] = ()  # fields that equality, hashing and repr leave out
    _fields: ClassVar[tuple[str, ...]] = ()  # in the order of the annotations and `__init__`
    _compared: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls) -> None:
        fields = tuple(inspect.get_annotations(cls))
        if set(fields) != set(cls.__slots__):
            raise TypeError(f"{cls.__name__}: __slots__ must name the annotated fields")
        cls._fields = fields
        cls._compared = tuple(name for name in fields if name not in cls._ignored)

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._compared])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__name__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]:
        return type(self), tuple([getattr(self, name) for name in self._fields])

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed, like `dataclasses.replace`."""
        fields: dict[str, Any] = {name: getattr(self, name) for name in self._fields}
        fields.update(changes)
        return type(self)(**fields)
