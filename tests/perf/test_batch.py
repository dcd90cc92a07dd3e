"""`run_batch`: the same results as one-by-one `mission run`, in input order, on any core count."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mission.batch import run_batch
from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_WAITING
from mission.progress import Progress
from tests.conftest import ROOT, run_cli

DAILY = str(ROOT / "examples" / "daily_loop.mission")
TASKS = [
    {"id": "b", "title": "B", "status": "open", "priority": 2, "due": "2026-11-20"},
    {"id": "a", "title": "A", "status": "open", "priority": 1},
    {"id": "c", "title": "C", "status": "done", "done_on": "2026-11-23"},
    {"id": "d", "title": "D", "status": "open", "due": "2026-11-30"},
]
REQUESTS: list[dict[str, Any]] = [
    {"mission": "echo", "params": {"message": "first"}},
    {"mission": "daily_loop", "params": {"today": "2026-11-24", "top_n": 2},
     "state": {"tasks": TASKS}, "answers": {"confirm_priorities": True}},
    {"mission": DAILY, "params": {"today": "2026-11-24"}, "state": {"tasks": TASKS[:2]},
     "answers": {"confirm_priorities": False}},
    {"mission": "daily_loop", "params": {"today": "2026-11-24"}, "state": {"tasks": TASKS}},
    {"mission": "daily_loop", "params": {"today": "2026-11-24"},
     "state": {"tasks": [{"title": "no id", "status": "open"}]}},
    {"mission": "echo"},
    {"mission": str(ROOT / "examples" / "counter.mission"), "state": {}},
]


NOW = "2026-12-01T09:00:00+00:00"


@pytest.fixture(autouse=True)
def one_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run records when its batch started: one virtual time for every batch here, so
    batches run at different moments give the same bytes."""
    monkeypatch.setenv("MISSION_NOW", NOW)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def batch(path: Path, jobs: int) -> tuple[int, list[dict[str, Any]], str]:
    output = io.StringIO()
    code = run_batch(str(path), jobs, output)
    text = output.getvalue()
    return code, [json.loads(line) for line in text.splitlines()], text


def one_by_one(request: dict[str, Any], directory: Path) -> dict[str, Any]:
    """What `mission run` prints for the same request, in its own process."""
    arguments = [request["mission"], "--no-input", "--json", "--store",
                 str(directory / "runs.sqlite3")]
    for key in ("params", "state", "answers"):
        if key in request:
            file = directory / f"{key}.json"
            file.write_text(json.dumps(request[key]), encoding="utf-8")
            arguments += [f"--{key}", str(file)]
    completed = run_cli("run", *arguments, env={"MISSION_NOW": NOW})
    assert completed.returncode in (0, 1, 3), completed.stderr
    printed: dict[str, Any] = json.loads(completed.stdout)
    printed.pop("run_id", None)  # a stored run's id: the batch does not store
    return printed


def test_batch_results_equal_one_by_one_runs_in_input_order(tmp_path: Path) -> None:
    lines = write_lines(tmp_path / "runs.jsonl", [json.dumps(r) for r in REQUESTS])
    code, results, _ = batch(lines, jobs=2)
    assert [r["line"] for r in results] == list(range(1, len(REQUESTS) + 1))
    for request, result in zip(REQUESTS, results, strict=True):
        assert result["mission"] == request["mission"]
        assert result["result"] == one_by_one(request, tmp_path), request
        assert result["status"] == result["result"]["status"]
    assert [r["status"] for r in results] == [
        "succeeded", "succeeded", "succeeded", "waiting", "failed", "succeeded", "succeeded"]
    assert code == EXIT_FINDINGS  # one run failed


def test_one_worker_and_a_pool_write_the_same_bytes(tmp_path: Path) -> None:
    requests = [{"mission": "echo", "params": {"message": f"m{index}"}} for index in range(40)]
    requests += [{"mission": "daily_loop", "params": {"today": f"2026-11-{day:02d}"},
                  "state": {"tasks": TASKS}, "answers": {"confirm_priorities": True}}
                 for day in range(1, 29)]
    lines = write_lines(tmp_path / "runs.jsonl", [json.dumps(r) for r in requests])
    single, pooled = batch(lines, jobs=1), batch(lines, jobs=2)
    assert single[2] == pooled[2]
    assert single[0] == pooled[0] == EXIT_OK
    assert [r["result"]["final_state"].get("echo") for r in single[1][:3]] == ["m0", "m1", "m2"]


def test_bad_lines_give_error_lines_and_the_batch_goes_on(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mission"
    broken.write_text("mission broken { runtime s { nope() } }", encoding="utf-8")
    lines = write_lines(tmp_path / "runs.jsonl", [
        "not json",
        "[1, 2]",
        json.dumps({"params": {}}),
        json.dumps({"mission": "echo", "colour": "blue"}),
        json.dumps({"mission": "echo", "params": []}),
        json.dumps({"mission": "no_such_mission"}),
        json.dumps({"mission": str(broken)}),
        json.dumps({"mission": str(tmp_path / "missing.mission")}),
        json.dumps({"mission": "echo", "params": {"message": 3}}),
        '{"mission": "echo", "mission": "echo"}',
        "",
        json.dumps({"mission": "echo", "params": {"message": "still running"}}),
    ])
    code, results, _ = batch(lines, jobs=2)
    assert code == EXIT_FINDINGS
    errors = {r["line"]: r["error"] for r in results if r["status"] == "error"}
    assert sorted(errors) == list(range(1, 11))
    assert errors[1].startswith("line 1, column 1: invalid JSON")
    assert "expected a JSON object" in errors[2]
    assert "`mission` must be" in errors[3]
    assert "unknown key `colour`" in errors[4]
    assert "`params` must be a JSON object" in errors[5]
    assert "neither a file nor a registered mission" in errors[6]
    assert "does not compile" in errors[7] and "broken.mission:1:" in errors[7]
    assert "no such file" in errors[8]
    assert "param `message`" in errors[9]
    assert "appears twice" in errors[10]
    assert results[-1]["line"] == 12 and results[-1]["status"] == "succeeded"
    assert all("Traceback" not in line for line in errors.values())


def test_a_waiting_run_exits_3_when_nothing_failed(tmp_path: Path) -> None:
    lines = write_lines(tmp_path / "runs.jsonl", [json.dumps(REQUESTS[3]), json.dumps(REQUESTS[0])])
    code, results, _ = batch(lines, jobs=2)
    assert code == EXIT_WAITING
    assert results[0]["result"]["waiting_step_id"] == "confirm_priorities"


def batch_command(lines: Path) -> list[str]:
    """`mission run --batch` in a process of its own, as a user runs it."""
    return [sys.executable, "-m", "mission", "run", "--batch", str(lines), "--jobs", "2"]


def test_piped_stderr_gets_no_progress_bar(tmp_path: Path) -> None:
    lines = write_lines(tmp_path / "runs.jsonl", [json.dumps(REQUESTS[0])] * 30)
    completed = subprocess.run(batch_command(lines), cwd=ROOT,
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == EXIT_OK
    assert completed.stderr == "mission run --batch: 30 lines: 30 succeeded\n"  # only the tally
    assert len(completed.stdout.splitlines()) == 30


def read_all(descriptor: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 4096)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_a_terminal_stderr_gets_a_progress_bar_that_is_erased(tmp_path: Path) -> None:
    lines = write_lines(tmp_path / "runs.jsonl", [json.dumps(REQUESTS[0])] * 30)
    leader, follower = pty.openpty()
    with subprocess.Popen(batch_command(lines), cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=follower, text=True,
                          env={**os.environ, "TERM": "xterm"}) as process:
        os.close(follower)
        stdout, _ = process.communicate(timeout=120)
        terminal = read_all(leader)
    os.close(leader)
    assert process.returncode == EXIT_OK
    assert "mission run --batch [" in terminal and "30/30" in terminal
    # erased, then the tally: the prompt comes back on a clean line
    assert terminal.endswith("\r\x1b[2Kmission run --batch: 30 lines: 30 succeeded\r\n")
    assert len(stdout.splitlines()) == 30 and "\x1b" not in stdout


@pytest.mark.parametrize("term", ["dumb", "xterm"])
def test_progress_draws_only_on_a_capable_terminal(term: str, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    monkeypatch.setenv("TERM", term)
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as stream, Progress(3, "work", stream) as progress:
        for _ in range(3):
            progress.advance()
    drawn = read_all(leader)
    os.close(leader)
    assert ("work [" in drawn) == (term == "xterm")


def test_without_jobs_the_workers_follow_the_amount_of_work() -> None:
    from mission.batch import LINES_PER_WORKER, default_jobs, workers_for

    assert workers_for(0, None) == workers_for(LINES_PER_WORKER - 1, None) == 1
    assert workers_for(2 * LINES_PER_WORKER, None) == min(2, default_jobs())
    assert workers_for(10**6, None) == default_jobs()
    assert workers_for(3, 2) == 2  # asked for: the pool runs even three lines (tested above)
