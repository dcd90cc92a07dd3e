"""Pictures of a workflow: Mermaid and Graphviz DOT text (and SVG through `dot`).

The picture is drawn from the compiled `WorkflowDefinition`, so a `.mission`
file, a compiled `.json` and a registered mission all draw the same way:

- steps in order from `start` to `end`; human steps have their own shape and
  colour;
- a guarded step is entered through a small junction: one edge carries its
  `when` condition into the step, a dashed `else` edge goes around it;
- a human step's label says who may answer it (`by 2 of managers except
  starter`) and its time limits (`remind 4 hours before`, `after 2 days
  escalate to directors`, ...), as the mission writes them;
- state keys are cylinders: thick edges from a step to what it writes, dotted
  edges from what a step reads; in DOT each key sits beside the first step
  that uses it, so the picture has no long crossing edges.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mission.unparse import call_text, expression_text, operations_of, value_text
from runtime.orchestration.calling import Operation
from runtime.orchestration.expressions import references
from runtime.orchestration.model import WorkflowDefinition

LABEL_LIMIT = 60
_STATE_ROOT = re.compile(r"state\.([^.]+)")


class GraphvizMissing(Exception):
    """Graphviz's `dot` program is not installed (needed for SVG)."""


@dataclass(frozen=True, slots=True)
class StepNode:
    id: str
    kind: str
    description: str
    call: str  # `operation(arguments)`
    output: str  # `state.x` the result goes to, or ""
    when: str | None
    reads: tuple[str, ...]  # state keys (first path segment), in order of appearance
    writes: tuple[str, ...]
    who: str = ""  # a human step's `by 2 of managers except starter`
    time_limits: tuple[str, ...] = ()  # its `remind ... before` and `after ...` lines


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str = ""
    skip: bool = False  # goes around skipped steps


@dataclass(frozen=True, slots=True)
class Graph:
    title: str
    steps: tuple[StepNode, ...]
    edges: tuple[Edge, ...]
    state: tuple[str, ...]  # every state key read or written, sorted


def _roots(dotted: list[str]) -> list[str]:
    roots = []
    for reference in dotted:
        match = _STATE_ROOT.match(reference) if isinstance(reference, str) else None
        if match and match.group(1) not in roots:
            roots.append(match.group(1))
    return roots


def _step_node(step_id: str, kind: str, payload: dict[str, Any],
               table: Mapping[str, Operation]) -> StepNode:
    operation = table.get(str(payload.get("operation", "")))
    order = operation.parameter_names if operation else ()
    places = {p.name for p in operation.parameters if p.place} if operation else set()
    args = payload.get("args", {}) if isinstance(payload.get("args"), dict) else {}
    read_refs = references(payload.get("when")) + [
        ref for name, value in args.items() if name not in places for ref in references(value)]
    write_refs = [str(args[name]["ref"]) for name in order if name in places
                  and isinstance(args.get(name), dict) and "ref" in args[name]]
    if payload.get("output"):
        write_refs.append(str(payload["output"]))
    when = payload.get("when")
    return StepNode(step_id, kind, str(payload.get("description", "")),
                    call_text({**payload, "args": args, "output": None}, order),
                    str(payload.get("output") or ""),
                    expression_text(when) if when is not None else None,
                    tuple(_roots(read_refs)), tuple(_roots(write_refs)),
                    _who(payload), _time_limits(payload))


def _who(payload: Mapping[str, Any]) -> str:
    """`by 2 of managers except starter`, as the mission says it ("" when nobody is named)."""
    group, approvals = payload.get("answered_by"), payload.get("approvals")
    parts = []
    if isinstance(group, str):
        count = f"{approvals} of " if isinstance(approvals, int) and approvals > 1 else ""
        parts.append(f"by {count}{group}")
    if payload.get("exclude_starter") is True:
        parts.append("except starter")
    return " ".join(parts)


def _time_limits(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The step's reminder and deadlines, as the mission writes them (a day is 86,400 s)."""
    from compiler.durations import duration_text

    def duration(seconds: object) -> str | None:
        valid = isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0
        return duration_text(seconds) if valid else None  # type: ignore[arg-type]

    lines = []
    before = duration(payload.get("remind_before"))
    if before is not None:
        lines.append(f"remind {before} before")
    deadlines = payload.get("deadlines")
    for deadline in deadlines if isinstance(deadlines, list) else ():
        after = duration(deadline.get("after")) if isinstance(deadline, dict) else None
        if after is None:
            continue
        if "answer" in deadline:
            lines.append(f"after {after} answer {value_text(deadline['answer'])}")
        elif isinstance(deadline.get("fail"), str):
            lines.append(f"after {after} fail {value_text(deadline['fail'])}")
        elif isinstance(deadline.get("escalate"), str):
            lines.append(f"after {after} escalate to {deadline['escalate']}")
    return tuple(lines)


def build_graph(workflow: WorkflowDefinition) -> Graph:
    """Steps in order; a guarded step `step_N` is entered through a junction `guard_N`
    whose edges say `when GUARD` (into the step) and `else` (around it, `skip`)."""
    table = operations_of(workflow)
    steps = tuple(_step_node(step.id, step.kind, step.payload, table)
                  for step in workflow.steps)
    entries = [f"guard_{index}" if step.when else f"step_{index}"
               for index, step in enumerate(steps, start=1)] + ["end"]
    edges = [Edge("start", entries[0])]
    for index, step in enumerate(steps, start=1):
        following = entries[index]
        if step.when:
            edges.append(Edge(f"guard_{index}", f"step_{index}", f"when {step.when}"))
            edges.append(Edge(f"guard_{index}", following, "else", skip=True))
        edges.append(Edge(f"step_{index}", following))
    state = tuple(sorted({key for step in steps for key in (*step.reads, *step.writes)}))
    description = str(workflow.metadata.get("description", ""))
    title = workflow.id + (f": {description}" if description else "")
    return Graph(title, steps, tuple(edges), state)


def guards(graph: Graph) -> list[str]:
    """The junction nodes, one before each guarded step."""
    return [f"guard_{index}" for index, step in enumerate(graph.steps, start=1) if step.when]


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[:LABEL_LIMIT - 1] + "…"


def _step_lines(step: StepNode) -> list[str]:
    lines = [f"{step.kind} {step.id}"]
    if step.description:
        lines.append(_shorten(step.description))
    if step.who:
        lines.append(_shorten(step.who))
    lines.append(_shorten(step.call))
    if step.output:
        lines.append(f"-> {step.output}")
    lines += [_shorten(line) for line in step.time_limits]
    return lines


# -- Mermaid ------------------------------------------------------------------------------

_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


def _mermaid_text(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(char, char) for char in text)


def to_mermaid(graph: Graph, show_state: bool = True) -> str:
    # Mermaid wraps labels at 200 pixels by default: too narrow for a call.
    lines = ["---", f"title: {json.dumps(graph.title, ensure_ascii=False)}",
             "config:", "  flowchart:", "    wrappingWidth: 400", "---",
             "flowchart TD",
             '    start(["start"])']
    for index, step in enumerate(graph.steps, start=1):
        label = "<br/>".join(_mermaid_text(line) for line in _step_lines(step))
        shape = ('[/"', '"\\]') if step.kind == "human" else ('["', '"]')
        lines.append(f"    step_{index}{shape[0]}{label}{shape[1]}")
    lines.append('    end_(["end"])')
    lines += [f'    {junction}{{" "}}' for junction in guards(graph)]
    for edge in graph.edges:
        target = "end_" if edge.target == "end" else edge.target
        arrow = "-.->" if edge.skip else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {target}")
    if show_state and graph.state:
        keys = {key: f"state_{index}" for index, key in enumerate(graph.state, start=1)}
        for key, node in keys.items():
            lines.append(f'    {node}[("{_mermaid_text("state." + key)}")]')
        for index, step in enumerate(graph.steps, start=1):
            lines += [f"    {keys[key]} -.- step_{index}" for key in step.reads]
            lines += [f"    step_{index} ==> {keys[key]}" for key in step.writes]
        lines.append("    classDef state fill:#eef2ff,stroke:#6366f1,color:#1e1b4b")
        lines.append(f"    class {','.join(keys.values())} state")
    humans = [f"step_{i}" for i, step in enumerate(graph.steps, start=1) if step.kind == "human"]
    lines.append("    classDef human fill:#fef3c7,stroke:#b45309,color:#451a03")
    if humans:
        lines.append(f"    class {','.join(humans)} human")
    return "\n".join(lines) + "\n"


# -- Graphviz ------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _anchors(graph: Graph) -> dict[str, int]:
    """Each state key's row: the first step (1-based) that reads or writes it."""
    anchors: dict[str, int] = {}
    for index, step in enumerate(graph.steps, start=1):
        for key in (*step.reads, *step.writes):
            anchors.setdefault(key, index)
    return anchors


def to_dot(graph: Graph, show_state: bool = True) -> str:
    """DOT text: the steps in one straight column, each state key beside the first step
    that touches it (so the picture reads top to bottom without long crossing edges)."""
    lines = [
        "digraph mission {",
        f"    graph [label={_dot_text(graph.title)}, labelloc=t, fontname=Helvetica, "
        "fontsize=14, nodesep=0.35, ranksep=0.4];",
        "    node [fontname=Helvetica, fontsize=11];",
        '    edge [fontname=Helvetica, fontsize=10, color="#374151", fontcolor="#374151"];',
        '    start [shape=circle, label="start", width=0.6, group=flow];',
    ]
    for index, step in enumerate(graph.steps, start=1):
        label = _dot_text("\n".join(_step_lines(step)))
        if step.kind == "human":
            style = ('shape=box, style="rounded,filled", peripheries=2, fillcolor="#fef3c7", '
                     'color="#b45309"')
        else:
            style = "shape=box, style=rounded"
        lines.append(f"    step_{index} [{style}, label={label}, group=flow];")
    lines.append('    end [shape=doublecircle, label="end", width=0.5, group=flow];')
    lines += [f'    {junction} [shape=diamond, label="", width=0.25, height=0.25, style=filled, '
              f'fillcolor="#9ca3af", color="#374151", group=flow];' for junction in guards(graph)]
    for edge in graph.edges:
        attributes = []
        if edge.label:
            attributes.append(f"label={_dot_text(edge.label)}")
        attributes.append("style=dashed, weight=0" if edge.skip else "weight=10")
        lines.append(f"    {edge.source} -> {edge.target} [{', '.join(attributes)}];")
    if show_state and graph.state:
        keys = {key: f"state_{index}" for index, key in enumerate(graph.state, start=1)}
        anchors = _anchors(graph)
        for key, node in keys.items():
            lines.append(f'    {node} [shape=cylinder, style=filled, fillcolor="#eef2ff", '
                         f'color="#6366f1", label={_dot_text("state." + key)}];')
        for index in range(1, len(graph.steps) + 1):
            beside = [keys[key] for key in keys if anchors[key] == index]
            if beside:
                lines.append(f"    {{ rank=same; step_{index}; {'; '.join(beside)}; }}")
        read = 'style=dotted, color="#6366f1"'
        write = 'penwidth=2, color="#6366f1"'
        for index, step in enumerate(graph.steps, start=1):
            # Edges within a row are drawn left to right: a key first read (an input) sits
            # left of its step, a key first written sits right of it.
            for key in step.writes:
                flat = "" if anchors[key] == index else ", constraint=false"
                lines.append(f"    step_{index} -> {keys[key]} [{write}{flat}];")
            for key in step.reads:
                flat = "" if anchors[key] == index else ", constraint=false"
                lines.append(f"    {keys[key]} -> step_{index} [{read}{flat}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(dot_text: str) -> str:
    """Render DOT with Graphviz; raises `GraphvizMissing` when `dot` is not installed."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing("Graphviz is not installed: `dot` was not found on PATH")
    completed = subprocess.run([program, "-Tsvg"], input=dot_text, capture_output=True,
                               text=True, timeout=60, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"dot failed: {completed.stderr.strip()}")
    return completed.stdout
