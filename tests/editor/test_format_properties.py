"""The formatter's three safety properties, over generated missions with comments."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from compiler import ast
from compiler.format import format_source
from compiler.parser import ParseResult, parse
from compiler.source import SourceFile
from tests.editor.generate import missions_with_comments

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def parsed(text: str) -> ParseResult:
    result = parse(SourceFile("generated.mission", text))
    assert not result.diagnostics, (text, result.diagnostics)
    assert result.mission is not None
    return result


def comment_texts(comments: tuple[ast.Comment, ...]) -> list[str]:
    return [comment.text.rstrip() for comment in comments]


@SETTINGS
@given(missions_with_comments())
def test_formatting_keeps_the_tree(text: str) -> None:
    before = parsed(text)
    after = parsed(format_source(text))
    assert after.mission == before.mission


@SETTINGS
@given(missions_with_comments())
def test_formatting_twice_changes_nothing(text: str) -> None:
    once = format_source(text)
    assert format_source(once) == once


@SETTINGS
@given(missions_with_comments())
def test_every_comment_survives_in_order(text: str) -> None:
    before = parsed(text)
    after = parsed(format_source(text))
    assert comment_texts(after.comments) == comment_texts(before.comments)


@SETTINGS
@given(missions_with_comments())
def test_output_is_clean_text(text: str) -> None:
    formatted = format_source(text)
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")
    for line in formatted.split("\n"):
        assert line == line.rstrip(), f"trailing whitespace in {line!r}"
    assert "\n\n\n" not in formatted
