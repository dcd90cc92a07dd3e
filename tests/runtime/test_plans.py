"""A prepared plan runs as `run_workflow` does, as often as asked; it is its own copy of the
workflow, made for the very class and limits that checked it, and no state is kept beside
it; the receipt's hashes written directly equal the canonical hash of what they stand for."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import compile_source
from runtime.orchestration import (
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    Orchestrator,
    WorkflowDefinition,
    receipts,
)
from runtime.orchestration.canonical import canonical_hash, canonical_json, data_hash, text_hash
from runtime.orchestration.registry import MISSION_REGISTRY
from runtime.orchestration.values import checked_copy, json_copy
from tests.perf.test_engine_fast_paths import plain_json, shares_nothing
from tests.runtime.builders import ref, step, workflow


def put(value: Any) -> WorkflowDefinition:
    return workflow(step("put", "set", {"at": ref("state.x"), "value": {"lit": value}}))


def run(flow: WorkflowDefinition, orchestrator: Orchestrator | None = None) -> Any:
    return (orchestrator or Orchestrator()).run_workflow(flow, ExecutionContext())


@pytest.mark.parametrize(("before", "after"), [
    (1, 2), (1, 1.0), (1, True), (0, False), (1, "1"), ([1], [1.0]), ({"a": 1}, {"a": True}),
    ("é", "e\u0301"), (0.0, -0.0),
])
def test_a_workflow_changed_in_place_runs_as_it_is_now_and_its_plan_as_it_was(
        before: Any, after: Any) -> None:
    flow = put(before)
    plan = Orchestrator().prepare(flow)
    assert repr(run(flow).final_state["x"]) == repr(before)
    flow.steps[0].payload["args"]["value"]["lit"] = after  # the same object, edited
    assert repr(run(flow).final_state["x"]) == repr(after)
    assert repr(plan.run(ExecutionContext()).final_state["x"]) == repr(before)


def test_an_edit_that_makes_a_cached_workflow_invalid_is_refused() -> None:
    flow = put(1)
    run(flow)
    flow.steps[0].payload["args"]["value"]["lit"] = (1, 2)  # a tuple is not JSON data
    with pytest.raises(EnvelopeViolation, match="tuple is not JSON data"):
        run(flow)
    flow.steps[0].payload["args"]["value"]["lit"] = 1
    flow.steps[0].payload["operation"] = "explode"
    with pytest.raises(EnvelopeViolation, match="unknown operation 'explode'"):
        run(flow)


def test_a_plan_keeps_its_own_copy_of_the_workflow() -> None:
    flow = put({"n": [1]})
    plan = Orchestrator().prepare(flow)
    first = plan.run(ExecutionContext())
    flow.steps[0].payload["args"]["value"]["lit"]["n"].append(2)
    assert plan.run(ExecutionContext()).to_dict() == first.to_dict()
    assert plan.workflow.to_dict() == put({"n": [1]}).to_dict()
    assert shares_nothing(plan.workflow.to_dict(), flow.to_dict())
    assert shares_nothing([step.spec.payload for step in plan.steps],
                          [step.payload for step in flow.steps])


def test_a_subclass_s_limits_and_checks_are_never_skipped() -> None:
    flow = workflow(*(step(f"s{index}", "noop") for index in range(3)))
    assert run(flow).status == "succeeded"  # cached for Orchestrator

    class TwoSteps(Orchestrator):
        MAX_TOTAL_STEPS = 2

    with pytest.raises(AntiFailureViolation, match="exceeds maximum of 2"):
        run(flow, TwoSteps())

    class NoNoops(Orchestrator):
        def prepare(self, workflow: WorkflowDefinition) -> Any:
            if any(s.payload.get("operation") == "noop" for s in workflow.steps):
                raise EnvelopeViolation("no noops here")
            return super().prepare(workflow)

    for _ in range(2):
        with pytest.raises(EnvelopeViolation, match="no noops here"):
            run(flow, NoNoops())
    assert run(flow).status == "succeeded"  # and the base class is not refused by it


ENGINE_MODULES = ("engine", "plans", "steps", "binding", "run", "receipts")


def module_state() -> dict[str, Any]:
    """Every mutable container at the top level of the engine's modules, as text."""
    found = {}
    for name in ENGINE_MODULES:
        module = sys.modules[f"runtime.orchestration.{name}"]
        for attribute, value in vars(module).items():
            if isinstance(value, dict | list | set):
                found[f"{name}.{attribute}"] = repr(value)
    return found


def test_preparing_twice_gives_equal_plans_and_keeps_nothing_beside_them() -> None:
    run(put(0))  # every module imported
    before = module_state()
    for index in range(50):
        flow = put({"n": index})
        first, second = Orchestrator().prepare(flow), Orchestrator().prepare(flow)
        assert first == second and first is not second
        assert first.run(ExecutionContext()).to_dict() == run(flow).to_dict()
    assert module_state() == before
    assert Orchestrator().prepare(put(1)) != Orchestrator().prepare(put(True))
    assert Orchestrator().prepare(put(1)) != Orchestrator().prepare(put(1.0))


@settings(max_examples=100, deadline=None)
@given(st.lists(plain_json, min_size=1, max_size=4), st.integers(1, 4))
def test_a_plan_run_many_times_gives_the_receipts_of_run_workflow(values: list[Any],
                                                                 times: int) -> None:
    flow = workflow(*(step(f"s{index}", "set", {"at": ref(f"state.x{index}"),
                                               "value": {"lit": value}})
                      for index, value in enumerate(values)))
    plan = Orchestrator().prepare(flow)
    expected = run(flow).to_dict()
    for _ in range(times):
        assert plan.run(ExecutionContext()).to_dict() == expected


class Level(enum.IntEnum):
    HIGH = 1


def test_data_of_subclasses_is_copied_as_before() -> None:
    flow = put(Level.HIGH)
    for _ in range(2):
        result = run(flow)
        assert result.final_state["x"] == 1 and result.executed_steps[0].payload == \
            flow.steps[0].payload
        assert result.executed_steps[0].payload is not flow.steps[0].payload


def test_executed_steps_are_fresh_copies_for_every_result() -> None:
    flow = put({"deep": [1]})
    first, second = run(flow), run(flow)
    assert shares_nothing(first.executed_steps[0].payload, second.executed_steps[0].payload)
    assert shares_nothing(first.executed_steps[0].payload, flow.steps[0].payload)
    first.executed_steps[0].payload["args"]["value"]["lit"]["deep"].append(2)
    assert run(flow).executed_steps[0].payload == flow.steps[0].payload


@settings(max_examples=300, deadline=None)
@given(plain_json)
def test_data_hash_is_the_canonical_hash(value: Any) -> None:
    assert data_hash(value) == canonical_hash(value)
    assert text_hash(canonical_json(value)) == canonical_hash(value)


digests = st.text("0123456789abcdef", min_size=64, max_size=64)
names = st.text()  # any id or message: quotes, control characters, non-ASCII, surrogates


@settings(max_examples=300, deadline=None)
@given(digests, names, names, digests, st.none() | digests, digests, digests,
       st.none() | names)
def test_the_receipt_s_hashes_written_directly_are_canonical_hashes(
        previous: str, step_id: str, status: str, changes: str, consumed: str | None,
        state: str, answers: str, error: str | None) -> None:
    assert receipts.head_hash(previous, changes, state) == canonical_hash(
        {"workflow": previous, "params": changes, "initial_state": state})
    assert receipts.link_hash(previous, step_id, status, changes, consumed) == canonical_hash(
        [previous, step_id, status, changes, consumed])
    assert receipts.digest_hash(previous, status, state, answers, changes, error) == \
        canonical_hash([previous, status, state, answers, changes, error])


TASKS = [{"id": "a", "title": "Write \"it\" ✓", "status": "open", "priority": 2,
          "due": "2026-11-20"},
         {"id": "b", "title": "B", "status": "done", "done_on": "2026-11-23"}]


def test_results_and_receipts_are_byte_for_byte_those_of_the_engine_before_its_fast_paths(
) -> None:
    """The hashes of whole results, taken with the engine as it was before the receipt's
    hashes were written directly and the task list checked once per run (commit 7864413);
    the result's `events` (added since, with time in the record) are compared apart."""
    root = Path(__file__).resolve().parents[2]
    counter = compile_source((root / "examples" / "counter.mission").read_text(
        encoding="utf-8"), "counter.mission").workflow
    assert counter is not None
    daily = MISSION_REGISTRY["daily_loop"](None)
    context = {"initial_state": {"tasks": TASKS}, "params": {"today": "2026-11-24", "top_n": 3}}
    failing = workflow(step("ok \"1\"", "noop"),
                       step("bad", "fail", {"reason": {"lit": "no ✗ \"x\""}}))
    runs = [
        (counter, ExecutionContext(params={"by": 2}, initial_state={"tags": ["draft", "é"]}),
         "7b2b66c32c4e6f5f80075ec1ee5945c2c11c246f96328a45ee4aecc4b75d07ce"),
        (daily, ExecutionContext(**context, answers={"confirm_priorities": True}),
         "82f06b691628f351efa1c1717a501a129009ab5314336b34d56ff541bbdaa4a8"),
        (daily, ExecutionContext(**context),
         "c98db48427817c46ddb6a9a79ae16d2a3c104eeed171f56fb2c997859913fb65"),
        (failing, ExecutionContext(),
         "d80147289d9ddc256daa13f69bc6b9a1c751524dfe11a56d6e45d7e3736a3d4c"),
    ]
    answered = [{"kind": "answer", "step": "confirm_priorities", "answer": True}]
    for (flow, ctx, expected), events in zip(runs, ([], answered, [], []), strict=True):
        plan = Orchestrator().prepare(flow)
        for result in (Orchestrator().run_workflow(flow, ctx).to_dict(),
                       plan.run(ctx).to_dict(), plan.run(ctx).to_dict()):
            assert result.pop("events") == events
            assert canonical_hash(result) == expected


def daily_steps(*between: Any) -> WorkflowDefinition:
    return workflow(
        step("sum", "summarize", {"tasks": ref("state.tasks"), "today": {"lit": "2026-11-24"}},
             output="state.summary"),
        *between,
        step("rank", "prioritize", {"tasks": ref("state.tasks"), "limit": {"lit": 3}},
             output="state.ranked"))


def test_the_task_list_is_checked_once_per_run_and_again_when_a_step_replaces_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from runtime.orchestration import operations

    calls: list[int] = []
    real = operations._sound_tasks
    monkeypatch.setattr(operations, "_sound_tasks",
                        lambda tasks: calls.append(len(tasks)) or real(tasks))
    state = {"tasks": TASKS}
    result = Orchestrator().run_workflow(daily_steps(), ExecutionContext(initial_state=state))
    assert result.status == "succeeded" and calls == [2]
    result = Orchestrator().run_workflow(daily_steps(), ExecutionContext(initial_state=state))
    assert calls == [2, 2]  # the memo is the run's own: a new run checks again
    bad = [*TASKS, {"id": "c", "status": "later"}]
    replaced = daily_steps(step("swap", "set", {"at": ref("state.tasks"), "value": {"lit": bad}}))
    result = Orchestrator().run_workflow(replaced, ExecutionContext(initial_state=state))
    assert (result.status, result.failed_step_id) == ("failed", "rank")
    assert "task `c`: `status` is" in (result.error_message or "")


def test_a_workflow_run_again_sees_replaced_and_added_steps() -> None:
    flow = put(0)
    run(flow)
    flow.steps[0] = put("replaced").steps[0]  # a new StepSpec in the same workflow object
    assert run(flow).final_state["x"] == "replaced"
    flow.steps.append(put("second").steps[0])
    with pytest.raises(EnvelopeViolation, match="used twice"):
        run(flow)


def test_a_literal_that_does_not_fit_its_parameter_still_fails_its_step() -> None:
    flow = workflow(step("bump", "increment", {"at": ref("state.n"), "by": {"lit": "two"}}))
    plan = Orchestrator().prepare(flow)
    for _ in range(2):  # decoded once, run twice
        result = plan.run(ExecutionContext(initial_state={"n": 1}))
        assert result.status == "failed" and "`by` must be" in (result.error_message or "")


@settings(max_examples=300, deadline=None)
@given(plain_json)
def test_the_checked_copy_is_the_json_copy(value: Any) -> None:
    copied = checked_copy(value)
    assert repr(copied) == repr(json_copy(value, "value"))
    assert shares_nothing(copied, value)
