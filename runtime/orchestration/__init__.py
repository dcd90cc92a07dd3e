"""The orchestration engine: the seed's public API, kept working.

`from runtime.orchestration import Orchestrator` works as it always did, but
each name is imported from its module on first use (a module `__getattr__`):
the compiler's checks need the operation table, not the engine, the builder
and the built-in missions, and `mission check` should not pay for them at
start-up. Importing this package does not import `lark` or the compiler.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.orchestration.builder import (
        AntiFailurePlanningError,
        IgnoredParamsWarning,
        MissionSpec,
        build_workflow,
    )
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import (
        AnswerError,
        AntiFailureViolation,
        EffectError,
        EnvelopeViolation,
        ExecutionContext,
        MissingEffectRunner,
        OrchestrationResult,
        ParameterError,
        ReplayError,
        StepSpec,
        WorkflowDefinition,
    )

# Each public name -> the module of this package that defines it.
_EXPORTS = {
    "AnswerError": "model",
    "AntiFailurePlanningError": "builder",
    "AntiFailureViolation": "model",
    "EffectError": "model",
    "EnvelopeViolation": "model",
    "ExecutionContext": "model",
    "IgnoredParamsWarning": "builder",
    "MissingEffectRunner": "model",
    "MissionSpec": "builder",
    "OrchestrationResult": "model",
    "Orchestrator": "engine",
    "ParameterError": "model",
    "ReplayError": "model",
    "StepSpec": "model",
    "WorkflowDefinition": "model",
    "build_workflow": "builder",
}

__all__ = [
    "AnswerError",
    "AntiFailurePlanningError",
    "AntiFailureViolation",
    "EffectError",
    "EnvelopeViolation",
    "ExecutionContext",
    "IgnoredParamsWarning",
    "MissingEffectRunner",
    "MissionSpec",
    "OrchestrationResult",
    "Orchestrator",
    "ParameterError",
    "ReplayError",
    "StepSpec",
    "WorkflowDefinition",
    "build_workflow",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly next time
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
