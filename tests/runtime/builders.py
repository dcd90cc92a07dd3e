"""Small builders for hand-made workflows in the compiled encoding."""

from __future__ import annotations

from typing import Any

from runtime.orchestration import StepSpec, WorkflowDefinition


def ref(path: str) -> dict[str, str]:
    return {"ref": path}


def step(step_id: str, operation: str, args: dict[str, Any] | None = None, *,
         output: str | None = None, when: Any = None, kind: str = "runtime") -> StepSpec:
    payload: dict[str, Any] = {"operation": operation, "args": args or {}}
    if output is not None:
        payload["output"] = output
    if when is not None:
        payload["when"] = when
    return StepSpec(step_id, kind, payload)


def workflow(*steps: StepSpec, params: dict[str, Any] | None = None) -> WorkflowDefinition:
    metadata: dict[str, Any] = {}
    if params is not None:
        metadata["declarations"] = {"params": params, "inputs": {}}
    return WorkflowDefinition(id="wf-test", steps=list(steps), metadata=metadata)
