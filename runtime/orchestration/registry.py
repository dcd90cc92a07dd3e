"""The registry of named missions and `run_mission`, the seed's entry point.

`MISSION_REGISTRY` maps a name to a builder taking `params` and returning a
`WorkflowDefinition`. Entries may be replaced (tests do); `run_mission` looks
the name up at call time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.orchestration.builder import MissionSpec, build_workflow
from runtime.orchestration.engine import Orchestrator
from runtime.orchestration.model import ExecutionContext, OrchestrationResult, WorkflowDefinition

__all__ = ["MISSION_REGISTRY", "UnknownMissionError", "run_mission"]


class UnknownMissionError(Exception):
    """Raised when a mission name is not found in the registry."""


def _builder(mission_type: str) -> Callable[[dict[str, Any] | None], WorkflowDefinition]:
    def build(params: dict[str, Any] | None = None) -> WorkflowDefinition:
        return build_workflow(MissionSpec(type=mission_type, params=dict(params or {})))

    build.__name__ = f"build_{mission_type}"
    build.__doc__ = f"Build the built-in `{mission_type}` mission with the given params."
    return build


MISSION_REGISTRY: dict[str, Callable[[dict[str, Any] | None], WorkflowDefinition]] = {
    "daily_loop": _builder("daily_loop"),
    "echo": _builder("echo"),
    "run_tests": _builder("run_tests"),
}


def run_mission(name: str, ctx: ExecutionContext,
                params: dict[str, Any] | None = None) -> OrchestrationResult:
    """Build the named mission with `params` and run it in `ctx`."""
    if name not in MISSION_REGISTRY:
        raise UnknownMissionError(
            f"Unknown mission: '{name}'. Available missions: {sorted(MISSION_REGISTRY.keys())}"
        )
    workflow = MISSION_REGISTRY[name](params)
    return Orchestrator().run_workflow(workflow, ctx)
