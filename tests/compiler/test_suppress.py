"""Inline suppression: on a line, on a step's header, on the mission; unused and invalid ones."""

from __future__ import annotations

from compiler import compile_source
from compiler.fix import apply_edits

BASE = """mission plan "Plan" {
    version 1

    param unused: int = 1<PARAM>

    runtime first <FIRST>
        set(at: state.x, value: 1)
    }
    runtime second "Second" {
        set(at: state.y, value: state.x)
    }
}
"""


def mission(param_comment: str = "", first_comment: str = "{") -> str:
    return BASE.replace("<PARAM>", param_comment).replace("<FIRST>", first_comment)


def codes(text: str) -> list[str]:
    return [d.code for d in compile_source(text, "plan.mission").diagnostics]


def test_without_suppression_both_warnings_are_reported() -> None:
    assert codes(mission()) == ["W201", "W101"]


def test_a_line_comment_suppresses_on_its_line_only() -> None:
    assert codes(mission("  # mission: ignore[W201]")) == ["W101"]
    assert codes(mission("  # mission: ignore[unused-param]")) == ["W101"]


def test_a_comment_on_a_step_header_covers_the_step() -> None:
    assert codes(mission(first_comment="{  # mission: ignore[W101]")) == ["W201"]


def test_a_comment_on_the_mission_line_covers_the_file() -> None:
    text = mission().replace('"Plan" {', '"Plan" {  # mission: ignore[W101, W201]')
    assert codes(text) == []


def test_an_unused_suppression_is_reported_and_fixed() -> None:
    text = mission("  # mission: ignore[W201, W103]")
    result = compile_source(text, "plan.mission")
    unused = [d for d in result.diagnostics if d.code == "W001"]
    assert [d.message for d in unused] == [
        "unused suppression: nothing on this line reports `W103`"]
    fixed, count = apply_edits(text, unused)
    assert count == 1 and "# mission: ignore[W201]\n" in fixed
    alone = mission("  # mission: ignore[W103]")
    result = compile_source(alone, "plan.mission")
    fixed, _ = apply_edits(alone, [d for d in result.diagnostics if d.code == "W001"])
    assert fixed == mission()


def test_errors_cannot_be_suppressed() -> None:
    text = mission().replace("value: state.x)", "value: state.z)  # mission: ignore[E009]")
    found = compile_source(text, "plan.mission").diagnostics
    assert [d.code for d in found if d.code in ("E009", "W002")] == ["E009", "W002"]


def test_invalid_suppressions() -> None:
    messages = [d.message for d in compile_source(mission("  # mission: ignore"),
                                                  "p.mission").diagnostics if d.code == "W002"]
    assert messages == ["this suppression names no code"]
    messages = [d.message for d in compile_source(mission("  # mission: ignore[X1, W201]"),
                                                  "p.mission").diagnostics if d.code == "W002"]
    assert messages == ["`X1` is not a diagnostic code"]


def test_no_unused_report_after_a_syntax_error() -> None:
    text = mission("  # mission: ignore[W201]").replace("value: 1)", "value: )")
    assert "W001" not in codes(text)
