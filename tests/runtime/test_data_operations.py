"""The data operations of the table, compiled from source and run by the engine."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import compile_source
from runtime.orchestration import ExecutionContext, Orchestrator, budget
from runtime.orchestration.data import render
from runtime.orchestration.expressions import EvaluationError, evaluate, expression_problem
from runtime.orchestration.model import EnvelopeViolation, ParameterError
from tests.runtime.builders import step, workflow

_MISSION = """mission data "Data" {{
    version 1
    input bugs: list[{{id: str, title: str, severity: int, status: str}}] = []
    input other: any = null
    param today: date = "2026-12-03"
    runtime compute "Compute" {{
        {body}
    }}
}}
"""

BUGS = [
    {"id": "B1", "title": "Crash", "severity": 2, "status": "open"},
    {"id": "B2", "title": "Typo", "severity": 1, "status": "open"},
    {"id": "B3", "title": "Leak", "severity": 3, "status": "done"},
    {"id": "B4", "title": "Hang", "severity": 3, "status": "open"},
    {"id": "B0", "title": "Slow", "severity": 2, "status": "open"},
]


def _run(body: str, **state: Any) -> tuple[Any, str | None]:
    compiled = compile_source(_MISSION.format(body=body))
    assert compiled.workflow is not None, [d.message for d in compiled.errors]
    result = Orchestrator().run_workflow(compiled.workflow,
                                         ExecutionContext(initial_state={"bugs": BUGS, **state}))
    return result.final_state.get("out"), result.error_message


def value(expression: str, **state: Any) -> Any:
    """The value of an expression, through `set` (so inside an expression)."""
    result, error = _run(f"set(at: state.out, value: {expression})", **state)
    assert error is None, error
    return result


def ids(bugs: list[dict[str, Any]]) -> list[str]:
    return [bug["id"] for bug in bugs]


def test_the_bug_triage_ranking_as_a_step_and_as_a_pipe() -> None:
    ranking = 'take(sort(filter(state.bugs, where: item.status == "open"), ' \
              "by: [desc(item.severity), item.id]), 3)"
    as_step, error = _run(f"{ranking} -> state.out")
    assert error is None and ids(as_step) == ["B4", "B0", "B1"]
    piped = 'state.bugs |> filter(where: item.status == "open") ' \
            "|> sort(by: [desc(item.severity), item.id]) |> take(3)"
    assert ids(value(piped)) == ["B4", "B0", "B1"]


def test_sort_is_stable_and_orders_mixed_keys_with_null_last_both_ways() -> None:
    rows = [{"k": None, "n": 1}, {"k": "b", "n": 2}, {"k": 2, "n": 3}, {"k": True, "n": 4},
            {"k": 1, "n": 5}, {"k": "a", "n": 6}, {"k": 2, "n": 7}, {"k": False, "n": 8}]
    ascending = value("sort(state.other, by: item.k)", other=rows)
    assert [row["n"] for row in ascending] == [5, 3, 7, 6, 2, 8, 4, 1]
    descending = value("sort(state.other, by: desc(item.k))", other=rows)
    assert [row["n"] for row in descending] == [4, 8, 2, 6, 3, 7, 5, 1]


def test_sort_refuses_a_list_as_a_key() -> None:
    _, error = _run("sort(state.other, by: item.k) -> state.out", other=[{"k": [1]}, {"k": 2}])
    assert error is not None and "`sort` orders by numbers, strings, booleans or null" in error


@pytest.mark.parametrize(("expression", "expected"), [
    ('count(state.bugs, where: item.status == "open")', 4),
    ("count(state.bugs)", 5),
    ("sum(state.bugs, of: item.severity)", 11),
    ("min(state.bugs, of: item.severity)", 1),
    ("max(state.bugs, of: item.title)", "Typo"),
    ("sum([])", 0),
    ("min([])", None),
    ('find(state.bugs, where: item.id == "nope")', None),
    ("take(state.bugs, 0)", []),
    ("concat([1], [2, 3], [])", [1, 2, 3]),
    ("merge({a: 1, b: 1}, {b: 2})", {"a": 1, "b": 2}),
    ('pick(find(state.bugs, where: item.id == "B2"), fields: ["title", "id"])',
     {"title": "Typo", "id": "B2"}),
    ('rename(pick(take(state.bugs, 1), fields: ["id"]), fields: {id: "key"})', [{"key": "B1"}]),
    ('add_days("2026-12-31", 1)', "2027-01-01"),
    ('add_days("2024-03-01", -1)', "2024-02-29"),
    ('weekday("2026-12-03")', "Thursday"),
    ('days_between("2026-12-03", "2026-12-25")', 22),
    ('"2026-02-01" < "2026-10-01"', True),
    ('format("{a}/{b}/{c}/{d}/{e} {{x}}", a: 0.1, b: 2.0, c: 3, d: [1, "x"], e: null)',
     '0.1/2.0/3/[1,"x"]/null {x}'),
    ("count(state.bugs) * 2 + sum(state.bugs, of: item.severity)", 21),
    ("if count(state.bugs) > 3 then \"many\" else \"few\"", "many"),
])
def test_values(expression: str, expected: Any) -> None:
    assert value(expression) == expected


def test_format_renders_floats_in_the_shortest_round_trip_form() -> None:
    assert [render(x) for x in (0.1, 1e16, 1e-5, 2.5, -0.0, 123456789.125)] == \
        ["0.1", "1e+16", "1e-05", "2.5", "-0.0", "123456789.125"]


@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=100, deadline=None)
def test_rendered_floats_read_back_exactly(number: float) -> None:
    assert float(render(number)) == number


@pytest.mark.parametrize(("body", "message"), [
    ("take(state.bugs, 0 - 1) -> state.out", "`n` of `take` must be a whole number of at least 0"),
    ("count(state.other) -> state.out", "`count` needs a list as `list`, found null"),
    ("filter(state.other, where: item.x) -> state.out", "`where` condition of `filter` must be"),
    ("sum(state.other) -> state.out", "`sum` adds numbers, found the str 'a'"),
    ('add_days(state.other, 1) -> state.out', "`date` of `add_days` must be a date"),
    ('pick(state.bugs, fields: ["id", "owner"]) -> state.out', "has no field `owner`"),
    ("format(state.other) -> state.out", "the template of `format` is malformed"),
])
def test_bad_data_fails_the_step_with_a_message(body: str, message: str) -> None:
    other: Any = [{"x": 1}] if "filter" in body else ["a"] if "sum" in body else \
        "{" if "format" in body else None
    result, error = _run(body, other=other)
    assert result is None
    assert error is not None and "Step 'compute' failed" in error and message in error, error


@pytest.mark.parametrize(("expression", "problem"), [
    ({"call": "nope", "args": {}}, "is not an operation that gives a value"),
    ({"call": "set", "args": {}}, "is not an operation that gives a value"),
    ({"call": "count", "args": {"lists": []}}, "`count` has no argument `lists`"),
    ({"call": "count", "args": {}}, "`count` is missing the argument `list`"),
    ({"call": "count", "args": []}, "must be a map"),
    ({"ref": "item.x"}, "outside an argument evaluated per item"),
    ({"call": "count", "args": {"list": {"ref": "item"}}}, "outside an argument evaluated"),
    ({"call": "concat", "args": {"lists": 3}}, "must be a list of values"),
])
def test_expression_problem_validates_call_nodes(expression: Any, problem: str) -> None:
    found = expression_problem(expression)
    assert found is not None and problem in found


def test_a_hand_written_workflow_with_a_bad_call_is_refused_before_it_runs() -> None:
    flow = workflow(step("s", "set", {"at": {"ref": "state.x"},
                                      "value": {"call": "filter", "args": {"list": []}}}))
    with pytest.raises(EnvelopeViolation, match="missing the argument `where`"):
        Orchestrator().run_workflow(flow, ExecutionContext())


def test_hostile_nesting_of_calls_is_refused_not_a_crash() -> None:
    node: Any = {"lit": []}
    for _ in range(10_000):
        node = {"call": "concat", "args": {"lists": {"list": [node]}}}
    found = expression_problem(node)
    assert found is not None and "nested more than" in found


def test_desc_has_no_value_outside_sort() -> None:
    with pytest.raises(EvaluationError, match="`desc` marks a key of `sort`"):
        evaluate({"call": "desc", "args": {"key": 1}}, {}, {})


@pytest.mark.parametrize(("bugs", "message"), [
    ([{"id": "B1", "title": "t", "severity": "high", "status": "open"}],
     "state input `bugs[0].severity` must be a whole number, found the str 'high'"),
    ([BUGS[0], {"id": "B2", "severity": 1, "status": "open"}],
     "state input `bugs[1]` has no field `title`"),
    ([BUGS[0], 3], "state input `bugs[1]` must be a map, found the int 3"),
])
def test_typed_list_inputs_are_checked_before_the_first_step(bugs: Any, message: str) -> None:
    compiled = compile_source(_MISSION.format(body="count(state.bugs) -> state.out"))
    assert compiled.workflow is not None
    declared = compiled.workflow.metadata["declarations"]["inputs"]["bugs"]
    assert declared["items"]["fields"]["severity"] == {"type": "int"}
    with pytest.raises(ParameterError, match="^" + re.escape(message) + "$"):
        Orchestrator().run_workflow(compiled.workflow,
                                    ExecutionContext(initial_state={"bugs": bugs}))


def test_a_malformed_element_type_in_a_workflow_is_refused() -> None:
    compiled = compile_source(_MISSION.format(body="count(state.bugs) -> state.out"))
    assert compiled.workflow is not None
    compiled.workflow.metadata["declarations"]["inputs"]["bugs"]["items"] = {"type": "list",
                                                                             "fields": {}}
    with pytest.raises(EnvelopeViolation, match="only a map type has `fields`"):
        Orchestrator().run_workflow(compiled.workflow, ExecutionContext())


def test_nested_list_operations_have_a_bounded_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-item work multiplies with nesting (len(L) ** depth): one expression gets a budget
    of per-item evaluations, then the step fails with a message instead of running for ever."""
    monkeypatch.setattr(budget, "MAX_ITEM_EVALUATIONS", 5_000)
    inner: Any = True
    for _ in range(3):  # 100 ** 3 evaluations wanted
        inner = {"op": ">", "args": [{"call": "count", "args": {
            "list": {"ref": "state.items"}, "where": inner}}, 0]}
    flow = workflow(step("s", "set", {"at": {"ref": "state.x"}, "value": inner}))
    result = Orchestrator().run_workflow(flow, ExecutionContext(
        initial_state={"items": list(range(100))}))
    assert result.status == "failed"
    assert "evaluates per-item arguments more than 5,000 times" in str(result.error_message)
    small = Orchestrator().run_workflow(flow, ExecutionContext(
        initial_state={"items": list(range(10))}))
    assert small.success and small.final_state["x"] is True


@pytest.mark.parametrize(("expression", "expected"), [
    ("map(state.bugs, to: item.id)", ["B1", "B2", "B3", "B4", "B0"]),
    ("map([], to: item)", []),
    ("first(state.bugs) |> pick(fields: [\"id\"])", {"id": "B1"}),
    ("first([])", None),
    ('update(state.bugs, where: item.id == "B3", with: merge(item, {status: "open"})) '
     '|> map(to: item.status)', ["open", "open", "open", "open", "open"]),
    ('update(state.bugs, where: item.id == "nope", with: 1) |> map(to: item.id)',
     ["B1", "B2", "B3", "B4", "B0"]),
    ("update([1, -2, 3, -4], where: item < 0, with: 0)", [1, 0, 3, 0]),
    ("[round(2.5), round(-2.5), round(0.5), round(1.4999), round(7, 2)]", [3, -3, 1, 1, 7]),
    ("[round(2.675, 2), round(1.005, 2), round(0.125, 2), round(-0.125, 2)]",
     [2.67, 1.0, 0.13, -0.13]),
    ("round(0 - 0.001, 2)", 0.0),
    ("round(1872.3899999999999, 2)", 1872.39),
    ("[floor(1.5), floor(-1.5), ceil(1.2), ceil(-1.2), floor(3)]", [1, -2, 2, -1, 3]),
    ("[abs(-3), abs(2.5), abs(0 - 0.0)]", [3, 2.5, 0.0]),
    ('format("{a:.2f}|{b:.0f}|{c:.3f}|{d:.2f}|{e:.1f}", a: 1872.3899999999999, b: 2.5, c: 7, '
     'd: 0 - 0.001, e: 1e20)', "1872.39|3|7.000|0.00|100000000000000000000.0"),
])
def test_new_values(expression: str, expected: Any) -> None:
    found = value(expression)
    assert found == expected and type(found) is type(expected)


@pytest.mark.parametrize(("body", "message"), [
    ('set(at: state.out, value: round(state.other))', "`round` needs a number, found the str"),
    ("set(at: state.out, value: round(1.5, 16))", "`places` of `round` must be a whole number "
                                                  "from 0 to 15"),
    ("set(at: state.out, value: floor(1e300))", "integer overflow: `floor` of 1e+300"),
    ('set(at: state.out, value: format("{x:.2f}", x: state.other))',
     "`{x:.2f}` writes a number, found the str"),
    ("update(state.other, where: true, with: 1) -> state.out", "`update` needs a list"),
])
def test_new_operations_fail_on_bad_data_with_a_message(body: str, message: str) -> None:
    _, error = _run(body, other="a")
    assert error is not None and message in error, error


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False), st.integers(0, 6))
@settings(max_examples=200, deadline=None)
def test_round_and_fixed_decimals_agree_and_keep_the_places(number: float, places: int) -> None:
    from decimal import Decimal

    from runtime.orchestration.data import fixed, rounded

    text = fixed(number, places)
    assert len(text.partition(".")[2]) == places
    assert Decimal(text.lstrip("-") or "0") == abs(rounded(number, places))
    # half away from zero, on the exact binary value
    exact, step = Decimal(number), Decimal(1).scaleb(-places)
    assert abs(exact - rounded(number, places)) <= step / 2
