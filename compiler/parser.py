"""Text to syntax tree, in one pass with no intermediate parse tree.

Lark's LALR parser calls `AstBuilder` as it reduces each rule (an inline
transformer), so the AST is built directly from tokens; spans come from the
tokens' offsets. Syntax errors become diagnostics in plain words, never
exceptions: after one, the parse resumes at the next item (see
`compiler.recovery`), so every syntax error of a file is reported in one run.
`lark` is imported on the first parse only.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compiler import ast
from compiler.ast import Span
from compiler.bounds import enforce, file_too_large
from compiler.building import AstBuilder, ParseResult, parsed_tree
from compiler.diagnostics import Diagnostic, Severity
from compiler.fastparse import parse_fast
from compiler.limits import DEFAULT_LIMITS, Limits
from compiler.source import SourceFile
from compiler.syntax import KEYWORDS, MAX_SYNTAX_ERRORS, Mentions

if TYPE_CHECKING:
    from lark import Lark, Token

    from compiler.recovery import (
        body_index,
        error_offset,
        expected_terminals,
        find_resync,
        mentions_in,
        open_brackets,
        partial_item_index,
        scan,
        syntax_error,
    )
else:  # the Lark path's helpers, imported on first use: text that parses never needs them

    def _from_recovery(name: str) -> Any:
        def call(*args: Any) -> Any:
            from compiler import recovery

            return getattr(recovery, name)(*args)

        return call

    (body_index, error_offset, expected_terminals, find_resync, mentions_in, open_brackets,
     partial_item_index, scan, syntax_error) = map(_from_recovery, (
        "body_index", "error_offset", "expected_terminals", "find_resync", "mentions_in",
        "open_brackets", "partial_item_index", "scan", "syntax_error"))

__all__ = ["KEYWORDS", "ParseResult", "parse"]


class _Parser:
    """One Lark parser for the process, built on first use, used under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lark: Lark | None = None
        self._builder = AstBuilder()
        self._comments: list[Token] = []

    def _get(self) -> Lark:
        if self._lark is None:
            import lark

            from grammar import build_parser

            transformer: lark.Transformer[Any, Any] = lark.Transformer()
            for name in dir(AstBuilder):
                if not name.startswith("__") and name not in {"diagnostics", "text"}:
                    setattr(transformer, name, getattr(self._builder, name))
            self._lark = build_parser(transformer, {"COMMENT": self._comments.append})
        return self._lark

    def parse(self, source: SourceFile) -> ParseResult:
        with self._lock:
            parser = self._get()
            self._builder.diagnostics = []
            self._builder.text = source.text
            self._comments.clear()
            from lark.exceptions import UnexpectedInput

            tree: Any
            try:
                tree = parser.parse(source.text)  # the fast path: no syntax error
                diagnostics = list(self._builder.diagnostics)
                recovered = _Recovered()
            except UnexpectedInput as error:
                recovered = _Recovered()
                tree = _recover(source, error, recovered)
                diagnostics = [*self._builder.diagnostics, *recovered.diagnostics]
            comments = tuple(ast.Comment(str(token), Span(token.start_pos or 0, token.end_pos or 0))
                             for token in self._comments)
        unique = sorted(set(diagnostics), key=lambda d: d.sort_key)
        skipped = tuple(recovered.skipped)
        return parsed_tree(tree, comments, tuple(unique)).replace(
            skipped=skipped, mentions=mentions_in(source.text, skipped))


_PARSER = _Parser()


def _parse_text(source: SourceFile) -> ParseResult:
    """The fast path, else Lark's: a parse without the limits (`parse` enforces them)."""
    return parse_fast(source) or _PARSER.parse(source)


def parse(source: SourceFile, limits: Limits = DEFAULT_LIMITS) -> ParseResult:
    """Parse a source file; problems come back as diagnostics, never raised.

    Text that parses takes the fast path (`compiler.fastparse`, same tree, no
    Lark); text with a syntax error, or no table cache, takes Lark's, which
    explains and recovers. Then the limits are enforced (`compiler.bounds`): a
    file over the size limit is not parsed, and an item nested too deeply is
    dropped, so no later phase sees more than `DEPTH_CEILING` levels.
    """
    too_large = file_too_large(source, limits)
    if too_large is not None:
        return ParseResult(None, (), (too_large,))
    result = _only_comments(source) or parse_fast(source) or _PARSER.parse(source)
    if result.mission is None and result.tests is None and result.diagnostics:
        from compiler.testfile.recover import recover_tests  # a test file's broken lines

        result = recover_tests(source, result, _parse_text)
    found = [] if source.text.isascii() else _lone_surrogates(source.text)
    mission, skipped, mentions = result.mission, result.skipped, result.mentions
    tests = result.tests
    if tests is not None:
        from compiler.testfile.bounds import enforce_tests

        tests, too_deep = enforce_tests(tests, source.text, limits)
        found += too_deep
    if mission is not None:
        enforced = enforce(mission, source.text, limits)
        found += enforced.diagnostics
        mission = enforced.mission
        if enforced.dropped:
            skipped = (*skipped, *enforced.dropped)
            more = enforced.mentions
            mentions = Mentions(mentions.state | more.state, mentions.params | more.params,
                                mentions.starts | more.starts)
    if not found:
        return result
    diagnostics = sorted({*result.diagnostics, *found}, key=lambda d: d.sort_key)
    return ParseResult(mission, result.comments, tuple(diagnostics), skipped, mentions, tests)


# A line holding something besides blanks and a comment (the grammar's %ignore terminals).
_SOMETHING = re.compile(r"^[ \t\f\r]*[^ \t\f\r\n#]", re.MULTILINE)
_COMMENT = re.compile(r"#[^\n]*")


def _only_comments(source: SourceFile) -> ParseResult | None:
    """What Lark reports for a text of blanks and comments only (no mission: E001 at its
    visible end), without Lark lexing it again and keeping a Token per
    comment: `#\n` x 2,097,000 took 23 s and 1.1 GB. None for any other text."""
    text = source.text
    if _SOMETHING.search(text) is not None:
        return None
    comments = tuple(ast.Comment(match.group(), Span(match.start(), match.end()))
                     for match in _COMMENT.finditer(text))
    end = len(text.rstrip())  # the visible end, where recovery puts "the end of the file"
    empty = _PARSER.parse(SourceFile(source.path, ""))  # the message, from the one place
    diagnostics = tuple(diagnostic.replace(span=Span(end, end))
                        for diagnostic in empty.diagnostics)
    return ParseResult(None, comments, diagnostics, empty.skipped, empty.mentions)


def _lone_surrogates(text: str) -> list[Diagnostic]:
    """An E001 for the first lone surrogate (text from Python or the language server can
    hold one; a file read as UTF-8 cannot): it is not a character, and nothing could
    print or store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as problem:
        code = ord(text[problem.start])
        return [Diagnostic("E001", Severity.ERROR, f"the text holds a lone surrogate "
                           f"(U+{code:04X}), which is not a character",
                           Span(problem.start, problem.start + 1), label="not valid Unicode",
                           help=("remove it; it usually comes from text cut in the middle of "
                                 "a character",))]
    return []


@dataclass
class _Recovered:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: list[Span] = field(default_factory=list)


def _recover(source: SourceFile, error: Exception, recovered: _Recovered) -> ast.Mission | None:
    """Report `error` and every later syntax error; return the tree of what parsed.

    Each error drops the item it is in (see `compiler.recovery`); the parse
    resumes from the same parser state, so the whole file is read once. After
    `MAX_SYNTAX_ERRORS` errors (or twice as many recoveries) the rest of the
    file is dropped: each recovery scans ahead, so their number is bounded.
    """
    from lark.exceptions import UnexpectedInput

    quiet_until = -1  # errors up to here are consequences of the previous recovery
    closed = False
    recoveries = 0
    while True:
        offset = error_offset(source, error)
        interactive = getattr(error, "interactive_parser", None)
        stack: list[Any] = list(interactive.parser_state.value_stack) if interactive else []
        # An error at or before where the last recovery resumed, or a missing `}` at the end
        # after earlier errors, is a consequence of those errors: not reported.
        report = not recovered.diagnostics or (
            offset > quiet_until and offset < len(source.text))
        if report and len(recovered.diagnostics) < MAX_SYNTAX_ERRORS:
            recovered.diagnostics.append(syntax_error(source, error, stack))
        if interactive is None or (closed and offset >= len(source.text)):
            return None  # nothing parsed, or even a closed mission does not end the file
        recoveries += 1
        give_up = (len(recovered.diagnostics) >= MAX_SYNTAX_ERRORS
                   or recoveries >= 2 * MAX_SYNTAX_ERRORS)
        resume = _resynchronise(source, error, interactive, offset, recovered, give_up)
        if resume is None:
            return None
        closed = resume >= len(source.text)
        quiet_until = resume
        try:
            result = interactive.resume_parse()
        except UnexpectedInput as again:
            error = again
            continue
        return result if isinstance(result, ast.Mission) else None


def _resynchronise(source: SourceFile, error: Exception, interactive: Any, offset: int,
                   recovered: _Recovered, give_up: bool = False) -> int | None:
    """Cut the parser back to the mission body and move the lexer past the broken text
    (with `give_up`, to the end of the file).

    Returns the offset where lexing resumes, or None when the file cannot be
    recovered (an error before the mission's `{`).
    """
    text = source.text
    state = interactive.parser_state
    stack = state.value_stack
    expected = expected_terminals(error)
    if expected == {"$END"}:  # text after the mission's closing brace
        _skip(source, interactive, Span(offset, len(text)), recovered)
        return len(text)
    body = body_index(stack)
    if body is None:
        if stack or give_up:
            return None
        start = _next_mission_keyword(text, offset + 1)
        if start is None:
            return None
        _skip(source, interactive, Span(offset, start), recovered)
        return start
    item = partial_item_index(stack)
    cut = len(stack) if item is None else item
    begin = offset if item is None else int(stack[item].start_pos or 0)
    resume, at_end = (len(text), True) if give_up else \
        find_resync(text, offset, open_brackets(stack[cut:]))
    if resume <= offset and cut == len(stack):  # always make progress
        resume = _token_end(source, error, offset)
    del stack[cut:]
    del state.state_stack[cut + 1:]
    _skip(source, interactive, Span(min(begin, resume), resume), recovered)
    if at_end:
        _close_mission(source, interactive)
    return resume


def _token_end(source: SourceFile, error: Exception, offset: int) -> int:
    token = getattr(error, "token", None)
    if token is not None and token.type != "$END":
        return max(int(token.end_pos or offset), offset + 1)
    return min(offset + 1, len(source.text))


def _next_mission_keyword(text: str, start: int) -> int | None:
    """Where the next `mission` word is, to resume after junk before the mission."""
    return next((token.start for token in scan(text, start) if token.text == "mission"), None)


def _skip(source: SourceFile, interactive: Any, span: Span, recovered: _Recovered) -> None:
    """Move the lexer to `span.end`, remembering the skipped text."""
    if span.end > span.start:
        recovered.skipped.append(span)
    counter = interactive.lexer_thread.state.line_ctr
    line, column = source.location(span.end)
    counter.char_pos = span.end
    counter.line = line
    counter.column = column
    counter.line_start_pos = source.line_start(line)


def _close_mission(source: SourceFile, interactive: Any) -> None:
    """At the end of the file, close the mission with a `}` of zero width."""
    from lark import Token

    end = len(source.text)
    line, column = source.location(end)
    closer = Token("RBRACE", "", start_pos=end, line=line, column=column, end_line=line,
                   end_column=column, end_pos=end)
    with contextlib.suppress(Exception):  # no `}` fits here: the tree stays incomplete
        interactive.feed_token(closer)
