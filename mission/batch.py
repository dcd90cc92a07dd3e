"""`mission run --batch runs.jsonl`: many runs, on every core, results in input order.

Each non-blank input line is one run, a JSON object:

    {"mission": "daily_loop", "params": {...}, "state": {...}, "answers": {...}}

`mission` is what `mission run` takes, resolved the same way (`mission.targets`:
a registered name, a `.mission` file or a compiled `.json` workflow; paths relative to
the current directory; any other file is refused unread);
`params`, `state` and `answers` are optional objects, read as `mission run`
reads `--params`, `--state` and `--answers` files. Each input line gives one
output line, in input order:

    {"line": 1, "mission": "daily_loop", "status": "succeeded", "result": {...}}
    {"line": 2, "mission": null, "status": "error", "error": "line 2: ..."}

`result` is what `mission run` prints for the same run. A bad line (not JSON,
a missing mission, a param the mission refuses) gives a `status: error` line
and the batch goes on. A run that needs an answer is reported with status
`waiting` and is not stored: give the answer in the line and run it again.
Exit code: 1 if any line failed or was bad, else 3 if any run waits, else 0;
a summary line on stderr counts the lines by status
(`mission run --batch: 3 lines: 1 succeeded, 1 failed, 1 error`).

The runs are spread over a pool of worker processes: `jobs` of them when
given (`jobs=1` runs them in this process), else one per `LINES_PER_WORKER`
lines, at most one per core, since a pool costs about as much as running 300
to 400 lines here. Each worker compiles a mission once and keeps it for the
lines that follow.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_WAITING, UsageError

if TYPE_CHECKING:
    from mission.targets import Target
    from runtime.orchestration.model import EffectRunner
    from runtime.orchestration.plans import Plan

    # Given a line's number and its effect runner (None for a pure run), the runner to use.
    WrapEffects = Callable[[int, EffectRunner | None], EffectRunner | None]

__all__ = ["default_jobs", "run_batch", "run_line", "workers_for"]

_KEYS = ("mission", "params", "state", "answers")
Item = tuple[int, bytes]  # a line's number, and the line as read
LINES_PER_WORKER = 512  # without `jobs` (docs/performance.md, "Parallel")

# Per process: mission -> its workflow and configuration and its plan (prepared once for
# all the lines that name it), or the message saying why there is none.
_TARGETS: dict[str, tuple[Target, Plan] | str] = {}


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(lines_path: str, jobs: int | None, output: TextIO) -> int:
    """Run every line of `lines_path` ("-" for stdin); write one JSON result line each."""
    from mission.files import read_lines
    from mission.progress import Progress

    items = read_lines(lines_path)
    started = batch_start()
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    workers = workers_for(len(items), jobs)
    statuses: dict[str, int] = {}
    with Progress(len(items), "mission run --batch") as progress:
        for status, record in _results(items, workers, started):
            output.write(record + "\n")
            statuses[status] = statuses.get(status, 0) + 1
            progress.advance()
    output.flush()
    print(f"mission run --batch: {tally(len(items), statuses)}", file=sys.stderr)
    if statuses.keys() & {"failed", "error"}:
        return EXIT_FINDINGS
    return EXIT_WAITING if "waiting" in statuses else EXIT_OK


def workers_for(lines: int, jobs: int | None) -> int:
    """`jobs` when asked, else a worker per `LINES_PER_WORKER` lines, at most one per core."""
    if jobs is not None:
        return jobs
    return max(1, min(default_jobs(), lines // LINES_PER_WORKER))


def tally(total: int, statuses: dict[str, int]) -> str:
    """`5 lines: 3 succeeded, 1 failed, 1 error`, in a fixed order of statuses."""
    parts = [f"{statuses[name]} {name}" for name in ("succeeded", "failed", "waiting", "error")
             if statuses.get(name)]
    return f"{total} line{'s' * (total != 1)}" + (": " + ", ".join(parts) if parts else "")


def batch_start() -> dict[str, str]:
    """When the batch started and by whom: what each of its runs records as its start."""
    from mission.acting import operating_system_user, the_clock

    return {"at": the_clock().now(), "by": operating_system_user()}


def _results(items: list[Item], workers: int,
             started: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Result lines in input order, from this process or a pool of `workers`."""
    from functools import partial

    line = partial(run_line, started=started)
    if workers == 1 or len(items) < 2:
        yield from map(line, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork:  # the workers start as copies of this process: do here, once, what each would do
        _preload(items[:_PRELOAD_LINES])
    context = multiprocessing.get_context("fork" if fork else None)
    chunk = max(1, min(64, len(items) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context) as pool:
        yield from pool.map(line, items, chunksize=chunk)


_PRELOAD_LINES = 32


def _preload(items: list[Item]) -> None:
    """Compile and prepare the missions the first lines name (errors are left
    for the lines themselves to report)."""
    import mission.starting  # noqa: F401

    for number, line in items:
        try:
            _target(_request(number, line)["mission"], number)
        except UsageError:
            continue


def run_line(item: tuple[int, bytes | str], started: dict[str, str],
             wrap_effects: WrapEffects | None = None) -> tuple[str, str]:
    """One input line to its status and output line (JSON text); never raises for bad input.
    Every line of a batch records the batch's start (`started`: when, by whom).
    `wrap_effects` lets a distributed executor journal the line's effects (`dask_batch`)."""
    number, line = item
    mission: str | None = None
    try:
        request = _request(number, line)
        mission = request["mission"]
        result = _run(request, started, wrap_effects)
    except UsageError as problem:
        return _record(number, mission, "error", error=str(problem))
    except Exception as problem:  # a bug in mission itself: one bad line, not a dead batch
        return _record(number, mission, "error",
                       error=f"line {number}: internal error: {type(problem).__name__}: "
                             f"{problem} (please report it)")
    return _record(number, mission, result["status"], result=result)


def _record(number: int, mission: str | None, status: str, **fields: Any) -> tuple[str, str]:
    record = {"line": number, "mission": mission, "status": status, **fields}
    return status, json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _request(number: int, line: bytes | str) -> dict[str, Any]:
    """The line's run request, checked: a mission name and three optional objects."""
    from mission.files import strict_json

    try:
        text = line if isinstance(line, str) else line.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise UsageError(f"line {number}: not UTF-8 text (byte {problem.start + 1} of the "
                         "line)") from None
    try:
        request = strict_json(text)
    except json.JSONDecodeError as problem:
        raise UsageError(f"line {number}, column {problem.colno}: invalid JSON: "
                         f"{problem.msg}") from None
    except ValueError as problem:
        raise UsageError(f"line {number}: invalid JSON: {problem}") from None
    except RecursionError:
        raise UsageError(f"line {number}: invalid JSON: nested too deeply") from None
    if not isinstance(request, dict):
        raise UsageError(f"line {number}: expected a JSON object with a `mission`")
    unknown = sorted(set(request) - set(_KEYS))
    if unknown:
        raise UsageError(f"line {number}: unknown key{'s' * (len(unknown) > 1)} "
                         f"{', '.join(f'`{key}`' for key in unknown)}; "
                         f"a line may have {', '.join(f'`{key}`' for key in _KEYS)}")
    if not isinstance(request.get("mission"), str) or not request["mission"]:
        raise UsageError(f"line {number}: `mission` must be a mission name or a file path")
    for key in ("params", "state", "answers"):
        if not isinstance(request.setdefault(key, {}), dict):
            raise UsageError(f"line {number}: `{key}` must be a JSON object")
    request["number"] = number
    return request


def _run(request: dict[str, Any], started: dict[str, str],
         wrap_effects: WrapEffects | None = None) -> dict[str, Any]:
    """Run one request as `mission run` would, without a terminal and without storing: its
    answers recorded as given by whoever `started` the batch, when it started."""
    from mission.acting import answer_event
    from mission.binding import bind
    from mission.starting import execute
    from runtime.orchestration.model import ExecutionContext

    target, plan = _target(request["mission"], request["number"])
    workflow = target.workflow
    params: dict[str, Any] | None = request["params"]
    declared = workflow.metadata.get("declarations", {}).get("params", {})
    if not params and not declared and "params" in workflow.metadata:
        params = None  # a seed-style workflow carries its own params (as `mission run`)
    try:
        binding = bind(workflow, target.config)
        now, user = started["at"], started["by"]
        context = ExecutionContext(initial_state=request["state"], params=params,
                                   started=started,
                                   events=[answer_event(step, value, user, now)
                                           for step, value in request["answers"].items()],
                                   effects=binding.effects,
                                   implementations=binding.implementations)
        if wrap_effects is not None:
            context.effects = wrap_effects(request["number"], context.effects)
        result = execute(plan, context)
    except UsageError as problem:
        raise UsageError(f"line {request['number']}: {problem}") from None
    return result.to_dict()


def _target(mission: str, number: int) -> tuple[Target, Plan]:
    found = _TARGETS.get(mission)
    if found is None:
        found = _TARGETS[mission] = _load(mission)
    if isinstance(found, str):
        raise UsageError(f"line {number}: {found}")
    return found


def _load(mission: str) -> tuple[Target, Plan] | str:
    """What `mission` names (as `mission run` resolves it) and its plan, or why there is
    none."""
    from mission.cli import Refusal
    from mission.targets import DoesNotCompile, load_target
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import RUN_REFUSALS

    try:
        target = load_target(mission, show_diagnostics=False)
        return target, Orchestrator().prepare(target.workflow)
    except DoesNotCompile as problem:
        return problem.first()
    except UsageError as problem:
        return str(problem)
    except RUN_REFUSALS as problem:
        return str(Refusal(problem))
