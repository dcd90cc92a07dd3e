"""The seed's builder API: `build_workflow(MissionSpec(type, params))`.

Mission types are the built-in missions; params are stored, sorted, in the
workflow's metadata (as the seed did) and checked against the mission's
declarations when the workflow runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.orchestration.missions import BUILTIN_MISSIONS, load
from runtime.orchestration.model import WorkflowDefinition

MAX_TOTAL_STEPS = 5
MAX_HUMAN_STEPS = 2


class AntiFailurePlanningError(Exception):
    """A planned workflow would break the anti-failure limits."""


@dataclass
class MissionSpec:
    type: str
    params: dict[str, Any] = field(default_factory=dict)


def check_limits(workflow: WorkflowDefinition) -> None:
    total = len(workflow.steps)
    if total > MAX_TOTAL_STEPS:
        raise AntiFailurePlanningError(
            f"Workflow has {total} steps, exceeds maximum of {MAX_TOTAL_STEPS}"
        )
    human = sum(1 for step in workflow.steps if step.kind == "human")
    if human > MAX_HUMAN_STEPS:
        raise AntiFailurePlanningError(
            f"Workflow has {human} human steps, exceeds maximum of {MAX_HUMAN_STEPS}"
        )


def build_workflow(spec: MissionSpec) -> WorkflowDefinition:
    if spec.type not in BUILTIN_MISSIONS:
        raise ValueError(
            f"Unknown mission type: '{spec.type}'. Supported types: {sorted(BUILTIN_MISSIONS)}"
        )
    workflow = load(spec.type)
    workflow.metadata["mission_type"] = spec.type
    workflow.metadata["params"] = dict(sorted((spec.params or {}).items()))
    check_limits(workflow)
    return workflow
