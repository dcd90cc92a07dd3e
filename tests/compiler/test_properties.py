"""Invariants of diagnostics, with hypothesis: arbitrary text and valid missions with token edits.

For every input the compiler returns diagnostics (never raises), each span
lies inside the text, the list is ordered by position with no duplicates,
no message leaks a parser terminal name, and every output format renders.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import compile_source
from compiler.config import Config
from compiler.fix import apply_edits
from compiler.formats import FileReport, Report, formatter
from compiler.recovery import scan
from tests.conftest import ROOT

EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.mission") if p.exists())
TEXTS = [path.read_text(encoding="utf-8") for path in EXAMPLES]
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
ALL = Config(select=("ALL",))
TERMINALS = re.compile(r"RBRACE|LBRACE|RPAR|LPAR|LSQB|RSQB|__ANON|\$END|<END-OF-FILE>")
VOCABULARY = ["{", "}", "(", ")", "[", "]", ",", ":", ".", "->", "=", "..", "==", "<", "and",
              "not", "when", "state", "param", "input", "version", "mission", "runtime",
              "human", "x", "tasks", "set", "confirm", '"text"', '"open', "1", "-2.5", "true",
              "null", "#", "\n", "@", "\u201c"]


def unquoted(words: str, text: str) -> str:
    """`words` without the quotes of the user's own text (`found `LBRACE`` for input `LBRACE`)."""
    return re.sub(r"`([^`]*)`", lambda m: "" if m.group(1) in text else m.group(0), words)


def check_invariants(text: str) -> None:
    result = compile_source(text, "fuzz.mission", config=ALL)
    diagnostics = result.diagnostics
    for diagnostic in diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text), diagnostic
        for label in diagnostic.labels:
            assert 0 <= label.span.start <= label.span.end <= len(text), label
        if diagnostic.fix is not None:
            for edit in diagnostic.fix.edits:
                assert 0 <= edit.span.start <= edit.span.end <= len(text), edit
        words = diagnostic.message + diagnostic.label + "".join(diagnostic.help)
        assert not TERMINALS.search(unquoted(words, text)), diagnostic
    assert list(diagnostics) == sorted(diagnostics, key=lambda d: d.sort_key)
    assert len(set(diagnostics)) == len(diagnostics)
    assert (result.workflow is None) == bool(result.errors)
    report = Report((FileReport(result.source, diagnostics),))
    for name in ("text", "github"):
        assert formatter(name)(report, False).endswith("\n")
    for name in ("json", "sarif"):
        json.loads(formatter(name)(report, False))
    fixed, _ = apply_edits(text, diagnostics)
    compile_source(fixed, "fixed.mission", config=ALL)


@SETTINGS
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    check_invariants(text)


@st.composite
def edited_mission(draw: st.DrawFn) -> str:
    """A shipped example with 1 to 4 token edits: deleted, inserted, duplicated or swapped."""
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        tokens = list(scan(text, 0))
        if not tokens:
            break
        index = draw(st.integers(0, len(tokens) - 1))
        token = tokens[index]
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if action == "delete":
            text = text[:token.start] + text[token.end:]
        elif action == "insert":
            word = draw(st.sampled_from(VOCABULARY))
            text = f"{text[:token.start]}{word} {text[token.start:]}"
        elif action == "duplicate":
            text = f"{text[:token.end]} {token.text}{text[token.end:]}"
        elif index + 1 < len(tokens):
            following = tokens[index + 1]
            text = (text[:token.start] + following.text + text[token.end:following.start]
                    + token.text + text[following.end:])
    return text


@SETTINGS
@given(edited_mission())
def test_valid_missions_with_random_token_edits(text: str) -> None:
    check_invariants(text)


def test_the_shipped_examples_have_no_error_or_warning() -> None:
    for path, text in zip(EXAMPLES, TEXTS, strict=True):
        result = compile_source(text, str(path))
        assert [d for d in result.diagnostics if d.severity.value != "note"] == [], path
