"""The fast parse path builds exactly what the Lark path builds, or steps aside.

For every mission file in the repository and for generated and mutated
missions: when the text parses, `parse_fast` returns the same tree (spans and
value types included), comments and builder diagnostics as the Lark path; when
it does not, `parse_fast` returns None, and Lark indeed rejects the text.
"""

from __future__ import annotations

import string
from pathlib import Path

import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from compiler import compile_source
from compiler.fastparse import parse_fast
from compiler.parser import _PARSER, ParseResult
from compiler.source import SourceFile
from grammar import GRAMMAR_TEXT, build_parser
from tests.conftest import ROOT
from tests.editor.generate import missions_with_comments
from tests.perf.trees import assert_same_result

MISSION_FILES = sorted(
    path for path in ROOT.rglob("*.mission")
    if path.exists() and not {".git", "venv", ".venv", "crashers"} & set(path.parts)
)  # (the fuzz crashers nest deeper than a recursive comparison of trees can go)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
_RAW = build_parser()


def lark_path(text: str) -> ParseResult:
    return _PARSER.parse(SourceFile("t.mission", text))


def lark_accepts(text: str) -> bool:
    try:
        _RAW.parse(text)
    except lark.exceptions.UnexpectedInput:
        return False
    return True


def check_agreement(text: str) -> ParseResult | None:
    """Fast and Lark agree on `text`; returns the fast result."""
    fast = parse_fast(SourceFile("t.mission", text))
    if fast is None:
        assert not lark_accepts(text), f"fast path refused text Lark parses:\n{text}"
    else:
        assert lark_accepts(text), f"fast path parsed text Lark refuses:\n{text}"
        assert_same_result(fast, lark_path(text))
    return fast


def test_the_repository_has_missions_to_compare() -> None:
    assert len(MISSION_FILES) >= 20


@pytest.mark.parametrize("path", MISSION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_mission_file_parses_the_same(path: Path) -> None:
    check_agreement(path.read_text(encoding="utf-8"))


def test_every_example_takes_the_fast_path() -> None:
    for path in sorted((ROOT / "examples").glob("*.mission")):
        if path.exists():
            assert parse_fast(SourceFile(str(path), path.read_text(encoding="utf-8"))) is not None


def test_builder_diagnostics_come_through_the_fast_path() -> None:
    text = 'mission m { param p: float = 1e999\n runtime s "bad \\q escape" { noop() } }'
    fast = check_agreement(text)
    assert fast is not None
    assert [d.code for d in fast.diagnostics] == ["E001", "E001"]


def test_keyword_edge_cases_lex_as_lark_lexes_them() -> None:
    # Lark's contextual lexer: a keyword is a NAME where no keyword fits, and a
    # keyword string matches as a prefix where no NAME fits.
    for text in [
        "mission m { input input: list }",
        "mission m { param x: int in 1..2 }",
        "mission m { param x: int in1..2 }",
        "mission m { runtime in { set(at: state.in, value: {in: 1, state: 2}) } }",
        "missionx { }",
        "mission m{runtime s when state.a in[1,2]and not(state.b){noop()}}",
        'mission m { runtime s { f(-1, 1.5e3, -2E-1, 007, "a\\u00e9\\n", null, true, false) } }',
        "mission m { version 1 version 2 }",
        "# only a comment",
        "",
        "mission m { } trailing",
        "mission m { runtime s { f() -> state.a.b.c } } # end",
    ]:
        check_agreement(text)


def test_compile_results_do_not_depend_on_the_path_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler.parser

    text = (ROOT / "examples" / "daily_loop.mission").read_text(encoding="utf-8")
    slow = compile_source(text, "d.mission")
    monkeypatch.setattr(compiler.parser, "parse",
                        lambda source, *limits: parse_fast(source) or _PARSER.parse(source))
    fast = compile_source(text, "d.mission")
    assert fast.workflow is not None and slow.workflow is not None
    assert fast.workflow.to_dict() == slow.workflow.to_dict()
    assert fast.diagnostics == slow.diagnostics


@SETTINGS
@given(missions_with_comments())
def test_generated_missions_with_comments_parse_the_same(text: str) -> None:
    assert check_agreement(text) is not None


def _glued(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A terminal followed by a space, or by nothing (so it may run into the next one)."""
    return st.tuples(strategy, st.sampled_from([" ", " ", "\n", ""])).map("".join)


def _grammar_missions() -> st.SearchStrategy[str]:
    parser = lark.Lark(GRAMMAR_TEXT, parser="lalr", lexer="contextual")
    words = ["runtime", "human", "set", "state", "param", "in", "input", "version", "when",
             "x", "a_b", "not", "and", "or", "true", "null", "mission"]
    explicit = {
        "NAME": _glued(st.sampled_from(words) | st.text(string.ascii_letters + "_", min_size=1,
                                                        max_size=5)),
        "STRING": _glued(st.sampled_from(['"hi"', '""', '"a\\nb"', '"\\u00e9"', '"\\q"',
                                          '"#no comment"'])),
        "INT": _glued(st.integers(-30, 30).map(str)),
        "FLOAT": _glued(st.sampled_from(["1.5", "-0.25", "2e3", "1e999", "-0.0"])),
        "COMPARE": _glued(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
        "COMMENT": st.sampled_from(["# note\n", "#\n", "#{ } ( \n"]),
    }
    for terminal in parser.terminals:
        if terminal.name not in explicit and terminal.pattern.type == "str":
            explicit[terminal.name] = _glued(st.just(terminal.pattern.value))
    return from_lark(parser, start="start", explicit=explicit)


@SETTINGS
@given(_grammar_missions())
def test_missions_generated_from_the_grammar_agree(text: str) -> None:
    check_agreement(text)


_VOCABULARY = ["mission", "m", "{", "}", "(", ")", "[", "]", ",", ":", ".", "..", "->", "=",
               "==", "<", "param", "state", "input", "version", "in", "when", "not", "and",
               "or", "runtime", "human", "x", "set", '"s"', "1", "-2", "3.5", "1e3", "true",
               "null", "# c\n", "\n", "@", "'", '"open']


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(_VOCABULARY), st.sampled_from(["", " ", "\n"])),
                max_size=30))
def test_token_soup_agrees(parts: list[tuple[str, str]]) -> None:
    check_agreement("".join(token + space for token, space in parts))


EXAMPLE_TEXTS = [path.read_text(encoding="utf-8") for path in MISSION_FILES[:12]]


@SETTINGS
@given(st.sampled_from(EXAMPLE_TEXTS), st.data())
def test_mutated_missions_agree(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 8)))
        replacement = data.draw(st.sampled_from(
            ["", "{", "}", "(", ")", ",", ":", "->", '"', "state.", "in", "when", "#", "\n",
             "1..2", "-", "x", "param"]))
        text = text[:start] + replacement + text[end:]
    check_agreement(text)
