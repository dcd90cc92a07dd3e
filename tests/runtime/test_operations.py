"""The state operations: what they write, and the step failures that name step, path and value."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.calling import Change, Invocation, StepFailure
from runtime.orchestration.expressions import json_equal
from runtime.orchestration.operations import OPERATIONS, apply_change
from tests.runtime.builders import ref, step, workflow


def run_one(operation: str, args: dict[str, Any], state: dict[str, Any] | None = None,
            output: str | None = None) -> Any:
    flow = workflow(step("s", operation, args, output=output))
    return Orchestrator().run_workflow(flow, ExecutionContext(initial_state=state or {}))


def final(operation: str, args: dict[str, Any], state: dict[str, Any] | None = None,
          output: str | None = None) -> dict[str, Any]:
    result = run_one(operation, args, state, output)
    assert result.success, result.error_message
    return result.final_state  # type: ignore[no-any-return]


def failure(operation: str, args: dict[str, Any], state: dict[str, Any] | None = None) -> str:
    result = run_one(operation, args, state)
    assert result.status == "failed" and result.failed_step_id == "s"
    assert result.final_state == (state or {})
    return str(result.error_message)


# -- what each operation writes ----------------------------------------------------------


def test_set_creates_maps_along_the_path() -> None:
    assert final("set", {"at": ref("state.a.b.c"), "value": 1}) == {"a": {"b": {"c": 1}}}
    assert final("set", {"at": ref("state.a.x"), "value": {"lit": [1]}}, {"a": {"y": 2}}) == \
        {"a": {"x": [1], "y": 2}}


def test_append_and_extend_create_or_grow_lists() -> None:
    assert final("append", {"to": ref("state.log"), "value": {"lit": {"k": 1}}}) == \
        {"log": [{"k": 1}]}
    assert final("append", {"to": ref("state.log"), "value": 2}, {"log": [1]}) == {"log": [1, 2]}
    assert final("extend", {"to": ref("state.log"), "values": {"lit": [2, 3]}},
                 {"log": [1]}) == {"log": [1, 2, 3]}


def test_increment_counts_from_zero_and_adds_by() -> None:
    assert final("increment", {"at": ref("state.n")}) == {"n": 1}
    assert final("increment", {"at": ref("state.n"), "by": 2.5}, {"n": 1}) == {"n": 3.5}


def test_remove_a_key_or_every_equal_item() -> None:
    assert final("remove", {"at": ref("state.a.b")}, {"a": {"b": 1, "c": 2}}) == {"a": {"c": 2}}
    state = {"tags": [1, 1.0, True, "1", [1], [True], {"a": 1}]}
    assert final("remove", {"at": ref("state.tags"), "item": 1}, state) == \
        {"tags": [True, "1", [1], [True], {"a": 1}]}
    assert final("remove", {"at": ref("state.tags"), "item": {"lit": [1]}}, state)["tags"] == \
        [1, 1.0, True, "1", [True], {"a": 1}]


def test_copy_and_assert() -> None:
    assert final("copy", {"from": ref("state.a"), "to": ref("state.b.c")}, {"a": [1]}) == \
        {"a": [1], "b": {"c": [1]}}
    assert final("assert", {"condition": {"op": ">", "args": [ref("state.n"), 0]}},
                 {"n": 1}) == {"n": 1}


def test_fail_and_assert_messages() -> None:
    assert failure("fail", {"reason": "not ready"}) == "Step 's' failed: not ready"
    assert failure("fail", {}) == "Step 's' failed: unspecified"
    assert failure("assert", {"condition": False, "message": "nothing to do"}) == \
        "Step 's' failed: nothing to do"
    assert failure("assert", {"condition": False}) == "Step 's' failed: assertion failed"


# -- failures name the step, the path and what was found -----------------------------------


@pytest.mark.parametrize(("operation", "args", "state", "message"), [
    ("set", {"at": ref("state.a.b"), "value": 1}, {"a": 3},
     "Step 's' failed: `state.a` is the int 3, not a map, so `state.a.b` cannot be written"),
    ("set", {"at": ref("state.a.b.c"), "value": 1}, {"a": {"b": [1]}},
     "Step 's' failed: `state.a.b` is a list of 1 items, not a map, so `state.a.b.c` cannot "
     "be written"),
    ("append", {"to": ref("state.log"), "value": 1}, {"log": "x"},
     "Step 's' failed: `state.log` is the str 'x', not a list, so nothing can be appended to it"),
    ("extend", {"to": ref("state.log"), "values": ref("state.v")}, {"v": 3},
     "Step 's' failed: `values` must be a list, found the int 3"),
    ("increment", {"at": ref("state.n")}, {"n": "3"},
     "Step 's' failed: `state.n` is the str '3', not a number, so it cannot be incremented"),
    ("increment", {"at": ref("state.n"), "by": 1e308}, {"n": 1e308},
     "Step 's' failed: `state.n` would become inf, which is not a finite number"),
    ("increment", {"at": ref("state.n")}, {"n": 2**53 - 1},
     "Step 's' failed: cannot write state.n: the integer 9007199254740992 is too large"),
    ("remove", {"at": ref("state.a.b")}, {"a": {}},
     "Step 's' failed: `state.a.b` does not exist"),
    ("remove", {"at": ref("state.a"), "item": 1}, {"a": {"x": 1}},
     "Step 's' failed: `state.a` is a map with 1 keys, not a list, so an item cannot be "
     "removed from it"),
    ("copy", {"from": ref("state.missing.x"), "to": ref("state.b")}, {},
     "Step 's' failed: `state.missing` does not exist"),
    ("copy", {"from": ref("state.a.x"), "to": ref("state.b")}, {"a": [1]},
     "Step 's' failed: `state.a` is a list of 1 items, not a map, so `state.a.x` cannot be read"),
    ("assert", {"condition": ref("state.flag")}, {"flag": "yes"},
     "Step 's' failed: `condition` must be true or false, found the str 'yes'"),
])
def test_path_problems_are_step_failures(operation: str, args: dict[str, Any],
                                         state: dict[str, Any], message: str) -> None:
    assert failure(operation, args, state).startswith(message)


# -- the daily loop's operations -----------------------------------------------------------

TASKS = [
    {"id": "b", "title": "B", "status": "open", "priority": 2, "due": "2026-11-20"},
    {"id": "a", "title": "A", "status": "open", "priority": 2, "due": "2026-11-20"},
    {"id": "c", "title": "C", "status": "open", "priority": 1},
    {"id": "d", "title": "D", "status": "open", "due": "2026-11-01"},
    {"id": "e", "title": "E", "status": "open"},
    {"id": "f", "title": "F", "status": "open", "priority": 2, "due": "2026-11-30"},
    {"id": "g", "title": "G", "status": "done", "done_on": "2026-11-23"},
    {"id": "h", "title": "H", "status": "done", "done_on": "2026-11-22", "priority": 1},
]


def test_summarize_and_prioritize() -> None:
    state = final("summarize", {"tasks": ref("state.tasks"), "today": "2026-11-24"},
                  {"tasks": TASKS}, output="state.summary")
    assert state["summary"] == {"done_yesterday": ["g"], "open": 6, "overdue": ["a", "b", "d"]}
    ranked = final("prioritize", {"tasks": ref("state.tasks"), "limit": 10}, {"tasks": TASKS},
                   output="state.p")["p"]
    assert ranked == ["c", "a", "b", "f", "d", "e"]
    assert final("prioritize", {"tasks": ref("state.tasks")}, {"tasks": TASKS},
                 output="state.p")["p"] == ["c", "a", "b"]


def test_summarize_across_a_month_boundary() -> None:
    tasks = [{"id": "x", "status": "done", "done_on": "2026-02-28"}]
    state = final("summarize", {"tasks": ref("state.tasks"), "today": "2026-03-01"},
                  {"tasks": tasks}, output="state.s")
    assert state["s"]["done_yesterday"] == ["x"]


@pytest.mark.parametrize(("tasks", "words"), [
    ("nope", "`tasks` must be a list, found the str 'nope'"),
    ([{"id": "a", "status": "open"}, 3], "task #2 must be a map, found the int 3"),
    ([{"title": "no id", "status": "open"}], "task #1 has no `id` (a non-empty string)"),
    ([{"id": "t1", "status": "maybe"}], "task `t1`: `status` is the str 'maybe'"),
    ([{"id": "t1", "status": "open", "due": "2026-13-01"}],
     "task `t1`: `due` is the str '2026-13-01', not a date; use an ISO date"),
    ([{"id": "t1", "status": "open", "due": "2026-W48-2"}],
     "task `t1`: `due` is the str '2026-W48-2', not a date; use an ISO date"),
    ([{"id": "t2", "status": "done", "done_on": 20261124}],
     "task `t2`: `done_on` is the int 20261124, not a date"),
    ([{"id": "t3", "status": "open", "priority": "high"}],
     "task `t3`: `priority` is the str 'high'; use a whole number"),
    ([{"id": "t3", "status": "open", "priority": True}], "task `t3`: `priority` is the bool true"),
])
def test_malformed_tasks_fail_the_step_naming_the_task(tasks: Any, words: str) -> None:
    for operation, extra in (("summarize", {"today": "2026-11-24"}), ("prioritize", {})):
        message = failure(operation, {"tasks": ref("state.tasks"), **extra}, {"tasks": tasks})
        assert message.startswith("Step 's' failed: ") and words in message, message


def test_today_must_be_a_calendar_date() -> None:
    message = failure("summarize", {"tasks": {"lit": []}, "today": "2026-11-31"})
    assert "`today` must be a date like \"2026-11-24\", found the str '2026-11-31'" in message


# -- human operations check their arguments before asking ------------------------------------


@pytest.mark.parametrize(("operation", "args", "words"), [
    ("choose", {"prompt": "?", "options": {"lit": []}}, "`options` must be a non-empty list"),
    ("choose", {"prompt": "?", "options": {"lit": [1, 2]}}, "`options` must be a non-empty list"),
    ("choose", {"prompt": "?", "options": {"lit": ["a", "a"]}}, "lists the same option twice"),
    ("number", {"prompt": "?", "min": 5, "max": 1}, "`min` (5) is greater than `max` (1)"),
])
def test_malformed_questions_fail_before_asking(operation: str, args: dict[str, Any],
                                                words: str) -> None:
    asked: list[Any] = []
    flow = workflow(step("h", operation, args, output="state.x", kind="human"))
    result = Orchestrator().run_workflow(flow, ExecutionContext(ask=asked.append))
    assert result.status == "failed" and words in str(result.error_message)
    assert asked == []


# -- properties: pure, deterministic, no input mutated ----------------------------------------

json_leaves = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5)
json_values = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from("abcd"), inner, max_size=3),
                           max_leaves=12)
keys = st.sampled_from(["a", "b", "c"])
paths = st.lists(keys, min_size=1, max_size=3).map(tuple)
states = st.dictionaries(keys, json_values, max_size=3)

PURE_CALLS = {
    "set": lambda path, value: {"at": path, "value": value},
    "append": lambda path, value: {"to": path, "value": value},
    "extend": lambda path, value: {"to": path, "values": value},
    "increment": lambda path, value: {"at": path, "by": value},
    "remove": lambda path, value: {"at": path, "item": value},
    "copy": lambda path, value: {"from": value, "to": path},
    "assert": lambda path, value: {"condition": value},
    "prioritize": lambda path, value: {"tasks": value, "limit": 2},
    "summarize": lambda path, value: {"tasks": value, "today": "2026-11-24"},
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(PURE_CALLS)), paths, json_values, states)
def test_implementations_are_pure_and_deterministic(name: str, path: tuple[str, ...],
                                                    value: Any, state: dict[str, Any]) -> None:
    args = PURE_CALLS[name](path, value)
    before = copy.deepcopy((args, state))
    outcomes: list[tuple[str, Any, Any]] = []
    for _ in range(2):
        try:
            outcome = OPERATIONS[name].implementation(Invocation("s", args, state))
            outcomes.append(("ok", [c.to_json() for c in outcome.changes], outcome.result))
        except StepFailure as problem:
            outcomes.append(("failed", str(problem), None))
    assert (args, state) == before
    assert outcomes[0] == outcomes[1]


@settings(max_examples=150, deadline=None)
@given(states, paths, json_values, st.booleans())
def test_apply_change_copies_on_write(state: dict[str, Any], path: tuple[str, ...],
                                      value: Any, remove: bool) -> None:
    before = copy.deepcopy(state)
    change = Change("remove", path) if remove else Change("set", path, value)
    try:
        after = apply_change(state, change)
    except StepFailure:
        assert state == before
        return
    assert state == before
    if not remove:
        current: Any = after
        for key in path:
            current = current[key]
        assert json_equal(current, value)
