"""`mission verify`: receipt files and stored runs are replayed; every edit is named."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from runtime.orchestration.canonical import canonical_json
from runtime.orchestration.engine import Orchestrator
from runtime.orchestration.model import WorkflowDefinition
from runtime.orchestration.registry import MISSION_REGISTRY
from runtime.records import UNSEALED_FORMAT, RunRecord, integrity, receipt_file_data
from tests.conftest import run_cli

DAILY = ("examples/daily_loop.mission", "--param", "today=2026-11-24",
         "--state", "examples/tasks.json")


@pytest.fixture
def receipt(tmp_path: Path) -> Path:
    path = tmp_path / "receipt.json"
    done = run_cli("run", *DAILY, "--answer", "confirm_priorities=yes", "--receipt", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_a_receipt_file_verifies_against_the_file_or_the_registered_name(receipt: Path) -> None:
    data = json.loads(receipt.read_text(encoding="utf-8"))
    assert data["format"] == "mission-run/3" and data["integrity"] == integrity(data)
    assert data["answers"] == {"confirm_priorities": True}
    for workflow in ("examples/daily_loop.mission", "daily_loop"):
        done = run_cli("verify", str(receipt), "--workflow", workflow)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "verified: the replay gives the recorded result and receipt (status succeeded" \
            in done.stdout


def test_a_receipt_file_needs_its_workflow(receipt: Path) -> None:
    done = run_cli("verify", str(receipt))
    assert done.returncode == 2 and "needs --workflow FILE_OR_NAME" in done.stderr
    other = run_cli("verify", str(receipt), "--workflow", "echo", "--json")
    assert other.returncode == 1
    verdict = json.loads(other.stdout)
    assert verdict["verified"] is False and verdict["differences"][0]["what"] == "workflow"


def rewrite(path: Path, change: Any, keep_integrity: bool = False) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    if keep_integrity:
        data["integrity"] = integrity(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


@pytest.mark.parametrize(("change", "first"), [
    (lambda d: d["answers"].update(confirm_priorities=False), "answers"),
    (lambda d: d["initial_state"]["tasks"][0].update(title="Write the report"), "initial_state"),
    (lambda d: d["params"].update(top_n=2), "params"),
    (lambda d: d["final_state"]["summary"].update(open=5), "final_state"),
    (lambda d: d["receipt"]["chain"][1].update(link="0" * 64), "receipt.chain[1]"),
    (lambda d: d["receipt"].update(status="failed"), "receipt.status"),
    # the name the record gives the run is under the digest too (issue 15)
    (lambda d: d.update(mission="examples/release_checklist.mission"), "receipt.digest"),
])
def test_an_edit_is_detected_and_named(receipt: Path, change: Any, first: str) -> None:
    for keep in (False, True):  # also when the editor recomputes the file's integrity hash
        rewrite(receipt, change, keep_integrity=keep)
        done = run_cli("verify", str(receipt), "--workflow", "daily_loop")
        assert done.returncode == 1, done.stdout
        lines = done.stdout.splitlines()
        assert "NOT verified" in lines[0]
        named = [line.split(":")[0].strip() for line in lines[1:]]
        if keep:
            assert named[0] == first, done.stdout
        else:
            assert named[0] == "record" and first in named, done.stdout


def test_a_stored_run_verifies_by_id_and_an_edited_one_does_not(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite3")
    assert run_cli("run", *DAILY, "--store", store).returncode == 3
    waiting = run_cli("verify", "1", "--store", store)
    assert waiting.returncode == 0 and "status waiting" in waiting.stdout
    receipt = tmp_path / "resumed.json"
    assert run_cli("resume", "1", "--store", store, "--answer", "confirm_priorities=y",
                   "--receipt", str(receipt)).returncode == 0
    assert run_cli("verify", str(receipt), "--workflow", "daily_loop").returncode == 0
    done = run_cli("verify", "1", "--store", store, "--workflow", "examples/daily_loop.mission")
    assert done.returncode == 0 and "status succeeded" in done.stdout
    database = sqlite3.connect(store)
    text = database.execute("SELECT record FROM runs").fetchone()[0]
    database.execute("UPDATE runs SET record = ?", (text.replace('"open":4', '"open":5'),))
    database.commit()
    database.close()
    assert '"open":4' in text
    edited = run_cli("verify", "1", "--store", store)
    assert edited.returncode == 1
    assert "record: run 1 in" in edited.stdout and "integrity hash does not match" in \
        edited.stdout
    missing = run_cli("verify", "2", "--store", store)
    assert missing.returncode == 2 and "there is no run 2" in missing.stderr


def test_what_is_neither_a_file_nor_an_id_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("verify", "nothing.json", "--store", str(tmp_path / "s.sqlite3"))
    assert done.returncode == 2 and "is neither a receipt file nor a run id" in done.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert run_cli("verify", str(broken), "--workflow", "echo").returncode == 1  # damaged
    wrong = tmp_path / "wrong.json"
    wrong.write_text(canonical_json({"format": "mission-run/1"}), encoding="utf-8")
    done = run_cli("verify", str(wrong), "--workflow", "echo")
    assert done.returncode == 1 and "not a valid run record: the field `mission` is missing" in \
        done.stdout


def test_a_receipt_that_is_not_json_is_a_damaged_record_exit_1(tmp_path: Path) -> None:
    # Issue 15: it exited 2 (a usage error) where docs/runtime.md says 1.
    for name, content in (("text.json", b"not json"), ("binary.json", b"\xff\xfe{")):
        receipt = tmp_path / name
        receipt.write_bytes(content)
        result = run_cli("verify", str(receipt), "--workflow", "echo")
        assert result.returncode == 1, result.stderr
        assert "NOT verified: 1 difference" in result.stdout
        assert "record: not a run record:" in result.stdout


def record_workflow() -> WorkflowDefinition:
    return MISSION_REGISTRY["daily_loop"](None)


def test_an_older_record_whose_digest_does_not_cover_the_name_still_verifies(
        receipt: Path) -> None:
    # Format 1 receipts were written before the digest covered `mission`: they are told
    # apart by their `format`, still verify, and `verify` says what they do not cover.
    data = json.loads(receipt.read_text(encoding="utf-8"))
    record = RunRecord.from_json(data)
    untimed = dataclasses.replace(record, format=UNSEALED_FORMAT, events=[], started_at=None,
                                  started_by=None)
    result = Orchestrator().run_workflow(record_workflow(), untimed.context())
    old = dataclasses.replace(untimed, receipt=result.receipt)
    receipt.write_text(canonical_json(receipt_file_data(old)), encoding="utf-8")
    done = run_cli("verify", str(receipt), "--workflow", "daily_loop")
    assert done.returncode == 0, done.stdout
    assert "an older record (mission-run/1): its digest does not cover the name it gives " \
        "the mission ('examples/daily_loop.mission')" in done.stdout
    rewrite(receipt, lambda d: d.update(format="mission-run/2"), keep_integrity=True)
    assert run_cli("verify", str(receipt), "--workflow", "daily_loop").returncode == 1
