"""The orchestration engine: the seed's public API, kept working.

Importing this package does not import `lark` or the compiler.
"""

from runtime.orchestration.builder import AntiFailurePlanningError, MissionSpec, build_workflow
from runtime.orchestration.engine import Orchestrator
from runtime.orchestration.model import (
    AnswerError,
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    OrchestrationResult,
    ParameterError,
    StepSpec,
    WorkflowDefinition,
)

__all__ = [
    "AnswerError",
    "AntiFailurePlanningError",
    "AntiFailureViolation",
    "EnvelopeViolation",
    "ExecutionContext",
    "MissionSpec",
    "OrchestrationResult",
    "Orchestrator",
    "ParameterError",
    "StepSpec",
    "WorkflowDefinition",
    "build_workflow",
]
