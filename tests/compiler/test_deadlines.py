"""Deadlines and who may answer, through the compiler: both parsers, the checks E044 to
E052, the compiled form of the shared spec, and invariants over generated missions."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from compiler import compile_source
from compiler.durations import duration_text
from compiler.format import format_source
from fuzz.harness import check_time_limits, timed_mission_text
from tests.conftest import ROOT
from tests.perf.test_fastparse import check_agreement

SCHEMA = Draft202012Validator(json.loads((ROOT / "schemas" / "workflow.schema.json")
                                         .read_text(encoding="utf-8")))


def mission(question: str = 'confirm("Approve?") -> state.ok', lines: str = "",
            head: str = "by managers") -> str:
    return (f'mission m "M" {{\n    version 1\n    param most: int = 5\n'
            f'    input options: list = ["x"]\n'
            f'    human ask "Ask" {head} {{\n        {question}\n        {lines}\n    }}\n'
            f'    runtime keep "Keep" {{\n        append(to: state.log, value: param.most)\n'
            f'    }}\n}}\n')


def errors(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in compile_source(text, "t.mission").diagnostics
            if d.code.startswith("E")]


def payload(text: str) -> dict[str, object]:
    result = compile_source(text, "t.mission")
    assert result.workflow is not None, [d.message for d in result.diagnostics]
    return result.workflow.to_dict()["steps"][0]["payload"]  # type: ignore[no-any-return]


def test_the_compiled_form_is_the_shared_spec() -> None:
    text = mission(head="by 2 of managers except starter",
                   lines="remind 4 hours before\n after 2 days escalate to directors\n"
                         " after 1 day answer false")
    compiled = payload(text)
    assert {key: compiled[key] for key in ("answered_by", "approvals", "exclude_starter",
                                           "remind_before", "deadlines")} == {
        "answered_by": "managers", "approvals": 2, "exclude_starter": True,
        "remind_before": 4 * 3600,
        "deadlines": [{"after": 2 * 86400, "escalate": "directors"},
                      {"after": 86400, "answer": False}]}


def test_by_1_of_is_by_and_a_step_without_time_limits_has_none_of_the_keys() -> None:
    assert payload(mission(head="by 1 of managers")) == payload(mission(head="by managers"))
    assert not {"approvals", "exclude_starter", "remind_before", "deadlines"} & set(
        payload(mission()))


@pytest.mark.parametrize("head, lines, reason", [
    ("", "after 90 minutes fail", "no answer within 90 minutes"),
    ("by managers", "after 48 hours fail", "no answer from managers within 2 days"),
    ("by managers", "after 1 week escalate to directors\n after 1 day fail",
     "no answer from directors within 1 day"),
    ("by managers", 'after 1 day fail "the expense is refused"', "the expense is refused"),
])
def test_a_fail_deadline_without_a_reason_gets_one(head: str, lines: str, reason: str) -> None:
    deadlines = payload(mission(head=head, lines=lines))["deadlines"]
    assert isinstance(deadlines, list)
    assert deadlines[-1]["fail"] == reason


@pytest.mark.parametrize("written, seconds", [
    ("1 minute", 60), ("2 minutes", 120), ("1 hour", 3600), ("3 hours", 10800),
    ("1 day", 86400), ("1 days", 86400), ("2 weeks", 1209600), ("52 weeks", 31449600),
])
def test_durations_are_exact(written: str, seconds: int) -> None:
    assert payload(mission(lines=f"after {written} fail"))["deadlines"] == [
        {"after": seconds, "fail": f"no answer from managers within "
                                   f"{duration_text(seconds)}"}]


@pytest.mark.parametrize("lines, code, fragment", [
    ("after 2 business_days fail", "E044", "unknown unit `business_days`"),
    ("after 30 seconds fail", "E044", "unknown unit `seconds`"),
    ("after 1.5 days fail", "E044", "a duration is a whole number of days, not 1.5"),
    ("after 0 hours fail", "E044", "too short"),
    ("after 53 weeks fail", "E044", "too long"),
    ("after 1 day answer true\n after 1 day fail", "E047", "can never apply"),
    ("after 1 day escalate to managers\n after 1 day fail", "E049", "asks `managers` again"),
    ("after 1 day escalate to a\n after 1 day escalate to a\n after 1 day fail", "E049",
     "asks `a` again"),
    ("remind 1 day before\n after 1 day fail", "E050", "before the wait begins"),
    ("remind 1 day before\n after 2 days escalate to a\n after 12 hours fail", "E050",
     "12 hours after it"),
    ("remind 1 hour before", "E050", "no deadline to remind of"),
    ("after 1 day answer 3", "E051", "answer yes or no, not the int 3"),
    ("after 1 day answer state.ok", "E051", "not read from `state.ok`"),
    ('after 1 day fail "  "', "E052", "empty"),
])
def test_each_check(lines: str, code: str, fragment: str) -> None:
    found = errors(mission(lines=lines))
    assert any(found_code == code and fragment in message for found_code, message in found), \
        found


def test_the_bounds_on_deadlines_and_approvals() -> None:
    four = "\n ".join(f"after 1 day escalate to g{i}" for i in range(3)) + "\n after 1 day fail"
    assert errors(mission(lines=four)) == []
    five = "after 1 day escalate to g9\n " + four
    assert [code for code, _ in errors(mission(lines=five))] == ["E048"]
    assert errors(mission(head="by 20 of managers")) == []
    for count in ("0", "21", "-1"):
        assert [code for code, _ in errors(mission(head=f"by {count} of managers"))] == ["E046"]


def test_time_limits_and_who_answers_belong_to_human_steps() -> None:
    text = ('mission m "M" {\n    version 1\n    runtime log "Log" by 2 of g except starter {\n'
            '        noop()\n        remind 1 hour before\n        after 1 day fail\n    }\n}\n')
    assert sorted(code for code, _ in errors(text)) == ["E024", "E024", "E045"]


@pytest.mark.parametrize("question, answer, accepted", [
    ('confirm("?")', "false", True),
    ('confirm("?")', '"yes"', True),  # as a person may answer
    ('confirm("?")', '"maybe"', False),
    ('choose("?", options: ["a", "b"])', '"b"', True),
    ('choose("?", options: ["a", "b"])', '"c"', False),
    ('choose("?", options: [{id: 7, t: "Seven"}], label: item.t, value: item.id)', '"Seven"',
     True),
    ('choose("?", options: [{id: 7, t: "Seven"}], label: item.t, value: item.id)', "7", True),
    ('choose("?", options: [{id: 7, t: "Seven"}], label: item.t, value: item.id)', "8", False),
    ('choose("?", options: state.options)', '"anything"', True),  # a label known at run time
    ('choose("?", options: state.options)', "3", False),  # options of strings: not an int
    ('number("?", min: 0, max: 10)', "10", True),
    ('number("?", min: 0, max: 10)', "10.5", False),
    ('number("?", min: 1, max: param.most)', "1000", True),  # the maximum is a param
    ('number("?", min: 1, max: param.most)', "0", False),  # the minimum is not
    ('number("?", min: 1 + 1)', "1", False),  # a computed bound the engine computes alike
    ('text("?")', '""', True),
    ('date("?")', '"2028-02-29"', True),
    ('date("?")', '"2027-02-29"', False),
    ('form("F", fields: {n: number("N?", max: 3), ok: confirm("OK?")})', "{n: 3, ok: true}",
     True),
    ('form("F", fields: {n: number("N?", max: 3), ok: confirm("OK?")})', "{n: 4, ok: true}",
     False),
    ('form("F", fields: {n: number("N?", max: 3), ok: confirm("OK?")})', "{n: 1}", False),
    ('form("F", fields: {n: number("N?", max: 3), ok: confirm("OK?")})',
     "{n: 1, ok: true, other: 1}", False),
    ('form(format("For {n}", n: param.most), fields: {n: number(format("{m}?", m: param.most))})',
     "{n: 1}", True),  # prompts from a param do not keep the answers from being checked
    ('form("F", fields: {n: number("N?", max: param.most)})', "{n: -4}", True),
    ('form("F", fields: {n: number("N?", max: param.most)})', '{n: "x"}', False),
])
def test_the_default_answer_is_checked_as_a_persons_answer(question: str, answer: str,
                                                          accepted: bool) -> None:
    found = [code for code, _ in errors(mission(f"{question} -> state.a",
                                                f"after 1 day answer {answer}"))]
    assert found == ([] if accepted else ["E051"])


def test_a_misspelled_option_is_fixed_and_a_fraction_rewritten() -> None:
    from compiler.fix import fix_text

    text = mission('choose("?", options: ["approve", "reject"]) -> state.a',
                   "remind 1.5 hours before\n after 1 day answer \"aprove\"")
    fixed = fix_text(text, lambda t: compile_source(t, "t.mission").diagnostics).text
    assert 'remind 90 minutes before' in fixed and 'answer "approve"' in fixed
    assert errors(fixed) == []


def test_a_keyword_glued_to_the_next_word_is_an_error_with_a_fix() -> None:
    text = mission(lines="after 1 day escalateto directors\n after2 days fail")
    found = [(d.message, d.fix.message if d.fix else None)
             for d in compile_source(text, "t.mission").diagnostics if d.code == "E001"]
    assert found == [("`escalateto` is read as `escalate` followed by `to`",
                      "put a space after `escalate`"),
                     ("`after2` is read as `after` followed by `2`",
                      "put a space after `after`")]
    # after a state path a name may follow (the lexer's states are merged), so there the
    # glued word is one word: a syntax error that says where the space goes
    first = compile_source(mission(lines="after1 day fail"), "t.mission").diagnostics[0]
    assert first.help == ("put a space after `after`: `after 1`",)


@pytest.mark.parametrize("text, message, help_line", [
    (mission(lines="remind 4 hours"), "expected `before`, found `}`",
     "a reminder is written `remind 4 hours before` (before each deadline)"),
    (mission(lines="after 2 days"), "expected `answer`, `escalate` or `fail`, found `}`",
     "an `after` line says what happens then"),
    (mission(lines="after 2 days escalate directors"), "expected `to`, found `directors`",
     "write `escalate to GROUP`"),
    (mission(head="except managers"), "expected `starter`, found `managers`",
     "only the person who started the run can be left out"),
    (mission(head="by 2 managers"), "expected `of`, found `managers`", "write `by N of GROUP`"),
    (mission(lines="after 1 day fail\n remind 1 hour before"),
     "expected `}` to close the step `ask` that starts at 5:5, found `remind`",
     "a step has at most one `remind` line, written before its `after` lines"),
    (mission(lines="aftr 1 day fail"), "expected `}` to close the step `ask` that starts at "
     "5:5, found `aftr`", "did you mean `after`?"),
])
def test_syntax_errors_in_time_limits_say_how_they_are_written(text: str, message: str,
                                                               help_line: str) -> None:
    first = compile_source(text, "t.mission").diagnostics[0]
    assert (first.code, first.message) == ("E001", message)
    assert any(line.startswith(help_line) for line in first.help), first.help


def test_both_parsers_build_the_same_tree_of_every_form() -> None:
    for text in (mission(head='by 2 of managers except starter when param.most > 1',
                         lines="remind 1.5 hours before\n after 2 days escalate to after\n"
                               " after 1 week answer {a: [1, \"x\"], b: null}"),
                 mission(lines='after 1 day fail "late"'), mission(lines="after 1 day fail"),
                 mission(lines="after 1 day escalateto a after2 days fail"),
                 mission(head="except starter")):
        assert check_agreement(text) is not None, text


def test_the_new_words_are_names_where_names_stand() -> None:
    text = ('mission after "A" {\n    version 1\n    param before: int = 1\n'
            '    human remind "R" by escalate except starter {\n'
            '        form("F", fields: {answer: text("?"), to: number("?")}) -> state.of\n'
            '        after 1 day escalate to starter\n        after 1 day answer {answer: "x",'
            ' to: param.before}\n    }\n'
            '    runtime fail "F" {\n        fail(reason: state.of.answer)\n    }\n}\n')
    assert check_agreement(text) is not None
    assert [code for code, _ in errors(text)] == ["E051"]  # the default reads a param
    fixed = text.replace("to: param.before}", "to: 1}")
    assert errors(fixed) == []
    assert format_source(format_source(fixed)) == format_source(fixed)


SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.integers(0, 2**32))
def test_what_compiles_obeys_the_spec_validates_and_formats_to_the_same_tree(seed: int) -> None:
    text = timed_mission_text(random.Random(seed))
    result = compile_source(text, "t.mission")
    formatted = format_source(text)
    assert compile_source(formatted, "t.mission").mission == result.mission
    if result.workflow is None:
        assert result.errors
        return
    check_time_limits(result.workflow)
    assert list(SCHEMA.iter_errors(result.workflow.to_dict())) == []


def test_time_limits_are_held_to_the_compilers_limits() -> None:
    from compiler.config import Config
    from compiler.limits import Limits

    tight = Config(limits=Limits(max_depth=4, max_string_length=20))
    deep = mission(lines="after 1 day answer [[[[[[1]]]]]]")
    found = compile_source(deep, "t.mission", config=tight)
    assert [d.code for d in found.diagnostics if d.code.startswith("E")] == ["E023"]
    assert found.mission is not None and [s.id.text for s in found.mission.steps] == ["keep"]
    long = mission(lines=f'after 1 day escalate to {"g" * 30}\n after 1 day fail "{"r" * 30}"')
    codes = [d.code for d in compile_source(long, "t.mission", config=tight).diagnostics]
    assert codes.count("E023") == 2
