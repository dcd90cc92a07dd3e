"""Every syntax error in one run, in plain words, without cascades (issue 3)."""

from __future__ import annotations

import re

import pytest

from compiler import compile_source
from compiler.diagnostics import Severity
from compiler.parser import parse
from compiler.recovery import scan
from compiler.source import SourceFile
from tests.conftest import ROOT

# Lark's own names must never reach a user.
# (`param.NAME` in a help line is the user's notation, not a terminal.)
LARK_WORDS = re.compile(r"RBRACE|LBRACE|RPAR|LPAR|LSQB|RSQB|__ANON|\$END|<END-OF-FILE>|"
                        r"(?<!\.)\bNAME\b|\bSTRING\b|\bCOMMA\b|\bCOLON\b|\bINT\b")

THREE_BROKEN_STEPS = """mission three "Three broken steps" {
    version 1

    param limit: int = 3
    input tasks: list = []

    runtime first "Missing comma" { set(at: state.x value: 1) }
    runtime second "Missing value" { set(at: state.y, value: ) }
    runtime third "Unclosed call" { noop( }
    runtime fourth "Fine but wrong" { prioritise(tasks: state.tasks, limit: param.limt) -> state.r }
}
"""


def codes(text: str) -> list[tuple[str, int]]:
    result = compile_source(text, "t.mission")
    return [(d.code, result.source.location(d.span.start)[0]) for d in result.diagnostics]


def test_three_syntax_errors_in_three_steps_give_three_errors_and_the_rest_is_checked() -> None:
    found = codes(THREE_BROKEN_STEPS)
    assert [(code, line) for code, line in found if code == "E001"] == [
        ("E001", 7), ("E001", 8), ("E001", 9)]
    # The step that parsed is still checked: its unknown operation and misspelled param.
    assert ("E006", 10) in found and ("E008", 10) in found
    # No warning about params or state that only the dropped steps used.
    assert not [code for code, _ in found if code.startswith(("W2", "N"))]


def test_messages_name_what_was_expected_in_user_words() -> None:
    result = compile_source(THREE_BROKEN_STEPS, "t.mission")
    messages = [d.message for d in result.diagnostics if d.code == "E001"]
    assert messages == [
        "expected `)` or `,`, found `value`",
        "expected a value, found `)`",
        "expected `)` to close the call of `noop` that starts at 9:37, found `}`",
    ]
    for diagnostic in result.diagnostics:
        assert not LARK_WORDS.search(diagnostic.message + diagnostic.label
                                     + "".join(diagnostic.help)), diagnostic


def test_an_unclosed_step_is_one_error_and_the_next_step_is_still_read() -> None:
    text = """mission m "M" {
    version 1

    runtime first "First" {
        set(at: state.x, value: 1)

    runtime second "Second" {
        set(at: state.y, value: state.z)
    }
}
"""
    result = compile_source(text, "m.mission")
    assert [d.code for d in result.diagnostics if d.code == "E001"] == ["E001"]
    error = result.diagnostics[0]
    assert error.message == ("expected `}` to close the step `first` that starts at 4:5, "
                             "found `runtime`")
    assert result.mission is not None
    assert [step.id.text for step in result.mission.steps] == ["second"]
    # The dropped step wrote state.x; state.z is read by the step that parsed: reported.
    assert ("E009", "`state.z` is read, but it is not a declared input and no earlier step "
            "writes it") in [(d.code, d.message) for d in result.diagnostics]


def test_end_of_file_is_named_and_reported_once() -> None:
    text = 'mission m "M" {\n    version 1\n    runtime a "A" { set(at: state.x,'
    result = compile_source(text, "m.mission")
    errors = [d for d in result.diagnostics if d.code == "E001"]
    assert len(errors) == 1
    assert errors[0].message.endswith("found the end of the file")
    assert errors[0].span.start == errors[0].span.end == len(text)


def test_a_missing_mission_brace_at_the_end_still_checks_the_steps() -> None:
    text = 'mission m "M" {\n    version 1\n    runtime a "A" { prioritise(tasks: []) }\n'
    found = codes(text)
    assert ("E001", 3) in found and ("E006", 3) in found


def test_text_after_the_mission_is_one_error() -> None:
    text = 'mission m "M" {\n    version 1\n}\nmission n "N" {\n    version 1\n}\n'
    result = compile_source(text, "m.mission")
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("E001", "expected the end of the file, found `mission`")]
    assert result.diagnostics[0].help == (
        "a file holds one mission: move this one to its own file",)


@pytest.mark.parametrize(("text", "message", "help_line"), [
    ('mission m "M" {\n    version 1\n    human a "A" { confirm("Go?) -> state.ok }\n}\n',
     "this string is not closed", "end the string with"),
    ('mission m "M" {\n    version 1\n'
     '    runtime a "A" { set(at: state.x, value: \u201cx\u201d) }\n}\n',
     "unexpected character `\u201c`", 'strings use straight double quotes: `"text"`'),
    ('mision m "M" {\n    version 1\n}\n', "expected `mission`, found `mision`",
     "did you mean `mission`?"),
    ('mission m "M" {\n    version 1\n    parm top: int\n}\n',
     "unknown keyword `parm`", "did you mean `param`?"),
    ('mission m "M" {\n    versoin 1\n}\n', "unknown keyword `versoin`",
     "did you mean `version`?"),
    ('mission m "M" {\n    version 1\n    runtime a "A" whenn state.x { noop() }\n}\n',
     "unexpected word `whenn`", "did you mean `when`?"),
    ('mission m "M" {\n    version 1\n    human a "A" { confirm("Go?" -> state.ok }\n}\n',
     "expected `)` to close the call of `confirm` that starts at 3:19, found `->`", ""),
    ('mission m "M" {\n    version 1\n    runtime a "A" { noop() noop() }\n}\n',
     "expected `}` to close the step `a` that starts at 3:5, found `noop`",
     "a step holds one operation call: put the second one in a step of its own"),
    ('mission m "M" {\n    version 1\n    runtime a whn state.x { noop() }\n}\n',
     "expected `by`, `except`, `when`, `{` or a string, found `whn`", "did you mean `when`?"),
    ('mission { version 1 }', "expected the mission's name, found `{`", ""),
    ("", "expected `mission`, found the end of the file", ""),
])
def test_syntax_error_wording(text: str, message: str, help_line: str) -> None:
    result = compile_source(text, "m.mission")
    first = result.diagnostics[0]
    assert (first.code, first.message) == ("E001", message)
    if help_line:
        assert any(line.startswith(help_line) for line in first.help), first.help


def test_a_valid_file_takes_the_fast_path_with_nothing_skipped() -> None:
    text = 'mission m "M" {\n    version 1\n    runtime a "A" { noop() }\n}\n'
    parsed = parse(SourceFile("m.mission", text))
    assert parsed.diagnostics == () and parsed.skipped == ()
    assert parsed.mission is not None


def test_recovery_is_bounded_on_many_errors() -> None:
    body = "".join(f'    runtime s{i} "S" {{ set(at: , value: 1) }}\n' for i in range(200))
    text = 'mission m "M" {\n    version 1\n' + body + "}\n"
    result = compile_source(text, "m.mission")
    errors = [d for d in result.diagnostics if d.code == "E001"]
    assert 1 <= len(errors) <= 50
    assert all(0 <= d.span.start <= d.span.end <= len(text) for d in result.diagnostics)


def test_a_broken_map_in_a_guard_does_not_cascade_into_the_step_body() -> None:
    text = ('mission m "M" {\n    version 1\n    input x: any = 1\n'
            '    runtime a "A" when state.x == {a: 1 b} { noop() }\n'
            '    runtime b "B" { noop( }\n}\n')
    result = compile_source(text, "m.mission")
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("E001", "expected `,` or `}`, found `b`"),
        ("E001", "expected `)` to close the call of `noop` that starts at 5:21, found `}`")]


def test_a_guard_without_a_condition_is_named_as_such() -> None:
    text = 'mission m "M" {\n    version 1\n    runtime a "A" when { noop() }\n}\n'
    (finding,) = compile_source(text, "m.mission").diagnostics
    assert finding.message == "expected a condition after `when`, found `{`"
    assert text[finding.span.start:finding.span.end] == "{"


@pytest.mark.parametrize("name", ["daily_loop.mission", "release_checklist.mission"])
def test_deleting_any_one_token_of_an_example_reports_only_the_syntax_error(name: str) -> None:
    """No cascade: whatever token is missing, the other findings are those of a clean file
    (notes aside): nothing is "undeclared", "not provided" or "missing" because of it."""
    text = (ROOT / "examples" / name).read_text(encoding="utf-8")
    for token in scan(text, 0):
        broken = text[:token.start] + text[token.end:]
        result = compile_source(broken, name)
        if not any(d.code == "E001" for d in result.diagnostics):
            continue
        others = [(d.code, d.message) for d in result.diagnostics
                  if d.code != "E001" and d.severity is not Severity.NOTE]
        assert others == [], (token.text, token.start, others)
