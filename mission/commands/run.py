"""`mission run TARGET`: run a `.mission` file, a compiled `.json` workflow, or a
registered mission name, and print the `OrchestrationResult` as JSON.

On a terminal (stdin and stdout) with no `--answer`/`--answers`, a human step
is asked there and then. Otherwise a run that needs an answer does not
block: it is kept in the run store and the command prints its run id and the
`mission resume` line that continues it. The helpers here are shared with
`resume`.

Exit codes: 0 succeeded, 1 failed, 2 usage or I/O error, 3 waiting for an answer.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_WAITING, UsageError
from runtime.orchestration.model import WorkflowDefinition

if TYPE_CHECKING:
    from runtime.orchestration.model import EffectRunner, ExecutionContext, OrchestrationResult
    from runtime.records import RunRecord
    from runtime.store import RunStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="TARGET", nargs="?",
                        help="a .mission file, a compiled .json workflow, or a registered name")
    parser.add_argument("--batch", metavar="RUNS.jsonl",
                        help="run every line of a JSON-lines file (\"-\" for stdin) instead of "
                             "TARGET; prints one JSON result line per input line, in order")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="with --batch: worker processes (default: one per core)")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write a one-page HTML report of the run")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="set a param (repeatable); the value is read by the param's type")
    parser.add_argument("--params", metavar="FILE", help="a JSON object of params")
    parser.add_argument("--state", metavar="FILE", help="a JSON object: the initial state")
    add_answer_arguments(parser)


def add_answer_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `run` and `resume` share."""
    parser.add_argument("--answer", action="append", default=[], metavar="STEP=VALUE",
                        help="answer a human step (repeatable)")
    parser.add_argument("--answers", metavar="FILE", help="a JSON object of step id -> answer")
    parser.add_argument("--no-input", action="store_true",
                        help="never ask on the terminal: a run that needs an answer is stored")
    parser.add_argument("--store", metavar="PATH",
                        help="the run store (default: $XDG_DATA_HOME/mission/runs.sqlite3)")
    parser.add_argument("--receipt", metavar="FILE",
                        help="also write the run record and its receipt to FILE (JSON), for "
                             "`mission verify`")


def load_target(target: str) -> WorkflowDefinition:
    """A workflow from a file or a registered name; problems are `UsageError`s."""
    from mission.files import read_config, read_json, read_text

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

        result = compile_source(read_text(path), target, config=read_config())
        if result.workflow is None:
            print(render_all(result.diagnostics, result.source, use_colour(sys.stderr)),
                  file=sys.stderr, end="\n\n")
            count = len(result.errors)
            raise UsageError(f"{target}: does not compile ({count} error{'s' * (count != 1)})")
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


def interactive(args: argparse.Namespace) -> bool:
    """Ask on the terminal: both ends are a terminal and no answers were given."""
    return not (args.no_input or args.answer or args.answers) \
        and sys.stdin.isatty() and sys.stdout.isatty()


def ask_on_terminal(question: dict[str, Any]) -> Any:
    """Show a human step's question on the terminal and read one answer (None at end of input)."""
    out = sys.stderr
    title = question.get("description") or question["step_id"]
    if "error" not in question:
        print(f"\n── {question['step_id']}: {title}", file=out)
        print(question["prompt"], file=out)
        if "show" in question:
            shown = json.dumps(question["show"], indent=2, ensure_ascii=False, sort_keys=True)
            print("\n".join("    " + line for line in shown.splitlines()), file=out)
    else:
        print(f"  not accepted: {question['error']}; try again", file=out)
    print(f"{answer_hint(question)}: ", end="", file=out, flush=True)
    line = sys.stdin.readline()
    if not line:
        print(file=out)
        return None
    return line.rstrip("\r\n")


def answer_hint(question: dict[str, Any]) -> str:
    """What a valid answer looks like, in a few words."""
    kind = question.get("type")
    if kind == "confirm":
        return "yes or no"
    if kind == "choose":
        return "one of " + ", ".join(str(option) for option in question.get("options", []))
    if kind == "number":
        low, high = question.get("min"), question.get("max")
        if low is not None and high is not None:
            return f"a number from {low} to {high}"
        if low is not None or high is not None:
            return f"a number {'at least' if low is not None else 'at most'} " \
                   f"{low if low is not None else high}"
        return "a number"
    return "any text"


@contextmanager
def using_store(args: argparse.Namespace) -> Iterator[RunStore]:
    """The run store of `--store` (or the default one); its problems become `UsageError`s."""
    from runtime.store import RunStore, StoreError, default_path

    try:
        with RunStore(args.store or default_path()) as store:
            yield store
    except StoreError as problem:
        raise UsageError(str(problem)) from None


def local_effects(workflow: WorkflowDefinition) -> EffectRunner | None:
    """The local effect runner, when the workflow has a step with an effect (the project's
    own effect operations included)."""
    from runtime.orchestration.operations import OPERATIONS

    names = {step.payload.get("operation") for step in workflow.steps}
    builtin = None
    if any(isinstance(name, str) and name in OPERATIONS and OPERATIONS[name].effect
           for name in names):
        from runtime.local_effects import LocalEffects

        builtin = LocalEffects(Path.cwd())
    if "operations" not in workflow.metadata:
        return builtin
    from runtime.user_code import Effects, UserEffects

    return Effects(builtin, UserEffects(declared(workflow), project_root()))


def declared(workflow: WorkflowDefinition) -> dict[str, Any]:
    from runtime.user_code import ImplementationError, declared_operations

    try:
        return declared_operations(workflow)
    except ImplementationError as problem:
        raise UsageError(str(problem)) from None


def project_root() -> Path:
    """Where a project's operations are imported from: the directory of its configuration
    (found from the current directory), else the current directory."""
    from compiler.config import find_config

    found = find_config(".")
    return found.parent if found is not None else Path.cwd()


def implementations(workflow: WorkflowDefinition) -> dict[str, Any] | None:
    """The functions of the project operations the workflow calls, imported now (a run is
    the only command that imports user code); a missing one is a `UsageError`."""
    if "operations" not in workflow.metadata:
        return None
    from runtime.user_code import ImplementationError, load_implementations

    try:
        return load_implementations(workflow, project_root())
    except ImplementationError as problem:
        raise UsageError(str(problem)) from None


def execute(workflow: WorkflowDefinition, context: ExecutionContext) -> OrchestrationResult:
    """Run, turning a refused workflow, param, answer or journal into a `UsageError`."""
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import (
        AnswerError,
        AntiFailureViolation,
        EnvelopeViolation,
        ParameterError,
        ReplayError,
    )

    try:
        return Orchestrator().run_workflow(workflow, context)
    except (ParameterError, EnvelopeViolation, AntiFailureViolation, AnswerError,
            ReplayError) as problem:
        raise UsageError(str(problem)) from None


def resume_line(args: argparse.Namespace, run_id: int, step: str) -> str:
    store = f" --store {shlex.quote(args.store)}" if args.store else ""
    return f"mission resume {run_id}{store} --answer {shlex.quote(step + '=VALUE')}"


def report(args: argparse.Namespace, command: str, result: OrchestrationResult,
           run_id: int | None, given: dict[str, Any]) -> int:
    """Print the result (and the way to continue a waiting run); the exit code."""
    output = result.to_dict()
    if run_id is not None:
        output["run_id"] = run_id
    print(json.dumps(output, indent=2, sort_keys=True))
    if result.status == "waiting":
        assert run_id is not None and result.question is not None
        step = str(result.waiting_step_id)
        print(f"mission {command}: run {run_id} waits for an answer to step `{step}` "
              f"({answer_hint(result.question)}): {result.question.get('prompt', '')}",
              file=sys.stderr)
        unused = sorted(set(given) - set(result.answers))
        if unused:
            print(f"mission {command}: not used yet (the run stopped first at `{step}`): "
                  f"the answer to {', '.join(f'`{name}`' for name in unused)}; "
                  "give it again when resuming", file=sys.stderr)
        print(f"to continue, run:\n    {resume_line(args, run_id, step)}", file=sys.stderr)
        return EXIT_WAITING
    if not result.success:
        print(f"mission {command}: {result.error_message}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def write_receipt(args: argparse.Namespace, record: RunRecord) -> None:
    """With --receipt, write the receipt file whole or not at all (renamed into place).

    Called before the store is written, so a receipt that cannot be written stores nothing.
    """
    from runtime.records import receipt_file_data

    if not args.receipt:
        return
    path = Path(args.receipt)
    text = json.dumps(receipt_file_data(record), indent=2, sort_keys=True) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as problem:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write the receipt ({problem.strerror})") from None


def run(args: argparse.Namespace) -> int:
    from mission.files import read_json
    from runtime.orchestration.model import ExecutionContext
    from runtime.records import RunRecord

    if args.batch:
        if args.target:
            raise UsageError("give either TARGET or --batch, not both")
        from mission.batch import run_batch

        return run_batch(args.batch, args.jobs, sys.stdout)
    if not args.target:
        raise UsageError("nothing to run: give a TARGET (a .mission file, a compiled .json "
                         "workflow or a registered name) or --batch RUNS.jsonl")
    if args.jobs is not None:
        raise UsageError("--jobs only applies to --batch")
    workflow = load_target(args.target)
    state: Any = {}
    if args.state:
        state = read_json(args.state)
        if not isinstance(state, dict):
            raise UsageError(f"{args.state}: the state must be a JSON object")
    answers = collect_answers(args)
    context = ExecutionContext(initial_state=state, params=collect_params(args, workflow),
                               answers=answers, effects=local_effects(workflow),
                               ask=ask_on_terminal if interactive(args) else None,
                               implementations=implementations(workflow))
    result = execute(workflow, context)
    record = RunRecord.of(args.target, workflow, context, result, keep_workflow=True)
    write_receipt(args, record)
    if args.report:
        from mission.report import write_report

        try:
            write_report(args.report, workflow, result, context)
        except OSError as problem:
            raise UsageError(f"{args.report}: cannot write the report "
                             f"({problem.strerror})") from None
    run_id = None
    if result.status == "waiting":
        with using_store(args) as store:
            run_id = store.create(record)
    return report(args, "run", result, run_id, answers)
