"""Invariants of runs, with hypothesis and real processes: inputs untouched, results
deterministic (also across PYTHONHASHSEEDs), replays of stored runs give the same receipt."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.orchestration import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition
from runtime.orchestration.canonical import canonical_json
from runtime.records import RunRecord
from runtime.store import RunStore
from runtime.verify import verify
from tests.conftest import ROOT
from tests.runtime.builders import ref, step
from tests.runtime.records_fixtures import FixedEffects

KEYS = ("a", "b", "c")
leaves = st.none() | st.booleans() | st.integers(-50, 50) | st.sampled_from(["x", "y", ""])
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(KEYS), inner, max_size=2), max_leaves=6)
literal = values.map(lambda value: {"lit": value})
places = st.sampled_from(KEYS).map(lambda key: ref(f"state.{key}"))
outputs = st.sampled_from(KEYS).map(lambda key: f"state.{key}")


@st.composite
def steps(draw: st.DrawFn, index: int, human: bool) -> StepSpec:
    name = f"s{index}"
    if human:
        if draw(st.booleans()):
            made = step(name, "confirm", {"prompt": "ok?", "show": draw(places)},
                        output=draw(outputs), kind="human")
        else:
            made = step(name, "choose", {"prompt": "which?", "options": {"lit": ["p", "q"]}},
                        output=draw(outputs), kind="human")
    else:
        made = draw(st.sampled_from([
            step(name, "set", {"at": draw(places), "value": draw(literal)}),
            step(name, "append", {"to": draw(places), "value": draw(literal)}),
            step(name, "increment", {"at": draw(places), "by": draw(st.integers(-3, 3))}),
            step(name, "remove", {"at": draw(places)}),
            step(name, "copy", {"from": draw(places), "to": draw(places)}),
            step(name, "discover_tests", {"target": "tests"}, output=draw(outputs)),
            step(name, "assert", {"condition": {"op": "!=", "args": [draw(places), 3]}}),
        ]))
    if draw(st.booleans()):
        made.payload["when"] = {"op": "==", "args": [draw(places), draw(leaves)]}
    return made


@st.composite
def workflows(draw: st.DrawFn) -> WorkflowDefinition:
    count = draw(st.integers(0, 5))
    human = set(draw(st.lists(st.integers(0, count - 1), max_size=2))) if count else set()
    return WorkflowDefinition(id="wf-random", steps=[draw(steps(index, index in human))
                                                     for index in range(count)])


@st.composite
def answer_sets(draw: st.DrawFn, flow: WorkflowDefinition) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for spec in flow.steps:
        if spec.kind == "human" and draw(st.booleans()):
            options = ["yes", "no", True] if spec.payload["operation"] == "confirm" else ["p", "q"]
            answers[spec.id] = draw(st.sampled_from(options))
    return answers


SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(st.data(), workflows(), st.dictionaries(st.sampled_from(KEYS), values, max_size=3))
def test_runs_are_pure_deterministic_and_replayable(tmp_path: Path, data: st.DataObject,
                                                    flow: WorkflowDefinition,
                                                    state: dict[str, Any]) -> None:
    answers = data.draw(answer_sets(flow))
    before = copy.deepcopy((flow.to_dict(), state, answers))
    context = ExecutionContext(initial_state=state, answers=answers, effects=FixedEffects())
    first = Orchestrator().run_workflow(flow, context)
    second = Orchestrator().run_workflow(flow, context)
    assert (flow.to_dict(), state, answers) == before
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(),
                                                                     sort_keys=True)
    record = RunRecord.of("random", flow, context, first, keep_workflow=True)
    # the stored text is the record's canonical JSON, and the record shares nothing with
    # the run's result nor with what `to_json` hands out
    assert record.to_text() == canonical_json(record.to_json())
    first.final_state["changed after"] = True
    record.to_json()["final_state"]["changed too"] = True
    assert record.final_state == second.final_state
    with RunStore(tmp_path / "runs.sqlite3") as store:
        stored = store.load(store.create(record)).record
    assert stored == record
    replay = Orchestrator().run_workflow(stored.stored_workflow(), stored.context())
    assert replay.receipt == first.receipt
    assert verify(stored, flow) == []


PROGRAM = """
import json
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.registry import run_mission
from tests.runtime.records_fixtures import PLAN, FixedEffects
tasks = [{"id": f"t{i}", "status": "open" if i % 3 else "done", "priority": i % 4 + 1,
          "due": f"2026-11-{10 + i:02d}", "done_on": "2026-11-23"} for i in range(12)]
out = {}
out["daily"] = run_mission("daily_loop", ExecutionContext(
    initial_state={"tasks": tasks, "z": {"b": 1, "a": [1, {"y": 2, "x": 3}]}},
    answers={"confirm_priorities": "yes"}), {"today": "2026-11-24", "top_n": 4}).to_dict()
out["plan"] = Orchestrator().run_workflow(PLAN, ExecutionContext(
    initial_state={"count": 1}, params={"by": 2}, answers={"approve": True, "note": "n"},
    effects=FixedEffects())).to_dict()
journal = {"discover_tests": {"effect": "discover_tests", "request": {"target": "tests"},
                              "result": {"target": "tests", "count": 1, "files": ["t.py"]}},
           "execute_tests": {"effect": "run_pytest",
                             "request": {"target": "tests", "timeout": 300},
                             "result": {"target": "tests", "exit_code": 1, "timed_out": False,
                                        "timeout": 300, "output": "F", "passed": 0,
                                        "failed": 1, "errors": 0, "skipped": 0}}}
out["tests"] = run_mission("run_tests", ExecutionContext(journal=journal)).to_dict()
print(json.dumps(out, sort_keys=True, separators=(",", ":")))
"""


def test_results_and_receipts_are_identical_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "987654", "random"):
        done = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True,
                              text=True, check=False, env={"PYTHONHASHSEED": seed, "PATH": ""})
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    results = json.loads(outputs.pop())
    assert [results[name]["status"] for name in ("daily", "plan", "tests")] == \
        ["succeeded", "succeeded", "failed"]
    assert results["tests"]["error_message"] == \
        "Step 'report' failed: 1 test failed (0 passed, 1 failed) under `tests`"
