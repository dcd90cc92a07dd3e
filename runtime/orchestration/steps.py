"""One step of a workflow decoded: its operation, its arguments and how each is read.

A step's payload is read once, when its workflow is prepared (`plans.py`), and
everything the engine cannot run is refused then (`EnvelopeViolation`), before any
step runs. The run (`run.py`) only follows what this module decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.calling import Operation, Parameter
from runtime.orchestration.expressions import expression_problem, path_problem, split_path
from runtime.orchestration.human import HumanRules, rules_of
from runtime.orchestration.model import EnvelopeViolation, StepSpec
from runtime.orchestration.operations import check_value

# Payload keys that are not operation arguments in a hand-written (seed-style) payload.
_RESERVED_PAYLOAD_KEYS = frozenset({"operation", "args", "output", "when", "description",
                                    "answered_by"})
_DEFAULT_OPERATION = {"runtime": "noop", "human": "confirm"}

# How the run gets an argument's value, decided once per step: a place's state path; a
# literal already known to fit its parameter; a reference into the state or the params
# (its root and path split); any other expression, evaluated and checked; a per-item one.
ARGUMENT_PLACE, ARGUMENT_CONSTANT, ARGUMENT_STATE, ARGUMENT_PARAM, ARGUMENT_EXPRESSION, \
    ARGUMENT_PER_ITEM = range(6)


@dataclass(frozen=True, slots=True)
class StepPlan:
    """A step decoded and checked before the run starts."""

    spec: StepSpec
    operation: Operation
    args: Mapping[str, Any]  # argument name -> expression (compiled form)
    output: tuple[str, ...] | None
    when: Any
    # In the operation's order: (name, parameter, how, what), how one of `ARGUMENT_*`.
    arguments: tuple[tuple[str, Parameter, int, Any], ...]
    human: HumanRules | None  # a human step's rules: who answers, its deadlines


def decode_step(step: StepSpec, table: Mapping[str, Operation]) -> StepPlan:
    """Decode a step's payload; anything the engine cannot run is refused here."""
    payload = step.payload
    name = payload.get("operation", _DEFAULT_OPERATION[step.kind])
    operation = table.get(name) if isinstance(name, str) else None
    if operation is None:
        raise EnvelopeViolation(
            f"Step '{step.id}' uses unknown operation '{name}'. "
            f"Known operations: {sorted(table)}"
        )
    if operation.kind != step.kind:
        raise EnvelopeViolation(
            f"Step '{step.id}' is a {step.kind} step and cannot use the {operation.kind} "
            f"operation '{name}'"
        )
    if "args" in payload:
        args = payload["args"]
        if not isinstance(args, dict):
            raise EnvelopeViolation(f"Step '{step.id}': `args` must be an object")
        unknown = sorted(set(args) - set(operation.parameter_names))
        if unknown:
            raise EnvelopeViolation(
                f"Step '{step.id}': operation '{name}' has no argument '{unknown[0]}'"
            )
        if operation.compute is not None:  # a data operation: checked as its call expression
            problem = expression_problem({"call": name, "args": args})
            if problem:
                raise EnvelopeViolation(f"Step '{step.id}': the arguments of '{name}' are "
                                        f"malformed: {problem}")
        for argument, expression in sorted(args.items()):
            parameter = operation.parameter(argument)
            problem = None if operation.compute is not None else expression_problem(
                expression, item=parameter is not None and parameter.per_item)
            if problem:
                raise EnvelopeViolation(f"Step '{step.id}': argument '{argument}' of '{name}' "
                                        f"is malformed: {problem}")
    else:  # a seed-style payload: operation arguments are literal payload keys
        args = {key: {"lit": value} for key, value in payload.items()
                if key not in _RESERVED_PAYLOAD_KEYS and key in operation.parameter_names}
        if step.kind == "human" and "prompt" not in args:
            args["prompt"] = {"lit": payload.get("description",
                                                 f"Continue after step '{step.id}'?")}
    for parameter in operation.parameters:
        if parameter.required and parameter.name not in args:
            raise EnvelopeViolation(
                f"Step '{step.id}': operation '{name}' is missing argument '{parameter.name}'"
            )
        if parameter.place and parameter.name in args:
            target = args[parameter.name]
            reference = target.get("ref") if isinstance(target, dict) else None
            if path_problem(reference, ("state",)) is not None:
                raise EnvelopeViolation(
                    f"Step '{step.id}': argument '{parameter.name}' of '{name}' must be a "
                    "state path such as {\"ref\": \"state.x\"}"
                )
    output = payload.get("output")
    output_path: tuple[str, ...] | None = None
    if output is not None:
        if path_problem(output, ("state",)) is not None:
            raise EnvelopeViolation(f"Step '{step.id}': `output` must be a state path such as "
                                    "\"state.x\"")
        if operation.result is None:
            raise EnvelopeViolation(f"Step '{step.id}': operation '{name}' has no result to write")
        output_path = split_path(output)[1]
    group = payload.get("answered_by")
    if group is not None and (step.kind != "human" or not isinstance(group, str)
                              or not group.isidentifier()):
        raise EnvelopeViolation(f"Step '{step.id}': `answered_by` names the group that answers "
                                "a human step: a name, on a human step only")
    human = rules_of(step.id, step.kind, payload)
    when = payload.get("when")
    problem = expression_problem(when)
    if problem:
        raise EnvelopeViolation(f"Step '{step.id}': its `when` condition is malformed: {problem}")
    arguments = tuple(_decoded_argument(parameter, args[parameter.name])
                      for parameter in operation.parameters if parameter.name in args)
    return StepPlan(step, operation, args, output_path, when, arguments, human)


def _decoded_argument(parameter: Parameter, expression: Any) -> tuple[str, Parameter, int, Any]:
    name = parameter.name
    if parameter.place:
        return name, parameter, ARGUMENT_PLACE, split_path(expression["ref"])[1]
    if parameter.per_item:
        return name, parameter, ARGUMENT_PER_ITEM, expression
    if isinstance(expression, dict) and len(expression) == 1:
        if "lit" in expression and check_value(parameter, expression["lit"]) is None:
            return name, parameter, ARGUMENT_CONSTANT, expression["lit"]
        reference = expression.get("ref")
        if isinstance(reference, str):
            root, path = split_path(reference)
            if root == "state":
                return name, parameter, ARGUMENT_STATE, path
            if root == "param":
                return name, parameter, ARGUMENT_PARAM, path
    return name, parameter, ARGUMENT_EXPRESSION, expression
