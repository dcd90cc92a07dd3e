"""Reading user files for the CLI: every failure becomes a `UsageError` with a plain message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mission.cli import UsageError


def read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError as problem:
        raise UsageError(f"{path}: not UTF-8 text (byte {problem.start})") from None
    except OSError as problem:
        raise UsageError(f"{path}: cannot read it ({problem.strerror})") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def strict_json(text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys. Raises `ValueError` (a
    `json.JSONDecodeError` for malformed text) or `RecursionError`."""
    import json  # here, not at the top: `mission check` never reads JSON

    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)


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
    return parse_json(read_text(path), str(path))
