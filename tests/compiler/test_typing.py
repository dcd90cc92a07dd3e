"""The type checker on the new expressions: arithmetic, `if`, `item`, and calls typed through
the operation table (result types from argument types)."""

from __future__ import annotations

import pytest

from compiler import compile_source

_MISSION = """mission typed "Typed" {{
    version 1
    input bugs: list[{{id: str, title: str, severity: int}}] = []
    input n: int = 1
    input x: float = 1.5
    input name: str = "a"
    param today: date = "2026-12-03"
    runtime first "First" {{
        {first}
    }}
    runtime second "Second" {{
        {second}
    }}
}}
"""


def _compile(first: str, second: str = "noop()") -> tuple[list[str], dict[str, str]]:
    compiled = compile_source(_MISSION.format(first=first, second=second))
    errors = [f"{d.code} {d.message}" for d in compiled.errors]
    shapes = {name: str(shape) for name, shape in compiled.analysis.state_shapes.items()} \
        if compiled.analysis is not None else {}
    return errors, shapes


@pytest.mark.parametrize(("expression", "shape"), [
    ("state.n + 1", "int"),
    ("state.n + state.x", "float"),
    ("state.n / 1", "float"),
    ("-state.x", "float"),
    ('state.name + "b"', "str"),
    ('if state.n > 0 then state.n else state.x', "number"),
    ('if state.n > 0 then "a" else "b"', "str"),
    ("param.today < param.today", "bool"),
    ('filter(state.bugs, where: item.severity > 1)', "list[{id: str, title: str, severity: int}]"),
    ("state.bugs |> sort(by: desc(item.id)) |> take(2)",
     "list[{id: str, title: str, severity: int}]"),
    ('pick(state.bugs, fields: ["id", "title"])', "list[{id: str, title: str}]"),
    ('rename(state.bugs, fields: {title: "summary"})',
     "list[{id: str, summary: str, severity: int}]"),
    ('find(state.bugs, where: item.id == "B1")', "{id: str, title: str, severity: int}?"),
    ("count(state.bugs)", "int"),
    ("sum(state.bugs, of: item.severity)", "int"),
    ("max(state.bugs, of: item.title)", "str?"),
    ("min(state.bugs, of: item.severity) ?? 0", "int"),
    ("first(state.bugs)", "{id: str, title: str, severity: int}?"),
    ('if state.n > 0 then "a" else null', "str?"),
    ("[1, null]", "list[int?]"),
    ("map(state.bugs, to: item.severity)", "list[int]"),
    ('update(state.bugs, where: item.id == "B1", with: merge(item, {severity: 9}))',
     "list[{id: str, title: str, severity: int}]"),
    ("round(state.x)", "int"),
    ("round(state.x, 2)", "float"),
    ("round(state.n, 2)", "int"),
    ("floor(state.x)", "int"),
    ("ceil(state.x)", "int"),
    ("abs(state.x)", "float"),
    ("abs(state.n)", "int"),
    ('format("{x:.2f}", x: state.x)', "str"),
    ("concat(state.bugs, state.bugs)", "list[{id: str, title: str, severity: int}]"),
    ('merge({a: 1}, {b: "x"})', "{a: int, b: str}"),
    ('format("{a}", a: 1)', "str"),
    ("add_days(param.today, 1)", "date"),
    ("weekday(param.today)", "str"),
    ("days_between(param.today, param.today)", "int"),
])
def test_result_types(expression: str, shape: str) -> None:
    errors, shapes = _compile(f"set(at: state.out, value: {expression})")
    assert errors == []
    assert shapes["out"] == shape


def test_a_data_operation_as_a_step_stores_its_typed_result() -> None:
    errors, shapes = _compile('pick(state.bugs, fields: ["id"]) -> state.ids',
                              "set(at: state.out, value: count(state.ids, where: item.id > \"B\"))")
    assert errors == [] and shapes["ids"] == "list[{id: str}]" and shapes["out"] == "int"


@pytest.mark.parametrize(("first", "second", "error"), [
    ('set(at: state.out, value: "a" - 1)', "noop()", "E025 `-` needs two numbers"),
    ('set(at: state.out, value: -state.name)', "noop()", "E025 `-` needs a number, not str"),
    ("set(at: state.out, value: state.n * true)", "noop()", "E025 `*` needs two numbers"),
    ("set(at: state.out, value: if state.n then 1 else 2)", "noop()",
     "E026 the condition of `if` must be true or false, not int"),
    ('set(at: state.out, value: if true then 1 else "a")', "noop()",
     "E026 the branches of `if` give int and str"),
    ("set(at: state.out, value: item.id)", "noop()", "E027 `item.id` is read outside"),
    ("count(state.bugs, where: item.severty > 1) -> state.out", "noop()",
     "E028 `item` has no field `severty`"),
    ('pick(state.bugs, fields: ["id"]) -> state.ids',
     "sort(state.ids, by: item.title) -> state.out", "E028 `item` has no field `title`"),
    ('set(at: state.out, value: format("{a} {b}", a: 1))', "noop()",
     "E029 the template uses `{b}`"),
    ('set(at: state.out, value: format("{a}", a: 1, c: 2))', "noop()",
     "E029 the argument `c` is not used"),
    ('set(at: state.out, value: format("{a", a: 1))', "noop()", "E029 the template is malformed"),
    ("set(at: state.out, value: cont(state.bugs))", "noop()", "E006 unknown operation `cont`"),
    ("set(at: state.out, value: set(state.bugs))", "noop()",
     "E013 `set` is a runtime step's operation and cannot be used inside an expression"),
    ('set(at: state.out, value: count("abc"))', "noop()",
     "E011 `list` of `count` must be list, not str"),
    ("set(at: state.out, value: take(state.bugs))", "noop()",
     "E012 `take` needs the argument `n`"),
    ("set(at: state.out, value: take(state.bugs, count: 2))", "noop()",
     "E010 `take` has no argument `count`"),
    ("set(at: state.out, value: desc(state.n))", "noop()",
     "E027 `desc` only marks a key of `sort`'s `by`"),
    ("sort(state.bugs, by: [item.title, [item.id]]) -> state.out", "noop()",
     "E011 a sort key must be a number, string, date or boolean"),
])
def test_errors(first: str, second: str, error: str) -> None:
    errors, _ = _compile(first, second)
    assert any(found.startswith(error) for found in errors), errors


def test_a_template_known_only_at_run_time_is_not_checked_statically() -> None:
    errors, _ = _compile('set(at: state.out, value: format(state.name, a: 1))')
    assert errors == []


_CHOOSE = """mission pick "Pick" {{
    version 1
    input bugs: list[{{id: str, title: str, severity: int}}] = []
    human pick "Pick one" {{
        {call} -> state.chosen
    }}
    runtime use "Use it" {{
        set(at: state.out, value: state.chosen)
    }}
}}
"""


@pytest.mark.parametrize(("call", "shape"), [
    ('choose("Which?", options: ["a", "b"])', "str"),
    ('choose("Which?", options: state.bugs, label: item.title, value: item.severity)', "int"),
    ('choose("Which?", options: state.bugs, label: item.title)',
     "{id: str, title: str, severity: int}"),
])
def test_choose_by_label_stores_the_type_of_its_value(call: str, shape: str) -> None:
    compiled = compile_source(_CHOOSE.format(call=call))
    assert list(compiled.errors) == []
    assert compiled.analysis is not None
    assert str(compiled.analysis.state_shapes["chosen"]) == shape


def test_choose_labels_are_checked_against_the_element_type() -> None:
    compiled = compile_source(_CHOOSE.format(
        call='choose("Which?", options: state.bugs, label: item.titel, value: item.id)'))
    assert [(d.code, d.message) for d in compiled.errors] == [
        ("E028", "`item` has no field `titel`")]


def test_the_linter_sees_variadic_and_named_template_arguments_as_reads() -> None:
    text = """mission joined "Join lists" {
    version 1
    input a: list = []
    input b: list = []
    input who: str = "x"
    runtime join "Join" {
        concat(state.a, state.b) -> state.all
    }
    runtime say "Say" {
        format("{n} from {who}", n: count(state.all), who: state.who) -> state.text
    }
    runtime show "Show" {
        assert(condition: state.text != "")
    }
}
"""
    assert [d.code for d in compile_source(text).diagnostics] == []
