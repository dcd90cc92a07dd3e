"""The seed's `Orchestrator`: the limits a workflow is checked against, and its plans.

`Orchestrator().prepare(workflow)` gives a `Plan` (`plans.py`) to run as often as
needed; `run_workflow` and `validate` are the seed's API on top of it. A subclass
may change the limits (`MAX_TOTAL_STEPS`, `MAX_HUMAN_STEPS`, `ALLOWED_KINDS`) or
override `prepare` to check more.
"""

from __future__ import annotations

from runtime.orchestration.model import (
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    OrchestrationResult,
    StepSpec,
    WorkflowDefinition,
)
from runtime.orchestration.plans import Plan, prepare

__all__ = [
    "AntiFailureViolation",
    "EnvelopeViolation",
    "ExecutionContext",
    "OrchestrationResult",
    "Orchestrator",
    "Plan",
    "StepSpec",
    "WorkflowDefinition",
]


class Orchestrator:
    MAX_TOTAL_STEPS = 5
    MAX_HUMAN_STEPS = 2
    ALLOWED_KINDS = frozenset({"runtime", "human"})

    def prepare(self, workflow: WorkflowDefinition) -> Plan:
        """The workflow checked (`EnvelopeViolation`, `AntiFailureViolation`: the envelope
        and anti-failure checks in the seed's order, then the steps' shape), copied and
        decoded, ready to run with `plan.run(context)`."""
        return prepare(workflow, self.ALLOWED_KINDS, self.MAX_TOTAL_STEPS,
                       self.MAX_HUMAN_STEPS)

    def run_workflow(self, workflow: WorkflowDefinition,
                     ctx: ExecutionContext) -> OrchestrationResult:
        """`self.prepare(workflow).run(ctx)`: see `Plan.run` for what it raises."""
        return self.prepare(workflow).run(ctx)

    def validate(self, workflow: WorkflowDefinition) -> None:
        """The envelope and anti-failure checks, in the seed's order, then the steps' shape."""
        self.prepare(workflow)
