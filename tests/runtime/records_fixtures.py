"""Runs and records for the store and verification tests, built without the compiler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.orchestration import ExecutionContext, Orchestrator, WorkflowDefinition
from runtime.records import RunRecord
from tests.runtime.builders import ref, step, workflow

PLAN = workflow(
    step("count", "increment", {"at": ref("state.count"), "by": ref("param.by")}),
    step("discover", "discover_tests", {"target": ref("param.target")}, output="state.found"),
    step("approve", "confirm", {"prompt": "Go?", "show": ref("state.found")},
         output="state.approved", kind="human"),
    step("note", "text", {"prompt": "Why?"}, output="state.note", kind="human",
         when=ref("state.approved")),
    step("log", "append", {"to": ref("state.log"), "value": {"map": {
        "count": ref("state.count"), "note": ref("state.note")}}}, when=ref("state.approved")),
    params={"by": {"type": "int", "default": 1}, "target": {"type": "str", "default": "tests"}},
)


class FixedEffects:
    """Discovers the same two files every time (the engine's side of the protocol)."""

    def supports(self, effect: str) -> bool:
        return effect == "discover_tests"

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        return {"target": request["target"], "count": 2, "files": ["t/test_a.py", "t/test_b.py"]}


def record_of(answers: Mapping[str, Any] | None = None, flow: WorkflowDefinition = PLAN,
              state: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None) -> RunRecord:
    context = ExecutionContext(initial_state=state if state is not None else {"count": 1},
                               params=params if params is not None else {"by": 2},
                               answers=answers or {}, effects=FixedEffects())
    result = Orchestrator().run_workflow(flow, context)
    return RunRecord.of("plan.mission", flow, context, result, keep_workflow=True)
