"""Replay tests: recorded runs (receipt files, stored runs) replayed on the mission as it is
now, failing at the step where a change makes them part ways."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT, run_cli


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("budget_guard.mission", "expenses.json", "expense_approval.mission"):
        shutil.copy(ROOT / "examples" / name, project / name)
    return project


def test_a_receipt_replays_until_the_mission_changes_what_it_did(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "runs").mkdir()
    ran = run_cli("run", "budget_guard.mission", "--param", "budget=1000", "--param",
                  "planned=100", "--state", "expenses.json", "--receipt", "runs/first.json",
                  "--no-store", cwd=project)
    assert ran.returncode == 0, ran.stderr
    (project / "budget_guard_test.mission").write_text(
        'tests "budget_guard.mission" {\n    replay "runs/*.json"\n}\n', encoding="utf-8")
    same = run_cli("test", ".", cwd=project)
    assert same.returncode == 0, same.stdout
    assert "budget_guard_test.mission ." in same.stdout
    mission = project / "budget_guard.mission"
    mission.write_text(mission.read_text(encoding="utf-8").replace(
        "param margin: float = 0.1", "param margin: float = 0.5"), encoding="utf-8")
    changed = run_cli("test", ".", cwd=project)
    assert changed.returncode == 1
    out = changed.stdout
    assert "budget_guard_test.mission::replay runs/first.json" in out
    assert "failed: at step `verdict`: it changes the state differently than the recorded " \
           "run did" in out
    assert "the recorded run: succeeded; the replay: failed at `stop`" in out
    assert '-    "status": "ok"' in out and '+    "status": "over"' in out


def test_an_edited_receipt_is_an_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run_cli("run", "budget_guard.mission", "--param", "budget=1000", "--state",
            "expenses.json", "--receipt", "first.json", "--no-store", cwd=project)
    receipt = project / "first.json"
    receipt.write_text(receipt.read_text(encoding="utf-8").replace('"ok"', '"over"'),
                       encoding="utf-8")
    (project / "budget_guard_test.mission").write_text(
        'tests "budget_guard.mission" {\n    replay "first.json"\n}\n', encoding="utf-8")
    done = run_cli("test", ".", cwd=project)
    assert done.returncode == 1
    assert "error: cannot read the receipt: " in done.stdout
    assert "was edited after it was written" in done.stdout


def test_the_waiting_runs_of_a_store_replay_on_the_mission_as_it_is_now(tmp_path: Path) -> None:
    project = _project(tmp_path)
    store = str(tmp_path / "runs.sqlite3")
    waiting = run_cli("run", "expense_approval.mission", "--param", "amount=120", "--param",
                      "purpose=Train", "--no-input", "--store", store, cwd=project)
    assert waiting.returncode == 3, waiting.stderr
    (project / "expense_approval_test.mission").write_text(
        'tests "expense_approval.mission" {\n    test "waits" {\n        param amount = 1\n'
        '        param purpose = "x"\n        expect waiting approve\n    }\n}\n',
        encoding="utf-8")
    same = run_cli("test", ".", "--replay-store", "--store", store, cwd=project)
    assert same.returncode == 0, same.stdout
    assert "expense_approval_test.mission .." in same.stdout
    mission = project / "expense_approval.mission"
    mission.write_text(mission.read_text(encoding="utf-8").replace(
        'human approve "Two', 'human approval "Two').replace(
        "-> state.approved", "-> state.approved"), encoding="utf-8")
    (project / "expense_approval_test.mission").write_text(
        (project / "expense_approval_test.mission").read_text().replace(
            "waiting approve", "waiting approval"), encoding="utf-8")
    changed = run_cli("test", ".", "--replay-store", "--store", store, cwd=project,
                      env={"COLUMNS": "200"})
    assert changed.returncode == 1, changed.stdout
    assert "expense_approval_test.mission::replay run 1" in changed.stdout
    assert "failed: at step 2: the recorded run reached `approve`, the replay reaches " \
           "`approval`" in changed.stdout
