"""No operation repeats a value as many times as the data chooses (issue 20, item 6): one
budget per expression bounds the size of every value its operations build, charged as
they grow (`runtime/orchestration/budget.py`). Each blow-up runs through the real
command in a child process limited to 512 MiB and a minute (`tests/limited.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.orchestration.budget import MAX_BUILT, Budget
from runtime.orchestration.expressions import EvaluationError, evaluate
from tests.limited import run_limited

OVER = f"over {MAX_BUILT:,} characters and elements"


def mission(tmp_path: Path, body: str, params: dict[str, object]) -> Path:
    (tmp_path / "m.mission").write_text(
        'mission m "Build" {\n    version 1\n    param t: str = ""\n    param x: str = ""\n'
        f'    param items: list = []\n{body}\n}}\n', encoding="utf-8")
    (tmp_path / "p.json").write_text(json.dumps(params), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("body", "params", "what"), [
    # a template that is data repeats a value once per placeholder: 70 KB of params
    ('    runtime a "A" { format(param.t, x: param.x) -> state.s }',
     {"t": "{x}" * 12_000, "x": "y" * 35_000}, "`format`"),
    # per-item keys built from a large value: each is new, and they add up
    ('    runtime a "A" { sort(param.items, by: param.x + item) -> state.s }',
     {"items": [str(n) for n in range(100_000)], "x": "y" * 5_000}, "`+`"),
    # a human step's per-item values, each the whole large value (the question is stored)
    ('    human a "A" { choose("Pick", options: param.items, label: format("{n}", n: item), '
     'value: param.x) -> state.s }',
     {"items": list(range(100_000)), "x": "y" * 5_000}, "`value`"),
    # `map` and `update` place what their per-item value gives in a new list: the same large
    # value in every slot weighs its whole size each time (issue 22)
    ('    runtime a "A" { map(param.items, to: param.x) -> state.s }',
     {"items": list(range(100_000)), "x": "y" * 5_000}, "`map`"),
    ('    runtime a "A" { update(param.items, where: true, with: param.x) -> state.s }',
     {"items": list(range(100_000)), "x": "y" * 5_000}, "`update`"),
])
def test_an_operation_repeating_a_value_the_data_chooses_fails_its_step(
        tmp_path: Path, body: str, params: dict[str, object], what: str) -> None:
    root = mission(tmp_path, body, params)
    done = run_limited("run", "m.mission", "--params", "p.json", "--no-input", cwd=root)
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"{what} would take the values this expression builds {OVER}" in done.stderr
    assert "internal error" not in done.stderr and "MemoryError" not in done.stderr


def test_what_the_data_needs_is_far_below_the_budget(tmp_path: Path) -> None:
    root = mission(tmp_path, '    runtime a "A" { format(param.t, x: param.x) -> state.s }',
                   {"t": "{x}, {x}" * 100, "x": "y" * 1_000})
    done = run_limited("run", "m.mission", "--params", "p.json", "--json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["final_state"]["s"]) == 200 * 1_000 + 100 * 2


def test_a_value_weighs_each_time_it_appears_and_is_measured_once() -> None:
    budget = Budget()
    large = ["y" * 1_000] * 10
    assert budget.size(large) == 10 + 10_000
    assert budget.size({"ab": large, "c": [large, large]}) == 2 + 3 + 10_010 + 2 + 2 * 10_010
    # a list of the same large list, built in the expression, weighs every copy
    expression = {"list": [{"ref": "state.large"}] * 1_000}
    with pytest.raises(EvaluationError, match="`a list` would take"):
        evaluate({"list": [expression] * 1_000}, {}, {"large": large})


def test_concat_and_merge_charge_what_they_build() -> None:
    state = {"big": ["y" * 10_000] * 1_000, "map": {f"k{n}": "y" * 10_000 for n in range(100)}}
    for call in ({"call": "concat", "args": {"lists": {"list": [{"ref": "state.big"}] * 2_000}}},
                 {"call": "merge", "args": {"maps": {"list": [{"ref": "state.map"}] * 20_000}}}):
        with pytest.raises(EvaluationError, match=f"`{call['call']}` would take"):
            evaluate(call, {}, state)
