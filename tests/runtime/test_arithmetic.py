"""Arithmetic and conditional values, compiled from source and run by the engine."""

from __future__ import annotations

from typing import Any

import pytest

from compiler import compile_source
from runtime.orchestration import Orchestrator
from runtime.orchestration.model import ExecutionContext

_MISSION = """mission budget "Budget" {{
    version 1
    param spent: number = 0
    param budget: number = 100
    param other: any = "a"
    runtime total "Compute" {{
        set(at: state.result, value: {expression})
    }}
}}
"""


def _run(expression: str, **params: Any) -> tuple[Any, str | None]:
    compiled = compile_source(_MISSION.format(expression=expression))
    assert compiled.workflow is not None, compiled.diagnostics
    result = Orchestrator().run_workflow(compiled.workflow, ExecutionContext(params=params))
    return result.final_state.get("result"), result.error_message


@pytest.mark.parametrize(("expression", "expected"), [
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 4 - 3", 3),
    ("7 / 2", 3.5),
    ("6 / 3", 2.0),
    ("- 2 * 3", -6),
    ("1 + 0.5", 1.5),
    ('"a" + "b"', "ab"),
    ("[1] + [2, 3]", [1, 2, 3]),
    ("if param.spent > param.budget then \"over\" else \"ok\"", "ok"),
    ("if false then 1 else if true then 2 else 3", 2),
    ("param.budget - param.spent", 100),
])
def test_values(expression: str, expected: Any) -> None:
    value, error = _run(expression)
    assert error is None
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("expression", "message"), [
    ("param.budget / param.spent", "division by zero"),
    ("9007199254740991 + 1", "integer overflow"),
    # of a type known only at run time (the compiler reports these as E025 and E026 when the
    # types are known: see tests/golden/cases/E025.mission and E026.mission)
    ("1 + param.other", "`+` needs two numbers"),
    ("if param.other then 2 else 3", "`if` needs true or false"),
])
def test_errors_fail_the_step(expression: str, message: str) -> None:
    value, error = _run(expression)
    assert value is None
    assert error is not None and "Step 'total' failed" in error and message in error


def test_float_overflow_is_an_error() -> None:
    value, error = _run("param.spent * param.budget", spent=1e308, budget=10.0)
    assert value is None
    assert error is not None and "not a finite number" in error
