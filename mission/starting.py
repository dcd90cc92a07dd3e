"""What starting a run takes, the same for `mission run`, a batch line, the scheduler and
`mission serve`: params given as text read as their declared type (`coerce`), and the
engine run with its refusals turned into the command line's (`execute`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mission.cli import ImplementationMissing, Refusal, UsageError

if TYPE_CHECKING:
    from runtime.orchestration.model import (
        ExecutionContext,
        OrchestrationResult,
        WorkflowDefinition,
    )
    from runtime.orchestration.plans import Plan


def param_type(declaration: Any) -> str:
    """A declared param's type as `coerce` reads it (`int`, `int?`), from a declaration
    not checked yet (the engine checks it)."""
    if not isinstance(declaration, dict):
        return "str"
    return str(declaration.get("type", "str")) + ("?" if declaration.get("nullable") is True
                                                  else "")


def coerce(value: str, type_name: str, what: str) -> Any:
    """Read a command-line value as the declared type; for `T?` (but `str?`, whose text is
    taken as it is), the text `null` is null."""
    from runtime.orchestration.types import split_nullable

    type_name, nullable = split_nullable(type_name)
    if nullable and type_name != "str" and value.strip() == "null":
        return None
    if type_name in ("str", "date"):
        return value
    if type_name == "bool":
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        raise UsageError(f"{what} must be true or false, not {value!r}")
    if type_name in ("int", "float", "number"):
        from runtime.orchestration.operations import number_in_text

        whole = type_name == "int"
        number = number_in_text(value, whole)
        if number is None:
            raise UsageError(f"{what} must be a {'whole ' * whole}number, not {value!r}")
        if number != number or number in (float("inf"), float("-inf")):
            raise UsageError(f"{what} must be a finite number, not {value!r}")
        return number
    from mission.files import parse_json

    if type_name == "any":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return parse_json(value, what)


def execute(workflow: WorkflowDefinition | Plan, context: ExecutionContext) -> OrchestrationResult:
    """Run (a workflow is prepared first; a batch passes the plan it keeps for each mission),
    turning a refused workflow, param, answer or journal into a `Refusal`."""
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import RUN_REFUSALS, ImplementationError
    from runtime.orchestration.plans import Plan

    try:
        plan = workflow if isinstance(workflow, Plan) else Orchestrator().prepare(workflow)
        return plan.run(context)
    except ImplementationError as problem:
        raise ImplementationMissing(str(problem)) from None
    except RUN_REFUSALS as problem:
        raise Refusal(problem) from None
