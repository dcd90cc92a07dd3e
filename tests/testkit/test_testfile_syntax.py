"""Test files in the mission grammar: parsed (both paths), bounded, formatted, and checked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import compile_source
from compiler.building import TEST_FILE_RULES
from compiler.format import FormatError, format_source
from compiler.parser import parse
from compiler.source import SourceFile
from grammar import GRAMMAR_TEXT
from tests.conftest import ROOT

MESSY = '''# a header
tests   "m.mission"{
  test "a"{ state.x=[ ]   # empty
  answer ask="x" by   "ana b" at "2026-01-01T00:00:00Z"
      expect   waiting ask by g except a,b
  # a comment

  result go = error "x",timeout
  snapshot state.x
  }
  replay "r/*.json"
  test "b" {}
}
'''


def test_every_test_file_rule_has_its_callback() -> None:
    section = GRAMMAR_TEXT.split("test_file:", 1)[1].split("?literal:", 1)[0]
    aliases = set(re.findall(r"-> (\w+)", section))
    rules = {"test_file", "test_case", "expected_names", "actor", "instant"}
    assert aliases | rules == set(TEST_FILE_RULES)


def test_a_test_file_parses_to_its_tree_and_a_mission_to_its_own() -> None:
    parsed = parse(SourceFile("x_test.mission", MESSY))
    assert parsed.mission is None and parsed.tests is not None and not parsed.diagnostics
    assert [case.name.value for case in parsed.tests.cases] == ["a", "b"]
    assert [comment.text for comment in parsed.comments] == ["# a header", "# empty",
                                                             "# a comment"]
    mission = parse(SourceFile("m.mission", 'mission m "M" { version 1 }'))
    assert mission.tests is None and mission.mission is not None


def test_the_formatter_lays_test_files_out_and_keeps_their_comments() -> None:
    formatted = format_source(MESSY, "x_test.mission")
    assert formatted == '''# a header
tests "m.mission" {
    test "a" {
        state.x = []  # empty
        answer ask = "x" by "ana b" at "2026-01-01T00:00:00Z"
        expect waiting ask by g except a, b
        # a comment

        result go = error "x", timeout
        snapshot state.x
    }

    replay "r/*.json"

    test "b" {}
}
'''
    assert format_source(formatted, "x_test.mission") == formatted


def test_every_shipped_test_file_is_formatted() -> None:
    for path in sorted((ROOT / "examples").rglob("*_test.mission")):
        text = path.read_text(encoding="utf-8")
        assert format_source(text, str(path)) == text, path


def test_a_test_file_with_a_syntax_error_says_what_was_expected() -> None:
    result = compile_source('tests "m.mission" {\n    test "a" {\n        expect state.x = 1\n'
                            "    }\n}\n", "x_test.mission")
    (error,) = [d for d in result.diagnostics if d.code == "E001"]
    assert [d.code for d in result.diagnostics] == ["E060", "E001"]  # the rest still checked
    assert error.message.startswith("expected ")
    assert "found `=`" in error.message
    with pytest.raises(FormatError):
        format_source('tests "m.mission" { test "a" { answer = } }', "x_test.mission")


def test_keywords_run_together_are_reported(tmp_path: Path) -> None:
    parsed = parse(SourceFile("x_test.mission", 'tests "m.mission" { test "a" { answerask = 1 } }'))
    assert [(d.code, d.message) for d in parsed.diagnostics] == [
        ("E001", "`answerask` is read as `answer` followed by `ask`")]


def test_the_limits_apply_to_test_files(tmp_path: Path) -> None:
    deep = "[" * 60 + "]" * 60
    text = f'tests "m.mission" {{\n    test "deep" {{\n        state.x = {deep}\n    }}\n' \
           '    test "fine" {\n        expect succeeded\n    }\n}\n'
    parsed = parse(SourceFile("x_test.mission", text))
    assert [d.code for d in parsed.diagnostics] == ["E023"]
    assert parsed.tests is not None
    assert [case.name.value for case in parsed.tests.cases] == ["fine"]  # the deep one dropped


def test_durations_are_checked_as_in_a_mission(tmp_path: Path) -> None:
    (tmp_path / "m.mission").write_text(
        'mission m "M" {\n    version 1\n\n    runtime go "Go" {\n        noop()\n    }\n}\n')
    result = compile_source('tests "m.mission" {\n    test "a" {\n        after 1.5 hours\n'
                            '        after 2 dayz\n    }\n}\n', str(tmp_path / "m_test.mission"))
    assert [d.code for d in result.diagnostics] == ["E044", "E044"]
    assert result.diagnostics[0].fix is not None  # `90 minutes`


def test_a_test_file_naming_a_test_file_or_a_broken_mission(tmp_path: Path) -> None:
    own = tmp_path / "self_test.mission"
    own.write_text('tests "self_test.mission" {\n}\n')
    result = compile_source(own.read_text(), str(own))
    assert [d.message for d in result.diagnostics] == [
        "`self_test.mission` is a test file, not a mission"]
    (tmp_path / "broken.mission").write_text(
        'mission broken "B" {\n    version 1\n\n    runtime go "Go" {\n        nope()\n    }\n}\n')
    result = compile_source('tests "broken.mission" {\n}\n', str(tmp_path / "broken_test.mission"))
    (error,) = result.diagnostics
    assert error.code == "E060"
    assert error.message.startswith("the mission `broken.mission` does not compile (1 error; "
                                    "the first: E006 at 5:9, unknown operation `nope`")


def test_a_mission_run_by_mission_test_is_not_a_test_file(tmp_path: Path) -> None:
    from mission.testing.suite import run_file

    path = tmp_path / "load_test.mission"
    path.write_text('mission load "L" {\n    version 1\n}\n')
    result = run_file(str(path))
    assert result.broken
    assert result.diagnostics[0].message == "this is a mission, not a test file"


def test_the_header_patterns_give_up_in_linear_time() -> None:
    """Comment lines full of hashes (`#     #`, found by the fuzz campaign) made the
    patterns that recognise a test file's header backtrack exponentially: the language
    server's symbols of a plain mission with 9 such lines took an hour. The child runs
    under a timeout, so a regression fails instead of hanging the suite."""
    script = (
        "from compiler.testfile.recover import _HEADER as recover\n"
        "from mission.lsp.testfiles import _HEADER as lsp\n"
        "hashes = '#     #\\n' * 400\n"
        "for pattern in (recover, lsp):\n"
        "    assert pattern.match(hashes + 'mission echo {') is None\n"
        "    assert pattern.match(hashes + 'tests \"echo.mission\" {') is not None\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
