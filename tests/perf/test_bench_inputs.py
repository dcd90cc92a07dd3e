"""What the benchmark measures is what it claims to measure (no timings asserted here)."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import corpus
from bench.harness import Row, format_table, interleave
from bench.plain_daily_loop import daily_loop
from compiler import compile_source
from mission.batch import run_line
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.canonical import canonical_hash
from runtime.orchestration.registry import MISSION_REGISTRY
from tests.conftest import ROOT


def test_generated_missions_are_clean_or_wrong_as_intended() -> None:
    rng = random.Random(1)
    for index in range(150):
        valid = index % 3 != 0
        result = compile_source(corpus.mission_text(rng, valid), f"m{index}.mission")
        if valid:
            assert result.diagnostics == (), [d.message for d in result.diagnostics]
        else:
            assert result.errors, "a mission with a deliberate mistake must not compile"


@pytest.mark.parametrize("size", [1_000, 100_000])
def test_big_missions_have_the_size_asked_and_compile(size: int) -> None:
    text = corpus.big_mission(size)
    assert 0.95 * size <= len(text) <= size
    assert compile_source(text, "big.mission").workflow is not None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_plain_baseline_computes_what_the_engine_computes(seed: int) -> None:
    state = {"tasks": corpus.tasks(60, seed=seed)}
    workflow = MISSION_REGISTRY["daily_loop"](None)
    result = Orchestrator().run_workflow(workflow, ExecutionContext(
        initial_state=state, params={"today": "2026-11-24", "top_n": 4},
        answers={"confirm_priorities": True}))
    final, digest = daily_loop(state, "2026-11-24", 4)
    assert final == result.final_state
    assert digest == canonical_hash(result.final_state) == result.receipt["final_state_hash"]
    assert "summary" not in state  # the baseline leaves its input alone, as the engine does


def test_batch_requests_are_runs_that_work() -> None:
    lines = corpus.batch_requests(25).splitlines()
    started = {"at": "2026-12-01T09:00:00+00:00", "by": "bench"}
    statuses = {json.loads(run_line((number, line), started)[1])["status"]
                for number, line in enumerate(lines, start=1)}
    assert statuses <= {"succeeded", "waiting"} and "succeeded" in statuses


def test_interleave_rotates_who_goes_first() -> None:
    calls: list[str] = []

    def contender(name: str) -> Callable[[], float]:
        def measure() -> float:
            calls.append(name)
            return float(len(calls))

        return measure

    comparison = interleave({"a": contender("a"), "b": contender("b")}, rounds=4)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert comparison.samples == {"a": [1.0, 4.0, 5.0, 8.0], "b": [2.0, 3.0, 6.0, 7.0]}
    # per-round ratios 1/2, 4/3, 5/6, 8/7: the median pairs each round, not the totals
    assert comparison.ratio("a", "b") == pytest.approx((5 / 6 + 8 / 7) / 2)


def test_rows_say_whether_the_goal_holds() -> None:
    rows = [Row("fast", 1.0, 2.0, 0.5, 1.0, baseline_name="b"),
            Row("slow", 3.0, 2.0, 1.5, 1.0, baseline_name="b"),
            Row("info", 3.0, 2.0, 1.5, None, baseline_name="b", note="for information")]
    assert [row.holds for row in rows] == [True, False, None]
    table = format_table(rows)
    assert "| yes" in table and "| NO" in table and "[info] for information" in table
    assert json.loads(json.dumps(rows[1].to_json()))["holds"] is False


def test_bench_help_lists_its_options() -> None:
    completed = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=ROOT,
                               capture_output=True, text=True, check=True)
    for option in ("--quick", "--json", "--only", "--save", "--work"):
        assert option in completed.stdout


@pytest.mark.parametrize("state", [{}, {"count": 5, "tags": ["draft", "x"]}, {"other": [1]}])
def test_the_plain_counter_computes_what_the_engine_computes(state: dict[str, object]) -> None:
    from bench.plain_counter import counter

    source = (ROOT / "examples" / "counter.mission").read_text(encoding="utf-8")
    workflow = compile_source(source, "counter.mission").workflow
    assert workflow is not None
    result = Orchestrator().run_workflow(workflow, ExecutionContext(initial_state=state,
                                                                    params={"by": 3}))
    final, digest = counter(state, 3)
    assert final == result.final_state
    assert digest == result.receipt["final_state_hash"]


def test_the_durable_baselines_write_what_the_store_writes(tmp_path: Path) -> None:
    """Row 9's commit holds the record's bytes as the store keeps them, and row 9a's rows
    are the store's rows: the same run row (but for the hash, of the same size) and notice."""
    from bench.durable import CounterRuns, PlainCommits, SameRows

    runs = CounterRuns(tmp_path)
    kept = runs.keep(runs.result)
    same = SameRows(tmp_path, runs)
    same.commit()
    plain = PlainCommits(tmp_path, runs.record().to_text())
    plain.commit()
    stored = sqlite3.connect(tmp_path / "runs.sqlite3")
    written = sqlite3.connect(tmp_path / "same-rows.sqlite3")
    query = "SELECT * FROM runs WHERE id = ?"
    ours = stored.execute(query, (kept,)).fetchone()
    theirs = written.execute(query, (1,)).fetchone()
    hash_at = [column[0] for column in stored.execute(query, (kept,)).description].index(
        "record_hash")
    assert ours[:hash_at] + ours[hash_at + 1:] == theirs[:hash_at] + theirs[hash_at + 1:]
    assert len(ours[hash_at]) == len(theirs[hash_at])
    notices = "SELECT run_id, key, kind, at, payload FROM notices"
    assert stored.execute(notices).fetchall() == written.execute(notices).fetchall() != []
    assert sqlite3.connect(tmp_path / "plain.sqlite3").execute(
        "SELECT record FROM runs").fetchone()[0] == ours[hash_at - 1]
