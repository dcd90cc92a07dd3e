"""Invariants of the foundation, with hypothesis and real processes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import compile_source
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.canonical import canonical_json
from tests.conftest import ROOT

# the missions (their test files, `*_test.mission`, are tested in tests/testkit/)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.mission")
                  if p.exists() and not p.name.endswith("_test.mission"))
EXAMPLE_TEXTS = [path.read_text(encoding="utf-8") for path in EXAMPLES]
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def assert_spans_inside(text: str, result: object) -> None:
    for diagnostic in result.diagnostics:  # type: ignore[attr-defined]
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text)


@SETTINGS
@given(st.text())
def test_compiler_never_raises_on_arbitrary_text(text: str) -> None:
    result = compile_source(text, "fuzz.mission")
    assert_spans_inside(text, result)
    assert (result.workflow is None) == bool(result.errors)


@SETTINGS
@given(st.sampled_from(EXAMPLE_TEXTS), st.data())
def test_compiler_never_raises_on_mutated_missions(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 12)))
        replacement = data.draw(st.sampled_from(
            ["", "{", "}", "(", ")", "[", "]", ",", ":", "->", '"', "state.", "param.x",
             "when", "human", "runtime x {", "\n", "#", "1..", "-", "\\"]))
        text = text[:start] + replacement + text[end:]
    result = compile_source(text, "mutant.mission")
    assert_spans_inside(text, result)


@SETTINGS
@given(st.sampled_from(EXAMPLE_TEXTS))
def test_same_input_gives_byte_identical_json(text: str) -> None:
    first, second = compile_source(text, "a.mission"), compile_source(text, "a.mission")
    assert first.workflow is not None and second.workflow is not None
    assert canonical_json(first.workflow.to_dict()) == canonical_json(second.workflow.to_dict())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@SETTINGS
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5), st.text(max_size=10))
def test_run_workflow_never_mutates_its_inputs(state: dict[str, object], message: str) -> None:
    workflow = compile_source(
        (ROOT / "examples" / "echo.mission").read_text(encoding="utf-8"), "echo.mission"
    ).workflow
    assert workflow is not None
    params = {"message": message}
    before = (copy.deepcopy(state), copy.deepcopy(workflow.to_dict()), copy.deepcopy(params))
    context = ExecutionContext(initial_state=state, params=params)
    result = Orchestrator().run_workflow(workflow, context)
    assert (state, workflow.to_dict(), params) == before
    assert result.final_state["echo"] == message


def test_results_identical_across_processes_with_different_hash_seeds() -> None:
    program = (
        "import json\n"
        "from runtime.orchestration import ExecutionContext\n"
        "from runtime.orchestration.registry import run_mission\n"
        "tasks = [{'id': f't{i}', 'status': 'open' if i % 3 else 'done',"
        " 'priority': i % 4 or None, 'done_on': '2026-11-23'} for i in range(30)]\n"
        "for t in tasks:\n"
        "    if t['priority'] is None: del t['priority']\n"
        "state = {'tasks': tasks, 'x': {'b': 1, 'a': [3, {'z': 1, 'y': 2}]}}\n"
        "context = ExecutionContext(initial_state=state, answers={'confirm_priorities': True})\n"
        "r = run_mission('daily_loop', context, {'today': '2026-11-24'})\n"
        "print(json.dumps(r.to_dict(), sort_keys=True, separators=(',', ':')))\n"
    )
    outputs = set()
    for seed in ("0", "1", "4242", "random"):
        done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                              text=True, check=True, env={"PYTHONHASHSEED": seed, "PATH": ""})
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["status"] == "succeeded"
