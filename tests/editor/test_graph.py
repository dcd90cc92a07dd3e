"""`mission graph`: the picture's structure, its escaping, Graphviz, and the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from compiler import compile_source
from mission.graph import Edge, build_graph, to_dot, to_mermaid
from runtime.orchestration.model import WorkflowDefinition
from tests.conftest import run_cli

CASES = Path(__file__).parent / "graph_cases"
GUARDS = CASES / "guards.mission"
DEADLINES = CASES / "deadlines.mission"
HAS_DOT = shutil.which("dot") is not None


def workflow(path: Path = GUARDS) -> WorkflowDefinition:
    result = compile_source(path.read_text(encoding="utf-8"), str(path))
    assert result.workflow is not None, result.diagnostics
    return result.workflow


def test_guards_label_the_edges_and_skips_go_around() -> None:
    graph = build_graph(workflow())
    assert graph.edges == (
        Edge("start", "step_1"),
        Edge("step_1", "guard_2"),
        Edge("guard_2", "step_2", "when not param.strict"),
        Edge("guard_2", "guard_3", "else", skip=True),
        Edge("step_2", "guard_3"),
        Edge("guard_3", "step_3", "when param.strict or not state.kept"),
        Edge("guard_3", "step_4", "else", skip=True),
        Edge("step_3", "step_4"),
        Edge("step_4", "end"),
    )


def test_steps_know_what_they_read_and_write() -> None:
    graph = build_graph(workflow())
    assert [(s.id, s.kind, s.reads, s.writes) for s in graph.steps] == [
        ("collect", "runtime", ("items",), ("seen",)),
        ("review", "human", ("seen",), ("kept",)),
        ("trim", "runtime", ("kept",), ("seen",)),
        ("count", "runtime", (), ("count",)),
    ]
    assert graph.state == ("count", "items", "kept", "seen")


@pytest.mark.parametrize("render, suffix", [(to_mermaid, ".mmd"), (to_dot, ".dot")])
@pytest.mark.parametrize("case", [GUARDS, DEADLINES], ids=lambda path: path.stem)
def test_golden_pictures(render: object, suffix: str, case: Path) -> None:
    text = render(build_graph(workflow(case)))  # type: ignore[operator]
    golden = case.with_suffix(suffix)
    if os.environ.get("MISSION_UPDATE_GOLDENS"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_human_steps_show_who_answers_and_their_time_limits() -> None:
    approve, explain = build_graph(workflow(DEADLINES)).steps
    assert approve.who == "by 2 of managers except starter"
    assert approve.time_limits == ("remind 90 minutes before",
                                   "after 2 days escalate to directors",
                                   "after 1 week answer false")
    assert (explain.who, explain.time_limits) == ("", ("after 3 days fail \"no answer within "
                                                       "3 days\"",))
    mermaid = to_mermaid(build_graph(workflow(DEADLINES)))
    assert "by 2 of managers except starter<br/>confirm(" in mermaid
    assert "after 2 days escalate to directors<br/>after 1 week answer false" in mermaid


def test_time_limits_of_a_hand_written_workflow_are_drawn_as_far_as_they_make_sense() -> None:
    document = workflow(DEADLINES).to_dict()
    payload = document["steps"][0]["payload"]
    payload["deadlines"] = [{"after": "soon", "fail": "x"}, "late", {"after": 60, "fail": 3},
                            {"after": 120, "escalate": "g"}]
    payload["remind_before"] = -5
    payload["approvals"] = "two"
    steps = build_graph(WorkflowDefinition.from_dict(document)).steps
    assert steps[0].who == "by managers except starter"
    assert steps[0].time_limits == ("after 2 minutes escalate to g",)


def test_mermaid_escapes_label_text() -> None:
    text = to_mermaid(build_graph(workflow()))
    assert "Keep #lt;all#gt; of them?" in text and "<all>" not in text
    assert 'title: "wf-guards: Quotes \\", <angles> & #hashes"' in text
    assert "Review #quot;them#quot;" in text
    assert 'class step_2 human' in text


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_graphviz_draws_the_dot_output() -> None:
    svg = subprocess.run(["dot", "-Tsvg"], input=to_dot(build_graph(workflow())),
                         capture_output=True, text=True, check=True).stdout
    texts = [node.text or "" for node in ElementTree.fromstring(svg).iter()
             if node.tag.endswith("text")]
    assert 'human review' in texts and 'Review "them"' in texts
    assert "when param.strict or not state.kept" in texts


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_svg_from_the_command(tmp_path: Path) -> None:
    out = tmp_path / "guards.svg"
    result = run_cli("graph", str(GUARDS), "--format", "svg", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert ElementTree.parse(out).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_svg_without_graphviz_says_so(tmp_path: Path) -> None:
    result = run_cli("graph", str(GUARDS), "--format", "svg", env={"PATH": str(tmp_path)})
    assert result.returncode == 2
    assert "needs Graphviz" in result.stderr and "--format dot" in result.stderr
    assert result.stdout == ""


def test_a_compiled_workflow_draws_like_its_source(tmp_path: Path) -> None:
    compiled = tmp_path / "guards.json"
    compiled.write_text(json.dumps(workflow().to_dict()), encoding="utf-8")
    from_source = run_cli("graph", str(GUARDS), "--format", "dot")
    from_json = run_cli("graph", str(compiled), "--format", "dot")
    assert from_source.returncode == from_json.returncode == 0
    assert from_source.stdout == from_json.stdout
    assert run_cli("graph", "echo").returncode == 0
    assert run_cli("graph", "--no-state", str(GUARDS)).stdout.count("state_") == 0


def test_a_mission_with_errors_is_not_drawn(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mission"
    broken.write_text("mission broken {\n    version 1\n    runtime a { nope() }\n}\n",
                      encoding="utf-8")
    result = run_cli("graph", str(broken))
    assert result.returncode == 2
    assert "error[E006]" in result.stderr and result.stdout == ""
