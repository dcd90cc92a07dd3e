"""Null in the static types: `T?`, optional fields, guards that narrow, `??`, E031, and the
engine agreeing with the checker (issue 22, item 1 and 2)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from compiler import compile_source
from compiler.fix import fix_text
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import ParameterError

_MISSION = """mission guarded "Guards" {{
    version 1
    input roster: list[{{name: str, team: {{lead: str}}?, last: date?, phone?: str}}] = []
    input n: int? = null
    input flag: bool? = null
    runtime pick "Pick" {{
        find(state.roster, where: item.name == "ana") -> state.next
    }}
    runtime use "Use" {when} {{
        {call}
    }}
}}
"""


def _diagnostics(call: str, when: str = "") -> list[tuple[str, str]]:
    compiled = compile_source(_MISSION.format(call=call, when=when))
    return [(d.code, d.message) for d in compiled.diagnostics if d.code not in _UNUSED]


_UNUSED = frozenset({"N302", "W201", "W202"})  # the template declares more than each case uses


def _codes(call: str, when: str = "") -> list[str]:
    return [code for code, _ in _diagnostics(call, when)]


@pytest.mark.parametrize(("when", "call"), [
    ("when state.next != null", "set(at: state.out, value: state.next.name)"),
    ("when null != state.next and state.next.name == \"ana\"",
     "set(at: state.out, value: state.next.name)"),
    ("when not (state.next == null)", "set(at: state.out, value: state.next.name)"),
    ("", "set(at: state.out, value: if state.next != null then state.next.name else \"-\")"),
    ("", "set(at: state.out, value: if state.next == null then \"-\" else state.next.name)"),
    ("", "set(at: state.out, value: state.next == null or state.next.name == \"ana\")"),
    ("", "set(at: state.out, value: state.next.name ?? \"nobody\")"),
    ("", "set(at: state.out, value: state.next.team.lead ?? \"nobody\")"),
    ("when state.next.team.lead != null", "set(at: state.out, value: state.next.team.lead)"),
    ("", "filter(state.roster, where: item.phone != null and item.phone > \"0\") -> state.out"),
    ("", "filter(state.roster, where: \"phone\" in item and item.phone > \"0\") -> state.out"),
    ("", "filter(state.roster, where: item.team != null and item.team.lead == \"x\") "
         "-> state.out"),
    ("", "set(at: state.out, value: (state.n ?? 0) + 1)"),
    ("when state.flag ?? false", "noop()"),
    ("when state.flag == true", "noop()"),
    ("", "set(at: state.out, value: map(state.roster, to: item.last ?? \"never\"))"),
])
def test_a_guard_or_a_default_makes_a_read_safe(when: str, call: str) -> None:
    assert _diagnostics(call, when) == []


@pytest.mark.parametrize(("when", "call", "message"), [
    ("", "set(at: state.out, value: state.next.name)",
     "`state.next` may be null (it is {name: str, team: {lead: str}?, last: date?, "
     "phone?: str}?), so `state.next.name` cannot always be read"),
    ("when state.next != null", "set(at: state.out, value: state.next.team.lead)",
     "`state.next.team` may be null (it is {lead: str}?), so `state.next.team.lead` cannot "
     "always be read"),
    ("", "filter(state.roster, where: item.phone > \"0\") -> state.out",
     "`item.phone` may be absent (its record declares `phone?: str`)"),
    ("", "set(at: state.out, value: state.n + 1)",
     "`+` cannot take null, and `state.n` may be null (it is int?)"),
    ("", "set(at: state.out, value: state.n > 1)",
     "`>` cannot take null, and `state.n` may be null (it is int?)"),
    ("", "set(at: state.out, value: not state.flag)",
     "`not` cannot take null, and `state.flag` may be null (it is bool?)"),
    ("", "set(at: state.out, value: state.next == null or state.next.name == \"x\" and "
         "state.next.team.lead == \"y\")",
     "`state.next.team` may be null"),
    # a guard about one item says nothing inside a nested list operation's own items
    ("", "filter(state.roster, where: item.team != null and count(filter(state.roster, "
         "where: item.team.lead == \"x\")) > 0) -> state.out", "`item.team` may be null"),
])
def test_an_unguarded_read_is_e044(when: str, call: str, message: str) -> None:
    found = _diagnostics(call, when)
    assert [code for code, _ in found] == ["E031"], found
    assert found[0][1].startswith(message), found


def test_the_when_of_a_step_does_not_guard_the_next_one() -> None:
    text = _MISSION.format(when="when state.next != null", call="noop()").replace(
        "\n}\n", '\n    runtime later "Later" {\n'
        '        set(at: state.out, value: state.next.name)\n    }\n}\n')
    assert [d.code for d in compile_source(text).errors] == ["E031"]


@pytest.mark.parametrize(("when", "guarded"), [
    ("", 'runtime use "Use" when state.next != null {'),
    ('when param.x == 1 or true', 'runtime use "Use" when state.next != null and (param.x == 1 '
                                  "or true) {"),
    ("when state.next.name == \"ana\"",
     'runtime use "Use" when state.next != null and state.next.name == "ana" {'),
])
def test_the_fix_guards_the_step_and_then_it_compiles(when: str, guarded: str) -> None:
    text = _MISSION.format(when=when, call="set(at: state.out, value: state.next.name)")
    text = text.replace("    input flag", "    param x: int = 1\n    input flag")
    fixed = fix_text(text, lambda source: compile_source(source).diagnostics).text
    assert guarded in " ".join(fixed.split())
    assert compile_source(fixed).errors == ()


@pytest.mark.parametrize(("call", "code", "message"), [
    ('set(at: state.out, value: state.n ?? "x")', "E026",
     "the two sides of `??` give int and str"),
    ('set(at: state.out, value: if true then "a" else 1)', "E026",
     "the branches of `if` give str and int"),
    ("set(at: state.out, value: if state.flag then 1 else 2)", "E026",
     "the condition of `if` must be true or false, not bool?"),
    ("set(at: state.out, value: add_days(\"2026-01-01\", state.n))", "E011",
     "`days` of `add_days` must be int, not int?"),
    ('set(at: state.out, value: format("{x:.2f}", x: state.n))', "E029",
     "`{x:.2f}` writes a number, but `x` may be null"),
    ('set(at: state.out, value: {a?: 1})', "E001",
     "`a?:` marks a form's field that may be left out"),
])
def test_type_errors_about_null(call: str, code: str, message: str) -> None:
    found = _diagnostics(call)
    assert (code, message) in [(c, m[:len(message)]) for c, m in found], found


def test_a_when_that_may_be_null_is_e022_with_a_default_to_give() -> None:
    compiled = compile_source(_MISSION.format(when="when state.flag", call="noop()"))
    (error,) = compiled.errors
    assert error.code == "E022" and error.message.endswith("not bool?")
    assert "`state.flag ?? false`" in error.help[0]


def test_a_value_and_null_join_to_a_type_that_may_be_null() -> None:
    compiled = compile_source(_MISSION.format(
        when="", call='set(at: state.out, value: if state.next != null then state.next.name '
                      'else null)'))
    assert compiled.errors == () and compiled.analysis is not None
    assert str(compiled.analysis.state_shapes["out"]) == "str?"


# -- the engine reads a missing key or a null as the checker says ---------------------------

def _run(call: str, when: str = "", **state: Any) -> Any:
    compiled = compile_source(_MISSION.format(call=call, when=when))
    assert compiled.workflow is not None, [d.message for d in compiled.errors]
    result = Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
        initial_state=state))
    assert result.success, result.error_message
    return result.final_state


ROSTER = [{"name": "bo", "team": None, "last": None},
          {"name": "ana", "team": None, "last": "2026-01-02"},
          {"name": "cy", "team": {"lead": "dee"}, "last": None, "phone": "555"}]


@pytest.mark.parametrize(("roster", "expected"), [
    (ROSTER, "nobody"),
    ([], "nobody"),
    ([{"name": "ana", "team": {"lead": "dee"}, "last": None}], "dee"),
])
def test_coalescing_reads_a_missing_key_or_a_null_on_the_path_as_null(
        roster: Any, expected: str) -> None:
    final = _run('set(at: state.out, value: state.next.team.lead ?? "nobody")', roster=roster)
    assert final["out"] == expected


def test_a_comparison_with_null_reads_an_absent_field_as_null() -> None:
    final = _run('filter(state.roster, where: item.phone != null) -> state.out', roster=ROSTER)
    assert [person["name"] for person in final["out"]] == ["cy"]



def test_a_value_written_only_by_a_skipped_step_reads_as_null_with_no_warning() -> None:
    text = _MISSION.format(when="when false", call="set(at: state.maybe, value: 1)").replace(
        "\n}\n", '\n    runtime later "Later" {\n'
        '        set(at: state.out, value: [state.maybe == null, state.maybe ?? 0])\n    }\n}\n')
    compiled = compile_source(text)
    assert [d.code for d in compiled.diagnostics if d.code not in _UNUSED] == ["W203"]
    assert compiled.workflow is not None
    result = Orchestrator().run_workflow(compiled.workflow, ExecutionContext())
    assert result.final_state["out"] == [True, 0]


def test_a_guarded_step_is_skipped_when_the_value_is_null() -> None:
    compiled = compile_source(_MISSION.format(when="when state.next != null",
                                              call="set(at: state.out, value: state.next.name)"))
    assert compiled.workflow is not None
    result = Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
        initial_state={"roster": [{"name": "bo", "team": None, "last": None}]}))
    assert result.success and "out" not in result.final_state
    assert result.lineage.get("skipped_step_ids", ["use"]) == ["use"]


@pytest.mark.parametrize(("roster", "message"), [
    ([{"name": "ana", "team": None, "last": None, "phone": None}],
     "state input `roster[0].phone` must be a string, found null"),
    ([{"name": "ana", "team": None}], "state input `roster[0]` has no field `last`"),
    ([{"name": "ana", "team": None, "last": "soon"}],
     "state input `roster[0].last` must be a date like \"2026-11-24\" or null"),
    ([{"name": "ana", "last": None, "team": {}}],
     "state input `roster[0].team` has no field `lead`"),
])
def test_the_engine_checks_optional_and_nullable_fields(roster: Any, message: str) -> None:
    compiled = compile_source(_MISSION.format(when="", call="noop()"))
    assert compiled.workflow is not None
    with pytest.raises(ParameterError, match=re.escape(message)):
        Orchestrator().run_workflow(compiled.workflow,
                                    ExecutionContext(initial_state={"roster": roster}))


def test_declarations_compile_to_nullable_and_optional() -> None:
    compiled = compile_source(_MISSION.format(when="", call="noop()"))
    assert compiled.workflow is not None
    inputs = compiled.workflow.metadata["declarations"]["inputs"]
    assert inputs["n"] == {"type": "int", "nullable": True, "default": None}
    assert inputs["roster"]["items"]["fields"] == {
        "name": {"type": "str"},
        "team": {"type": "map", "nullable": True, "fields": {"lead": {"type": "str"}}},
        "last": {"type": "date", "nullable": True},
        "phone": {"type": "str", "optional": True}}
    assert json.loads(json.dumps(inputs)) == inputs


def test_a_nullable_param_takes_null_and_a_plain_one_refuses_it() -> None:
    text = """mission p "P" {
    version 1
    param due: date?
    param n: int = 1
    runtime s "S" {
        set(at: state.out, value: param.due ?? "none")
    }
}
"""
    compiled = compile_source(text)
    assert compiled.workflow is not None, compiled.diagnostics
    result = Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
        params={"due": None}))
    assert result.final_state["out"] == "none"
    with pytest.raises(ParameterError, match="param `n` must be a whole number, found null"):
        Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
            params={"due": None, "n": None}))


def test_an_unknown_type_inside_a_record_is_e015() -> None:
    text = _MISSION.format(when="", call="noop()").replace("phone?: str", "phone?: strng")
    assert [(d.code, d.message) for d in compile_source(text).errors] == [
        ("E015", "unknown type `strng`")]


RECORD = """mission settings "Settings" {
    version 1

    param config: {theme: str, width?: int, owner: {name: str}?} = {theme: "dark", owner: null}

    input extra: {note: str}? = null

    runtime s "Show" {
        set(at: state.out, value: [param.config.width ?? 80, param.config.owner.name ?? "-",
                                   state.extra.note ?? ""])
    }
}
"""


def test_a_record_declared_on_its_own_is_typed_compiled_and_checked() -> None:
    from compiler.format import format_source

    compiled = compile_source(RECORD)
    assert compiled.errors == () and compiled.workflow is not None
    declared = compiled.workflow.metadata["declarations"]
    assert declared["params"]["config"]["fields"]["width"] == {"type": "int", "optional": True}
    assert declared["inputs"]["extra"]["nullable"] is True
    result = Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
        params={"config": {"theme": "x", "width": 3, "owner": {"name": "ana"}}}))
    assert result.final_state["out"] == [3, "ana", ""]
    with pytest.raises(ParameterError, match=re.escape("param `config.width` must be a whole "
                                                       "number, found the str 'wide'")):
        Orchestrator().run_workflow(compiled.workflow, ExecutionContext(
            params={"config": {"theme": "x", "width": "wide", "owner": None}}))
    formatted = format_source(RECORD)
    assert "    param config: {theme: str, width?: int, owner: {name: str}?} = " in formatted
    unguarded = RECORD.replace("param.config.width ?? 80", "param.config.width + 1")
    assert [d.code for d in compile_source(unguarded).errors] == ["E031"]


@pytest.mark.parametrize("written", ["map[{}]?", "map[{a: str}]?",
                                     "map[{" + ", ".join(f"field_{i}: str" for i in range(9))
                                     + "}]?"])
def test_a_nullable_map_of_records_keeps_its_spelling_when_formatted(written: str) -> None:
    """`map[{...}]?` (the map may be null) is another tree than `{...}?` (the record may
    be null): the formatter wrote the second for the first and refused its own output
    (found by the fuzz campaign)."""
    from compiler.format import format_source

    text = f'mission m "t" {{\n    version 1\n\n    input v: {written} = null\n}}\n'
    formatted = format_source(text)
    assert f"    input v: {written} = null\n" in formatted
    assert compile_source(formatted).mission == compile_source(text).mission
    assert format_source(formatted) == formatted
