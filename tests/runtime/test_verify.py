"""Run records and verification by replay: every edit is detected and named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from runtime.records import RecordError, RunRecord, integrity, receipt_file_data
from runtime.verify import verify
from tests.runtime.builders import step, workflow
from tests.runtime.records_fixtures import PLAN, record_of


def test_records_round_trip_and_replay_for_every_status() -> None:
    waiting = record_of()
    assert waiting.status == "waiting" and waiting.waiting_step_id == "approve"
    done = record_of({"approve": "yes", "note": "fine"})
    assert done.status == "succeeded" and done.final_state["log"] == [{"count": 3,
                                                                       "note": "fine"}]
    declined = record_of({"approve": "no"})
    assert declined.receipt["skipped"] == ["note", "log"]
    failing = workflow(step("a", "fail", {"reason": "no"}))
    failed = record_of(flow=failing, params={})
    assert failed.status == "failed"
    for record in (waiting, done, declined, failed):
        assert RunRecord.from_json(record.to_json()) == record
        flow = PLAN if record is not failed else failing
        assert verify(record, flow) == []


def test_a_stored_workflow_is_checked_against_its_hash() -> None:
    record = record_of()
    assert record.stored_workflow().to_dict() == PLAN.to_dict()
    edited = copy.deepcopy(record.to_json())
    edited["workflow"]["steps"][0]["payload"]["args"]["by"] = 5
    with pytest.raises(RecordError, match="`workflow` does not match `workflow_hash`"):
        RunRecord.from_json(edited).stored_workflow()


@pytest.mark.parametrize(("data", "words"), [
    ([], "a run record is a JSON object"),
    ({"format": "mission-run/0"},
     "`format` must be 'mission-run/3' (or an older 'mission-run/2' or 'mission-run/1')"),
    ({"format": "mission-run/1", "extra": 1}, "unknown field `extra`"),
    ({"format": "mission-run/1"}, "the field `mission` is missing"),
])
def test_malformed_records_are_refused_naming_the_field(data: Any, words: str) -> None:
    with pytest.raises(RecordError) as raised:
        RunRecord.from_json(data)
    assert words in str(raised.value)


def test_mistyped_fields_are_named() -> None:
    data = record_of().to_json()
    for field, value, words in (("answers", [], "`answers` must be map, found a list"),
                                ("status", "done", "`status` must be one of succeeded"),
                                ("params", "x", "`params` must be map or null")):
        with pytest.raises(RecordError, match=words):
            RunRecord.from_json({**data, field: value})


def edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit of one value in a record's JSON, by dotted path (`[n]` for list items)."""
    def apply(data: dict[str, Any]) -> None:
        keys: list[Any] = []
        for part in path.split("."):
            name, _, index = part.partition("[")
            keys.append(name)
            if index:
                keys.append(int(index.rstrip("]")))
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return apply


@pytest.mark.parametrize(("change", "named"), [
    (edit("answers.note", "finE"), ["answers", "final_state.log[0].note", "final_state.note"]),
    (edit("answers.approve", False), ["answers", "final_state.approved"]),
    (edit("journal.discover.result.count", 3), ["journal", "replay"]),
    (edit("journal.discover.request.target", "src"), ["journal", "replay"]),
    (edit("initial_state.count", 2), ["initial_state"]),
    (edit("params.by", 3), ["params"]),
    (edit("final_state.count", 4), ["final_state", "final_state.count"]),
    (edit("receipt.digest", "0" * 64), ["receipt.digest"]),
    (edit("receipt.chain[2].link", "0" * 64), ["receipt.chain[2]"]),
    (edit("receipt.skipped", ["note"]), ["receipt.skipped"]),
    (edit("status", "failed"), ["status"]),
    (edit("error_message", "Step 'x' failed"), ["error_message"]),
    (edit("question", {"prompt": "Go?"}), ["question"]),
])
def test_every_edit_is_detected_and_named(change: Callable[[dict[str, Any]], None],
                                          named: list[str]) -> None:
    data = record_of({"approve": "yes", "note": "fine"}).to_json()
    change(data)
    found = verify(RunRecord.from_json(data), PLAN)
    assert found, "the edit went unnoticed"
    whats = [mismatch.what for mismatch in found]
    assert whats[0] in named, found
    assert all(str(mismatch).startswith(mismatch.what + ": ") for mismatch in found)


def test_an_edited_journal_is_named_with_the_step() -> None:
    data = record_of({"approve": "yes", "note": "ok"}).to_json()
    data["journal"]["discover"]["request"]["target"] = "src"
    found = verify(RunRecord.from_json(data), PLAN)
    assert any("Step 'discover': the journal recorded the effect 'discover_tests' for the "
               "request {'target': 'src'}" in mismatch.detail for mismatch in found), found


def test_another_workflow_is_named() -> None:
    other = workflow(*PLAN.steps[:4], params=PLAN.metadata["declarations"]["params"])
    found = verify(record_of(), other)
    assert [m.what for m in found] == ["workflow"]
    assert "the workflow given hashes to" in found[0].detail


def test_receipt_files_carry_an_integrity_hash_over_every_field() -> None:
    data = receipt_file_data(record_of({"approve": "yes", "note": "ok"}))
    assert "workflow" not in data and data["integrity"] == integrity(data)
    edited = {**data, "mission": "other.mission"}
    assert edited["integrity"] != integrity(edited)
    record = RunRecord.from_json(data)
    assert record.workflow is None and verify(record, PLAN) == []


def test_waiting_runs_keep_the_state_so_far_and_the_question() -> None:
    record = record_of()
    assert record.final_state == {"count": 3, "found": {"target": "tests", "count": 2,
                                                        "files": ["t/test_a.py", "t/test_b.py"]}}
    assert record.question is not None and record.question["show"]["count"] == 2
    assert record.journal["discover"]["request"] == {"target": "tests"}
