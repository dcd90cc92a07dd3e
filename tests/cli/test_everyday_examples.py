"""The acceptance missions of issue 10 in `examples/`, run with asserted results: a bug
triage chosen by title, a budget guard, and a release note from a template."""

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
