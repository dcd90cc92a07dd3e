"""Time on the command line, with a virtual clock (`MISSION_NOW`): what `run`, `resume`,
`runs`, `cancel`, `tick` and `verify` record and show of who acted and when."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

ME = pwd.getpwuid(os.geteuid()).pw_name
T0 = "2026-12-01T09:00:00+00:00"
DAY = 86400

APPROVAL = """mission approval "Approve a payment" {
    version 1

    param amount: int = 100

    human approve "Approve the payment" by managers {
        confirm("Pay it?", show: param.amount) -> state.approved
    }
    runtime pay "Pay" when state.approved {
        set(at: state.paid, value: param.amount)
    }
}
"""


def compiled(tmp_path: Path, **rules: Any) -> Path:
    """The approval mission compiled, its human step given `rules` (the compiled form of
    `by N of`, `except starter`, `remind`, `after` lines), as `mission compile` writes it."""
    from compiler import compile_source
    from runtime.orchestration.canonical import canonical_json
    from runtime.orchestration.model import content_hash

    workflow = compile_source(APPROVAL, "approval.mission").workflow
    assert workflow is not None
    workflow.steps[0].payload.update(rules)
    if rules:
        workflow.metadata["schema_version"] = 2  # a human step with time rules
    workflow.metadata["content_hash"] = content_hash(workflow)
    path = tmp_path / "approval.json"
    path.write_text(canonical_json(workflow.to_dict()), encoding="utf-8")
    return path


def mission(tmp_path: Path, *args: str, now: str = T0) -> Any:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "MISSION_NOW": now, "TZ": "UTC"}
    return run_cli(*args, cwd=tmp_path, env=env)


def runs_json(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    listed = mission(tmp_path, "runs", "--json", *args)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)  # type: ignore[no-any-return]


def test_every_run_is_stored_with_when_and_by_whom_it_was_started(tmp_path: Path) -> None:
    flow = compiled(tmp_path)
    done = mission(tmp_path, "run", str(flow), "--answer", "approve=yes")
    assert done.returncode == 0, done.stderr
    assert "stored as run 1 in " in done.stdout
    assert mission(tmp_path, "run", str(flow), "--answer", "approve=no",
                   "--no-store").returncode == 0
    [row] = runs_json(tmp_path)
    assert row == {"run_id": 1, "mission": str(flow), "name": "approval",
                   "status": "succeeded", "waiting_step_id": None, "asked": None,
                   "due_at": None, "created_at": T0, "created_by": ME, "updated_at": T0,
                   "finished_at": T0, "problem": None}
    (tmp_path / "mission.toml").write_text('store-runs = "waiting"\n', encoding="utf-8")
    assert mission(tmp_path, "run", str(flow), "--answer", "approve=yes").returncode == 0
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    assert [row["run_id"] for row in runs_json(tmp_path)] == [2, 1]


def test_an_answer_records_its_time_and_verify_shows_it(tmp_path: Path) -> None:
    flow = compiled(tmp_path)
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    later = "2026-12-01T11:30:00+00:00"
    done = mission(tmp_path, "resume", "1", "--answer", "approve=yes", "--report",
                   "report.html", now=later)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    [row] = runs_json(tmp_path)
    assert (row["created_at"], row["updated_at"], row["finished_at"]) == (T0, later, later)
    verified = mission(tmp_path, "verify", "1")
    assert verified.returncode == 0, verified.stdout
    assert f"started by {ME} at {T0}" in verified.stdout
    assert f"step `approve` answered true by {ME} at {later}" in verified.stdout


def test_an_edited_answer_time_fails_verification(tmp_path: Path) -> None:
    from runtime.records import integrity

    flow = compiled(tmp_path)
    assert mission(tmp_path, "run", str(flow), "--answer", "approve=yes", "--receipt",
                   "run.json").returncode == 0
    receipt = tmp_path / "run.json"
    data = json.loads(receipt.read_text(encoding="utf-8"))
    data["events"][0]["at"] = "2026-12-01T08:00:00+00:00"
    data["integrity"] = integrity(data)  # an edit made with care: the hash redone too
    receipt.write_text(json.dumps(data), encoding="utf-8")
    checked = mission(tmp_path, "verify", "run.json", "--workflow", str(flow))
    assert checked.returncode == 1 and "NOT verified" in checked.stdout


def test_deadlines_remind_escalate_and_decide_as_the_clock_moves(tmp_path: Path) -> None:
    flow = compiled(tmp_path, remind_before=3600,
                    deadlines=[{"after": DAY, "escalate": "directors"},
                               {"after": DAY, "answer": True}])
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    [row] = runs_json(tmp_path)
    assert (row["asked"], row["due_at"]) == ("managers", "2026-12-02T09:00:00+00:00")
    listed = mission(tmp_path, "runs", now="2026-12-01T12:00:00+00:00")
    assert "in 21 hours" in listed.stdout
    assert mission(tmp_path, "tick", now="2026-12-02T07:59:59+00:00").stdout == ""
    reminded = mission(tmp_path, "tick", now="2026-12-02T08:00:00+00:00")
    assert reminded.stdout == ("run 1: reminder: step `approve` waits for managers; its "
                               "deadline is due at 2026-12-02T09:00:00+00:00\n")
    assert mission(tmp_path, "tick", now="2026-12-02T08:30:00+00:00").stdout == ""  # sent once
    escalated = mission(tmp_path, "tick", now="2026-12-02T09:00:05+00:00")
    assert escalated.stdout == ("run 1: the deadline of step `approve` passed at "
                                "2026-12-02T09:00:05+00:00 and moved the question to "
                                "directors; the run now waits on `approve`\n")
    [row] = runs_json(tmp_path, "--asked", "directors")
    assert row["due_at"] == "2026-12-03T09:00:05+00:00"
    overdue = mission(tmp_path, "runs", now="2026-12-03T10:00:05+00:00")
    assert "overdue 1 hour" in overdue.stdout
    decided = mission(tmp_path, "tick", now="2026-12-03T10:00:05+00:00")
    assert "applied its default answer true; the run succeeded" in decided.stdout
    assert mission(tmp_path, "tick", now="2026-12-04T00:00:00+00:00").stdout == ""
    verified = mission(tmp_path, "verify", "1")
    assert verified.returncode == 0, verified.stdout
    assert "step `approve`: its deadline (stage 0) fired at 2026-12-02T09:00:05+00:00" \
        in verified.stdout
    assert "step `approve`: its deadline (stage 1) fired at 2026-12-03T10:00:05+00:00" \
        in verified.stdout


def test_an_answer_after_the_deadline_is_told_what_the_deadline_decided(
        tmp_path: Path) -> None:
    flow = compiled(tmp_path, deadlines=[{"after": DAY, "answer": False}])
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    late = mission(tmp_path, "resume", "1", "--answer", "approve=yes",
                   now="2026-12-02T09:00:01+00:00")
    assert late.returncode == 2
    assert late.stderr == ("mission resume: the deadline of step `approve` passed at "
                           "2026-12-02T09:00:01+00:00 and applied its default answer false; "
                           "run 1 is not waiting for an answer: it succeeded at "
                           "2026-12-02T09:00:01+00:00\n")
    [row] = runs_json(tmp_path)
    assert row["status"] == "succeeded"


def test_the_starter_may_not_approve_their_own_run(tmp_path: Path) -> None:
    flow = compiled(tmp_path, exclude_starter=True)
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    refused = mission(tmp_path, "resume", "1", "--answer", "approve=yes")
    assert refused.returncode == 2
    assert f"{ME} started this run and may not answer step `approve` (no self-approval)" \
        in refused.stderr
    assert runs_json(tmp_path)[0]["status"] == "waiting"


def test_a_cancelled_run_leaves_the_waiting_list_and_cannot_be_resumed(tmp_path: Path) -> None:
    flow = compiled(tmp_path)
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    assert mission(tmp_path, "cancel", "1", "--reason", " ").returncode == 2
    at = "2026-12-01T10:00:00+00:00"
    cancelled = mission(tmp_path, "cancel", "1", "--reason", "wrong amount", now=at)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout == (f"run 1 cancelled by {ME} at {at}: wrong amount (it waited "
                                "on step `approve`)\n")
    assert runs_json(tmp_path, "--status", "waiting") == []
    assert runs_json(tmp_path, "--status", "cancelled")[0]["finished_at"] == at
    again = mission(tmp_path, "resume", "1", "--answer", "approve=yes")
    assert again.returncode == 2
    assert f"run 1 was cancelled by {ME} at {at} (wrong amount); it takes no more answers" \
        in again.stderr
    assert "was cancelled" in mission(tmp_path, "cancel", "1", "--reason", "x").stderr
    verified = mission(tmp_path, "verify", "1")
    assert verified.returncode == 0 and f"cancelled by {ME} at {at}: wrong amount" \
        in verified.stdout


def test_runs_are_listed_newest_first_filtered_and_a_page_at_a_time(tmp_path: Path) -> None:
    flow = compiled(tmp_path)
    echo = str(Path(__file__).resolve().parents[2] / "examples" / "echo.mission")
    for day in range(1, 6):
        assert mission(tmp_path, "run", str(flow), "--no-input",
                       now=f"2026-12-0{day}T09:00:00+00:00").returncode == 3
    assert mission(tmp_path, "run", echo, now="2026-12-06T09:00:00+00:00").returncode == 0
    assert [row["run_id"] for row in runs_json(tmp_path)] == [6, 5, 4, 3, 2, 1]
    assert [row["run_id"] for row in runs_json(tmp_path, "--mission", "echo")] == [6]
    assert [row["run_id"] for row in runs_json(tmp_path, "--status", "waiting",
                                               "--asked", "managers")] == [5, 4, 3, 2, 1]
    assert runs_json(tmp_path, "--started-by", "nobody-here") == []
    assert [row["run_id"] for row in runs_json(tmp_path, "--since", "2026-12-02",
                                               "--until", "2026-12-04")] == [3, 2]
    page = mission(tmp_path, "runs", "--limit", "2")
    assert page.stdout.splitlines()[-1] == "(more: mission runs --before 5)"
    assert [row["run_id"] for row in runs_json(tmp_path, "--limit", "2", "--before", "5")] \
        == [4, 3]
    bad = mission(tmp_path, "runs", "--since", "yesterday")
    assert bad.returncode == 2 and "--since takes a date (2026-12-01)" in bad.stderr


@pytest.mark.parametrize("clock, words", [
    ("tomorrow", "MISSION_NOW: 'tomorrow' is not an ISO 8601 instant"),
    ("2026-12-01T09:00:00", "has no offset"),
])
def test_a_bad_virtual_clock_is_a_clear_error(tmp_path: Path, clock: str, words: str) -> None:
    result = mission(tmp_path, "run", str(compiled(tmp_path)), "--no-input", now=clock)
    assert result.returncode == 2 and words in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reminder_whose_deadline_is_due_too_is_not_sent(tmp_path: Path) -> None:
    flow = compiled(tmp_path, remind_before=3600,
                    deadlines=[{"after": DAY, "escalate": "directors"},
                               {"after": DAY, "answer": False}])
    assert mission(tmp_path, "run", str(flow), "--no-input").returncode == 3
    late = mission(tmp_path, "tick", now="2026-12-02T12:00:00+00:00")  # both are due
    assert late.stdout == ("run 1: the deadline of step `approve` passed at "
                           "2026-12-02T12:00:00+00:00 and moved the question to directors; "
                           "the run now waits on `approve`\n")
