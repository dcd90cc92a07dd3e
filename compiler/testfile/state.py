"""A case's initial state and params as data: the checks and the runner read them alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from compiler.testfile import nodes


def _constant(line: nodes.GivenParam | nodes.GivenState) -> Any:
    from compiler.literals import literal_value

    constant, value = literal_value(line.value)
    if not constant:
        raise ValueError("not a constant")
    return value


def initial_state(case: nodes.TestCase, test_path: str,
                  read: Callable[[str], str]) -> dict[str, Any]:
    """The initial state a case gives: `state from "FILE"` first, then `state = MAP`, then
    each `state.PATH = VALUE` in order (creating maps along the path). ValueError when a
    part is not known: a value that is not a constant, a file that cannot be read or is not
    a JSON object, a path below a value that is not a map."""
    from compiler.testfile.paths import beside
    from runtime.reading import TooLarge

    state: dict[str, Any] = {}
    for line in case.lines:
        if isinstance(line, nodes.StateFile):
            path = beside(test_path, str(line.path.value))
            if not path.endswith(".json"):
                raise ValueError("a state file is a .json file")  # never read (E066)
            try:
                data = json.loads(read(path))
            except (OSError, UnicodeDecodeError, TooLarge) as problem:
                raise ValueError(f"the state file cannot be read: {problem}") from None
            if not isinstance(data, dict):
                raise ValueError("the state file does not hold a JSON object")
            state.update(data)
    for line in case.lines:
        if not isinstance(line, nodes.GivenState):
            continue
        value = _constant(line)
        if not line.path:
            if not isinstance(value, dict):
                raise ValueError("the initial state is a map")
            state.update(value)
            continue
        place = state
        for part in line.path[:-1]:
            below = place.setdefault(part.text, {})
            if not isinstance(below, dict):
                raise ValueError(f"`{part.text}` is not a map")
            place = below
        place[line.path[-1].text] = value
    return state


def params(case: nodes.TestCase) -> dict[str, Any]:
    """The params a case gives (ValueError when one is not a constant)."""
    return {line.name.text: _constant(line) for line in case.lines
            if isinstance(line, nodes.GivenParam)}
