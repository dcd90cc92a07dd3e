"""`mission run TARGET`: run a `.mission` file, a compiled `.json` workflow, or a
registered mission name, and print the `OrchestrationResult` as JSON.

Exit codes: 0 succeeded, 1 failed, 2 usage or I/O error, 3 waiting for an answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_WAITING, UsageError
from runtime.orchestration.model import WorkflowDefinition


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="TARGET",
                        help="a .mission file, a compiled .json workflow, or a registered name")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="set a param (repeatable); the value is read by the param's type")
    parser.add_argument("--params", metavar="FILE", help="a JSON object of params")
    parser.add_argument("--state", metavar="FILE", help="a JSON object: the initial state")
    parser.add_argument("--answer", action="append", default=[], metavar="STEP=VALUE",
                        help="answer a human step (repeatable)")
    parser.add_argument("--answers", metavar="FILE", help="a JSON object of step id -> answer")


def load_target(target: str) -> WorkflowDefinition:
    """A workflow from a file or a registered name; problems are `UsageError`s."""
    from mission.files import read_json, read_text

    path = Path(target)
    if target.endswith(".json") or (path.is_file() and not target.endswith(".mission")):
        try:
            return WorkflowDefinition.from_dict(read_json(path))
        except ValueError as problem:
            raise UsageError(f"{target}: not a compiled workflow: {problem}") from None
    if target.endswith(".mission") or path.exists():
        from compiler import compile_source
        from compiler.render import render_all
        from mission.commands.check import use_colour

        result = compile_source(read_text(path), target)
        if result.workflow is None:
            print(render_all(result.diagnostics, result.source, use_colour(sys.stderr)),
                  file=sys.stderr, end="\n\n")
            raise UsageError(f"{target}: does not compile ({len(result.errors)} error{'s' * (len(result.errors) != 1)})")
        return result.workflow
    from runtime.orchestration.registry import MISSION_REGISTRY

    if target not in MISSION_REGISTRY:
        from compiler.suggest import did_you_mean

        hint = "".join(f"; {line}" for line in did_you_mean(target, MISSION_REGISTRY))
        raise UsageError(f"`{target}` is neither a file nor a registered mission "
                         f"(registered: {', '.join(sorted(MISSION_REGISTRY))}){hint}")
    return MISSION_REGISTRY[target](None)


def coerce(value: str, type_name: str, what: str) -> Any:
    """Read a command-line value as the declared type."""
    if type_name in ("str", "date"):
        return value
    if type_name == "bool":
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        raise UsageError(f"{what} must be true or false, not {value!r}")
    if type_name == "int":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"{what} must be a whole number, not {value!r}") from None
    if type_name in ("float", "number"):
        try:
            return int(value)
        except ValueError:
            pass
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"{what} must be a number, not {value!r}") from None
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


def split_assignment(text: str, option: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise UsageError(f"{option} expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def collect_params(args: argparse.Namespace, workflow: WorkflowDefinition) -> dict[str, Any] | None:
    from mission.files import read_json

    declared = workflow.metadata.get("declarations", {}).get("params", {})
    params: dict[str, Any] = {}
    if args.params:
        loaded = read_json(args.params)
        if not isinstance(loaded, dict):
            raise UsageError(f"{args.params}: params must be a JSON object")
        params.update(loaded)
    for item in args.param:
        name, value = split_assignment(item, "--param")
        type_name = declared.get(name, {}).get("type", "str")
        params[name] = coerce(value, type_name, f"param `{name}`")
    if not params and not declared and "params" in workflow.metadata:
        return None  # a seed-style workflow carries its own params
    return params


def collect_answers(args: argparse.Namespace) -> dict[str, Any]:
    from mission.files import read_json

    answers: dict[str, Any] = {}
    if args.answers:
        loaded = read_json(args.answers)
        if not isinstance(loaded, dict):
            raise UsageError(f"{args.answers}: answers must be a JSON object of step id -> answer")
        answers.update(loaded)
    for item in args.answer:
        step, value = split_assignment(item, "--answer")
        answers[step] = value
    return answers


def run(args: argparse.Namespace) -> int:
    from mission.files import read_json
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import (
        AnswerError,
        AntiFailureViolation,
        EnvelopeViolation,
        ExecutionContext,
        ParameterError,
    )

    workflow = load_target(args.target)
    state: Any = {}
    if args.state:
        state = read_json(args.state)
        if not isinstance(state, dict):
            raise UsageError(f"{args.state}: the state must be a JSON object")
    context = ExecutionContext(initial_state=state, params=collect_params(args, workflow),
                               answers=collect_answers(args))
    try:
        result = Orchestrator().run_workflow(workflow, context)
    except (ParameterError, EnvelopeViolation, AntiFailureViolation, AnswerError) as problem:
        raise UsageError(str(problem)) from None
    print(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    if result.status == "waiting":
        print(f"mission run: waiting for an answer to step `{result.waiting_step_id}`; "
              f"run again with --answer {result.waiting_step_id}=VALUE", file=sys.stderr)
        return EXIT_WAITING
    return EXIT_OK if result.success else EXIT_FINDINGS
