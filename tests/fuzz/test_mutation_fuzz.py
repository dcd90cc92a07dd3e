"""Mutation fuzzing: valid missions, then broken on purpose, through every phase.

The seeds are the examples, the built-in missions and missions generated to be
valid (`bench.corpus.mission_text`, which reach the emitter and the engine).
Each mutation cuts, repeats, swaps or inserts text: tokens of the language,
bursts of brackets or `not`, huge numbers, escapes, control and invisible
characters. Whatever comes out, the compiler returns diagnostics with spans
inside the text; the formatter formats or refuses with `FormatError`; the
language server answers; and a mission that compiles passes the engine's own
checks and runs to a result (or refuses answers or params that do not fit).
"""

from __future__ import annotations

import contextlib
import random

from hypothesis import given
from hypothesis import strategies as st

from bench.corpus import mission_text
from compiler import compile_source
from compiler.config import Config
from compiler.format import FormatError, format_source
from fuzz.harness import ask_the_language_server, check_time_limits, timed_mission_text
from mission.graph import build_graph, to_dot, to_mermaid
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import AnswerError, ParameterError
from runtime.orchestration.operations import OPERATIONS
from tests.conftest import ROOT
from tests.fuzz import budget

SEEDS = [path.read_text(encoding="utf-8")
         for path in sorted((ROOT / "examples").glob("*.mission"))
         + sorted((ROOT / "runtime" / "orchestration" / "missions").glob("*.mission"))]
ALL = Config(select=("ALL",))
PIECES = ["{", "}", "(", ")", "[", "]", ",", ":", ".", "->", "=", "..", "==", "!=", "<", ">=",
          "and", "or", "not", "in", "when", "state", "param", "input", "version", "mission",
          "runtime", "human", "true", "false", "null", "set", "append", "confirm", "choose",
          "noop", "fail", "x", "tasks", "state.x", "param.p", '"text"', '"', '"\\u00e9"',
          '"\\ud83d\\ude00"', '"\\ud800"', '"\\q"', "1", "-0.0", "1e308", "1e999",
          "9007199254740993", "99999999999999999999", "0.1", "#", "# mission: ignore[W101]",
          "\n", "\t", "\r", "\x00", "\x1b[2J", "\u202e", "\u00a0", "\ufeff", "é", "\U0001f600",
          "\u201c", "[" * 60, "]" * 60, "not " * 60, "{a: " * 60, "(" * 60, "remind", "after",
          "before", "answer", "escalate to", "by 2 of", "except starter", "2 days", "1.5 hours",
          "0 minutes", "53 weeks", "\n after 1 day fail", "\n after 1 day answer true"]


def seeds() -> st.SearchStrategy[str]:
    generated = st.builds(lambda seed, valid: mission_text(random.Random(seed), valid),
                          st.integers(0, 2**32), st.booleans())
    timed = st.builds(lambda seed: timed_mission_text(random.Random(seed)), st.integers(0, 2**32))
    return st.sampled_from(SEEDS) | generated | timed


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(seeds())
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        start = draw(st.integers(0, size))
        end = draw(st.integers(start, min(size, start + 40)))
        action = draw(st.sampled_from(["cut", "repeat", "insert", "replace", "swap"]))
        if action == "cut":
            text = text[:start] + text[end:]
        elif action == "repeat":
            text = text[:end] + text[start:end] * draw(st.integers(1, 20)) + text[end:]
        elif action == "insert":
            piece = draw(st.sampled_from(PIECES) | st.text(max_size=3))
            text = text[:start] + piece + text[start:]
        elif action == "replace":
            text = text[:start] + draw(st.sampled_from(PIECES)) + text[end:]
        else:
            other = draw(st.integers(0, size))
            text = text[:start] + text[other:other + end - start] + text[end:]
    return text


def check_every_phase(text: str) -> None:
    result = compile_source(text, "fuzz.mission", config=ALL)
    for diagnostic in result.diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text), diagnostic
        for label in diagnostic.labels:
            assert 0 <= label.span.start <= label.span.end <= len(text), label
    try:
        formatted = format_source(text, "fuzz.mission")
    except FormatError:  # a syntax error: E001, a limit (E023), or the missing type the
        # recovery reports as the checker does (`param a:` at the end of a line, E015)
        assert result.mission is None or any(
            d.severity.value == "error" and (d.code in ("E001", "E023") or (
                d.code == "E015" and d.message.endswith("is missing")))
            for d in result.diagnostics)
    else:
        again = compile_source(formatted, "fuzz.mission", config=ALL)
        assert again.mission == result.mission
    ask_the_language_server("file:///fuzz.mission", text)
    if result.workflow is None:
        return
    Orchestrator().validate(result.workflow)
    check_time_limits(result.workflow)
    graph = build_graph(result.workflow)
    to_mermaid(graph)
    to_dot(graph)
    steps = result.workflow.steps
    if any(OPERATIONS[str(step.payload.get("operation"))].effect for step in steps):
        return  # refused without an effect runner, as documented (tests/runtime run them)
    # Answers or params that do not fit are a refusal that names the problem.
    with contextlib.suppress(AnswerError, ParameterError):
        Orchestrator().run_workflow(result.workflow, ExecutionContext(
            answers={step.id: True for step in steps if step.kind == "human"}))


@budget(150)
@given(mutated())
def test_mutated_missions_never_crash_any_phase(text: str) -> None:
    check_every_phase(text)


@budget(60)
@given(seeds())
def test_valid_seeds_compile_and_run(text: str) -> None:
    check_every_phase(text)
