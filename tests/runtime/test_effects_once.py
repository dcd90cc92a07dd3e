"""No effect runs twice, and none outlives the process that started it (issue 20, item 3).

`mission resume` (and a fresh `mission run`) killed with SIGKILL while a project effect
runs, on SQLite and on PostgreSQL: the effect's process dies with it, the run is stored
failed with a message saying the effect may or may not have taken place, and nothing
starts the effect again (`mission/keeping.py`, `runtime/child_guard.py`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

CONFIG = """[operations.deploy]
kind = "effect"
params = { name = "str" }
result = "str"
timeout = 300
implementation = "deploy_ops:deploy"
"""

CODE = """import os
import time


def deploy(name):
    with open("deploys.txt", "a") as file:
        file.write(f"{name} {os.getpid()}\\n")
    time.sleep(120)
    return name
"""

WAITING = """mission ship "Ship after a yes" {
    version 1
    human approve "Approve" { confirm("Ship?") -> state.ok }
    runtime go "Deploy" when state.ok { deploy(name: "after") -> state.done }
}
"""

AT_ONCE = """mission ship_now "Ship at once" {
    version 1
    runtime go "Deploy" { deploy(name: "at-once") -> state.done }
}
"""

CUT_OFF = ("the effect `deploy` was started and its outcome was never recorded (the process "
           "running it stopped before it returned): it may or may not have taken place, so "
           "it is not run again")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mission.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "deploy_ops.py").write_text(CODE, encoding="utf-8")
    (tmp_path / "ship.mission").write_text(WAITING, encoding="utf-8")
    (tmp_path / "ship_now.mission").write_text(AT_ONCE, encoding="utf-8")
    return tmp_path


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie nobody reaped yet has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def kill_during_the_effect(project: Path, *args: str) -> int:
    """Start `mission ARGS`, SIGKILL it once the effect has started; the effect's pid."""
    deploys = project / "deploys.txt"
    before = deploys.read_text().count("\n") if deploys.exists() else 0
    process = subprocess.Popen([sys.executable, "-m", "mission", *args], cwd=project,
                               env={**os.environ, "NO_COLOR": "1"}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not deploys.exists() or deploys.read_text().count("\n") == before:
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return int(deploys.read_text().splitlines()[-1].split()[1])


def stopped_soon(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # do not leave it to the machine
            return False
        time.sleep(0.05)
    return True


def runs(project: Path, store: str) -> list[dict[str, object]]:
    listed = run_cli("runs", "--json", "--store", store, cwd=project)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)  # type: ignore[no-any-return]


def test_a_killed_resume_kills_its_effect_and_never_runs_it_again(project: Path,
                                                                  store_url: str) -> None:
    assert run_cli("run", "ship.mission", "--store", store_url, cwd=project).returncode == 3
    pid = kill_during_the_effect(project, "resume", "1", "--answer", "approve=yes",
                                 "--store", store_url)
    assert stopped_soon(pid), "the effect outlived the killed `mission resume`"
    assert [(run["run_id"], run["status"]) for run in runs(project, store_url)] == [(1, "failed")]
    again = run_cli("resume", "1", "--answer", "approve=yes", "--store", store_url,
                    cwd=project)
    assert again.returncode == 2
    assert "run 1 is not waiting for an answer: it failed" in again.stderr
    assert (project / "deploys.txt").read_text().count("\n") == 1, "the effect ran twice"
    verified = run_cli("verify", "1", "--store", store_url, "--json", cwd=project)
    assert verified.returncode == 0, verified.stdout
    shown = run_cli("verify", "1", "--store", store_url, cwd=project)
    assert shown.returncode == 0
    from runtime.store_api import open_store

    with open_store(store_url) as store:
        record = store.load(1).record
    assert record.error_message == f"Step 'go' failed: {CUT_OFF}; check what it did, then " \
                                   "start a new run"
    assert record.answers == {"approve": True}


def test_a_fresh_run_killed_during_its_effect_is_stored_failed(project: Path,
                                                               store_url: str) -> None:
    """Today a fresh run is stored only if it waits: killed during its effect, it left
    nothing. Now it is stored before the effect starts."""
    pid = kill_during_the_effect(project, "run", "ship_now.mission", "--store", store_url)
    assert stopped_soon(pid)
    listed = runs(project, store_url)
    assert [(run["run_id"], run["status"], run["mission"]) for run in listed] == \
        [(1, "failed", "ship_now.mission")]


def test_a_finished_run_that_started_an_effect_stays_stored(project: Path,
                                                            store_url: str) -> None:
    code = project / "deploy_ops.py"
    code.write_text(CODE.replace("time.sleep(120)", "pass"), encoding="utf-8")
    done = run_cli("run", "ship_now.mission", "--store", store_url, cwd=project)
    assert done.returncode == 0, done.stderr
    assert "stored as run 1" in done.stdout
    assert [(run["run_id"], run["status"]) for run in runs(project, store_url)] == \
        [(1, "succeeded")]
    assert run_cli("verify", "1", "--store", store_url, cwd=project).returncode == 0


def test_once_an_effect_has_started_the_store_has_what_happened_first(project: Path,
                                                                      store_url: str) -> None:
    """A receipt that cannot be written after the effect ran must not leave the run
    stored as cut off: the outcome is stored before the receipt is written."""
    code = project / "deploy_ops.py"
    code.write_text(CODE.replace("time.sleep(120)", "pass"), encoding="utf-8")
    done = run_cli("run", "ship_now.mission", "--store", store_url, "--receipt",
                   str(project / "no" / "such" / "receipt.json"), cwd=project)
    assert done.returncode == 2 and "cannot write the receipt" in done.stderr
    assert [(run["run_id"], run["status"]) for run in runs(project, store_url)] == \
        [(1, "succeeded")]
