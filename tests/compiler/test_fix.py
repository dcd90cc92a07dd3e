"""Autofix: certain fixes only, overlapping edits one at a time, meaning kept."""

from __future__ import annotations

from compiler import compile_source
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from compiler.fix import apply_edits, fix_text, unified_diff
from tests.conftest import ROOT


def diagnostic(start: int, end: int, text: str) -> Diagnostic:
    return Diagnostic("W101", Severity.WARNING, "m", Span(start, end),
                      fix=Fix("f", (Edit(Span(start, end), text),)))


def test_overlapping_edits_are_applied_one_per_round() -> None:
    text, count = apply_edits("abcdef", [diagnostic(0, 2, "X"), diagnostic(1, 3, "Y"),
                                         diagnostic(4, 4, "!")])
    assert (text, count) == ("Xcd!ef", 2)


def test_out_of_range_edits_are_ignored() -> None:
    assert apply_edits("abc", [diagnostic(2, 9, "X")]) == ("abc", 0)


def check(text: str) -> tuple[Diagnostic, ...]:
    return compile_source(text, "m.mission").diagnostics


def test_fix_text_repairs_typos_and_stubs_until_nothing_is_left() -> None:
    broken = """mission plan {
    input tasks: list = []

    runtme rank {
        prioritise(tasks: state.taks, limt: 3) -> state.ranked
    }
    runtime keep "Keep" when true {
        set(at: state.today, value: state.ranked)
    }
}
"""
    outcome = fix_text(broken, check)
    assert outcome.remaining == ()
    assert outcome.text == """mission plan "Plan" {
    version 1

    input tasks: list = []

    runtime rank "Rank" {
        prioritize(tasks: state.tasks, limit: 3) -> state.ranked
    }
    runtime keep "Keep" {
        set(at: state.today, value: state.ranked)
    }
}
"""
    assert compile_source(outcome.text, "m.mission").workflow is not None
    diff = unified_diff("m.mission", broken, outcome.text)
    assert diff.startswith("--- a/m.mission\n+++ b/m.mission\n")
    assert "\n-    runtme rank {\n" in diff and '\n+    runtime rank "Rank" {\n' in diff


def test_an_ambiguous_typo_is_not_fixed() -> None:
    text = 'mission m "M" {\n    version 1\n    runtime a "A" { ad(to: state.x, value: 1) }\n}\n'
    error = next(d for d in check(text) if d.code == "E006")
    assert error.fix is None


def test_valid_missions_offer_no_fix() -> None:
    for path in sorted((ROOT / "examples").glob("*.mission")):
        text = path.read_text(encoding="utf-8")
        assert fix_text(text, check).text == text
