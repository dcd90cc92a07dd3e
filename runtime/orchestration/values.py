"""Plain JSON data at the boundary: what params, state and answers may hold.

Everything a run depends on is hashed as canonical JSON, so it must be plain
JSON data that survives a round trip unchanged: `None`, `bool`, `int` within
±(2**53 - 1) (the integers every JSON reader represents exactly), finite
`float`, `str` without lone surrogates, `list`, and `dict` with `str` keys,
nested at most `MAX_DEPTH` levels. Anything else is refused before the run
with a message naming the path to the bad value. The walk is iterative, so
hostile nesting cannot exhaust the interpreter's stack.
"""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 100
MAX_SAFE_INTEGER = 2**53 - 1

_HINTS = {
    "set": "use a list",
    "frozenset": "use a list",
    "tuple": "use a list",
    "bytes": "decode it to a string",
    "bytearray": "decode it to a string",
}


def json_problem(value: Any, root: str) -> str | None:
    """None if `value` is plain JSON data, else a message naming the first bad path."""
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
        if depth >= MAX_DEPTH:
            return f"{path}: nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, list):
            for index in range(len(item) - 1, -1, -1):
                stack.append((item[index], f"{path}[{index}]", depth + 1))
            continue
        if isinstance(item, dict):
            for key in reversed(list(item)):
                if not isinstance(key, str):
                    return (f"{path}: the key {key!r} is {type(key).__name__}; "
                            "keys of JSON objects are strings")
                stack.append((item[key], f"{path}.{key}", depth + 1))
            continue
        kind = type(item).__name__
        hint = _HINTS.get(kind, "use strings, numbers, booleans, null, lists and maps")
        return f"{path}: a {kind} is not JSON data ({hint})"
    return None


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _short(number: int) -> str:
    digits = str(abs(number)) if number.bit_length() < 10_000 else "a very large number"
    return digits if len(digits) <= 24 else f"{digits[:10]}…({len(digits)} digits)"
