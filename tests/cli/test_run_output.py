"""What `mission run` and `resume` print: a short summary by default, the whole result with
`--json`; `--save-state` chains runs; repeated options are refused (issue 13, points 1, 2, 6)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT, run_cli

DAILY = ("examples/daily_loop.mission", "--param", "today=2026-11-24",
         "--state", "examples/tasks.json")


def test_a_run_prints_a_short_summary_and_json_on_request(tmp_path: Path) -> None:
    receipt, store = tmp_path / "run.json", tmp_path / "runs.sqlite3"
    done = run_cli("run", *DAILY, "--answer", "confirm_priorities=no", "--receipt", str(receipt),
                   "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "examples/daily_loop.mission: succeeded",
        "  summarise_yesterday  succeeded",
        "  generate_priorities  succeeded",
        "  confirm_priorities   succeeded  answer: false",
        "  log_summary          skipped",
        "state: 3 keys changed",
        "  + confirmed = false",
        '  + priorities = ["fix-login","write-report","plan-offsite"]',
        '  + summary = {"done_yesterday":["review-pr"],"open":4,"overdue":["fix-login"]}',
        f"receipt: {receipt} (check it with `mission verify {receipt} "
        "--workflow examples/daily_loop.mission`)",
        f"stored as run 1 in {store}",
    ]
    for option in (("--json",), ("--format", "json")):
        full = run_cli("run", *DAILY, "--answer", "confirm_priorities=no", *option)
        assert full.returncode == 0, full.stderr
        result = json.loads(full.stdout)
        assert result["status"] == "succeeded" and "executed_steps" in result


def test_a_waiting_run_says_where_it_is_stored_and_how_to_continue(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    done = run_cli("run", "examples/survey.mission", "--store", str(store))
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines() == [
        "examples/survey.mission: waiting for an answer",
        "  score    waiting for an answer",
        "  comment  not reached",
        "  keep     not reached",
        "state: unchanged",
        f"stored as run 1 in {store}",
    ]
    assert f"mission resume 1 --store {store} --answer score=VALUE" in done.stderr


def test_a_failed_run_names_the_step_and_why_in_one_line(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"tasks": [{"id": "t1"}]}), encoding="utf-8")
    done = run_cli("run", "daily_loop", "--param", "today=2026-11-24", "--state", str(state))
    assert done.returncode == 1
    assert "  summarise_yesterday  failed" in done.stdout.splitlines()
    assert "  generate_priorities  not reached" in done.stdout.splitlines()
    assert done.stderr.splitlines() == [
        "mission run: Step 'summarise_yesterday' failed: task `t1`: `status` is null; "
        'use "open" or "done"']


def test_save_state_chains_a_daily_run_to_the_next(tmp_path: Path) -> None:
    day = tmp_path / "day.json"
    first = run_cli("run", "examples/counter.mission", "--save-state", str(day))
    assert first.returncode == 0, first.stderr
    assert f"final state saved to {day}" in first.stdout
    assert json.loads(day.read_text(encoding="utf-8"))["count"] == 1
    second = run_cli("run", "examples/counter.mission", "--state", str(day), "--save-state",
                     str(day), "--param", "by=2")
    assert second.returncode == 0, second.stderr
    assert json.loads(day.read_text(encoding="utf-8"))["count"] == 3


def test_save_state_writes_nothing_for_a_run_that_waits_and_then_on_resume(
        tmp_path: Path) -> None:
    store, saved = str(tmp_path / "runs.sqlite3"), tmp_path / "final.json"
    waiting = run_cli("run", "examples/survey.mission", "--store", store,
                      "--save-state", str(saved))
    assert waiting.returncode == 3 and not saved.exists()
    assert "the final state was not saved" in waiting.stderr and "the run waits" in waiting.stderr
    done = run_cli("resume", "1", "--store", store, "--answer", "score=4", "--answer",
                   "comment=ok", "--save-state", str(saved))
    assert done.returncode == 0, done.stderr
    assert json.loads(saved.read_text(encoding="utf-8"))["feedback"] == {"comment": "ok",
                                                                        "score": 4}


def test_a_repeated_answer_or_param_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    answers = run_cli("run", *DAILY, "--store", str(store), "--answer", "confirm_priorities=yes",
                      "--answer", "confirm_priorities=no")
    assert answers.returncode == 2 and not store.exists()
    assert answers.stderr == ("mission run: --answer gives step `confirm_priorities` twice "
                              "('yes' and 'no'); give it once\n")
    params = run_cli("run", "examples/counter.mission", "--param", "by=1", "--param", "by=2")
    assert params.returncode == 2
    assert "--param gives param `by` twice ('1' and '2'); give it once" in params.stderr


def test_compile_to_dash_writes_standard_output(tmp_path: Path) -> None:
    done = run_cli("compile", str(ROOT / "examples" / "echo.mission"), "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "wf-echo"
    assert list(tmp_path.iterdir()) == []


def test_batch_exits_1_when_a_line_fails_and_counts_the_lines_on_stderr(tmp_path: Path) -> None:
    lines = tmp_path / "runs.jsonl"
    lines.write_text("\n".join([json.dumps({"mission": "echo", "params": {"message": "m"}}),
                                json.dumps({"mission": "daily_loop",
                                            "params": {"today": "2026-11-24"},
                                            "state": {"tasks": [{"id": "t1"}]}}),
                                "not json"]) + "\n", encoding="utf-8")
    done = run_cli("run", "--batch", str(lines), "--jobs", "1")
    assert done.returncode == 1
    assert [json.loads(line)["status"] for line in done.stdout.splitlines()] == \
        ["succeeded", "failed", "error"]
    assert done.stderr.splitlines()[-1] == \
        "mission run --batch: 3 lines: 1 succeeded, 1 failed, 1 error"


def test_the_batch_line_format_is_documented_in_the_runtime_guide() -> None:
    guide = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
    section = guide.split("### Many runs: `--batch`", 1)[1].split("\n## ", 1)[0]
    for words in ('{"mission":', '"params"', '"state"', '"answers"', '"status": "error"',
                  "exit code", "1 failed"):
        assert words in section, words


def test_an_engine_refusal_reads_like_a_compiler_error(tmp_path: Path) -> None:
    workflow = tmp_path / "robot.json"
    workflow.write_text(json.dumps({"id": "wf-robot", "metadata": {
        "schema_version": 1, "language_version": 1}, "steps": [
        {"id": "a", "kind": "robot", "payload": {}}]}), encoding="utf-8")
    done = run_cli("run", str(workflow))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {workflow}: not a usable compiled workflow: Step 'a' has disallowed kind "
        "'robot'. Allowed kinds: human, runtime",
        "  = note: the engine refused the run (EnvelopeViolation); nothing was stored",
    ]
    batch = tmp_path / "runs.jsonl"
    batch.write_text(json.dumps({"mission": str(workflow)}) + "\n", encoding="utf-8")
    lines = run_cli("run", "--batch", str(batch))
    assert json.loads(lines.stdout)["error"] == (
        f"line 1: {workflow}: not a usable compiled workflow: Step 'a' has disallowed kind "
        "'robot'. Allowed kinds: human, runtime")


def test_a_misspelled_param_is_refused_with_did_you_mean() -> None:
    done = run_cli("run", "examples/echo.mission", "--param", "mesage=hi")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "error: unknown param `mesage` (did you mean `message`?); declared: `message`")
