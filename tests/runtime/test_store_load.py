"""The run store under load: real processes on one store (a SQLite file, a PostgreSQL
database: the same test on each), one of them SIGKILLed again and again; afterwards
nothing acknowledged is lost, nothing is corrupt, nothing ran twice.

Eight processes each store 100 waiting runs and answer them (`store_worker.py`: the CLI's
own `mission run` and `mission resume`), each also trying to resume its neighbours' runs so
that resumers collide; a ninth does the same work and is killed with SIGKILL at random
moments, then started again, until the eight are done. MISSION_KILL_SEED picks another
schedule of kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from runtime.store_api import open_store
from tests.conftest import ROOT, run_cli
from tests.runtime.store_worker import call

WORKERS = 8
RUNS = 100
MISSION = """mission load "One question, then a note" {
    version 1

    param n: int = 0

    human ask "Go on?" {
        confirm("Go on?") -> state.ok
    }

    runtime note "Note the answer" when state.ok {
        set(at: state.noted, value: param.n)
    }
}
"""


def start(store: str, workflow: Path, runs: int, seed: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.runtime.store_worker", store, str(workflow),
         str(runs), str(seed)], cwd=ROOT, text=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_many_processes_and_sigkill_lose_nothing_and_never_resume_twice(
        tmp_path: Path, store_url: str) -> None:
    source, workflow, store = tmp_path / "load.mission", tmp_path / "load.json", store_url
    source.write_text(MISSION, encoding="utf-8")
    assert run_cli("compile", str(source), "-o", str(workflow)).returncode == 0
    chance = random.Random(os.environ.get("MISSION_KILL_SEED", "7"))
    workers = [start(store, workflow, RUNS, seed) for seed in range(1, WORKERS + 1)]
    lines: list[str] = []
    kills = 0
    victim_seed = 1000
    while any(worker.poll() is None for worker in workers):
        victim = start(store, workflow, 100_000, victim_seed)
        victim_seed += 1
        time.sleep(chance.uniform(0.05, 0.6))
        if victim.poll() is None:
            victim.send_signal(signal.SIGKILL)
            kills += 1
        victim.wait(timeout=60)
        assert victim.stdout is not None
        lines += victim.stdout.read().splitlines()
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err[-2000:]
        lines += out.splitlines()

    events = [line.split() for line in lines]
    assert [line for line in lines if line.startswith("error")] == []
    stored = {int(event[1]) for event in events if event[0] == "stored"}
    answered = [(int(event[1]), event[2] == "yes") for event in events if event[0] == "answered"]
    assert len(stored) >= WORKERS * RUNS and kills >= 3
    twice = [run_id for run_id, count in Counter(run_id for run_id, _ in answered).items()
             if count > 1]
    assert twice == [], "a run was resumed twice"

    with open_store(store) as opened:
        assert opened.integrity_check() == "ok"
        listing = opened.list()
        assert [item for item in listing if item.problem is not None] == []
        assert stored <= {item.run_id for item in listing}, "an acknowledged run was lost"
        records = {item.run_id: opened.load(item.run_id) for item in listing}
    for run_id, answer in answered:
        assert records[run_id].record.status == "succeeded"
        assert records[run_id].record.answers == {"ask": answer}, "an answer was lost"
    for stored_run in records.values():
        assert stored_run.record.status in ("waiting", "succeeded")
        # Created at version 1, finished at version 2: never continued twice.
        assert stored_run.version == (2 if stored_run.record.status == "succeeded" else 1)
    waiting = [run_id for run_id, item in records.items() if item.record.status == "waiting"]
    for run_id in waiting:  # every run that is not complete can still be resumed
        code, _, err = call("resume", str(run_id), "--store", store, "--answer", "ask=yes")
        assert code == 0, err
