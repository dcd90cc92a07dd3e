"""`mission resume`: one resumer at a time, tampered records refused, and SIGKILL loses nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime.orchestration import Orchestrator
from runtime.store import RunStore
from tests.conftest import ROOT, run_cli

STEP = "confirm_priorities"


@pytest.fixture
def compiled(tmp_path: Path) -> Path:
    """daily_loop compiled once, so the processes below start without the parser."""
    path = tmp_path / "daily.json"
    assert run_cli("compile", "examples/daily_loop.mission", "-o", str(path)).returncode == 0
    return path


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mission", *args], cwd=ROOT, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def waiting_run(compiled: Path, store: Path) -> list[str]:
    return ["run", str(compiled), "--param", "today=2026-11-24", "--state",
            str(ROOT / "examples" / "tasks.json"), "--store", str(store), "--json"]


def test_resume_refuses_what_it_cannot_continue(compiled: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite3")
    assert run_cli(*waiting_run(compiled, Path(store))).returncode == 3
    for args, words in (
        (["nine"], "a run id is a positive whole number (see `mission runs`), not 'nine'"),
        (["7"], "there is no run 7 in"),
    ):
        done = run_cli("resume", *args, "--store", store, "--answer", f"{STEP}=yes")
        assert done.returncode == 2 and words in done.stderr, done.stderr
    assert run_cli("resume", "1", "--store", store, "--answer", f"{STEP}=yes").returncode == 0
    again = run_cli("resume", "1", "--store", store, "--answer", f"{STEP}=no")
    assert again.returncode == 2
    assert "run 1 is not waiting for an answer: it succeeded at " in again.stderr


def test_a_tampered_record_is_refused_and_nothing_runs(compiled: Path, tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    assert run_cli(*waiting_run(compiled, store)).returncode == 3
    database = sqlite3.connect(store)
    database.execute("UPDATE runs SET record = replace(record, '\"top_n\"', '\"top_m\"')")
    database.commit()
    database.close()
    done = run_cli("resume", "1", "--store", str(store), "--answer", f"{STEP}=yes")
    assert done.returncode == 2
    assert "run 1 in " in done.stderr and "was changed outside mission or is damaged (its " \
        "integrity hash does not match); refusing to use it" in done.stderr
    listed = run_cli("runs", "--store", str(store), "--json")
    assert json.loads(listed.stdout)[0]["status"] == "damaged"


def test_concurrent_resumes_of_one_run_let_exactly_one_proceed(compiled: Path,
                                                               tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    assert run_cli(*waiting_run(compiled, store)).returncode == 3
    processes = [start("resume", "1", "--store", str(store), "--answer", f"{STEP}=yes")
                 for _ in range(4)]
    outcomes = [(process.wait(timeout=60), process.stderr.read()) for process in processes
                if process.stderr is not None]
    assert sorted(code for code, _ in outcomes) == [0, 2, 2, 2], outcomes
    for code, message in outcomes:
        if code == 2:
            assert ("is being resumed by another process right now" in message
                    or "is not waiting for an answer: it succeeded" in message), message
    with RunStore(store) as opened:
        stored = opened.load(1)
        assert (stored.version, stored.record.status) == (2, "succeeded")


def test_sigkill_at_random_moments_loses_no_answer_and_corrupts_nothing(
        compiled: Path, tmp_path: Path) -> None:
    """Runs are stored and resumed by real processes, some killed with SIGKILL at random
    moments; afterwards every answer that was acknowledged is in the store, every run loads,
    and every run is either complete or can still be resumed. MISSION_KILL_SEED picks
    another schedule of kills."""
    store = tmp_path / "runs.sqlite3"
    chance = random.Random(os.environ.get("MISSION_KILL_SEED", "4"))
    acknowledged_runs: set[int] = set()
    acknowledged_answers: dict[int, bool] = {}
    killed = 0
    running: list[tuple[subprocess.Popen[str], float, tuple[str, int | None, bool]]] = []
    started = 0
    while started < 30 or running:
        while started < 30 and len(running) < 4:
            candidates = sorted(acknowledged_runs - set(acknowledged_answers))
            if candidates and chance.random() < 0.6:
                run_id, answer = chance.choice(candidates), chance.random() < 0.5
                process = start("resume", str(run_id), "--store", str(store), "--answer",
                                f"{STEP}={'yes' if answer else 'no'}")
                action: tuple[str, int | None, bool] = ("resume", run_id, answer)
            else:
                process = start(*waiting_run(compiled, store))
                action = ("run", None, False)
            # Half the processes are killed at a random moment, the others run to the end
            # (so that, however slow the machine, some runs and answers are acknowledged).
            kill_at = time.monotonic() + chance.uniform(0.02, 0.5) if chance.random() < 0.5 \
                else float("inf")
            running.append((process, kill_at, action))
            started += 1
        time.sleep(0.01)
        for entry in list(running):
            process, kill_at, (kind, resumed_id, answer) = entry
            if process.poll() is None and time.monotonic() < kill_at:
                continue
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                killed += 1
            code = process.wait(timeout=60)
            output = process.stdout.read() if process.stdout else ""
            running.remove(entry)
            if kind == "run" and code == 3:
                acknowledged_runs.add(json.loads(output)["run_id"])
            elif kind == "resume" and code == 0:
                assert resumed_id is not None
                acknowledged_answers[resumed_id] = answer
    assert killed > 0 and acknowledged_runs, "the test did not exercise anything"
    with RunStore(store) as opened:
        assert opened.integrity_check() == "ok"
        listing = opened.list()
        assert all(item.problem is None for item in listing), listing
        assert acknowledged_runs <= {item.run_id for item in listing}
        for item in listing:
            record = opened.load(item.run_id).record
            assert record.status in ("waiting", "succeeded")
            if item.run_id in acknowledged_answers:
                assert record.status == "succeeded"
                assert record.answers == {STEP: acknowledged_answers[item.run_id]}
            if record.status == "waiting":  # it can still be resumed
                context = record.context(answers={STEP: True})
                resumed = Orchestrator().run_workflow(record.stored_workflow(), context)
                assert resumed.status == "succeeded"
