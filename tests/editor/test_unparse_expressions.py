"""Graphs and HTML reports show compiled expressions as source: the text `mission.unparse`
writes compiles back to the same expression (calls, pipes, `if`, arithmetic, `item`)."""

from __future__ import annotations

from typing import Any

import pytest

from compiler import compile_source
from mission.unparse import call_text, expression_text

_MISSION = """mission shown "Shown" {{
    version 1
    input bugs: list[{{id: str, severity: int, status: str}}] = []
    input n: int = 1
    runtime compute "Compute" {{
        set(at: state.out, value: {expression})
    }}
}}
"""


def _compiled(expression: str) -> Any:
    compiled = compile_source(_MISSION.format(expression=expression))
    assert compiled.workflow is not None, [d.message for d in compiled.errors]
    return compiled.workflow.steps[0].payload["args"]["value"]


@pytest.mark.parametrize("expression", [
    "state.n + 1 > 2 * state.n",
    "(state.n + 1) * - state.n",
    "- (state.n - 1)",
    'if state.n > 1 then "many" else if state.n == 1 then "one" else "none"',
    "(if state.n > 1 then 1 else 2) + 3",
    'state.bugs |> filter(where: item.status == "open") |> sort(by: [desc(item.severity), '
    "item.id]) |> take(3)",
    'format("{a} and {b}", a: state.n / 2, b: count(state.bugs))',
    "concat(state.bugs, [], take(state.bugs, 1)) |> count()",
    "sum(state.bugs, of: item.severity * 2) - (max(state.bugs, of: item.severity) ?? 0)",
    "(min(state.bugs, of: item.severity) ?? max(state.bugs, of: item.severity) ?? 0) > 1",
    "((first(state.bugs) ?? {}) ?? {}) == {}",
    'map(state.bugs, to: round(item.severity / 3, 2)) |> count()',
])
def test_unparsed_expressions_compile_back_to_themselves(expression: str) -> None:
    compiled = _compiled(expression)
    text = expression_text(compiled)
    assert "{call" not in text and '"call"' not in text
    assert _compiled(text) == compiled


def test_a_data_operation_step_is_shown_as_its_call() -> None:
    payload = {"operation": "take", "output": "state.top",
               "args": {"list": {"ref": "state.bugs"}, "n": 3}}
    assert call_text(payload) == "take(state.bugs, n: 3) -> state.top"
