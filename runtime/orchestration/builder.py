"""The seed's builder API: `build_workflow(MissionSpec(type, params))`.

Mission types are the built-in missions; params are stored, sorted, in the
workflow's metadata (as the seed did). The params the mission declares are
checked here, as the run will check them, so that a workflow built is one
that runs. Seed code also passes params no mission declares
(`{"payload_key": ...}`, `{"run_mode": ...}`): the seed recorded them and
ran, so they are recorded too, listed in `metadata["ignored_params"]`, left
out of the run, and an `IgnoredParamsWarning` says so. Only this API is
lenient: `mission run` and a context's explicit `params` stay strict.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

from runtime.orchestration.missions import BUILTIN_MISSIONS, load
from runtime.orchestration.model import IGNORED_PARAMS, ParameterError, WorkflowDefinition
from runtime.orchestration.values import NotJSONData, json_copy

MAX_TOTAL_STEPS = 5
MAX_HUMAN_STEPS = 2


class AntiFailurePlanningError(Exception):
    """A planned workflow would break the anti-failure limits."""


class IgnoredParamsWarning(UserWarning):
    """`build_workflow` was given params the mission does not declare: recorded, not used."""


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
    from runtime.orchestration.binding import check_params

    workflow = load(spec.type)
    try:  # recorded in the metadata, so JSON data even when the run ignores them
        params = json_copy(dict(sorted((spec.params or {}).items())), "param")
    except NotJSONData as problem:
        raise ParameterError(str(problem)) from None
    declared = workflow.metadata.get("declarations", {}).get("params", {})
    ignored = [name for name in params if name not in declared]
    check_params(workflow, {name: params[name] for name in params if name in declared},
                 allow_missing=True)
    workflow.metadata["mission_type"] = spec.type
    workflow.metadata["params"] = params
    if ignored:
        workflow.metadata[IGNORED_PARAMS] = ignored
        names = ", ".join(f"`{name}`" for name in ignored)
        known = ", ".join(f"`{name}`" for name in sorted(declared)) or "none"
        warnings.warn(f"the '{spec.type}' mission does not declare the param(s) {names}: "
                      f"recorded in the workflow's metadata, not used by the run (declared: "
                      f"{known})", IgnoredParamsWarning, stacklevel=_caller_level())
    check_limits(workflow)
    return workflow


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller_level() -> int:
    """The `stacklevel` naming the first frame outside this package (the caller of
    `build_workflow` or of `run_mission`), so the warning points at the seed code."""
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level
