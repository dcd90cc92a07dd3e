"""A test file with a syntax error still gets a tree, so its other lines are checked.

A test file is one fact or event per line, so recovering is simple: the line of the
syntax error is blanked (its characters replaced by spaces, so every offset stays where
it was) and the text parsed again, up to `MAX_DROPPED` lines. The first error is reported,
as the parser found it; the lines dropped are the parse's `skipped` spans, and the checks
leave alone what a dropped line might have changed (a case's params and state).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from compiler.ast import Span
from compiler.building import ParseResult
from compiler.diagnostics import Severity
from compiler.source import SourceFile

MAX_DROPPED = 20
_HEADER = re.compile(r"\A(?:\s|#[^\n]*+)*+tests\b")


def recover_tests(source: SourceFile, result: ParseResult,
                  parse: Callable[[SourceFile], ParseResult]) -> ParseResult:
    """`result` with the tree of the test file less its broken lines (unchanged for a text
    that is not a test file, or that cannot be recovered so); `parse` is the parser's,
    which parses the text again after each line dropped."""

    if not _HEADER.match(source.text):
        return result
    text = source.text
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    dropped: list[Span] = []
    for _ in range(MAX_DROPPED):
        if not errors:
            break
        at = errors[0].span.start
        start = text.rfind("\n", 0, at) + 1
        if not text[start:at].strip() and text[:start].strip():
            # the error starts its line (`}` after `expect state.`): the line before it is
            # the one left unfinished
            at = len(text[:start].rstrip()) - 1
            start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        if start >= end or not text[start:end].strip() or "{" in text[start:end] \
                or "}" in text[start:end]:
            return result  # a line that opens or closes a block: nothing left to check
        text = text[:start] + " " * (end - start) + text[end:]
        dropped.append(Span(start, end))
        again = parse(SourceFile(source.path, text))
        if again.tests is not None and not any(d.severity is Severity.ERROR
                                               for d in again.diagnostics):
            return result.replace(tests=again.tests, skipped=(*result.skipped, *dropped))
        errors = [d for d in again.diagnostics if d.severity is Severity.ERROR]
    return result
