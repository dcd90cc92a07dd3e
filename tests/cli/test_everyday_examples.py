"""The acceptance missions of issues 10 and 22 in `examples/`, run with asserted results: a
bug triage chosen by title, a budget guard, a release note from a template; an on-call
handover, a weekly review over tasks with optional fields, an expense report with two
decimals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler import compile_file
from runtime.orchestration import ExecutionContext, Orchestrator
from tests.conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"


def _run(name: str, state_file: str, params: dict[str, Any] | None = None,
         answers: dict[str, Any] | None = None) -> Any:
    compiled = compile_file(EXAMPLES / name)
    assert compiled.workflow is not None, compiled.diagnostics
    state = json.loads((EXAMPLES / state_file).read_text(encoding="utf-8"))
    return Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
        initial_state=state, params=params or {}, answers=answers))


def test_bug_triage_offers_the_top_three_by_title_and_stores_the_id(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.db")
    waiting = run_cli("run", "examples/bug_triage.mission", "--state", "examples/bugs.json",
                      "--no-input", "--store", store, "--json")
    question = json.loads(waiting.stdout)["question"]
    # severity descending, then id: BUG-1 and BUG-3 (3), then BUG-4 before BUG-5 (2)
    assert question["options"] == ["Wrong totals with coupons", "Checkout hangs",
                                   "Avatar not shown"]
    assert question["values"] == ["BUG-1", "BUG-3", "BUG-4"]
    done = run_cli("run", "examples/bug_triage.mission", "--state", "examples/bugs.json",
                   "--answer", "pick=Checkout hangs", "--store", store, "--json")
    final = json.loads(done.stdout)["final_state"]
    assert [bug["id"] for bug in final["top"]] == ["BUG-1", "BUG-3", "BUG-4"]
    assert final["chosen"] == "BUG-3"
    assert final["fixing"]["title"] == "Checkout hangs"


def test_bug_triage_accepts_a_value_and_refuses_an_option_not_offered() -> None:
    by_value = _run("bug_triage.mission", "bugs.json", answers={"pick": "BUG-4"})
    assert by_value.final_state["chosen"] == "BUG-4"
    refused = run_cli("run", "examples/bug_triage.mission", "--state", "examples/bugs.json",
                      "--answer", "pick=Slow search", "--no-input")
    assert refused.returncode != 0
    assert "choose one of Wrong totals with coupons, Checkout hangs, Avatar not shown" in \
        refused.stderr and "Traceback" not in refused.stderr


def test_budget_guard_within_and_over_budget() -> None:
    within = _run("budget_guard.mission", "expenses.json", {"budget": 1000, "planned": 250})
    assert within.success
    assert within.final_state["spent"] == 782.5
    assert within.final_state["verdict"] == {"left": 117.5, "status": "ok"}
    over = _run("budget_guard.mission", "expenses.json", {"budget": 800, "planned": 250})
    assert over.status == "failed" and over.failed_step_id == "stop"
    assert over.final_state["verdict"]["status"] == "over"
    assert "eat into the reserve" in str(over.error_message)


def test_release_note_is_formatted_from_its_template() -> None:
    result = _run("release_note.mission", "checklist.json",
                  {"release": "1.4.0", "today": "2026-12-03"}, {"approve": True})
    assert result.success
    assert result.final_state["note"] == "Release 1.4.0 (Thursday 2026-12-03): Bug fixes"


def test_release_note_fails_while_items_are_open(tmp_path: Path) -> None:
    state = json.loads((EXAMPLES / "checklist.json").read_text(encoding="utf-8"))
    state["checklist"][1]["done"] = False
    path = tmp_path / "open.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    done = run_cli("run", "examples/release_note.mission", "--param", "release=1.4.0",
                   "--param", "today=2026-12-03", "--state", str(path), "--no-input",
                   "--store", str(tmp_path / "runs.db"))
    assert done.returncode != 0
    assert "1 checklist item(s) still open" in done.stdout + done.stderr


def test_bug_triage_resumes_by_label_and_verifies(tmp_path: Path) -> None:
    store, receipt = str(tmp_path / "runs.db"), str(tmp_path / "receipt.json")
    run_cli("run", "examples/bug_triage.mission", "--state", "examples/bugs.json",
            "--no-input", "--store", store)
    done = run_cli("resume", "1", "--store", store, "--answer", "pick=Avatar not shown",
                   "--receipt", receipt)
    assert done.returncode == 0, done.stderr
    verified = run_cli("verify", receipt, "--workflow", "examples/bug_triage.mission")
    assert verified.returncode == 0 and "verified" in verified.stdout, verified.stderr
    assert json.loads(Path(receipt).read_text(encoding="utf-8"))["answers"]["pick"] == "BUG-4"


# -- issue 22: null, optional fields, map/update, numbers people show ---------------------


def test_the_new_examples_check_clean() -> None:
    for name in ("oncall_handover", "weekly_review", "expense_report"):
        checked = run_cli("check", f"examples/{name}.mission")  # the rules on by default
        assert checked.returncode == 0, checked.stdout
        assert "0 errors, 0 warnings" in checked.stdout, checked.stdout


def test_the_handover_picks_who_waited_longest_and_updates_the_roster_in_place() -> None:
    done = run_cli("run", "examples/oncall_handover.mission", "--param", "today=2026-12-07",
                   "--state", "examples/roster.json", "--answer", "confirm=yes", "--json")
    assert done.returncode == 0, done.stderr
    final = json.loads(done.stdout)["final_state"]
    # cy and ana waited since 2026-11-02 (bo is away): the tie goes to ana, by name
    assert final["next"]["name"] == "ana" and final["accepted"] is True
    assert [person["name"] for person in final["roster"]] == ["dee", "cy", "bo", "ana"]
    assert [person["last_oncall"] for person in final["roster"]] == [
        "2026-11-30", "2026-11-02", "2026-10-05", "2026-12-07"]


def test_the_handover_puts_someone_never_on_call_first_and_a_no_changes_nothing() -> None:
    roster = json.loads((EXAMPLES / "roster.json").read_text(encoding="utf-8"))["roster"]
    roster.append({"name": "eve", "available": True, "last_oncall": None})
    declined = Orchestrator().run_workflow(
        compile_file(EXAMPLES / "oncall_handover.mission").workflow,  # type: ignore[arg-type]
        ExecutionContext(initial_state={"roster": roster}, params={"today": "2026-12-07"},
                         answers={"confirm": False}))
    assert declined.success and declined.final_state["next"]["name"] == "eve"
    assert declined.final_state["roster"] == roster  # not confirmed: unchanged
    assert declined.lineage["skipped_step_ids"] == ["record"]


def test_the_handover_of_an_empty_roster_skips_the_rest_without_a_warning() -> None:
    checked = run_cli("check", "examples/oncall_handover.mission")
    assert "0 errors, 0 warnings" in checked.stdout, checked.stdout
    result = Orchestrator().run_workflow(
        compile_file(EXAMPLES / "oncall_handover.mission").workflow,  # type: ignore[arg-type]
        ExecutionContext(initial_state={"roster": []}, params={"today": "2026-12-07"}))
    assert result.success and result.final_state == {"roster": [], "next": None}
    assert result.lineage["skipped_step_ids"] == ["confirm", "record"]


def test_the_weekly_review_reads_tasks_with_and_without_done_on(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.db")
    waiting = run_cli("run", "examples/weekly_review.mission", "--param", "today=2026-11-24",
                      "--state", "examples/tasks.json", "--no-input", "--store", store)
    assert waiting.returncode == 3
    # the note may be left out: only the mood is asked for on the command line
    assert "mission resume 1 --store" in waiting.stderr
    assert "--answer review.mood=VALUE" in waiting.stderr and "review.note" not in waiting.stderr
    done = run_cli("resume", "1", "--store", store, "--answer", "review.mood=good", "--json")
    assert done.returncode == 0, done.stderr
    final = json.loads(done.stdout)["final_state"]
    assert [task["id"] for task in final["done"]] == ["review-pr", "book-travel"]
    assert final["overdue"] == ["fix-login"]
    assert final["summary"] == "Week to 2026-11-24: 2 done, 1 overdue"
    assert final["review"] == {"mood": "good"} and "notes" not in final
    noted = _run("weekly_review.mission", "tasks.json", {"today": "2026-11-24"},
                 {"review": {"mood": "mixed", "note": "Ship 1.4"}})
    assert noted.final_state["notes"] == [{"day": "2026-11-24", "note": "Ship 1.4"}]


def test_the_expense_report_shows_the_total_with_two_decimals(tmp_path: Path) -> None:
    waiting = run_cli("run", "examples/expense_report.mission", "--param", "who=ana",
                      "--state", "examples/expense_report.json", "--no-input", "--json",
                      "--store", str(tmp_path / "runs.db"))
    question = json.loads(waiting.stdout)["question"]
    assert question["prompt"] == "Approve 1884.69 EUR of expenses for ana?"
    assert question["show"] == ["hotel: 1200.10", "train: 672.29", "taxi: 12.30"]
    approved = _run("expense_report.mission", "expense_report.json", {"who": "ana"},
                    {"approve": True})
    assert approved.final_state["total"] == 1884.69  # the float sum is 1884.6899999999998
    assert approved.final_state["missing"] == ["taxi"]
    assert approved.final_state["note"] == \
        "ana: 3 expenses, 1884.69 EUR approved; 1 without a receipt"
    over = _run("expense_report.mission", "expense_report.json", {"who": "ana", "limit": 1000})
    assert over.success and over.lineage["skipped_step_ids"] == ["approve", "note"]
