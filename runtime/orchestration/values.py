"""Plain JSON data at the boundary: what params, state and answers may hold.

Everything a run depends on is hashed as canonical JSON, so it must be plain
JSON data that survives a round trip unchanged: `None`, `bool`, `int` within
±(2**53 - 1) (the integers every JSON reader represents exactly), finite
`float`, `str` without lone surrogates, `list`, and `dict` with `str` keys,
nested at most `MAX_DEPTH` levels. Anything else is refused before the run
with a message naming the path to the bad value. The walk is iterative, so
hostile nesting cannot exhaust the interpreter's stack.

`json_copy` checks and copies in one walk: it is how data enters a run (the
engine's state must share no object with its caller's), and the hot path of
every run, so it does not build paths; only when something is wrong does
`json_problem` walk again to name it.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from runtime.bounds import MAX_DEPTH

MAX_SAFE_INTEGER = 2**53 - 1

_HINTS = {
    "set": "use a list",
    "frozenset": "use a list",
    "tuple": "use a list",
    "bytes": "decode it to a string",
    "bytearray": "decode it to a string",
}


def json_problem(value: Any, root: str, limit: int = MAX_DEPTH) -> str | None:
    """None if `value` is plain JSON data nested at most `limit` levels, else a message
    naming the first bad path."""
    try:
        _copy(value, 0, limit)  # the fast walk, which builds no path: most data has no problem
        return None
    except _Unusual:
        pass
    stack: list[tuple[Any, str, int]] = [(value, root, 0)]
    while stack:
        item, path, depth = stack.pop()
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                return (f"{path}: the integer {_short(item)} is too large for JSON data "
                        f"(the limit is ±{MAX_SAFE_INTEGER}); pass it as a string")
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return f"{path}: {item} is not a JSON number; use a finite number or null"
            continue
        if isinstance(item, str):
            if _has_lone_surrogate(item):
                return f"{path}: the string holds a lone surrogate, which is not valid Unicode"
            continue
        if depth >= limit:
            return f"{path}: nested more than {limit} levels deep"
        if isinstance(item, list):
            for index in range(len(item) - 1, -1, -1):
                stack.append((item[index], f"{path}[{index}]", depth + 1))
            continue
        if isinstance(item, dict):
            for key in reversed(list(item)):
                if not isinstance(key, str):
                    return (f"{path}: the key {key!r} is {type(key).__name__}; "
                            "keys of JSON objects are strings")
                if _has_lone_surrogate(key):
                    return (f"{path}: the key {key!r} holds a lone surrogate, which is not "
                            "valid Unicode")
                stack.append((item[key], f"{path}.{key}", depth + 1))
            continue
        kind = type(item).__name__
        hint = _HINTS.get(kind, "use strings, numbers, booleans, null, lists and maps")
        return f"{path}: a {kind} is not JSON data ({hint})"
    return None


class NotJSONData(ValueError):
    """A value is not plain JSON data; the message names the path (see `json_problem`)."""


def json_copy(value: Any, root: str, limit: int = MAX_DEPTH) -> Any:
    """A deep copy of `value` sharing no object with it; raises `NotJSONData` (naming
    the first bad path under `root`) unless it is plain JSON data nested at most `limit`
    levels."""
    try:
        return _copy(value, 0, limit)
    except _Unusual:
        pass
    problem = json_problem(value, root, limit)
    if problem is not None:
        raise NotJSONData(problem)
    return copy.deepcopy(value)  # JSON data of subclasses (an IntEnum, a str subclass...)


def checked_copy(value: Any) -> Any:
    """A deep copy of data that `json_copy` or `json_problem` has already accepted (a
    prepared workflow's payloads): the same result, without checking each value again."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _SHARED else checked_copy(item)
                for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _SHARED else checked_copy(item) for item in value]
    if kind in _SHARED:
        return value
    return copy.deepcopy(value)  # JSON data of subclasses, as `json_copy` copies them


_SHARED = frozenset({str, int, float, bool, type(None)})  # immutable: shared by a copy


class _Unusual(Exception):
    """The fast copy met something it does not copy itself: a problem, or a subclass."""


def _copy(value: Any, depth: int, limit: int) -> Any:
    """`json_copy` for the built-in types, recursing at most `limit` levels."""
    kind = type(value)
    if kind is dict:
        if depth >= limit:
            raise _Unusual
        result = value.copy()  # then the values that are not immutable scalars replaced
        for key, item in result.items():  # (replacing a value keeps the size: allowed)
            if type(key) is not str or (not key.isascii() and _has_lone_surrogate(key)):
                raise _Unusual
            item_kind = type(item)
            if item_kind is str:
                if not item.isascii() and _has_lone_surrogate(item):
                    raise _Unusual
            elif item_kind is int:
                if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    raise _Unusual
            elif item_kind is not bool and item is not None:
                result[key] = _copy(item, depth + 1, limit)
        return result
    if kind is list:
        if depth >= limit:
            raise _Unusual
        return [_copy(item, depth + 1, limit) for item in value]
    if kind is str:
        if not value.isascii() and _has_lone_surrogate(value):
            raise _Unusual
        return value
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _Unusual
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _Unusual
        return value
    if kind is bool or value is None:
        return value
    raise _Unusual


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _short(number: int) -> str:
    digits = str(abs(number)) if number.bit_length() < 10_000 else "a very large number"
    return digits if len(digits) <= 24 else f"{digits[:10]}…({len(digits)} digits)"
