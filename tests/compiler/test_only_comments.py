"""A file of only blanks and comments (issue 15, item 6): the same result as Lark's, without
Lark lexing it again (`#\\n` x 2,097,000 took 23 s and 1.1 GB; bench row 5c has the cost)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import compile_source
from compiler.parser import _PARSER, parse
from compiler.source import SourceFile

PIECES = st.sampled_from(["#", "# note", "#\r", "#é", " ", "\t", "\f", "\r", "\n", "\n\n",
                          "# mission: ignore[W101]", "#\x00", "  # x"])


@settings(max_examples=60, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_blanks_and_comments_give_what_lark_gives(text: str) -> None:
    source = SourceFile("c.mission", text)
    ours, larks = parse(source), _PARSER.parse(source)
    assert ours.mission is None and larks.mission is None
    assert ours.diagnostics == larks.diagnostics
    assert [d.span for d in ours.diagnostics] == [d.span for d in larks.diagnostics]
    assert [(c.text, c.span) for c in ours.comments] == [(c.text, c.span) for c in larks.comments]
    assert (ours.skipped, ours.mentions) == (larks.skipped, larks.mentions)


def test_a_file_of_many_comments_is_one_error_at_its_end() -> None:
    text = "#\n" * 200_000  # (bench row 5c takes the 4 MiB of the issue)
    result = compile_source(text, "comments.mission")
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("E001", "expected `mission`, found the end of the file")]
    assert result.diagnostics[0].span.start == len(text) - 1  # after the last `#`
    assert len(result.comments) == 200_000


def test_a_suppression_in_a_file_of_comments_is_still_read() -> None:
    result = compile_source("# mission: ignore[E001]\n", "c.mission")
    assert sorted(d.code for d in result.diagnostics) == ["E001", "W002"]
