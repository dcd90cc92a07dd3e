"""`mission runs` and the `--store` option: listing, and stores that cannot be used."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_runs_lists_stored_runs_newest_first(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite3")
    empty = run_cli("runs", "--store", store)
    assert empty.returncode == 0 and empty.stdout.startswith("No runs in ")
    assert run_cli("run", "examples/survey.mission", "--store", store).returncode == 3
    assert run_cli("run", "examples/release_checklist.mission", "--param", "release=1.0",
                   "--store", store).returncode == 3
    assert run_cli("resume", "1", "--store", store, "--answer", "score=3").returncode == 3
    assert run_cli("resume", "1", "--store", store, "--answer", "comment=ok").returncode == 0
    table = run_cli("runs", "--store", store)
    assert table.stdout.startswith(f"Runs in {store}, newest first:\n")
    rows = [line.split() for line in table.stdout.splitlines()[1:]]
    assert rows[0] == ["ID", "STATUS", "WAITING", "ASKED", "DUE", "STARTED", "BY", "MISSION"]
    assert [(row[:3], row[-2:]) for row in rows[1:]] == [
        (["2", "waiting", "approve"], ["examples/release_checklist.mission",
                                       "(release_checklist)"]),
        (["1", "succeeded", "-"], ["examples/survey.mission", "(survey)"])]
    listed = json.loads(run_cli("runs", "--store", store, "--json").stdout)
    assert {key: listed[0][key] for key in ("run_id", "mission", "name", "status",
                                            "waiting_step_id", "problem")} == {
        "run_id": 2, "mission": "examples/release_checklist.mission",
        "name": "release_checklist", "status": "waiting", "waiting_step_id": "approve",
        "problem": None}


def test_a_file_that_is_not_a_store_is_a_usage_error(tmp_path: Path) -> None:
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("shopping list\n" * 100, encoding="utf-8")
    for command in (["runs"], ["run", "examples/survey.mission"], ["resume", "1"],
                    ["verify", "1"]):
        done = run_cli(*command, "--store", str(not_a_store))
        assert done.returncode == 2, done.stderr
        assert f"{not_a_store} is not a usable run store" in done.stderr
        assert "Traceback" not in done.stderr
    assert not_a_store.read_text(encoding="utf-8") == "shopping list\n" * 100
