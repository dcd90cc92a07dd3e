"""The engine's fast paths give what the slow ones gave: the one-walk JSON copy, the hash of
a state that reuses unchanged values' text, the quick task-list check, and a final state
that is not copied at the end yet shares nothing with the caller or the workflow."""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.calling import StepFailure
from runtime.orchestration.canonical import StateHasher, canonical_hash
from runtime.orchestration.operations import _sound_tasks, _tasks
from runtime.orchestration.values import NotJSONData, json_copy, json_problem
from tests.runtime.builders import ref, step, workflow

plain_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


def containers(value: Any) -> Iterator[Any]:
    """Every list and dict inside `value`, itself included."""
    if isinstance(value, list | dict):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def shares_nothing(left: Any, right: Any) -> bool:
    return not {id(item) for item in containers(left)} & {id(item) for item in containers(right)}


@settings(max_examples=300, deadline=None)
@given(plain_json)
def test_json_copy_is_an_equal_copy_that_shares_nothing(value: Any) -> None:
    copied = json_copy(value, "state")
    assert copied == value and repr(copied) == repr(value)
    assert shares_nothing(copied, value)


class Level(enum.IntEnum):
    HIGH = 1


class Label(str):
    pass


@pytest.mark.parametrize("value", [
    {"tags": {1, 2}}, {"pair": (1, 2)}, {"n": float("nan")}, {"n": [1, float("inf")]},
    {"big": 2**64}, {"s": "\ud800"}, {1: "x"}, {"a": {"b": [{"c": {3}}]}},
    {"k": {Label("x"): 1.5j}},
])
def test_json_copy_refuses_what_json_problem_refuses_with_its_message(value: Any) -> None:
    problem = json_problem(value, "state")
    assert problem is not None
    with pytest.raises(NotJSONData) as refused:
        json_copy(value, "state")
    assert str(refused.value) == problem


def test_json_copy_refuses_deep_nesting_and_cycles_without_recursing_further() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(NotJSONData, match="nested more than 100 levels"):
        json_copy({"x": deep}, "state")
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(NotJSONData, match="nested more than 100 levels"):
        json_copy(cycle, "state")


def test_json_data_of_subclasses_is_accepted_and_copied_as_before() -> None:
    value = {"level": Level.HIGH, "name": Label("x"), "items": [Level.HIGH]}
    assert json_problem(value, "state") is None
    copied = json_copy(value, "state")
    assert copied == value and copied["items"] is not value["items"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "é", "c\u2028"]), plain_json,
                                max_size=4), min_size=1, max_size=5),
       st.data())
def test_state_hasher_equals_canonical_hash_over_successive_states(
        states: list[dict[str, Any]], data: st.DataObject) -> None:
    hasher = StateHasher()
    previous: dict[str, Any] = {}
    for state in states:
        kept = {key: value for key, value in previous.items()  # the same objects, unchanged
                if data.draw(st.booleans())}
        current = {**kept, **state}
        assert hasher.hash(current) == canonical_hash(current)
        previous = current


def test_state_hasher_sees_a_value_replaced_by_an_equal_looking_new_one() -> None:
    hasher = StateHasher()
    first = {"tasks": [1, 2], "n": 1}
    assert hasher.hash(first) == canonical_hash(first)
    second = {"tasks": [1, 2, 3], "n": 1}
    assert hasher.hash(second) == canonical_hash(second)


TASKS = [{"id": "a", "title": "A", "status": "open", "priority": 1, "due": "2026-11-20"},
         {"id": "b", "status": "done", "done_on": "2026-11-23"}]


@pytest.mark.parametrize("change", [
    {}, {"id": ""}, {"id": 3}, {"status": "later"}, {"title": 4}, {"priority": True},
    {"priority": 1.5}, {"priority": Level.HIGH}, {"due": "2026-02-30"}, {"due": "2026-1-1"},
    {"done_on": ["2026-11-20"]}, {"id": Label("x")}, {"title": None},
])
def test_the_quick_task_check_never_accepts_what_the_full_check_refuses(
        change: dict[str, Any]) -> None:
    tasks = [TASKS[0], {**TASKS[1], **change}]
    try:
        _tasks(tasks)
        refused = False
    except StepFailure:
        refused = True
    assert not (refused and _sound_tasks(tasks))
    assert _sound_tasks(tasks) == (change == {})  # the rest take the full check's path
    assert not _sound_tasks([*TASKS, "not a map"])


def test_the_final_state_shares_nothing_with_the_workflow_the_input_or_the_answers() -> None:
    literal = {"lit": {"nested": [1, {"deep": True}]}}
    flow = workflow(
        step("put", "set", {"at": ref("state.data"), "value": literal}),
        step("dup", "copy", {"from": ref("state.data"), "to": ref("state.again")}),
        step("add", "append", {"to": ref("state.items"), "value": ref("state.data")}),
        step("ask", "choose", {"prompt": "which?", "options": {"lit": ["p", "q"]}},
             output="state.choice", kind="human"),
    )
    state = {"items": [{"x": [1]}], "keep": {"y": [2]}}
    answers = {"ask": "p"}
    before = copy.deepcopy((flow.to_dict(), state, answers))
    result = Orchestrator().run_workflow(flow, ExecutionContext(initial_state=state,
                                                                answers=answers))
    assert result.status == "succeeded"
    final = result.final_state
    assert shares_nothing(final, flow.to_dict()) and shares_nothing(final, state)
    assert shares_nothing(final, [s.payload for s in flow.steps])
    assert final["data"] is not final["again"]
    final["data"]["nested"][1]["deep"] = False  # the caller may change its result...
    final["items"][0]["x"].append(9)
    assert (flow.to_dict(), state, answers) == before  # ...and nothing else changes
    again = Orchestrator().run_workflow(flow, ExecutionContext(initial_state=state,
                                                               answers=answers))
    assert again.receipt == result.receipt
    assert again.receipt["final_state_hash"] == canonical_hash(again.final_state)
