"""The timer service on real stores and real processes: several `mission tick`s at once
fire each deadline and send each reminder once, and SIGKILL in the middle of a firing
leaves a deadline fired once or not at all, never twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.records import RunRecord
from runtime.store_api import open_store
from tests.conftest import ROOT
from tests.runtime.builders import step, workflow

DAY = 86400
STARTED = "2026-12-01T09:00:00+00:00"
REMIND = "2026-12-02T08:30:00+00:00"  # every first reminder is due, no deadline yet
NOW = "2026-12-02T09:00:00+00:00"  # every first deadline is due
RUNS = 12


def escalating() -> Any:
    ask = step("approve", "confirm", {"prompt": {"lit": "Pay it?"}}, output="state.ok",
               kind="human")
    ask.payload.update({"answered_by": "managers", "remind_before": 3600,
                        "deadlines": [{"after": DAY, "escalate": "directors"},
                                      {"after": DAY, "answer": False}]})
    return workflow(ask)


def fill(location: str) -> None:
    flow = escalating()
    context = ExecutionContext(started={"at": STARTED, "by": "sam"})
    record = RunRecord.of("approval", flow, context, Orchestrator().run_workflow(flow, context),
                          keep_workflow=True)
    with open_store(location) as store:
        for _ in range(RUNS):
            store.create(record)


def tick(location: str, now: str = NOW) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mission", "tick", "--store", location],
                            cwd=ROOT, env={**os.environ, "MISSION_NOW": now},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def fired_once(location: str) -> None:
    """Each run fired its first deadline exactly once, and waits on the escalated stage."""
    with open_store(location) as store:
        for item in store.list():
            assert item.problem is None, item
            record = store.load(item.run_id).record
            deadlines = [event for event in record.events if event["kind"] == "deadline"]
            assert [(event["stage"], event["at"]) for event in deadlines] == [(0, NOW)], \
                (item.run_id, record.events)
            assert record.question is not None and record.question["group"] == "directors"


def test_ticks_at_once_fire_each_deadline_and_reminder_once(store_url: str) -> None:
    fill(store_url)
    lines = []
    for now in (REMIND, NOW):
        processes = [tick(store_url, now) for _ in range(3)]
        outputs = [process.communicate(timeout=120) for process in processes]
        assert [process.returncode for process in processes] == [0, 0, 0], outputs
        lines += [line for out, _ in outputs for line in out.splitlines()]
    assert sum("reminder:" in line for line in lines) == RUNS, lines
    assert sum("moved the question to directors" in line for line in lines) == RUNS, lines
    fired_once(store_url)
    assert tick(store_url).communicate(timeout=60)[0] == ""  # nothing is due any more


def test_sigkill_during_firing_fires_once_or_not_at_all(tmp_path: Path) -> None:
    location = str(tmp_path / "runs.sqlite3")
    fill(location)
    chance = random.Random(os.environ.get("MISSION_KILL_SEED", "5"))
    for _ in range(8):
        process = tick(location)
        time.sleep(chance.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    finished = tick(location)
    assert finished.communicate(timeout=120)[1] == "" and finished.returncode == 0
    fired_once(location)
    with open_store(location) as store:
        assert store.integrity_check() == "ok"
