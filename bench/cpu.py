"""CPU-time comparisons for a busy machine (docs/performance.md, 2026-12-03 figures).

    python -m bench.cpu engine [ROUNDS]    # rows 6, 6c, 6d, and where a run's time goes
    python -m bench.cpu cold [ROUNDS]      # row 2: a cold one-file check, yamllint, python
    python -m bench.cpu lsp [ROUNDS]       # `mission lsp`: its start vs a cold check, then edits

Wall-time ratios swing when other work shares the cores; the CPU time a process spends
on its own work does much less. The engine is timed in this process
(`time.process_time`), the commands as child processes (`getrusage` of the children),
each in alternation with its baseline, and every ratio is the median of per-round ratios.
Run from the repository root, with the `bench` extra installed (yamllint).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def _constant_hash(value: object) -> str:
    return "0" * 64


def cpu_per_call(function: Callable[[], object], calls: int) -> float:
    """CPU µs of one call, over `calls` calls in a row."""
    start = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - start) / calls * 1e6


def engine(rounds: int) -> None:
    from bench import corpus
    from bench.plain_counter import counter
    from bench.plain_daily_loop import daily_loop
    from compiler import compile_source
    from runtime.orchestration import ExecutionContext, Orchestrator, binding, receipts
    from runtime.orchestration import run as module
    from runtime.orchestration.canonical import StateHasher
    from runtime.orchestration.registry import MISSION_REGISTRY

    counter_workflow = compile_source((ROOT / "examples" / "counter.mission").read_text(
        encoding="utf-8"), "counter.mission").workflow
    assert counter_workflow is not None
    counter_plan = Orchestrator().prepare(counter_workflow)
    daily = Orchestrator().prepare(MISSION_REGISTRY["daily_loop"](None))
    params = {"today": "2026-11-24", "top_n": 3}
    cases: dict[str, tuple[Callable[[], object], Callable[[], object], int]] = {
        "6c counter": (lambda: counter_plan.run(ExecutionContext(params={"by": 2})),
                       lambda: counter({}, 2), 200)}
    for size, calls in ((6, 200), (200, 20)):
        state: dict[str, Any] = {"tasks": corpus.tasks(size)}
        cases[f"daily_loop {size} tasks"] = (
            lambda state=state: daily.run(ExecutionContext(
                initial_state=state, params=params, answers={"confirm_priorities": True})),
            lambda state=state: daily_loop(state, "2026-11-24", 3), calls)
    for name, (ours, plain, calls) in cases.items():
        ratios, ours_us, plain_us = [], [], []
        for _ in range(rounds):
            mine, theirs = cpu_per_call(ours, calls), cpu_per_call(plain, calls)
            ratios.append(mine / theirs)
            ours_us.append(mine)
            plain_us.append(theirs)
        base = statistics.median(ours_us)
        hashes = receipts.data_hash, receipts.text_hash, StateHasher.hash
        receipts.data_hash = receipts.text_hash = _constant_hash  # type: ignore[assignment]
        StateHasher.hash = lambda self, state: _constant_hash(state)  # type: ignore
        without_hashes = statistics.median(cpu_per_call(ours, calls) for _ in range(rounds))
        receipts.data_hash, receipts.text_hash, StateHasher.hash = hashes
        copies = module.json_copy, binding.json_copy
        module.json_copy = binding.json_copy = lambda value, *where: value
        without_copies = statistics.median(cpu_per_call(ours, calls) for _ in range(rounds))
        module.json_copy, binding.json_copy = copies
        plain_median = statistics.median(plain_us)
        print(f"{name}: ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max "
              f"{max(ratios):.2f}); ours {base:.1f} us, plain {plain_median:.1f} us; receipt "
              f"hashes {base - without_hashes:.1f} us, copies {base - without_copies:.1f} us")


def cold(rounds: int) -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        mission = directory / "daily_loop.mission"
        mission.write_text((ROOT / "runtime" / "orchestration" / "missions" /
                            "daily_loop.mission").read_text(encoding="utf-8"), encoding="utf-8")
        (directory / "daily_loop.yaml").write_text(
            (BENCH / "daily_loop.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        env = {key: value for key, value in os.environ.items()
               if key not in ("PYTHONDONTWRITEBYTECODE", "MISSION_DEBUG")}
        env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(directory / "cache"),
                   PYTHONPYCACHEPREFIX=str(directory / "pycache"), NO_COLOR="1")
        commands = {
            "mission check --no-cache": [python, "-m", "mission", "check", "--no-cache",
                                         mission.name],
            "yamllint": [python, "-m", "yamllint", "daily_loop.yaml"],
            "python -c pass": [python, "-c", "pass"],
        }
        spent: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm-up: parse tables, bytecode
            subprocess.run(command, cwd=directory, env=env, capture_output=True, check=False)
        names = list(commands)
        for index in range(rounds):
            for name in names[index % 3:] + names[:index % 3]:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(commands[name], cwd=directory, env=env, capture_output=True,
                               check=False)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                spent[name].append(after.ru_utime + after.ru_stime - before.ru_utime
                                   - before.ru_stime)
    ours = spent["mission check --no-cache"]
    for name, samples in spent.items():
        print(f"{name}: {statistics.median(samples) * 1000:.1f} ms CPU")
    for baseline in ("yamllint", "python -c pass"):
        ratios = [mine / theirs for mine, theirs in zip(ours, spent[baseline], strict=True)]
        print(f"ours / {baseline}: {statistics.median(ratios):.3f} (min {min(ratios):.3f}, "
              f"max {max(ratios):.3f})")


def _framed(message: dict[str, Any]) -> bytes:
    import json

    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


def _read_message(stream: Any) -> dict[str, Any]:
    import json

    length = 0
    while (line := stream.readline()).strip():
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    if not line:
        raise RuntimeError("the language server closed its output")
    found: dict[str, Any] = json.loads(stream.read(length))
    return found


def _diagnostics_for(stream: Any, version: int) -> None:
    """Read until the server publishes the diagnostics of the document's `version`."""
    while True:
        message = _read_message(stream)
        if message.get("method") == "textDocument/publishDiagnostics" \
                and message["params"].get("version") == version:
            return


def _session(command: list[str], cwd: Path, env: dict[str, str], uri: str, text: str,
             edits: int) -> tuple[float, float, list[float]]:
    """One editor session: the server's CPU seconds (`/proc/PID/stat`) and wall seconds from
    its start to the first `publishDiagnostics` (`initialize`, `initialized` and `didOpen`
    written at once, as an editor opening a file does), then the wall seconds from each of
    `edits` whole-text changes to its diagnostics."""
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(_framed({"id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": cwd.as_uri(), "capabilities": {}}})
        + _framed({"method": "initialized", "params": {}})
        + _framed({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "mission", "version": 1, "text": text}}}))
    server.stdin.flush()
    _diagnostics_for(server.stdout, 1)
    wall = time.perf_counter() - started
    with open(f"/proc/{server.pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    changes = []
    for version in range(2, edits + 2):  # a keystroke: one more space at the end
        changed = text + " " * version
        started = time.perf_counter()
        server.stdin.write(_framed({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": changed}]}}))
        server.stdin.flush()
        _diagnostics_for(server.stdout, version)
        changes.append(time.perf_counter() - started)
    server.stdin.write(_framed({"id": 2, "method": "shutdown"})
                       + _framed({"method": "exit"}))
    server.stdin.close()
    server.wait(timeout=30)
    server.stdout.close()
    return cpu, wall, changes


def lsp(rounds: int) -> None:
    """Interleaved: `mission lsp` to its first diagnostics and a cold `mission check
    --no-cache` of the same file (information: pygls's own start, about 4 cold checks);
    then, in each session, 20 edits to their diagnostics (what a user waits for as they
    type)."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        mission = directory / "daily_loop.mission"
        text = (ROOT / "runtime" / "orchestration" / "missions" /
                "daily_loop.mission").read_text(encoding="utf-8")
        mission.write_text(text, encoding="utf-8")
        env = {key: value for key, value in os.environ.items()
               if key not in ("PYTHONDONTWRITEBYTECODE", "MISSION_DEBUG")}
        env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(directory / "cache"),
                   PYTHONPYCACHEPREFIX=str(directory / "pycache"), NO_COLOR="1")
        server = [python, "-m", "mission", "lsp", "--stdio"]
        check = [python, "-m", "mission", "check", "--no-cache", mission.name]
        uri = mission.as_uri()
        for _ in range(2):  # warm-up: bytecode, parse tables
            _session(server, directory, env, uri, text, 1)
            subprocess.run(check, cwd=directory, env=env, capture_output=True, check=False)
        spent: dict[str, list[tuple[float, float]]] = {"lsp": [], "check": []}
        edits: list[float] = []
        for index in range(rounds):
            order = ["lsp", "check"]
            for name in order[index % 2:] + order[:index % 2]:
                if name == "check":
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    started = time.perf_counter()
                    subprocess.run(check, cwd=directory, env=env, capture_output=True,
                                   check=False)
                    wall = time.perf_counter() - started
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    spent[name].append((after.ru_utime + after.ru_stime - before.ru_utime
                                        - before.ru_stime, wall))
                else:
                    cpu, wall, changes = _session(server, directory, env, uri, text, 20)
                    spent[name].append((cpu, wall))
                    edits.extend(changes)
    for name, label in (("lsp", "mission lsp, start to first diagnostics"),
                        ("check", "mission check --no-cache")):
        cpu = statistics.median(sample[0] for sample in spent[name]) * 1000
        wall = statistics.median(sample[1] for sample in spent[name]) * 1000
        print(f"{label}: {cpu:.0f} ms CPU, {wall:.0f} ms wall (medians)")
    for which, unit in ((0, "CPU"), (1, "wall")):
        ratios = [mine[which] / theirs[which]
                  for mine, theirs in zip(spent["lsp"], spent["check"], strict=True)]
        print(f"lsp start / check ({unit}, information): {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
    edits.sort()
    print(f"an edit to its diagnostics: {statistics.median(edits) * 1000:.1f} ms wall "
          f"(median of {len(edits)}; 90th percentile "
          f"{edits[int(len(edits) * 0.9)] * 1000:.1f} ms)")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    if what == "engine":
        engine(count)
    elif what == "cold":
        cold(count)
    elif what == "lsp":
        lsp(count)
    else:
        sys.exit(__doc__)
