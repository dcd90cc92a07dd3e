"""The seed engine's public API (shared/design/seed-contracts.md) keeps working."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys

import pytest

import runtime.orchestration as orchestration
from runtime.orchestration import (
    AntiFailurePlanningError,
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    IgnoredParamsWarning,
    MissionSpec,
    OrchestrationResult,
    Orchestrator,
    ParameterError,
    StepSpec,
    WorkflowDefinition,
    build_workflow,
)
from runtime.orchestration.registry import MISSION_REGISTRY, UnknownMissionError, run_mission


def seed_hash(value: object) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


def noop_steps(count: int, kind: str = "runtime") -> list[StepSpec]:
    return [StepSpec(f"s{i}", kind, {"operation": "noop"}) for i in range(count)]


def test_exports() -> None:
    for name in ("Orchestrator", "WorkflowDefinition", "StepSpec", "ExecutionContext",
                 "OrchestrationResult", "AntiFailureViolation", "EnvelopeViolation",
                 "MissionSpec", "build_workflow", "AntiFailurePlanningError"):
        assert hasattr(orchestration, name)


def test_exceptions_are_plain_and_independent() -> None:
    classes = [AntiFailureViolation, EnvelopeViolation, AntiFailurePlanningError,
               UnknownMissionError]
    for cls in classes:
        assert cls.__bases__ == (Exception,)


def test_stepspec_to_dict_sorts_payload() -> None:
    step = StepSpec("a", "runtime", {"z": 1, "a": 2})
    assert list(step.to_dict()) == ["id", "kind", "payload"]
    assert list(step.to_dict()["payload"]) == ["a", "z"]
    assert StepSpec("b", "human").payload == {}


def test_workflow_id_name_alias() -> None:
    assert WorkflowDefinition(id="x").name == "x"
    assert WorkflowDefinition(name="y").id == "y"
    assert WorkflowDefinition(id="x", name="x").id == "x"
    with pytest.raises(ValueError, match="WorkflowDefinition id/name mismatch: 'a' vs 'b'"):
        WorkflowDefinition(id="a", name="b")
    data = WorkflowDefinition(id="w", metadata={"b": 1, "a": 2}).to_dict()
    assert list(data) == ["id", "metadata", "steps"]
    assert list(data["metadata"]) == ["a", "b"]


def test_context_defaults() -> None:
    ctx = ExecutionContext()
    assert ctx.initial_state == {}
    assert ctx.metadata is None


def test_disallowed_kind_first() -> None:
    steps = [*noop_steps(6), StepSpec("x", "shell", {})]
    with pytest.raises(EnvelopeViolation) as raised:
        Orchestrator().run_workflow(WorkflowDefinition(id="w", steps=steps), ExecutionContext())
    assert str(raised.value) == ("Step 'x' has disallowed kind 'shell'. "
                                 "Allowed kinds: ['human', 'runtime']")


def test_step_limits() -> None:
    with pytest.raises(AntiFailureViolation, match=r"^Workflow has 6 steps, exceeds maximum of 5$"):
        Orchestrator().run_workflow(WorkflowDefinition(id="w", steps=noop_steps(6)),
                                    ExecutionContext())
    human = [StepSpec(f"h{i}", "human", {}) for i in range(3)]
    with pytest.raises(AntiFailureViolation,
                       match=r"^Workflow has 3 human steps, exceeds maximum of 2$"):
        Orchestrator().run_workflow(WorkflowDefinition(id="w", steps=human), ExecutionContext())
    assert Orchestrator.MAX_TOTAL_STEPS == 5
    assert Orchestrator.MAX_HUMAN_STEPS == 2
    assert set(Orchestrator.ALLOWED_KINDS) == {"runtime", "human"}


def test_exact_limits_and_empty_workflow_allowed() -> None:
    steps = [*noop_steps(3), StepSpec("h1", "human", {}), StepSpec("h2", "human", {})]
    ctx = ExecutionContext(answers={"h1": "yes", "h2": "no"})
    result = Orchestrator().run_workflow(WorkflowDefinition(id="w", steps=steps), ctx)
    assert result.success
    empty = Orchestrator().run_workflow(WorkflowDefinition(id="e"), ExecutionContext())
    assert empty.success and empty.executed_steps == []


def test_fail_stops_the_run_as_a_result() -> None:
    steps = [StepSpec("a", "runtime", {"operation": "noop"}),
             StepSpec("b", "runtime", {"operation": "fail", "reason": "boom"}),
             StepSpec("c", "runtime", {"operation": "noop"})]
    result = Orchestrator().run_workflow(WorkflowDefinition(id="w", steps=steps),
                                         ExecutionContext())
    assert not result.success
    assert result.failed_step_id == "b"
    assert result.error_message == "Step 'b' failed: boom"
    assert [s.id for s in result.executed_steps] == ["a", "b"]
    assert result.lineage["executed_step_ids"] == ["a", "b"]
    assert result.lineage["workflow_id"] == "w"
    assert result.receipt["id"] == "w" and result.receipt["steps"] == ["a", "b"]
    default = Orchestrator().run_workflow(
        WorkflowDefinition(id="w", steps=[StepSpec("f", "runtime", {"operation": "fail"})]),
        ExecutionContext())
    assert default.error_message == "Step 'f' failed: unspecified"


def test_unknown_operation_is_refused_before_any_step() -> None:
    steps = [StepSpec("a", "runtime", {"operation": "set", "args": {
        "at": {"ref": "state.x"}, "value": 1}}),
             StepSpec("b", "runtime", {"operation": "teleport"})]
    with pytest.raises(EnvelopeViolation, match="unknown operation 'teleport'"):
        Orchestrator().run_workflow(WorkflowDefinition(id="w", steps=steps), ExecutionContext())


def test_inputs_are_never_mutated_and_results_are_copies() -> None:
    state = {"items": [1, 2], "nested": {"a": 1}}
    steps = [StepSpec("a", "runtime", {"operation": "append", "args": {
        "to": {"ref": "state.items"}, "value": 3}})]
    workflow = WorkflowDefinition(id="w", steps=steps)
    before_state, before_workflow = copy.deepcopy(state), copy.deepcopy(workflow.to_dict())
    result = Orchestrator().run_workflow(workflow, ExecutionContext(initial_state=state))
    assert state == before_state and workflow.to_dict() == before_workflow
    assert result.final_state["items"] == [1, 2, 3]
    assert result.final_state["nested"] is not state["nested"]
    result.executed_steps[0].payload["operation"] = "changed"
    assert workflow.steps[0].payload["operation"] == "append"
    steps[0].payload["args"]["value"] = 99
    assert result.executed_steps[0].payload["args"]["value"] == 3


def test_result_to_dict_sorted_and_deterministic() -> None:
    def run() -> OrchestrationResult:
        return run_mission("echo", ExecutionContext(initial_state={"b": 1, "a": 2}),
                           {"message": "hi"})

    first, second = run().to_dict(), run().to_dict()
    assert list(first) == sorted(first)
    assert seed_hash(first) == seed_hash(second)


def test_builder() -> None:
    workflow = build_workflow(MissionSpec(type="daily_loop", params={"today": "2026-11-24",
                                                                     "top_n": 2}))
    assert workflow.id == "wf-daily-loop"
    assert workflow.metadata["mission_type"] == "daily_loop"
    assert workflow.metadata["params"] == {"today": "2026-11-24", "top_n": 2}
    assert list(workflow.metadata["params"]) == ["today", "top_n"]
    assert build_workflow(MissionSpec(type="echo")).id == "wf-echo"
    assert build_workflow(MissionSpec(type="run_tests")).id == "wf-run-tests"
    with pytest.raises(ValueError, match=r"^Unknown mission type: 'nope'. Supported types: \["):
        build_workflow(MissionSpec(type="nope"))


def test_registry() -> None:
    assert {"echo", "daily_loop", "run_tests"} <= set(MISSION_REGISTRY)
    with pytest.raises(UnknownMissionError) as raised:
        run_mission("nope", ExecutionContext())
    assert str(raised.value) == (
        f"Unknown mission: 'nope'. Available missions: {sorted(MISSION_REGISTRY)}"
    )
    result = run_mission("echo", ExecutionContext(), {"message": "hi"})
    assert result.success and result.id == "wf-echo"
    assert result.final_state == {"echo": "hi"}


def test_registry_entries_are_replaceable(monkeypatch: pytest.MonkeyPatch) -> None:
    def custom(params: dict[str, object] | None = None) -> WorkflowDefinition:
        return WorkflowDefinition(id="wf-custom", steps=noop_steps(1))

    monkeypatch.setitem(MISSION_REGISTRY, "echo", custom)
    assert run_mission("echo", ExecutionContext()).id == "wf-custom"


def test_daily_loop_ids_and_order() -> None:
    workflow = MISSION_REGISTRY["daily_loop"]({"today": "2026-11-24"})
    assert [s.id for s in workflow.steps] == ["summarise_yesterday", "generate_priorities",
                                               "confirm_priorities", "log_summary"]
    assert [s.kind for s in workflow.steps] == ["runtime", "runtime", "human", "runtime"]


# -- params the mission does not declare (seed code passes them) -----------------------------


def test_seed_calls_with_undeclared_params_run_record_them_and_warn() -> None:
    with pytest.warns(IgnoredParamsWarning, match=r"'echo' mission does not declare the "
                      r"param\(s\) `payload_key`: recorded .* not used .*declared: `message`"):
        result = run_mission("echo", ExecutionContext(), {"payload_key": "k", "message": "hi"})
    assert result.success and result.final_state == {"echo": "hi"}
    with pytest.warns(IgnoredParamsWarning, match="`run_mode`") as caught:
        workflow = build_workflow(MissionSpec(type="echo", params={"run_mode": "fast"}))
    assert caught[0].filename == __file__  # the warning names the seed code's own line
    assert workflow.metadata["params"] == {"run_mode": "fast"}
    assert workflow.metadata["ignored_params"] == ["run_mode"]
    assert Orchestrator().run_workflow(workflow, ExecutionContext()).final_state == {"echo": ""}
    with pytest.warns(IgnoredParamsWarning):
        daily = run_mission("daily_loop", ExecutionContext(initial_state={"tasks": []}),
                            {"today": "2026-11-24", "run_mode": "dry"})
    assert daily.status == "waiting"


def test_declared_params_are_checked_when_built_not_first_when_run() -> None:
    with pytest.raises(ParameterError, match="param `message` must be a string, found the int 3"):
        build_workflow(MissionSpec(type="echo", params={"message": 3}))
    with pytest.raises(ParameterError, match="param `top_n` must be"):
        run_mission("daily_loop", ExecutionContext(), {"today": "2026-11-24", "top_n": "x"})
    build_workflow(MissionSpec(type="daily_loop"))  # `today` may still come with the run
    with pytest.raises(ParameterError, match=r"param\.payload_key: a set is not JSON data"):
        build_workflow(MissionSpec(type="echo", params={"payload_key": {1, 2}}))
    with pytest.raises(ParameterError, match="nan is not a JSON number"):
        run_mission("echo", ExecutionContext(), {"run_mode": float("nan")})


def test_explicit_params_and_the_cli_stay_strict_with_did_you_mean() -> None:
    workflow = build_workflow(MissionSpec(type="echo"))
    with pytest.raises(ParameterError) as raised:
        Orchestrator().run_workflow(workflow, ExecutionContext(params={"mesage": "hi"}))
    assert str(raised.value) == ("unknown param `mesage` (did you mean `message`?); "
                                 "declared: `message`")
    done = subprocess.run([sys.executable, "-m", "mission", "run", "echo", "--param",
                           "mesage=hi"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "unknown param `mesage` (did you mean `message`?)" in done.stderr
