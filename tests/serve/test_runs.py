"""The server's run service and accounts on a real SQLite store (no web server yet)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from compiler import compile_source
from mission.accounts import Accounts
from mission.acting import FixedClock
from mission.advance import Refusal
from mission.serve.catalogue import Mission
from mission.serve.runs import Runs
from runtime.verify import verify

SOURCE = """mission release "Release" {
    version 1

    human sign_off "Sign off" by release_managers {
        confirm("Ship it?") -> state.approved
    }
}
"""


def setup(tmp_path: Path) -> tuple[Runs, Accounts]:
    workflow = compile_source(SOURCE, "release.mission").workflow
    assert workflow is not None
    accounts = Accounts(tmp_path / "serve.sqlite3")
    accounts.add_user("alice", "correct horse", ["release_managers"])
    accounts.add_user("bob", "battery staple", ["release_managers"])
    accounts.add_user("eve", "pass word", ["others"])
    accounts.allow_start("release_managers", "release")
    accounts.allow_start("others", "release")
    return Runs(tmp_path / "runs.sqlite3", {"release": Mission("release", workflow, None)},
                FixedClock("2026-12-01T09:00:00+00:00")), accounts


def test_two_people_answering_at_once_one_is_accepted(tmp_path: Path) -> None:
    runs, accounts = setup(tmp_path)
    alice, bob = accounts.user("alice"), accounts.user("bob")
    assert alice is not None and bob is not None
    run_id, record = runs.start(alice, accounts, "release", {}, {})
    assert record.status == "waiting"
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def answer(user_name: str) -> None:
        user = accounts.user(user_name)
        assert user is not None
        barrier.wait()
        try:
            runs.answer(user, Accounts(tmp_path / "serve.sqlite3"), run_id, "sign_off", "yes")
            outcomes.append("accepted")
        except Refusal as refusal:
            outcomes.append(f"{refusal.status}: {refusal.message}")

    threads = [threading.Thread(target=answer, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("accepted") == 1
    refused = next(outcome for outcome in outcomes if outcome != "accepted")
    assert refused.startswith("409: step `sign_off` of run 1 was already answered by ")
    stored = runs.load(run_id).record
    assert stored.status == "succeeded"
    assert list(stored.answered_by) == ["sign_off"]
    assert stored.receipt["answered_by"] == stored.answered_by
    assert verify(stored, stored.stored_workflow()) == []


def test_someone_outside_the_group_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    runs, accounts = setup(tmp_path)
    eve = accounts.user("eve")
    assert eve is not None
    run_id, _ = runs.start(eve, accounts, "release", {}, {})
    with pytest.raises(Refusal) as refused:
        runs.answer(eve, accounts, run_id, "sign_off", "yes")
    assert refused.value.status == 403
    assert runs.load(run_id).record.status == "waiting"


def test_a_bad_answer_gets_the_engines_message_and_changes_nothing(tmp_path: Path) -> None:
    runs, accounts = setup(tmp_path)
    alice = accounts.user("alice")
    assert alice is not None
    run_id, _ = runs.start(alice, accounts, "release", {}, {})
    with pytest.raises(Refusal) as refused:
        runs.answer(alice, accounts, run_id, "sign_off", "maybe")
    assert refused.value.status == 422
    assert "answer yes or no" in refused.value.message
    assert runs.load(run_id).version == 1


def test_an_edited_answerer_is_caught_by_verify(tmp_path: Path) -> None:
    import dataclasses

    runs, accounts = setup(tmp_path)
    alice = accounts.user("alice")
    assert alice is not None
    run_id, _ = runs.start(alice, accounts, "release", {}, {})
    record = runs.answer(alice, accounts, run_id, "sign_off", "yes")
    forged = dataclasses.replace(record, answered_by={"sign_off": "bob"})
    assert verify(forged, forged.stored_workflow()) != []


def test_passwords_are_hashed_and_failed_sign_ins_are_limited(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "serve.sqlite3")
    accounts.add_user("alice", "correct horse", [])
    assert b"correct horse" not in (tmp_path / "serve.sqlite3").read_bytes()
    assert accounts.check_password("alice", "correct horse") is not None
    assert accounts.check_password("alice", "wrong") is None
    keys = ["user:alice", "ip:127.0.0.1"]
    for _ in range(5):
        accounts.record_failure(keys, now=1000.0)
    assert accounts.locked_out(keys, now=1001.0)
    assert not accounts.locked_out(keys, now=1400.0)
    # an address, which many people may share, has a higher limit than a name
    assert not accounts.locked_out(["ip:127.0.0.1"], now=1001.0)
    for _ in range(15):
        accounts.record_failure(["ip:127.0.0.1"], now=1000.0)
    assert accounts.locked_out(["ip:127.0.0.1"], now=1001.0)
