"""The nine scenarios of the benchmark, each measured against what a user would pick instead.

Each scenario function takes a `Settings` and returns table rows. Processes
started here get a clean environment: bytecode caching on (as in any real
install; the developer shell may have `PYTHONDONTWRITEBYTECODE` set), a
private cache directory for the parse tables and the check cache, one
untimed warm-up run, and the sources as they were when the bench started
(`snapshot_sources`), so that work going on in the same tree cannot change
the code under measurement halfway, nor invalidate the check cache of the
warm scenario.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import corpus
from bench.harness import Row, interleave, peak_rss, run_command, time_calls

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DAILY_LOOP = ROOT / "runtime" / "orchestration" / "missions" / "daily_loop.mission"
PYTHON = sys.executable


@dataclass(frozen=True, slots=True)
class Settings:
    rounds: int  # interleaved rounds for quick, in-process measurements
    process_rounds: int  # rounds for whole-process measurements
    tree_size: int  # missions in scenario 4's tree
    batch_size: int  # lines in scenario 7's batch
    echo_runs: int  # runs in scenario 6's memory check
    work: Path  # scratch directory


# -- helpers -----------------------------------------------------------------------


def process_environment(work: Path) -> dict[str, str]:
    """The environment of every process the bench starts (see the module docstring)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "MISSION_DEBUG")}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["XDG_CACHE_HOME"] = str(work / "cache")
    env["XDG_DATA_HOME"] = str(work / "data")
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(work / "src"), str(ROOT),
                                                      env.get("PYTHONPATH")]))
    return env


PACKAGES = ("grammar", "compiler", "runtime", "mission")


def snapshot_sources(work: Path) -> None:
    """Copy the packages and `pyproject.toml` into `work/src`: every process the bench
    starts runs there (first on `sys.path`, and the configuration `mission check` finds
    there is the project's, as in the repository)."""
    for package in PACKAGES:
        target = work / "src" / package
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(ROOT / package, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", work / "src" / "pyproject.toml")


def process(command: list[str], work: Path) -> Callable[[], float]:
    """A contender: `command` in a process of its own, run from the snapshot."""
    return run_command(command, process_environment(work), cwd=work / "src")


def mission_command(*arguments: str) -> list[str]:
    """`mission ARGS` as a fresh process."""
    return [PYTHON, "-m", "mission", *arguments]


# -- 1. compile one typical mission, in process --------------------------------------


def compile_one(settings: Settings) -> list[Row]:
    import jsonschema  # type: ignore[import-untyped]
    import yaml  # type: ignore[import-untyped]

    from compiler import compile_source

    text = DAILY_LOOP.read_text(encoding="utf-8")
    yaml_text = (BENCH / "daily_loop.yaml").read_text(encoding="utf-8")
    schema = json.loads((BENCH / "daily_loop.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    loader = yaml.CSafeLoader

    def ours() -> None:
        result = compile_source(text, "daily_loop.mission")
        assert result.workflow is not None

    def yaml_and_schema() -> None:
        validator.validate(yaml.load(yaml_text, Loader=loader))

    def yaml_only() -> None:
        yaml.load(yaml_text, Loader=loader)

    yaml_and_schema()
    comparison = interleave({"ours": time_calls(ours, 200), "yaml+schema":
                             time_calls(yaml_and_schema, 200), "yaml": time_calls(yaml_only, 200)},
                            settings.rounds)
    return [
        Row("1 compile daily_loop (warm, in process)", comparison.median("ours"),
            comparison.median("yaml+schema"), comparison.ratio("ours", "yaml+schema"), 1.0,
            baseline_name="PyYAML C loader + jsonschema 2020-12"),
        Row("1b  same, against the YAML load alone (no checks)", comparison.median("ours"),
            comparison.median("yaml"), comparison.ratio("ours", "yaml"), None,
            baseline_name="PyYAML C loader", note="for information: a YAML load checks nothing"),
    ]


# -- 2. check one file from a cold process ------------------------------------------


def check_cold(settings: Settings) -> list[Row]:
    """Row 2: the wall time of the whole process, and its CPU time (`getrusage` of the
    children), which a busy machine disturbs less; row 2e: the first check after installing,
    which exports the parse tables with Lark (`compiler/tables.py`) into an empty cache."""
    work = settings.work
    import importlib.util
    import resource
    import tempfile

    missing = [name for name in ("yamllint", "check_jsonschema")
               if importlib.util.find_spec(name) is None]
    if missing:  # `python -m` of a missing module exits 1, which a baseline may exit with
        raise RuntimeError(f"scenario 2 compares with {' and '.join(missing)}: "
                           "pip install -e '.[bench]'")
    mission_file = work / "daily_loop.mission"
    mission_file.write_text(DAILY_LOOP.read_text(encoding="utf-8"), encoding="utf-8")
    check = mission_command("check", "--no-cache", str(mission_file))
    cpu: dict[str, list[float]] = {"ours": [], "yamllint": []}

    def timed(name: str, command: list[str]) -> Callable[[], float]:
        wall = process(command, work)

        def measure() -> float:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            elapsed = wall()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append((after.ru_utime + after.ru_stime - before.ru_utime
                              - before.ru_stime) * 1000)
            return elapsed

        return measure

    def first_check() -> float:
        with tempfile.TemporaryDirectory(dir=work) as empty:
            env = {**process_environment(work), "XDG_CACHE_HOME": empty}
            return run_command(check, env, cwd=work / "src")()

    contenders = {
        "ours": timed("ours", check),
        "yamllint": timed("yamllint", [PYTHON, "-m", "yamllint", str(BENCH / "daily_loop.yaml")]),
        "check-jsonschema": process(
            [PYTHON, "-m", "check_jsonschema", "--schemafile",
             str(BENCH / "daily_loop.schema.json"), str(BENCH / "daily_loop.yaml")], work),
        "python -c pass": process([PYTHON, "-c", "pass"], work),
        "first check": first_check,
    }
    for contender in contenders.values():
        contender()  # warm-up: bytecode and parse tables written
    for samples in cpu.values():
        samples.clear()
    comparison = interleave(contenders, settings.process_rounds)
    cpu_ratio = statistics.median(a / b for a, b in zip(cpu["ours"], cpu["yamllint"],
                                                        strict=True))
    return [
        Row("2 check one file, cold process", comparison.median("ours"),
            comparison.median("yamllint"), comparison.ratio("ours", "yamllint"), 1.0,
            baseline_name="yamllint"),
        Row("2b  same, against check-jsonschema", comparison.median("ours"),
            comparison.median("check-jsonschema"), comparison.ratio("ours", "check-jsonschema"),
            None, baseline_name="check-jsonschema"),
        Row("2c  same, against python -c pass", comparison.median("ours"),
            comparison.median("python -c pass"), comparison.ratio("ours", "python -c pass"),
            None, baseline_name="python -c pass"),
        Row("2d  same, CPU time of the process", statistics.median(cpu["ours"]),
            statistics.median(cpu["yamllint"]), cpu_ratio, None, baseline_name="yamllint (CPU)",
            note="for information: CPU time varies less than wall time on a busy machine"),
        Row("2e  first check after installing (no parse-table cache)",
            comparison.median("first check"), comparison.median("ours"),
            comparison.ratio("first check", "ours"), None, baseline_name="row 2",
            note="for information: the cost the parse-table cache saves on every later check"),
    ]


# -- 3. run a compiled mission from a cold process -----------------------------------


def run_cold(settings: Settings) -> list[Row]:
    env = process_environment(settings.work)
    compiled = settings.work / "echo.json"
    source = ROOT / "runtime" / "orchestration" / "missions" / "echo.mission"
    with compiled.open("w", encoding="utf-8") as stream:
        subprocess.run(mission_command("compile", str(source)), env=env, stdout=stream,
                       cwd=settings.work / "src", check=True)
    contenders = {
        "ours": process(mission_command("run", str(compiled), "--param", "message=hi"),
                        settings.work),
        "python -c pass": process([PYTHON, "-c", "pass"], settings.work),
    }
    for contender in contenders.values():
        contender()
    comparison = interleave(contenders, settings.process_rounds)
    return [Row("3 run compiled echo.json, cold process", comparison.median("ours"),
                comparison.median("python -c pass"), comparison.ratio("ours", "python -c pass"),
                3.0, baseline_name="python -c pass")]


# -- 4. check a tree of missions ---------------------------------------------------------


def check_tree(settings: Settings) -> list[Row]:
    tree = settings.work / f"tree-{settings.tree_size}"
    if not tree.exists():
        corpus.write_tree(tree, settings.tree_size)
    title = f"4 check a tree of {settings.tree_size:,} missions"
    cold_one = process(mission_command("check", "--no-cache", "--jobs", "1", str(tree)),
                       settings.work)
    cold_all = process(mission_command("check", "--no-cache", str(tree)), settings.work)
    warm = process(mission_command("check", str(tree)), settings.work)
    warm()  # fills the cache
    warm()  # and settles it: files written just before the first run are trusted by content
    comparison = interleave({"cold 1": cold_one, "cold all": cold_all, "warm": warm},
                            max(2, settings.process_rounds // 4))
    seconds = {name: comparison.median(name) / 1000 for name in comparison.samples}
    return [
        Row(f"{title}: 2 workers vs 1 (cold)", seconds["cold all"], seconds["cold 1"],
            comparison.ratio("cold all", "cold 1"), round(1 / 1.8, 3), unit="s",
            baseline_name="--jobs 1"),
        Row(f"{title}: warm cache vs cold", seconds["warm"], seconds["cold all"],
            comparison.ratio("warm", "cold all"), 0.05, unit="s", baseline_name="--no-cache"),
        memory_row("4c  peak RSS checking the tree (--no-cache, largest process)",
                   mission_command("check", "--no-cache", str(tree)),
                   mission_command("check", "--no-cache", str(DAILY_LOOP)), "one file",
                   settings.work),
    ]


def memory_row(title: str, command: list[str], baseline: list[str], baseline_name: str,
               work: Path) -> Row:
    """Peak resident memory of a command against a small run of it (for information)."""
    env = process_environment(work)
    ours, small = (peak_rss(line, env, cwd=work / "src") for line in (command, baseline))
    return Row(title, ours, small, ours / small, None, unit="MB", baseline_name=baseline_name)


# -- 5. scaling: time per byte, memory per byte ------------------------------------------


def scaling(settings: Settings) -> list[Row]:
    from compiler import compile_source

    small, large = corpus.big_mission(1_000), corpus.big_mission(1_000_000)

    def per_byte(text: str, repeat: int) -> Callable[[], float]:
        timer = time_calls(lambda: compile_source(text, "big.mission"), repeat)
        return lambda: timer() / len(text) * 1e6  # ns per byte

    assert compile_source(large, "big.mission").workflow is not None
    comparison = interleave({"1 MB": per_byte(large, 1), "1 KB": per_byte(small, 200)},
                            max(3, settings.rounds // 2))
    gc.collect()
    tracemalloc.start()
    compile_source(large, "big.mission")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [
        Row("5 compile time per byte, 1 MB vs 1 KB", comparison.median("1 MB"),
            comparison.median("1 KB"), comparison.ratio("1 MB", "1 KB"), 1.5, unit="ns/B",
            baseline_name="1 KB mission"),
        Row("5b  peak memory compiling 1 MB, per byte of source", peak / 1e6, len(large) / 1e6,
            peak / len(large), 50.0, unit="MB", baseline_name="file size"),
        *only_comments(settings),
    ]


def only_comments(settings: Settings) -> list[Row]:
    """A file of only comments (4 MiB, within the limit) costs what the same comments cost
    inside a mission: before issue 15 it took 23 s and 1.1 GB (Lark lexed it again)."""
    from compiler import compile_source

    comments = "#\n" * 2_097_000
    inside = f'mission m "M" {{\n    version 1\n{comments}}}\n'
    assert compile_source(inside, "inside.mission").workflow is not None
    comparison = interleave(
        {"alone": lambda: time_calls(lambda: compile_source(comments, "c.mission"), 1)()
         / len(comments) * 1e6,
         "inside": lambda: time_calls(lambda: compile_source(inside, "m.mission"), 1)()
         / len(inside) * 1e6},
        max(2, settings.rounds // 5))
    gc.collect()
    tracemalloc.start()
    compile_source(comments, "c.mission")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [
        Row("5c compile time per byte, 4 MiB of comments only vs inside a mission",
            comparison.median("alone"), comparison.median("inside"),
            comparison.ratio("alone", "inside"), 1.5, unit="ns/B",
            baseline_name="the same comments in a mission"),
        Row("5d  peak memory compiling 4 MiB of comments only, per byte", peak / 1e6,
            len(comments) / 1e6, peak / len(comments), 150.0, unit="MB",
            baseline_name="file size"),
    ]


# -- 6. the engine ------------------------------------------------------------------------


def engine(settings: Settings) -> list[Row]:
    """The engine's fixed cost per run (a small state) and its cost per task (a large one)."""
    from bench.plain_counter import counter
    from bench.plain_daily_loop import daily_loop
    from compiler import compile_source
    from runtime.orchestration import ExecutionContext, Orchestrator
    from runtime.orchestration.registry import MISSION_REGISTRY

    counter_workflow = compile_source((ROOT / "examples" / "counter.mission").read_text(
        encoding="utf-8"), "counter.mission").workflow
    assert counter_workflow is not None
    counter_plan = Orchestrator().prepare(counter_workflow)  # as a caller running it often

    def run_counter() -> None:
        result = counter_plan.run(ExecutionContext(params={"by": 2}))
        assert result.status == "succeeded"

    reference = counter_plan.run(ExecutionContext(params={"by": 2}))
    assert (reference.final_state, reference.receipt["final_state_hash"]) == counter({}, 2), \
        "the plain baseline must compute what the engine does"
    comparisons = {"counter": interleave({"ours": time_calls(run_counter, 200), "plain":
                                          time_calls(lambda: counter({}, 2), 200)},
                                         settings.rounds)}
    daily = Orchestrator().prepare(MISSION_REGISTRY["daily_loop"](None))
    today, top_n = "2026-11-24", 3
    params = {"today": today, "top_n": top_n}
    answers = {"confirm_priorities": True}
    for size, calls in ((6, 200), (200, 20)):
        state = {"tasks": corpus.tasks(size)}

        def ours(state: dict[str, object] = state) -> None:
            context = ExecutionContext(initial_state=state, params=params, answers=answers)
            result = daily.run(context)
            assert result.status == "succeeded"

        final, _ = daily_loop(state, today, top_n)
        reference = daily.run(ExecutionContext(initial_state=state, params=params,
                                               answers=answers))
        assert reference.final_state == final, "the plain baseline must compute what the " \
                                               "engine does"
        comparisons[str(size)] = interleave({"ours": time_calls(ours, calls), "plain": time_calls(
            lambda state=state: daily_loop(state, today, top_n), calls)}, settings.rounds)
    rows = []
    for key, title, goal in (("counter", "6c engine: counter, 4 steps, small state", 8.0),
                             ("6", "6d engine: daily_loop with 6 tasks", 4.0),
                             ("200", "6 engine: daily_loop with 200 tasks (in process)", 2.0)):
        comparison = comparisons[key]
        rows.append(Row(title, comparison.median("ours"), comparison.median("plain"),
                        comparison.ratio("ours", "plain"), goal,
                        baseline_name="plain Python + one sha256"))
    return [rows[2], rows[0], rows[1], echo_memory(settings)]


def echo_memory(settings: Settings) -> Row:
    """Traced memory after run 1,000 and after the last run: growth means a leak."""
    from runtime.orchestration import ExecutionContext, Orchestrator
    from runtime.orchestration.registry import MISSION_REGISTRY

    workflow = MISSION_REGISTRY["echo"](None)
    orchestrator = Orchestrator()
    gc.collect()
    tracemalloc.start()
    after_first = 0
    for index in range(settings.echo_runs):
        context = ExecutionContext(initial_state={}, params={"message": "hi"})
        orchestrator.run_workflow(workflow, context)
        if index + 1 == min(1000, settings.echo_runs // 10):
            gc.collect()
            after_first = tracemalloc.get_traced_memory()[0]
    gc.collect()
    at_end = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    growth = at_end - after_first
    first = min(1000, settings.echo_runs // 10)
    # Allow 16 KB of noise (interned strings, allocator bookkeeping): far below 1 byte a run.
    return Row(f"6b  memory growth from run {first:,} to run {settings.echo_runs:,} of echo",
               growth / 1024, 16.0, growth / 16384, 1.0, unit="KB",
               baseline_name="allowed noise")


# -- 7. batch runs -------------------------------------------------------------------------


def batch(settings: Settings) -> list[Row]:
    lines = settings.work / f"runs-{settings.batch_size}.jsonl"
    lines.write_text(corpus.batch_requests(settings.batch_size), encoding="utf-8")

    def command(jobs: int) -> list[str]:
        return mission_command("run", "--batch", str(lines), "--jobs", str(jobs))

    one, both = process(command(1), settings.work), process(command(2), settings.work)
    both()
    comparison = interleave({"both": both, "one": one}, max(3, settings.process_rounds // 4))
    one_line = settings.work / "runs-1.jsonl"
    one_line.write_text(corpus.batch_requests(1), encoding="utf-8")
    return [Row(f"7 batch of {settings.batch_size:,} runs: 2 workers vs 1",
                comparison.median("both") / 1000, comparison.median("one") / 1000,
                comparison.ratio("both", "one"), round(1 / 1.8, 3), unit="s",
                baseline_name="--jobs 1"),
            memory_row("7b  peak RSS of the batch (2 workers, largest process)", command(2),
                       mission_command("run", "--batch", str(one_line), "--jobs", "1"),
                       "a 1-line batch", settings.work)]


# -- 8. mission test --------------------------------------------------------------------------


def mission_test(settings: Settings) -> list[Row]:
    """Small cases in one process (the shipped test files' cases: one to five runs of the
    engine each), against the engine alone making the same runs; and a cold `mission test`
    of one file against a cold `mission check` of its mission."""
    from mission.testing.loading import load
    from mission.testing.timeline import run_case
    from runtime.orchestration.model import OBSERVER
    from runtime.orchestration.plans import Plan
    from runtime.orchestration.trace import tracing

    files = [load(str(path)) for path in sorted((ROOT / "examples").glob("*_test.mission"))]
    cases = [(loaded, case) for loaded in files for case in loaded.tree.cases]
    runs: list[tuple[object, object, object]] = []  # the runs the cases make, recorded once
    original = Plan.run

    def recording(self: Plan, context: object) -> object:
        result = original(self, context)  # type: ignore[arg-type]
        # (a run the engine refused is not made again)
        runs.append((self, context, OBSERVER.get()))
        return result

    Plan.run = recording  # type: ignore[assignment,method-assign]
    try:
        for loaded, case in cases:
            assert run_case(loaded, case).outcome == "passed", case.name.value
    finally:
        Plan.run = original  # type: ignore[method-assign]

    def ours() -> None:
        for loaded, case in cases:
            run_case(loaded, case)

    def engine_alone() -> None:
        for plan, context, observer in runs:  # each with its case's observer, as made
            with tracing(observer):  # type: ignore[arg-type]
                plan.run(context)  # type: ignore[attr-defined]

    per_case = len(cases)
    comparison = interleave({"ours": time_calls(ours, 5), "engine": time_calls(engine_alone, 5)},
                            settings.rounds)
    ours_ms = comparison.median("ours") / per_case
    rows = [
        Row(f"8 mission test: {per_case} small cases in one process (per case, {len(runs)} "
            "runs)", ours_ms, comparison.median("engine") / per_case,
            comparison.ratio("ours", "engine"), 2.5,
            baseline_name="the engine alone, making the same runs"),
        Row("8b  same, against 1 ms a case (1,000 cases a second)", ours_ms, 1.0, ours_ms, 1.0,
            baseline_name="1,000 cases/s", note=f"{1000 / ours_ms:,.0f} cases/s"),
    ]
    test_file = ROOT / "examples" / "expense_approval_test.mission"
    contenders = {
        "test": process(mission_command("test", str(test_file)), settings.work),
        "check": process(mission_command("check", "--no-cache",
                                         str(ROOT / "examples" / "expense_approval.mission")),
                         settings.work),
    }
    for contender in contenders.values():
        contender()  # warm-up: bytecode and parse tables written
    cold = interleave(contenders, settings.process_rounds)
    rows.append(Row("8c mission test expense_approval_test.mission, cold process",
                    cold.median("test"), cold.median("check"), cold.ratio("test", "check"),
                    2.0, baseline_name="mission check --no-cache expense_approval.mission"))
    return rows


# -- 9. keeping a run ------------------------------------------------------------------


def durable(settings: Settings) -> list[Row]:
    """Rows 9 to 9d (`bench/durable.py`)."""
    import importlib.util

    from bench.durable import CounterRuns, PlainCommits, SameRows

    if importlib.util.find_spec("dbos") is None:
        raise RuntimeError("scenario 9 compares with DBOS: pip install -e '.[bench]'")
    directory = settings.work / "durable"
    directory.mkdir(mode=0o700, exist_ok=True)
    runs = CounterRuns(directory)
    plain = PlainCommits(directory, runs.record().to_text())
    same_rows = SameRows(directory, runs)
    in_process = interleave({"keep": time_calls(lambda: runs.keep(runs.result), 100),
                             "run and keep": time_calls(runs.run_and_keep, 100),
                             "commit": time_calls(plain.commit, 100),
                             "same rows": time_calls(same_rows.commit, 100)}, settings.rounds)
    env = process_environment(settings.work)
    count = "100" if settings.rounds < 15 else "300"

    def child(side: str) -> float:
        side_directory = directory / side
        side_directory.mkdir(mode=0o700, exist_ok=True)
        completed = subprocess.run([sys.executable, "-m", "bench.durable", side, count,
                                    str(side_directory)], env=env, capture_output=True,
                                   text=True, check=True)
        return float(completed.stdout.split()[-1])

    peers = interleave({"mission": lambda: child("mission"), "dbos": lambda: child("dbos")},
                       max(3, settings.process_rounds // 3))
    commit = "one SQLite commit of its bytes"
    return [
        in_process.row("9 keeping a finished run (record, notices, store)", "keep", "commit",
                       1.3, commit),
        in_process.row("9a  same, against the same rows written by plain SQL", "keep",
                       "same rows", None, "its row and notice, one commit",
                       "for information: what the code adds to the rows it writes"),
        in_process.row("9b  same, with the engine's run (counter, 4 steps)", "run and keep",
                       "commit", None, commit,
                       "for information: row 6c is the engine's run alone"),
        peers.row("9c a stored run against DBOS (counter, 4 steps, SQLite)", "mission", "dbos",
                  None, "DBOS workflow, SQLite system database",
                  "for information: each side in a process of its own, after a warm-up"),
        in_process.row("9d  the same rows by plain SQL, against one commit of its bytes",
                       "same rows", "commit", None, commit,
                       "for information: the floor the store's rows set for row 9"),
    ]


SCENARIOS: dict[str, Callable[[Settings], list[Row]]] = {
    "1": compile_one,
    "2": check_cold,
    "3": run_cold,
    "4": check_tree,
    "5": scaling,
    "6": engine,
    "7": batch,
    "8": mission_test,
    "9": durable,
}
