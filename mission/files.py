"""Reading user files for the CLI: every failure becomes a `UsageError` with a plain message.

Every read goes through `runtime.reading`, bounded while it reads: a mission by the
compiler's `max-file-size`, a JSON file by `MAX_DATA_FILE_BYTES`, a file of JSON lines
(a batch, a store export) by `MAX_LINES_FILE_BYTES` (`runtime/bounds.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import UsageError
from runtime.bounds import MAX_DATA_FILE_BYTES, MAX_LINES_FILE_BYTES

if TYPE_CHECKING:
    from compiler.config import Config

JSON_FILE = "a JSON file"
LINES_FILE = "a file of JSON lines"
# How a mission file's limit is named in a message.
MISSION_FILE = "a mission file (`max-file-size` in [tool.mission.limits])"


def read_bytes(path: str | Path, limit: int = MAX_DATA_FILE_BYTES,
               what: str = JSON_FILE) -> bytes:
    """The file's bytes, at most `limit` of them (`runtime.reading`): `-` is standard input."""
    from runtime.reading import TooLarge, read_limited, read_stream

    try:
        if str(path) == "-":
            return read_stream(sys.stdin.buffer, limit)
        return read_limited(path, limit)
    except TooLarge:
        raise UsageError(f"{_shown(path)}: larger than {limit:,} bytes, the limit for {what}"
                         ) from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a file") from None
    except OSError as problem:
        raise UsageError(f"{path}: cannot read it ({problem.strerror})") from None


def read_text(path: str | Path, limit: int = MAX_DATA_FILE_BYTES, what: str = JSON_FILE) -> str:
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise UsageError(f"{_shown(path)}: not UTF-8 text (byte {problem.start})") from None


def _shown(path: str | Path) -> str:
    return "standard input" if str(path) == "-" else str(path)


def read_mission(path: str | Path, config: Config) -> str:
    """A mission's source, bounded by the `max-file-size` of its configuration."""
    return read_text(path, config.limits.max_file_size, MISSION_FILE)


def read_lines(path: str | Path) -> list[tuple[int, bytes]]:
    """The non-blank lines of a file of JSON lines (`-`: standard input), numbered from 1,
    as bytes: each is decoded on its own, so one that is not UTF-8 fails alone."""
    data = read_bytes(path, MAX_LINES_FILE_BYTES, LINES_FILE)
    return [(number, line) for number, line in enumerate(data.splitlines(), start=1)
            if line.strip()]


def read_config(explicit: str | None = None) -> Config:
    """The configuration in force for the current directory (`compiler.config.config_for`):
    what a compiled workflow from elsewhere binds, and where the run store is named; or
    the file `explicit` names (`--config`: the schedules and notifications of `tick`,
    `schedules`, `notifications` and `serve`)."""
    if explicit is None:
        return config_at(".")
    from compiler.config import ConfigError, load_config

    try:
        return load_config(explicit)
    except ConfigError as problem:
        raise UsageError(str(problem)) from None


def config_at(place: str | Path) -> Config:
    """The configuration for a mission file (or a directory): the first `mission.toml`, or
    `pyproject.toml` with `[tool.mission]`, in its directory or above, as `mission check`
    and the language server find it; the defaults when there is none."""
    from compiler.config import ConfigError, config_for

    try:
        return config_for(place)
    except ConfigError as problem:
        raise UsageError(str(problem)) from None


class _Refused:
    """A value the parser met and strict JSON refuses; `strict_json` names where it is."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


class _Repeated(dict[str, Any]):
    """An object in which a key appears twice (the last value is kept, to find the path)."""

    problem = ""


def strict_json(text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys, no integer Python cannot convert.
    Raises `ValueError` naming where the bad value is (`at `a.b[2]`: ...`; a
    `json.JSONDecodeError` for malformed text) or `RecursionError`."""
    import json  # here, not at the top: `mission check` never reads JSON

    refused: list[object] = []  # what the parser met that strict JSON refuses

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                repeated = _Repeated(items)
                repeated.problem = f"the key {json.dumps(key)} appears twice in one object"
                refused.append(repeated)
                return repeated
            result[key] = value
        return result

    def constant(name: str) -> Any:
        refused.append(_Refused(f"{name} is not a JSON number; use a finite number or null"))
        return refused[-1]

    def whole(digits: str) -> Any:
        if len(digits) < 4000:
            return int(digits)
        refused.append(_Refused(f"the integer of {len(digits.lstrip('-')):,} digits is too "
                                "large for JSON data; pass it as a string"))
        return refused[-1]

    value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=whole)
    if refused:
        path, problem = _where(value)
        raise ValueError(f"at `{path}`: {problem}" if path else problem)
    return value


def _where(value: Any) -> tuple[str, str]:
    """The path to the first refused value, in document order, and what is wrong there."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, (_Refused, _Repeated)):
            return path, item.problem
        if isinstance(item, dict):
            stack.extend((child, f"{path}.{key}" if path else key)
                         for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]")
                         for index, child in reversed(list(enumerate(item))))
    return "", "a value is not plain JSON"


def parse_json(text: str, where: str) -> Any:
    """Strict JSON (see `strict_json`); errors name the line and column."""
    import json

    try:
        return strict_json(text)
    except json.JSONDecodeError as problem:
        raise UsageError(f"{where}:{problem.lineno}:{problem.colno}: invalid JSON: "
                         f"{problem.msg}") from None
    except ValueError as problem:
        raise UsageError(f"{where}: invalid JSON: {problem}") from None
    except RecursionError:
        raise UsageError(f"{where}: invalid JSON: nested too deeply") from None


def read_json(path: str | Path) -> Any:
    """A JSON file, read strictly (see `strict_json`)."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise UsageError(f"{path}: {_invalid_utf8(data, problem.start)}") from None
    return parse_json(text, str(path))


def _invalid_utf8(data: bytes, byte: int) -> str:
    """What to say about bytes that are not UTF-8: the path of the string holding them,
    when the JSON around them is sound."""

    try:
        value = strict_json(data.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        return f"not UTF-8 text (byte {byte})"
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str) and not _encodable(item):
            return (f"at `{path}`: the string is not UTF-8 (byte {byte}); a JSON "
                    "file is UTF-8 text" if path else f"not UTF-8 text (byte {byte})")
        if isinstance(item, dict):
            for key, child in reversed(item.items()):
                shown = key if _encodable(key) else _undecodable(key)
                where = f"{path}.{shown}" if path else shown
                stack.append((child, where))
                if not _encodable(key):
                    stack.append((key, where))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]")
                         for index, child in reversed(list(enumerate(item))))
    return f"not UTF-8 text (byte {byte})"


def _undecodable(key: str) -> str:
    """A key holding bytes that are not UTF-8, shown as JSON: each such byte as the
    character of that code (latin-1); a key that also holds an escaped lone surrogate
    (`"\ud800"`, which no byte gives) with every surrogate escaped instead."""
    import json

    try:
        return json.dumps(key.encode("utf-8", "surrogateescape").decode("latin-1"))
    except UnicodeEncodeError:
        return json.dumps(key)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
