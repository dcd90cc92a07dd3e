"""`mission run TARGET`: run a `.mission` file, a compiled `.json` workflow, or a
registered mission name, and print a short summary of the run (`mission.summary`),
or the whole `OrchestrationResult` as JSON with `--json`.

When the person can answer on a terminal (stdin and stderr, where the question
is shown, are terminals; stdout may go to a file) and gave no
`--answer`/`--answers`, a human step is asked there and then. Otherwise a run
that needs an answer does not block: it is kept in the run store and the
command prints its run id and the `mission resume` line that continues it.
The helpers here are shared with `resume`.

Exit codes: 0 succeeded, 1 failed, 2 usage or I/O error, 3 waiting for an answer,
4 a project operation's implementation is missing or does not match its declaration
(`mission.binding`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mission.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_WAITING,
    UsageError,
)
from mission.starting import coerce, execute, param_type
from mission.stores import STORE_HELP, display
from mission.summary import answer_hint
from runtime.orchestration.model import WorkflowDefinition

if TYPE_CHECKING:
    from runtime.orchestration.model import ExecutionContext, OrchestrationResult
    from runtime.records import RunRecord
    from runtime.store_api import RunStoreAPI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="TARGET", nargs="?",
                        help="a .mission file, a compiled .json workflow, or a registered name")
    parser.add_argument("--batch", metavar="RUNS.jsonl",
                        help="run every line of a JSON-lines file (\"-\" for stdin) instead of "
                             "TARGET; prints one JSON result line per input line, in order")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="with --batch: worker processes (default: one per 512 lines, at "
                             "most one per core)")
    parser.add_argument("--executor", metavar="local|dask://HOST:PORT", default="local",
                        help="with --batch: run on this machine's cores (default) or send the "
                             "runs to a Dask scheduler")
    parser.add_argument("--output", metavar="FILE",
                        help="with --batch: write the result lines to FILE (whole, or not at "
                             "all) instead of stdout; on Dask the workers write them")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="set a param (repeatable); the value is read by the param's type")
    parser.add_argument("--params", metavar="FILE", help="a JSON object of params")
    parser.add_argument("--state", metavar="FILE", help="a JSON object: the initial state")
    parser.add_argument("--no-store", action="store_true",
                        help="do not keep a run that finishes at once in the run store (a "
                             "run that waits is always kept; see `store-runs` in "
                             "docs/runtime.md)")
    add_answer_arguments(parser)


def add_answer_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `run` and `resume` share."""
    parser.add_argument("--answer", action="append", default=[], metavar="STEP=VALUE",
                        help="answer a human step (repeatable); a form takes a JSON object, "
                             "or one STEP.FIELD=VALUE per field")
    parser.add_argument("--answers", metavar="FILE", help="a JSON object of step id -> answer")
    parser.add_argument("--no-input", action="store_true",
                        help="never ask on the terminal: a run that needs an answer is stored")
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--receipt", metavar="FILE",
                        help="also write the run record and its receipt to FILE (JSON), for "
                             "`mission verify`")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write a one-page HTML report of the run (needs the "
                             "`report` extra: pip install 'mission[report]')")
    parser.add_argument("--save-state", metavar="FILE",
                        help="when the run succeeds, write its final state to FILE (a JSON "
                             "object that --state reads: the next run can start from it)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: a short summary (default); json: the whole result")
    parser.add_argument("--json", dest="format", action="store_const", const="json",
                        help="the same as --format json")


def split_assignment(text: str, option: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise UsageError(f"{option} expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def collect_params(args: argparse.Namespace, workflow: WorkflowDefinition) -> dict[str, Any] | None:
    from mission.files import read_json

    declarations = workflow.metadata.get("declarations")  # not checked yet: the engine does
    declared = declarations.get("params") if isinstance(declarations, dict) else None
    if not isinstance(declared, dict):
        declared = {}
    params: dict[str, Any] = {}
    if args.params:
        loaded = read_json(args.params)
        if not isinstance(loaded, dict):
            raise UsageError(f"{args.params}: params must be a JSON object")
        params.update(loaded)
    for name, value in unique_assignments(args.param, "--param", "param"):
        params[name] = coerce(value, param_type(declared.get(name, {})), f"param `{name}`")
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
    pairs = unique_assignments(args.answer, "--answer", "step")
    for step, value in pairs:
        if "." not in step:
            answers[step] = value
    for name, value in pairs:  # `STEP.FIELD=VALUE`: one field of a form (step ids have no dot)
        step, _, field = name.partition(".")
        if not field:
            continue
        whole = answers.get(step, {})
        if isinstance(whole, str):
            try:
                whole = json.loads(whole)
            except ValueError:
                whole = None
        if not isinstance(whole, dict):
            raise UsageError(f"--answer gives `{step}` whole and `{name}` as a field; a field "
                             f"can only be added to a form's answer (a JSON object)")
        answers[step] = {**whole, field: value}
    return answers


def unique_assignments(items: list[str], option: str, what: str) -> list[tuple[str, str]]:
    """The NAME=VALUE pairs of a repeatable option; a name given twice is refused, since
    silently keeping one of the two values would run with the one not meant."""
    pairs: dict[str, str] = {}
    for item in items:
        name, value = split_assignment(item, option)
        if name in pairs:
            raise UsageError(f"{option} gives {what} `{name}` twice ({pairs[name]!r} and "
                             f"{value!r}); give it once")
        pairs[name] = value
    return list(pairs.items())


def interactive(args: argparse.Namespace) -> bool:
    """Ask on the terminal: the person reads the question on a terminal (stderr) and
    answers on one (stdin), and gave no answers; where stdout goes does not matter
    (`mission run x.mission > out.json` still asks)."""
    return not (args.no_input or args.answer or args.answers) \
        and sys.stdin.isatty() and sys.stderr.isatty()


def ask_on_terminal(question: dict[str, Any]) -> Any:
    """Show a human step's question on the terminal and read one answer (None at end of input).
    A form is asked field by field; a field whose answer does not fit is asked again, alone."""
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
    if question.get("type") == "form":
        return _ask_form_on_terminal(question.get("fields", []))
    print(f"{answer_hint(question)}: ", end="", file=out, flush=True)
    return _read_line()


def _read_line() -> str | None:
    line = sys.stdin.readline()
    if not line:
        print(file=sys.stderr)
        return None
    return line.rstrip("\r\n")


def _ask_form_on_terminal(fields: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Each field in turn, with the same validation as the engine's, so only a bad field is
    asked again (a field that still does not fit after a few tries is handed over as it is:
    the engine refuses it, naming the field, and the form is asked again)."""
    from runtime.orchestration.model import AnswerError
    from runtime.orchestration.operations import answer_field
    from runtime.orchestration.run import ASK_ATTEMPTS

    out = sys.stderr
    answers: dict[str, Any] = {}
    for field in fields:
        print(f"  {field.get('prompt', field.get('name'))}", file=out)
        optional = field.get("optional") is True
        hint = answer_hint(field) + (", or Enter to leave it out" if optional else "")
        for _attempt in range(ASK_ATTEMPTS):
            print(f"  {field.get('name')} ({hint}): ", end="", file=out, flush=True)
            line = _read_line()
            if line is None:
                return None
            if optional and not line.strip():
                break  # left out: the answer has no such key
            answers[str(field.get("name"))] = line
            try:
                answer_field(field, line)
                break
            except AnswerError as problem:
                print(f"  not accepted: {problem}; try again", file=out)
    return answers


@contextmanager
def using_store(args: argparse.Namespace) -> Iterator[RunStoreAPI]:
    """The run store of `--store` (or the one in force); its problems become `UsageError`s."""
    from mission.stores import chosen_location
    from runtime.store_api import StoreError, open_store

    try:
        with open_store(chosen_location(args.store)) as store:
            yield store
    except StoreError as problem:
        raise UsageError(str(problem)) from None


def require_report(args: argparse.Namespace) -> None:
    """With --report, refuse before anything runs when Jinja2 is not installed."""
    if getattr(args, "report", None):
        from mission.pages import jinja_missing

        missing = jinja_missing()
        if missing is not None:
            raise UsageError(f"--report: {missing}")


def write_run_report(args: argparse.Namespace, workflow: WorkflowDefinition,
                     result: OrchestrationResult, context: ExecutionContext,
                     run_id: int | None) -> None:
    """With --report, the HTML report; a waiting run's names the command that continues it."""
    from mission.report import write_report

    command = None
    if run_id is not None and result.waiting_step_id is not None:
        command = resume_line(args, run_id, result.waiting_step_id)
    try:
        write_report(args.report, workflow, result, context, command)
    except OSError as problem:
        kept = f"; the run is stored as run {run_id}: {command}" if command else ""
        raise UsageError(f"{args.report}: cannot write the report ({problem.strerror})"
                         f"{kept}") from None


def resume_line(args: argparse.Namespace, run_id: int, step: str,
                question: dict[str, Any] | None = None) -> str:
    """The command that continues a waiting run; a form gets one `--answer` per field."""
    store = f" --store {shlex.quote(display(args.store))}" if args.store else ""
    fields = question.get("fields") if question and question.get("type") == "form" else None
    names = [f"{step}.{field['name']}" for field in fields or ()
             if isinstance(field, dict) and field.get("optional") is not True]
    answers = " ".join(f"--answer {shlex.quote(name + '=VALUE')}" for name in names or [step])
    return f"mission resume {run_id}{store} {answers}"


def report(args: argparse.Namespace, command: str, result: OrchestrationResult,
           run_id: int | None, given: dict[str, Any], *, target: str,
           workflow: WorkflowDefinition, initial_state: dict[str, Any],
           store_path: str | None = None) -> int:
    """Print the result: a summary, or the whole result as JSON with --json; on stderr,
    the way to continue a waiting run or why a run failed. Returns the exit code."""
    if args.format == "json":
        output = result.to_dict()
        if run_id is not None:
            output["run_id"] = run_id
        print(json.dumps(output, indent=2, sort_keys=True))
    else:
        from mission.summary import summary

        notes = []
        if args.receipt:
            notes.append(f"receipt: {args.receipt} (check it with `mission verify "
                         f"{shlex.quote(args.receipt)} --workflow {shlex.quote(target)}`)")
        if getattr(args, "report", None):
            notes.append(f"report: {args.report}")
        if args.save_state and result.status == "succeeded":
            notes.append(f"final state saved to {args.save_state}")
        if run_id is not None:
            notes.append(f"stored as run {run_id} in {store_path}")
        print(summary(target, workflow, result, initial_state, notes))
    if args.save_state and result.status != "succeeded":
        print(f"mission {command}: the final state was not saved to {args.save_state}: "
              f"the run {'waits' if result.status == 'waiting' else 'failed'}", file=sys.stderr)
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
        print(f"to continue, run:\n    {resume_line(args, run_id, step, result.question)}",
              file=sys.stderr)
        return EXIT_WAITING
    if not result.success:
        print(f"mission {command}: {result.error_message}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def write_json_file(path: Path, data: Any, what: str) -> None:
    """Write `data` as JSON whole or not at all (through a temporary file, renamed)."""
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as problem:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write {what} ({problem.strerror})") from None


@contextmanager
def replaced_whole(path: Path, what: str) -> Iterator[TextIO]:
    """A text file that replaces `path` when the block ends normally (a temporary file,
    renamed), and leaves it untouched when it raises."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as problem:
        raise UsageError(f"{path}: cannot write {what} ({problem.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)


def save_state(args: argparse.Namespace, result: OrchestrationResult) -> None:
    """With --save-state, write the final state of a run that succeeded."""
    if args.save_state and result.status == "succeeded":
        write_json_file(Path(args.save_state), result.final_state, "the final state")


def write_receipt(args: argparse.Namespace, record: RunRecord) -> None:
    """With --receipt, write the receipt file whole or not at all (renamed into place).

    Called before the store is written, so a receipt that cannot be written stores nothing.
    """
    from runtime.records import receipt_file_data

    if args.receipt:
        write_json_file(Path(args.receipt), receipt_file_data(record), "the receipt")


def run(args: argparse.Namespace) -> int:
    from mission.acting import answer_event, operating_system_user, the_clock, timed
    from mission.binding import bind, recorded_configuration
    from mission.files import read_config, read_json
    from mission.keeping import RunKeeper, record_starts
    from mission.targets import load_target
    from runtime.orchestration.model import ExecutionContext
    from runtime.records import RunRecord

    require_report(args)
    if args.batch:
        if args.target:
            raise UsageError("give either TARGET or --batch, not both")
        if args.executor.startswith("dask://"):
            from mission.dask_batch import run_batch_on_dask

            if args.jobs is not None:
                raise UsageError("--jobs applies to --executor local; a Dask cluster has the "
                                 "workers its scheduler has")
            return run_batch_on_dask(args.batch, args.executor,
                                     Path(args.output) if args.output else sys.stdout)
        if args.executor != "local":
            raise UsageError(f"--executor is `local` or dask://HOST:PORT, not {args.executor!r}")
        from mission.batch import run_batch

        if not args.output:
            return run_batch(args.batch, args.jobs, sys.stdout)
        with replaced_whole(Path(args.output), "the batch's results") as output:
            return run_batch(args.batch, args.jobs, output)
    if args.output:
        raise UsageError("--output only applies to --batch (a single run: --json > FILE, "
                         "or --receipt FILE)")
    if not args.target:
        raise UsageError("nothing to run: give a TARGET (a .mission file, a compiled .json "
                         "workflow or a registered name) or --batch RUNS.jsonl")
    if args.jobs is not None:
        raise UsageError("--jobs only applies to --batch")
    target = load_target(args.target)
    workflow = target.workflow
    state: Any = {}
    if args.state:
        state = read_json(args.state)
        if not isinstance(state, dict):
            raise UsageError(f"{args.state}: the state must be a JSON object")
    answers = collect_answers(args)
    params = collect_params(args, workflow)
    binding = bind(workflow, target.config)
    clock, user = the_clock(), operating_system_user()
    now = clock.now()
    context = ExecutionContext(initial_state=state, params=params,
                               events=[answer_event(step, value, user, now)
                                       for step, value in answers.items()],
                               started={"at": now, "by": user},
                               effects=binding.effects,
                               ask=timed(ask_on_terminal, clock, user) if interactive(args)
                               else None,
                               implementations=binding.implementations)
    configuration = recorded_configuration(workflow, target.config)
    run_id = store_path = None
    with ExitStack() as stack:
        keeper = None
        if context.effects is not None:  # stored before an effect starts (`mission.keeping`)
            keeper = RunKeeper(stack.enter_context(using_store(args)))
            record_starts(context, keeper, args.target, workflow, configuration)
        result = execute(workflow, context)
        record = RunRecord.of(args.target, workflow, context, result, keep_workflow=True,
                              configuration=configuration)
        if keeper is not None and keeper.stored is not None:
            keeper.save(record)  # an effect started: what happened is stored before all else
        write_receipt(args, record)  # a receipt that cannot be written stores nothing more
        save_state(args, result)
        keep = result.status == "waiting" or (keeper is not None and keeper.stored is not None) \
            or (not args.no_store and (target.config or read_config()).store_runs == "all")
        if keep:
            if keeper is None:
                keeper = RunKeeper(stack.enter_context(using_store(args)))
            if keeper.stored is None:
                keeper.save(record)
            assert keeper.stored is not None
            run_id = keeper.stored.run_id
            store_path = keeper.store.location
    if args.report:  # after the store: a waiting run's report names the run that continues
        write_run_report(args, workflow, result, context, run_id)
    return report(args, "run", result, run_id, answers, target=args.target, workflow=workflow,
                  initial_state=state, store_path=store_path)
