"""The plain-JSON boundary: every class of non-JSON value is refused, naming its path."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.orchestration.canonical import canonical_hash, canonical_json
from runtime.orchestration.values import MAX_DEPTH, json_problem


class Thing:
    pass


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"tags": {1, 2}}, "state.tags: a set is not JSON data (use a list)"),
        ({"pair": (1, 2)}, "state.pair: a tuple is not JSON data (use a list)"),
        ({"raw": b"x"}, "state.raw: a bytes is not JSON data (decode it to a string)"),
        ({"obj": Thing()}, "state.obj: a Thing is not JSON data"),
        ({"n": float("nan")}, "state.n: nan is not a JSON number"),
        ({"n": [1, float("inf")]}, "state.n[1]: inf is not a JSON number"),
        ({"big": 2**64}, "state.big: the integer 18446744073709551616 is too large"),
        ({"s": "\ud800"}, "state.s: the string holds a lone surrogate"),
        ({1: "x"}, "state: the key 1 is int; keys of JSON objects are strings"),
        ({"a": {"\udc00": 1}}, "state.a: the key '\\udc00' holds a lone surrogate"),
        ({"a": {"b": [{"c": {3}}]}}, "state.a.b[0].c: a set is not JSON data"),
    ],
)
def test_refused_with_the_path(value: Any, words: str) -> None:
    problem = json_problem(value, "state")
    assert problem is not None and problem.startswith(words), problem


def test_deep_nesting_is_refused_without_recursion() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    problem = json_problem({"x": deep}, "state")
    assert problem is not None and f"nested more than {MAX_DEPTH} levels" in problem
    ok: Any = []
    for _ in range(MAX_DEPTH - 2):
        ok = [ok]
    assert json_problem({"x": ok}, "state") is None


plain_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(plain_json)
def test_plain_json_is_accepted_and_hashes_like_its_round_trip(value: Any) -> None:
    import json

    assert json_problem(value, "state") is None
    assert canonical_hash(json.loads(canonical_json(value))) == canonical_hash(value)


BAD_VALUES = [({1, 2}, "a set is not JSON data (use a list)"),
              (b"x", "a bytes is not JSON data (decode it to a string)"),
              (Thing(), "a Thing is not JSON data"),
              (float("nan"), "nan is not a JSON number"),
              (float("-inf"), "-inf is not a JSON number"),
              (2**53, "the integer 9007199254740992 is too large for JSON data"),
              (-(2**53), "the integer 9007199254740992 is too large for JSON data"),
              ("a\udc00", "the string holds a lone surrogate"),
              ({"k": {7: 1}}, "the key 7 is int; keys of JSON objects are strings")]


@pytest.mark.parametrize(("value", "words"), BAD_VALUES)
@pytest.mark.parametrize("where", ["params", "initial_state", "answers"])
def test_the_python_api_refuses_them_before_the_run(value: Any, words: str, where: str) -> None:
    from compiler import compile_source
    from runtime.orchestration import ExecutionContext, Orchestrator
    from runtime.orchestration.model import AnswerError, ParameterError

    workflow = compile_source('mission ask "Ask" {\n version 1\n param note: any = ""\n'
                              ' input data: any = null\n human ask "Ask" { text("Why?") '
                              "-> state.why }\n}\n", "ask.mission").workflow
    assert workflow is not None
    key = {"params": "note", "initial_state": "data", "answers": "ask"}[where]
    root = {"params": "param", "initial_state": "state", "answers": "answers"}[where]
    asked: list[object] = []
    changes: dict[str, Any] = {where: {key: [value]}}
    context = dataclasses.replace(ExecutionContext(ask=asked.append), **changes)
    with pytest.raises((ParameterError, AnswerError)) as raised:
        Orchestrator().run_workflow(workflow, context)
    assert str(raised.value).startswith(f"{root}.{key}[0]"), raised.value
    assert words in str(raised.value) and asked == []
