"""Findings that must not cascade, and conditions judged the way the engine evaluates them."""

from __future__ import annotations

import re

import pytest

from compiler import compile_source
from compiler.fix import apply_edits


def codes(text: str) -> list[tuple[str, str]]:
    result = compile_source(text, "m.mission")
    return [(d.code, text[d.span.start:d.span.end]) for d in result.diagnostics]


def mission(body: str, declarations: str = "") -> str:
    return f'mission m "M" {{\n    version 1\n{declarations}{body}}}\n'


def test_a_guard_with_a_false_part_can_never_run() -> None:
    text = mission('    runtime a "A" when state.n > 1 and false {\n        noop()\n    }\n',
                   "    input n: int = 0\n")
    assert codes(text) == [("W203", "false")]


def test_an_or_that_stops_at_true_is_always_true_and_its_fix_removes_the_guard() -> None:
    text = mission('    runtime a "A" when true or state.n > 1 {\n        noop()\n    }\n',
                   "    input n: int = 0\n")
    result = compile_source(text, "m.mission")
    (finding,) = result.diagnostics
    assert finding.code == "W204" and finding.fix is not None
    assert text[finding.span.start:finding.span.end] == "true or state.n > 1"


def test_a_guard_that_may_read_a_missing_value_is_not_constant() -> None:
    text = mission('    runtime a "A" when state.n > 1 or true {\n        noop()\n    }\n',
                   "    input n: int = 0\n")
    assert codes(text) == []


def test_one_finding_for_the_steps_after_a_step_that_always_fails() -> None:
    text = mission('    runtime a "A" {\n        fail(reason: "stop")\n    }\n'
                   '    runtime b "B" {\n        noop()\n    }\n'
                   '    runtime c "C" {\n        noop()\n    }\n')
    result = compile_source(text, "m.mission")
    (finding,) = result.diagnostics
    assert finding.message == "the step `b` can never run, nor can the one after it"
    assert [label.message for label in finding.labels] == [
        "every run stops at this step", "unreachable too"]


def test_an_undeclared_param_in_a_guard_is_one_error_not_also_a_warning() -> None:
    text = mission('    runtime a "A" when param.flg {\n        noop()\n    }\n')
    assert codes(text) == [("E008", "flg")]


def test_the_declaration_suggested_for_a_missing_value_has_the_type_its_place_takes() -> None:
    text = mission('    runtime a "A" {\n        prioritize(tasks: state.tasks, limit: param.n)'
                   ' -> state.p\n    }\n')
    helps = [line for d in compile_source(text, "m.mission").diagnostics for line in d.help]
    assert "declare it: `input tasks: list`, or write it in an earlier step" in helps
    assert "declare it: `param n: int`" in helps


def test_a_misspelled_version_line_is_one_error() -> None:
    text = 'mission m "M" {\n    versoin 1\n    runtime a "A" { noop() }\n}\n'
    assert codes(text) == [("E001", "versoin")]


def test_a_misspelled_param_line_still_declares_the_param() -> None:
    text = mission('    runtime a "A" {\n        set(at: state.x, value: param.x)\n    }\n',
                   "    parm x: int = 1\n")
    assert codes(text) == [("E001", "parm")]


def test_the_expected_tokens_are_the_ones_that_can_follow_here() -> None:
    text = mission('    human a "A" {\n        confirm("OK?", show: 1 -> state.ok\n    }\n')
    (finding,) = compile_source(text, "m.mission").diagnostics
    assert finding.label == "expected `)`, `,`, `and`, `in`, `or`, a comparison " \
                            "(`==`, `!=`, `<`, `<=`, `>`, `>=`) or an operator " \
                            "(`+`, `-`, `*`, `/`, `|>`, `??`)"


def test_a_keyword_run_together_with_the_next_word_is_an_error_with_a_fix() -> None:
    text = mission('    runtime a "A" whenstate.x and notnotstate.x {\n        noop()\n    }\n',
                   "    input x: bool = true\n")
    result = compile_source(text, "m.mission")
    assert [(d.code, text[d.span.start:d.span.end]) for d in result.diagnostics] == [
        ("E001", "whenstate"), ("E001", "notnotstate")]
    fixed, _ = apply_edits(text, result.diagnostics)
    assert "when state.x and not notstate.x" in fixed


def test_in_a_map_or_a_string_of_a_number_fails_at_run_time_and_is_reported() -> None:
    text = mission('    runtime a "A" when 3 in state.names {\n        noop()\n    }\n',
                   '    input names: str = "abc"\n')
    (finding,) = compile_source(text, "m.mission").diagnostics
    assert (finding.code, finding.message) == (
        "W208", "`in` a string needs a string on its left, not a number: the step fails")
    assert finding.help == (
        "`in` finds an item in a list, a key (a string) in a map, or text in a string",)


def test_an_unknown_operation_is_its_step_s_one_finding_and_clouds_what_it_writes() -> None:
    same_step = mission('    runtime a "A" when state.flag {\n        chek(value: 1)\n    }\n',
                        "    input flag: any = 1\n")
    assert codes(same_step) == [("E006", "chek")]
    writes = mission('    runtime a "A" when state.flag {\n        chek(value: 1) -> state.flag\n'
                     '    }\n    runtime b "B" when state.flag {\n        noop()\n    }\n',
                     "    input flag: any = 1\n")
    assert codes(writes) == [("E006", "chek")]
    later = mission('    runtime a "A" {\n        chek(value: 1) -> state.ready\n    }\n'
                    '    runtime b "B" when state.ready {\n        noop()\n    }\n')
    assert codes(later) == [("E006", "chek")]
    fixed = mission('    runtime a "A" when state.flag {\n        noop()\n    }\n',
                    "    input flag: any = 1\n")
    assert codes(fixed) == [("W209", "state.flag")]  # once the operation is known, it shows


def test_a_wrong_type_points_at_the_declaration_of_the_value_s_type() -> None:
    text = mission('    runtime a "A" {\n        increment(at: state.n, by: param.step)\n    }\n',
                   '    param step: str = "1"\n    input n: int = 0\n')
    result = compile_source(text, "m.mission")
    (finding,) = result.diagnostics
    assert finding.code == "E011"
    (label,) = finding.labels
    assert text[label.span.start:label.span.end] == "step: str"
    assert label.message == "`param.step` is declared str here"


@pytest.mark.parametrize("question", [
    'confirm("Go?")', 'text("Why?")', 'number("How many?", min: 0, max: 10)',
    'choose("Which?", options: ["fast", "slow"])', 'choose("Which?", options: state.kinds)',
])
def test_the_unused_answer_help_suggests_a_guard_that_compiles(question: str) -> None:
    text = mission(f'    human ask "Ask" {{\n        {question} -> state.answer\n    }}\n'
                   '    runtime go "Go" {\n        set(at: state.done, value: true)\n    }\n',
                   '    input kinds: list = ["a"]\n' if "state.kinds" in question else "")
    (finding,) = [d for d in compile_source(text, "m.mission").diagnostics if d.code == "W206"]
    guard = re.search(r"for example `(when [^`]+)`", finding.help[0])
    assert guard is not None, finding.help
    guarded = text.replace('runtime go "Go" {', f'runtime go "Go" {guard.group(1)} {{')
    result = compile_source(guarded, "m.mission")
    assert result.ok and [d.code for d in result.diagnostics] == [], result.diagnostics


def test_an_answer_no_runtime_step_follows_is_the_mission_s_output() -> None:
    survey = mission('    human score "Score" {\n        number("How was it?") -> state.score\n'
                     '    }\n    human why "Why" {\n        text("Why?") -> state.why\n    }\n')
    assert "W206" not in {code for code, _ in codes(survey)}
