"""The effect operations: running a test suite, through the caller's effect runner.

The engine does no I/O. For a step using `discover_tests` or `run_pytest` it
hands the step's evaluated arguments (the *request*) to the `EffectRunner` in
the `ExecutionContext` and journals what comes back, so a replay reads the
journal instead of running the tests again. The implementations here only
check the shape of that result and turn it into state; `test_report` is pure.
The local runner that does the I/O is `runtime/local_effects.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.orchestration.calling import (
    Invocation,
    Operation,
    Outcome,
    Parameter,
    StepFailure,
)
from runtime.orchestration.types import describe, type_of

DISCOVER_TESTS = "discover_tests"
RUN_PYTEST = "run_pytest"
DEFAULT_TIMEOUT = 300
MAX_TIMEOUT = 3600
COUNTS = ("passed", "failed", "errors", "skipped")
# pytest's exit codes (https://docs.pytest.org/en/stable/reference/exit-codes.html).
_PYTEST_EXIT = {0: "all tests passed", 1: "some tests failed", 2: "the run was interrupted",
                3: "pytest hit an internal error", 4: "pytest was called wrongly",
                5: "no tests were collected"}


def _check_target(args: Mapping[str, Any]) -> None:
    target = args["target"]
    if not target or "\0" in target:
        raise StepFailure(f"`target` must name a directory or file in the project, "
                          f"found {describe(target)}")
    if target.startswith("-"):
        raise StepFailure(f"the target {target!r} looks like a command-line option; name a "
                          "directory or file in the project")
    if target.startswith("@"):
        raise StepFailure(f"the target {target!r} starts with `@`: pytest would read it as an "
                          "argument file; name a directory or file in the project")


def _check_run(args: Mapping[str, Any]) -> None:
    _check_target(args)
    timeout = args.get("timeout", DEFAULT_TIMEOUT)
    if not 1 <= timeout <= MAX_TIMEOUT:
        raise StepFailure(f"`timeout` must be between 1 and {MAX_TIMEOUT} seconds, "
                          f"found {timeout}")


def _expect(result: Any, effect: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """The effect's result, if it is a map whose fields have the given types."""
    if not isinstance(result, dict):
        raise StepFailure(f"the effect `{effect}` returned {describe(result)}, not a map")
    for name, wanted in fields.items():
        found = type_of(result.get(name))
        if found != wanted:
            raise StepFailure(f"the effect `{effect}` returned `{name}` as {found}, "
                              f"not {wanted}")
    return result


def _discover(invocation: Invocation) -> Outcome:
    result = _expect(invocation.effect_result, DISCOVER_TESTS,
                     {"target": "str", "count": "int", "files": "list"})
    if result["count"] != len(result["files"]):
        raise StepFailure(f"the effect `{DISCOVER_TESTS}` counted {result['count']} files "
                          f"but listed {len(result['files'])}")
    return Outcome(result=result)


def _run(invocation: Invocation) -> Outcome:
    fields = {"target": "str", "timed_out": "bool", "output": "str", "timeout": "int",
              **{name: "int" for name in COUNTS}}
    result = _expect(invocation.effect_result, RUN_PYTEST, fields)
    if type_of(result.get("exit_code")) not in ("int", "null"):
        raise StepFailure(f"the effect `{RUN_PYTEST}` returned `exit_code` as "
                          f"{describe(result.get('exit_code'))}")
    return Outcome(result=result)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _report(invocation: Invocation) -> Outcome:
    discovery = invocation.args["discovery"]
    results = invocation.args["results"]
    counts = {}
    for name in COUNTS:
        value = results.get(name)
        if type_of(value) != "int" or value < 0:
            raise StepFailure(f"`results.{name}` must be a count, found {describe(value)}")
        counts[name] = value
    files = discovery.get("count")
    if type_of(files) != "int":
        raise StepFailure(f"`discovery.count` must be a count, found {describe(files)}")
    target = results.get("target", discovery.get("target", "?"))
    exit_code = results.get("exit_code")
    problem = None
    if results.get("timed_out"):
        problem = f"pytest did not finish within {results.get('timeout')} s and was stopped"
    elif counts["failed"] or counts["errors"]:
        problem = f"{_bad(counts)} under `{target}`"
    elif exit_code != 0:
        # Exit code 1 with no failure counted: pytest itself did not run (e.g. not installed).
        meaning = _PYTEST_EXIT.get(exit_code, "") if exit_code != 1 else ""
        last = [line for line in str(results.get("output", "")).splitlines() if line.strip()]
        problem = f"{meaning or 'pytest did not run'} (exit code {exit_code}) for `{target}`"
        if last and exit_code != 5:
            problem += f": {last[-1].strip()[:200]}"
    report = {
        "exit_code": exit_code,
        "outcome": "failed" if problem else "passed",
        "summary": problem or f"{_summary(counts)} under `{target}`",
        "target": target,
        "test_files": files,
        **counts,
    }
    return Outcome(result=report, failure=problem)


def _summary(counts: Mapping[str, int]) -> str:
    parts = [f"{counts['passed']} passed"]
    parts += [f"{counts[name]} {name}" for name in ("failed", "errors", "skipped") if counts[name]]
    return ", ".join(parts)


def _bad(counts: Mapping[str, int]) -> str:
    parts = []
    if counts["failed"]:
        parts.append(f"{_plural(counts['failed'], 'test')} failed")
    if counts["errors"]:
        parts.append(f"{_plural(counts['errors'], 'error')}")
    return " and ".join(parts) + f" ({_summary(counts)})"


_TARGET = Parameter("target", "str", "The directory or file to test, inside the project.")

EFFECT_OPERATIONS: tuple[Operation, ...] = (
    Operation("discover_tests", "runtime", (_TARGET,), "map",
              "Count the test files under a directory (an effect).",
              "Asks the effect runner to list the test files (`test_*.py`, `*_test.py`) under "
              "`target`; returns `{target, count, files}`. The target must stay inside the "
              "project: a path outside it, a symlink escaping it, an option-looking name or one "
              "starting with `@` (a pytest argument file) is refused.",
              _discover, effect=DISCOVER_TESTS, check=_check_target,
              example="discover_tests(target: param.target) -> state.discovery"),
    Operation("run_pytest", "runtime",
              (_TARGET, Parameter("timeout", "int", "Seconds before the run is stopped "
                                  f"(default {DEFAULT_TIMEOUT}, at most {MAX_TIMEOUT}).",
                                  required=False)),
              "map", "Run pytest on a target (an effect).",
              "Asks the effect runner to run pytest on `target` as a subprocess, stopped after "
              "`timeout` seconds; returns `{target, exit_code, timed_out, timeout, passed, "
              "failed, errors, skipped, output}` (`output` is the end of pytest's output, "
              "capped).",
              _run, effect=RUN_PYTEST, check=_check_run,
              example="run_pytest(target: param.target, timeout: param.timeout) -> state.results"),
    Operation("test_report", "runtime",
              (Parameter("discovery", "map", "What `discover_tests` returned."),
               Parameter("results", "map", "What `run_pytest` returned.")),
              "map", "Summarise a test run; fail when a test failed.",
              "Returns `{outcome, summary, target, test_files, exit_code, passed, failed, "
              "errors, skipped}` and writes it even when the run fails: the step fails when a "
              "test failed or errored, when pytest timed out, or when pytest did not run "
              "cleanly (any exit code but 0).",
              _report, example="test_report(discovery: state.discovery, results: state.results) "
                               "-> state.report"),
)
