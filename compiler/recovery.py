"""Syntax-error recovery: report every syntax error in a file, once, in plain words.

When the LALR parser stops on an error, the item being parsed (a step, a
declaration, `version`) is dropped: the parser's stacks are cut back to the
mission body, where the item started, and lexing resumes at the next point
where an item can start (a line starting with `param`, `input`, `version` or
`KIND ID`), after the `}` that closes the broken item, or before the mission's
own `}`. What the dropped text mentions (`state.x`, `param.y`, declared names)
is remembered so that the checks do not report reads of it as errors: a
broken step must not cascade into "nothing provides `state.x`" further down.

Only the slow path uses this module: a file without syntax errors is parsed
in one pass and never gets here.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from compiler.ast import Declaration, Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Label, Severity
from compiler.source import SourceFile
from compiler.suggest import closest, one_of, rename_fix
from compiler.syntax import (
    ALL_KEYWORDS,
    ANY_NAME,
    KEYWORDS,
    Mentions,
    missing_type,
    type_left_out,
)

STEP_KINDS = ("human", "runtime")
ITEM_KEYWORDS = ("input", "param", "version")

# What each grammar terminal is called in a message to the user.
TERMINAL_WORDS: dict[str, str] = {
    "MISSION": "`mission`", "VERSION": "`version`", "PARAM": "`param`", "INPUT": "`input`",
    "STATE": "`state`", "WHEN": "`when`", "BY": "`by`", "AND": "`and`", "OR": "`or`",
    "NOT": "`not`", "IN": "`in`", "TRUE": "`true`", "FALSE": "`false`", "NULL": "`null`",
    "NAME": "a name", "STRING": "a string", "INT": "a number", "FLOAT": "a number",
    "COMPARE": "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)", "ARROW": "`->`",
    "EQUALS": "`=`", "DOTDOT": "`..`", "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`",
    "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COLON": "`:`", "COMMA": "`,`",
    "DOT": "`.`", "$END": "the end of the file", "IF": "`if`", "THEN": "`then`",
    "ELSE": "`else`", "ITEM": "`item`", "PIPE": "`|>`", "PLUS": "`+`", "MINUS": "`-`",
    "STAR": "`*`", "SLASH": "`/`", "CALLEE": "an operation call", "COALESCE": "`??`",
    "QUESTION": "`?`", "OF": "`of`",
    "EXCEPT": "`except`", "STARTER": "`starter`", "REMIND": "`remind`", "BEFORE": "`before`",
    "AFTER": "`after`", "ANSWER": "`answer`", "FAIL": "`fail`", "ESCALATE": "`escalate`",
    "TO": "`to`",
}
_KEYWORD_TERMINALS = frozenset(keyword.upper() for keyword in ALL_KEYWORDS)
_CLOSERS = {"LBRACE": "RBRACE", "LSQB": "RSQB", "LPAR": "RPAR"}
_OPENERS = {closer: opener for opener, closer in _CLOSERS.items()}
_VALUE_STARTS = frozenset({"STRING", "INT", "FLOAT", "LSQB", "LBRACE", "PARAM", "STATE", "TRUE",
                           "FALSE", "NULL", "NOT", "LPAR", "IF", "ITEM", "MINUS",
                           "CALLEE"})
_QUOTES = frozenset("\u201c\u201d\u2018\u2019'")  # typographic and single quotes

# A small tokenizer for scanning ahead while recovering; unlike the real lexer it
# never fails: anything unknown, an unclosed `"` included, is a one-character token.
_SCAN = re.compile(
    r"""(?P<space>[ \t\f\r\n]+)
      | (?P<comment>\#[^\n]*)
      | (?P<string>"(?:[^"\\\n]|\\.)*")
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<number>-?[0-9][0-9.eE+-]*)
      | (?P<punct>->|\.\.|==|!=|<=|>=|.)""",
    re.VERBOSE | re.DOTALL,
)
_BRACKETS = {"{": "LBRACE", "}": "RBRACE", "(": "LPAR", ")": "RPAR", "[": "LSQB", "]": "RSQB"}


@dataclass(frozen=True, slots=True)
class _Scanned:
    kind: str  # "string", "word", "number" or "punct"
    text: str
    start: int
    end: int


def scan(text: str, start: int) -> Iterator[_Scanned]:
    """The tokens of `text` from `start` on, without spaces and comments."""
    position = start
    length = len(text)
    while position < length:
        match = _SCAN.match(text, position)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            yield _Scanned(kind, match.group(), position, match.end())
        position = match.end()


def mentions_in(text: str, spans: Iterable[Span]) -> Mentions:
    """The names that the text in `spans` declares, reads or writes, and the word each span
    starts with.

    Generous on purpose: a broken `param by: int` that lost its keyword still
    declares `by`, `state summary` that lost its dot still names `summary`,
    and a declaration or write whose name is lost provides any name
    (`ANY_NAME`). A read that the dropped text might provide is not an error.
    """
    state: set[str] = set()
    params: set[str] = set()
    starts: set[str] = set()
    for span in spans:
        # What a comment hides in the dropped text counts too (`summarize # (...) -> state.s`).
        uncommented = text[: span.start] + text[span.start : span.end].replace("#", " ")
        tokens = list(scan(uncommented, span.start))
        if not tokens:
            continue
        first = tokens[0]
        starts.add(first.text)
        if any(token.text == "version" and following.kind == "number"
               for token, following in pairwise(tokens)):
            starts.add("version")  # a version line inside the dropped text
        second = tokens[1] if len(tokens) > 1 else None
        colon = next((index for index, token in enumerate(tokens) if token.text == ":"), None)
        named = tokens[colon - 1] if colon is not None and colon >= 2 else None
        keyword = first.text if first.text in ("input", "param") else \
            closest(first.text, ("input", "param"))
        if keyword is not None and (second is None or second.text != "."):
            # `parm x: int`, `param and x: int` (the name stands before the `:`), `param : int`
            table = state if keyword == "input" else params
            table.add(named.text if named is not None and named.kind == "word" else ANY_NAME)
        elif first.kind == "word" and first.text not in KEYWORDS and second is not None \
                and second.text == ":":
            state.add(first.text)  # `by: int = 1`: a declaration that lost its keyword
            params.add(first.text)
        for index, token in enumerate(tokens):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            after = tokens[index + 2] if index + 2 < len(tokens) else None
            if token.text in ("state", "param", "input"):
                table = params if token.text == "param" else state
                if following is not None and following.text == "." and after is not None \
                        and after.kind == "word":
                    table.add(after.text)
                    beyond = tokens[index + 3] if index + 3 < len(tokens) else None
                    if after.text in KEYWORDS and beyond is not None and beyond.kind == "word":
                        table.add(beyond.text)  # `state.and summary`: a word slipped in
                elif following is not None and following.kind == "word" \
                        and following.text not in KEYWORDS:
                    table.add(following.text)  # `state summary`, `input x: list`
                elif token.text != "input" and (following is None or following.text == "."):
                    table.add(ANY_NAME)  # `-> state.` whose name is lost
            elif token.kind == "word" and token.text[:5] in ("state", "param") \
                    and len(token.text) > 5 and token.text[5:6].isalpha():
                # `statesummary`: the lexer read `state` `summary` where no name can stand
                (state if token.text[:5] == "state" else params).add(token.text[5:])
            elif token.text == "." and following is not None and following.kind == "word":
                state.add(following.text)  # `-> .summary`: a path that lost its root
    return Mentions(frozenset(state), frozenset(params), frozenset(starts))


def _line_start(text: str, offset: int) -> bool:
    """True when only spaces stand between the start of the line and `offset` (read back
    from `offset`, not sliced: on a long line a slice per token is quadratic)."""
    index = offset - 1
    while index >= 0 and text[index] != "\n" and text[index].isspace():
        index -= 1
    return index < 0 or text[index] == "\n"


def _starts_item(token: _Scanned, following: _Scanned | None) -> bool:
    if following is None:
        return False
    if token.text in ("param", "input"):
        return following.kind == "word"
    if token.text == "version":
        return following.kind == "number"
    return token.kind == "word" and token.text not in ALL_KEYWORDS and following.kind == "word"


def _is_last_closer(text: str, start: int) -> bool:
    """True when the `}` at `start` is the last unmatched `}` of the text (the mission's):
    no later `}` goes below the depth it starts at. O(log n) with `_brace_table`, so the
    recoveries of a file with many errors do not each scan the rest of it."""
    positions, balances, highest = _brace_table(text)
    after = bisect.bisect_right(positions, start)
    return balances[after] >= highest[after + 1]


@functools.lru_cache(maxsize=1)  # one text is recovered at a time
def _brace_table(text: str) -> tuple[list[int], list[int], list[int]]:
    """For the braces of `text` in order: their offsets; `balances[i]`, the number of `{`
    minus the number of `}` from brace i to the end; `highest[i]`, the largest balance
    from brace i on (one more entry each, for the end of the text)."""
    positions: list[int] = []
    steps: list[int] = []
    for token in scan(text, 0):
        if token.text in ("{", "}") and token.kind == "punct":
            positions.append(token.start)
            steps.append(1 if token.text == "{" else -1)
    balances = [0] * (len(steps) + 1)
    highest = [0] * (len(steps) + 2)
    for index in range(len(steps) - 1, -1, -1):
        balances[index] = balances[index + 1] + steps[index]
    for index in range(len(steps), -1, -1):
        highest[index] = max(balances[index], highest[index + 1])
    return positions, balances, highest


def find_resync(text: str, start: int, open_brackets: list[str]) -> tuple[int, bool]:
    """Where parsing resumes after an error at `start` inside an item with `open_brackets`.

    Returns (offset, at_end): lexing resumes at `offset`; `at_end` is True when
    nothing sensible is left before the end of the file.
    """
    stack = list(open_brackets)
    tokens = scan(text, start)
    current = next(tokens, None)
    while current is not None:
        following = next(tokens, None)
        if _line_start(text, current.start) and _starts_item(current, following):
            return current.start, False
        kind = _BRACKETS.get(current.text) if current.kind == "punct" else None
        if kind == "LBRACE" and stack == ["BODY"]:
            stack = ["LBRACE"]  # the step's body opens
        elif kind in _CLOSERS:
            stack.append(kind)
        elif kind == "RBRACE":
            if "LBRACE" not in stack:
                if _is_last_closer(text, current.start):
                    return current.start, False
            else:
                while stack and stack.pop() != "LBRACE":
                    pass
                if not stack:
                    if _is_last_closer(text, current.start):
                        return current.start, False  # the item is unclosed: this is the mission's
                    return current.end, False
        elif kind in _OPENERS and stack and stack[-1] == _OPENERS[kind]:
            stack.pop()
        current = following
    return len(text), True


# -- messages ---------------------------------------------------------------------------


_VALUE_HELP = ("a value is a string, a number, `true`, `false`, `null`, a list `[...]`, a map "
               "`{...}`, `param.NAME` or `state.NAME`")


def describe_expected(expected: set[str] | frozenset[str]) -> str:
    """The terminals the parser wanted, in the user's words."""
    names = set(expected)
    if "MISSION" in names:  # where a file starts: a test file (`tests`) is not what is meant
        names.discard("TESTS")
    words: list[str] = []
    if {"PARAM", "INPUT", "VERSION"} <= names:
        names -= {"PARAM", "INPUT", "VERSION", "NAME"}
        words.append("a step (`runtime ID {` or `human ID {`), `param`, `input`, `version`")
    if {"STRING", "INT", "LSQB", "PARAM", "STATE"} <= names:
        names -= _VALUE_STARTS
        if "NAME" in names and "RPAR" in names:
            names.discard("NAME")
            words.append("an argument")
        else:
            names.discard("NAME")  # the start of a call such as `count(...)`
            words.append("a value")
    if "INT" in names and "FLOAT" in names:
        names.discard("FLOAT")
    arithmetic = {"PLUS", "MINUS", "STAR", "SLASH"} <= names
    if arithmetic:
        names -= {"PLUS", "MINUS", "STAR", "SLASH", "PIPE", "COALESCE"}
    words.extend(sorted(TERMINAL_WORDS.get(name, f"`{name.lower()}`") for name in names))
    if arithmetic:
        words.append("an operator (`+`, `-`, `*`, `/`, `|>`, `??`)")
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _is_token(value: object) -> bool:
    return isinstance(value, str) and hasattr(value, "type")


def _token_span(token: Any) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def error_offset(source: SourceFile, error: Exception) -> int:
    """Where an error is in the text (the end of the text for the end of the file)."""
    token = getattr(error, "token", None)
    if token is not None:
        if token.type == "$END":
            return len(source.text)
        return int(token.start_pos or 0)
    return int(getattr(error, "pos_in_stream", 0) or 0)


def expected_terminals(error: Any) -> set[str]:
    """The terminals the parser could take where it stopped.

    Each terminal of the parse table's row is tried on a copy of the parser:
    LALR merges the lookaheads of every context a token appears in, so after
    `"OK?"` in a call the row also lists `{` (a step's description) and
    `param` (the mission's), which only a trial shows cannot follow here.
    The lexer's own list leaves out keywords and names the end of the file
    differently.
    """
    interactive = getattr(error, "interactive_parser", None)
    if interactive is not None:
        state = interactive.parser_state
        actions = state.parse_conf.states.get(state.position, {})
        row = {name for name in actions if name.isupper() or name == "$END"}
        return set(interactive.accepts()) or row
    expected = set(getattr(error, "expected", ()) or ())
    return {"$END" if name == "<END-OF-FILE>" else name for name in expected}


def _end_span(source: SourceFile) -> Span:
    """A zero-width span just after the last non-space character (the visible end)."""
    end = len(source.text.rstrip())
    return Span(end, end)


def syntax_error(source: SourceFile, error: Exception, stack: list[Any]) -> Diagnostic:
    """Turn a Lark exception into a diagnostic that names what was expected."""
    from lark.exceptions import UnexpectedToken

    if not isinstance(error, UnexpectedToken):
        return _unexpected_character(source, int(getattr(error, "pos_in_stream", 0) or 0))
    token = error.token
    if token.type == "CALLEE":  # where no call can stand, a name followed by `(` is a name
        from lark import Token

        token = Token.new_borrow_pos("NAME", str(token), token)
    at_end = token.type == "$END"
    span = _end_span(source) if at_end else _token_span(token)
    found = "the end of the file" if at_end else f"`{token}`"
    expected_set = expected_terminals(error)
    if token.type in _KEYWORD_TERMINALS and "NAME" in expected_set:
        return Diagnostic(
            "E002", Severity.ERROR, f"`{token}` is a reserved keyword and cannot be used as a name",
            span, label="reserved keyword",
            help=(f"rename it, for example `{token.lower()}_value`",),
        )
    if expected_set == {"$END"}:
        return _after_the_mission(source, span, found, stack)
    glued = None if at_end else _glued_keyword(source, token)
    last = stack[-1] if stack else None
    if glued is None and getattr(last, "type", None) == "NAME":
        glued = _glued_keyword(source, last)  # `whenn x`: `n` started a call `n(...)`
    if glued is not None:
        return glued
    misspelled = _misspelled_item_keyword(source, stack)
    if misspelled is not None:
        return misspelled
    item = _partial_item(stack)
    before = stack[-len(item) - 1] if item and len(stack) > len(item) else None
    if before is not None and getattr(before, "children", None):  # Lark's list of items
        before = before.children[-1]
    if isinstance(before, Declaration) and type_left_out(before, source.text):
        return missing_type(before)  # the same finding as the checker's: reported once
    if isinstance(before, Declaration) and item[0].type == "NAME" \
            and not _line_start(source.text, int(item[0].start_pos or 0)):
        return Diagnostic(  # `param by: x int = 1`: the word after the type is taken for a step
            "E001", Severity.ERROR, f"unexpected `{item[0]}` after the declaration of "
            f"`{before.name.text}`", _token_span(item[0]), label="not part of the declaration",
            labels=(Label(before.type.span, "the type ends here"),),
            help=(f"a declaration is `{before.keyword} NAME: TYPE` with an optional "
                  "`in MIN..MAX` and `= DEFAULT`",))
    empty_guard = _empty_guard(stack)
    if empty_guard is not None:
        return empty_guard
    expected = _named_in_context(stack, expected_set) or describe_expected(expected_set)
    help_lines = _hints(source, token, expected_set, stack)
    if not stack and at_end:
        help_lines = (*help_lines, "a mission file starts with `mission NAME {`")
    elif expected == "a type":
        from runtime.orchestration.types import TYPE_NAMES

        help_lines = (*help_lines, f"the types are {one_of(TYPE_NAMES)}")
    elif token.type == "STRING" and _named_in_context(stack, expected_set) == "the step's id":
        help_lines = (*help_lines, f"write the id before the description: "
                                   f"`{stack[-1]} ID {token} {{`" if str(stack[-1]) in STEP_KINDS
                      else "a step starts with its kind, `runtime` or `human`, then its id: "
                           f"`runtime {stack[-1]} {token} {{`")
    elif stack and _is_token(stack[-1]) and stack[-1].type == "ARROW":
        expected = "a state path (`state.NAME`)"
        help_lines = (*help_lines, "a result is written to the state: "
                                   f"`-> state.{token if token.type == 'NAME' else 'NAME'}`")
    elif _opener_is_step_body(stack) and token.type == "NAME" and "RBRACE" in expected_set \
            and str(token) not in (*STEP_KINDS, *ITEM_KEYWORDS) and not help_lines:
        help_lines = (*help_lines, "a step holds one operation call: put the second one in a "
                                   "step of its own")
    if expected in ("a value", "an argument") or expected.startswith(("a value ", "an argument ")):
        help_lines = (*help_lines, _VALUE_HELP)
    opener = _innermost_open(stack)
    labels: tuple[Label, ...] = ()
    message = f"expected {expected}, found {found}"
    if opener is not None:
        kind, what, where = opener
        ends_here = at_end or token.type in _OPENERS or (
            token.type == "ARROW" and kind == "LPAR") or (
            token.type == "NAME" and what.startswith("step ")) or (
            token.start_pos is not None and _line_start(source.text, token.start_pos))
        if what.startswith("mission ") and not (at_end or token.type in _OPENERS):
            pass  # stray text in the body: what was expected says more than "close the mission"
        elif _CLOSERS[kind] in expected_set and ends_here:
            line, column = source.location(where.start)
            closer = TERMINAL_WORDS[_CLOSERS[kind]]
            message = f"expected {closer} to close the {what} that starts at {line}:{column}, " \
                      f"found {found}"
            labels = (Label(where, f"the {what} starts here"),)
        elif "COMMA" in expected_set and kind in ("LPAR", "LSQB") and not at_end \
                and (token.type == "NAME" or token.type in _VALUE_STARTS):
            items = "arguments" if kind == "LPAR" else "items"
            help_lines = (*help_lines, f"separate the {items} with commas")
    return Diagnostic("E001", Severity.ERROR, message, span, label=f"expected {expected}",
                      labels=labels, help=help_lines)


def _glued_keyword(source: SourceFile, token: Any) -> Diagnostic | None:
    """A word that the lexer split after a keyword (`whenn` read as `when` `n`).

    Where a name cannot stand, the lexer matches the keyword at the start of a
    longer word; the error is then the whole word, not its tail.
    """
    text = source.text
    start = int(token.start_pos or 0)
    if not str(token)[:1].isalnum() and not str(token).startswith("_"):
        return None
    begin = start
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "_"):
        begin -= 1
    if text[begin:start] not in ALL_KEYWORDS:
        return None
    word = text[begin : int(token.end_pos or start)]
    match = closest(word, ALL_KEYWORDS)
    return Diagnostic(
        "E001", Severity.ERROR, f"unexpected word `{word}`", Span(begin, begin + len(word)),
        label="not a keyword, and no name can stand here",
        help=(f"did you mean `{match}`?",) if match else
             (f"if `{text[begin:start]}` is meant, put a space after it",),
    )


def _misspelled_item_keyword(source: SourceFile, stack: list[Any]) -> Diagnostic | None:
    """`parm x: int` or `versoin 1`: an item whose first word is a misspelled keyword.

    The parser took the word for a step's kind and stopped later; the mistake
    is the word itself.
    """
    item = _partial_item(stack)
    if not item or item[0].type != "NAME" or str(item[0]) in STEP_KINDS \
            or not _line_start(source.text, int(item[0].start_pos or 0)):
        return None
    first = str(item[0])
    match = closest(first, (*ITEM_KEYWORDS, *STEP_KINDS))
    if match not in ITEM_KEYWORDS:
        return None
    span = _token_span(item[0])
    fix = rename_fix(first, span, (*ITEM_KEYWORDS, *STEP_KINDS))
    suggestion = f"did you mean `{match}`?"
    rest = first[len(match):] if first.startswith(match) else ""
    if rest:  # `version1`, `paramx`: the space is missing
        suggestion = f"did you mean `{match} {rest}`?"
        glue = Edit(Span(span.start + len(match), span.start + len(match)), " ")
        fix = Fix(f"put a space after `{match}`", (glue,)) if rest.isdigit() else None
    elif fix is not None and fix.edits[0].replacement != match:
        fix = None
    return Diagnostic(
        "E001", Severity.ERROR, f"unknown keyword `{first}`", span, label="not a keyword",
        help=(suggestion, "a mission holds `version`, `param` and `input` lines and steps "
                          "(`runtime ID {` or `human ID {`)"),
        fix=fix,
    )


def _empty_guard(stack: list[Any]) -> Diagnostic | None:
    """`runtime a "A" when { ... }`: the step's body was read as a map after `when`."""
    for index in range(len(stack) - 1):
        first, second = stack[index], stack[index + 1]
        rest = stack[index + 2:] if len(stack) - index <= 3 else None  # no copy of deep stacks
        if rest is not None and _is_token(first) and first.type == "WHEN" \
                and _is_token(second) and second.type == "LBRACE" \
                and partial_item_index(stack) is not None \
                and (not rest or (len(rest) == 1 and _is_token(rest[0])
                                  and rest[0].type == "NAME")):
            return Diagnostic(
                "E001", Severity.ERROR, "expected a condition after `when`, found `{`",
                _token_span(second), label="the step's body starts here",
                labels=(Label(_token_span(first), "a condition must follow this"),),
                help=("write the condition, for example `when state.ready`, or remove `when`",))
    return None


def _opener_is_step_body(stack: list[Any]) -> bool:
    """True when the innermost open bracket is a step's `{`."""
    opener = _innermost_open(stack)
    return opener is not None and opener[1].startswith("step ")


def _named_in_context(stack: list[Any], expected: set[str]) -> str:
    """What a missing name is for, from the token before it ("" when unclear)."""
    if expected != {"NAME"} or not stack or not _is_token(stack[-1]):
        return ""
    previous = stack[-1].type
    if previous == "MISSION":
        return "the mission's name"
    if previous in ("PARAM", "INPUT") and body_index(stack) is not None \
            and partial_item_index(stack) == len(stack) - 1:
        return f"the {previous.lower()}'s name"
    if previous == "NAME" and partial_item_index(stack) == len(stack) - 1:
        return "the step's id"
    item = _partial_item(stack)
    if previous == "COLON" and len(item) == 3 and item[0].type in ("PARAM", "INPUT"):
        return "a type"
    return ""


def _unexpected_character(source: SourceFile, offset: int) -> Diagnostic:
    text = source.text
    char = text[offset : offset + 1]
    if char == '"':
        line_end = text.find("\n", offset)
        end = len(text) if line_end == -1 else line_end
        end = len(text[:end].rstrip("\r")) if end > offset else end
        return Diagnostic(
            "E001", Severity.ERROR, "this string is not closed", Span(offset, max(end, offset + 1)),
            label="no closing `\"` on this line",
            help=('end the string with `"` on the same line; write `\\n` for a line break '
                  'inside a string',),
        )
    if char == "\ufeff":
        return Diagnostic(
            "E001", Severity.ERROR, "unexpected byte order mark", Span(offset, offset + 1),
            label="invisible character U+FEFF",
            help=("save the file as UTF-8 without a byte order mark (BOM)",),
        )
    if char in _QUOTES:
        return Diagnostic(
            "E001", Severity.ERROR, f"unexpected character `{char}`", Span(offset, offset + 1),
            label="not a string quote", help=('strings use straight double quotes: `"text"`',),
        )
    shown = char if char.isprintable() else f"\\u{ord(char):04x}" if char else ""
    return Diagnostic(
        "E001", Severity.ERROR, f"unexpected character `{shown}`", Span(offset, offset + 1),
        label="not part of the mission language",
        help=("remove it, or put text inside double quotes",),
    )


def _after_the_mission(source: SourceFile, span: Span, found: str,
                       stack: list[Any]) -> Diagnostic:
    closing = stack[-1] if stack and _is_token(stack[-1]) and stack[-1].type == "RBRACE" else None
    labels = (Label(_token_span(closing), "the mission ends here"),) if closing is not None else ()
    if found == "`mission`":
        help_lines: tuple[str, ...] = ("a file holds one mission: move this one to its own file",)
    else:
        help_lines = ("everything must be inside the mission's braces; is there a `}` too many "
                      "above?",)
    return Diagnostic("E001", Severity.ERROR, f"expected the end of the file, found {found}",
                      span, label="after the end of the mission", labels=labels, help=help_lines)


def _hints(source: SourceFile, token: Any, expected: set[str],
           stack: list[Any]) -> tuple[str, ...]:
    """Did-you-mean lines for a misspelled keyword."""
    word = str(token) if token.type == "NAME" else ""
    wanted = [name.lower() for name in expected if name in _KEYWORD_TERMINALS]
    if word and wanted:
        glued = next((keyword for keyword in sorted(wanted) if word.startswith(keyword)
                      and len(word) > len(keyword)), None)
        if glued is not None:  # `after1 day` after `-> state.x`: one word, where a name can end
            return (f"put a space after `{glued}`: `{glued} {word[len(glued):]}`",)
        match = closest(word, wanted)
        if match is not None:
            return (f"did you mean `{match}`?",)
    item = _partial_item(stack)
    if item and item[0].type == "NAME" and str(item[0]) not in STEP_KINDS \
            and _line_start(source.text, int(item[0].start_pos or 0)):
        first = str(item[0])
        match = closest(first, (*ITEM_KEYWORDS, *STEP_KINDS))
        if match is not None:
            return (f"did you mean `{match}` instead of `{first}`?",)
        if len(item) >= 2 and "LBRACE" in expected:
            return ("a step starts with its kind, `runtime` or `human`, then its id",)
    if not stack and word:
        match = closest(word, ("mission",))
        if match is not None:
            return ("did you mean `mission`?",)
        return ("a mission file starts with `mission NAME {`",)
    if word and stack and not _is_token(stack[-1]):  # a word after a value: `a adn b`
        match = closest(word, ("and", "or", "in"))
        if match is not None:
            return (f"did you mean `{match}`?",)
        glued = next((op for op in ("and", "or", "in") if word.startswith(op)), None)
        if glued is not None and word[len(glued):] in KEYWORDS:
            return (f"put a space after `{glued}`: `{glued} {word[len(glued):]}`",)
    if token.type == "EQUALS" and "COMPARE" in expected:
        return ("to compare two values, write `==`",)
    clause = _clause_hint(token, expected)
    if clause:
        return clause
    if expected == {"DOT"} and stack and _is_token(stack[-1]) \
            and stack[-1].type in ("STATE", "PARAM"):
        return (f"name what to read: `{stack[-1]}.NAME`",)
    return ()


def _clause_hint(token: Any, expected: set[str]) -> tuple[str, ...]:
    """How the words of a human step's head and time limits go together."""
    if expected == {"STARTER"}:
        return ("only the person who started the run can be left out: `except starter`; "
                "to let only a group answer, write `by GROUP`",)
    if expected == {"TO"}:
        return ("write `escalate to GROUP`",)
    if expected == {"OF"}:
        return ("write `by N of GROUP`: N people of the group must answer",)
    if expected == {"BEFORE"}:
        return ("a reminder is written `remind 4 hours before` (before each deadline)",)
    if {"ANSWER", "FAIL", "ESCALATE"} <= expected:
        return ("an `after` line says what happens then: `answer VALUE`, `fail \"REASON\"` or "
                "`escalate to GROUP`",)
    if token.type == "REMIND":
        return ("a step has at most one `remind` line, written before its `after` lines",)
    if expected & {"REMIND", "AFTER"} and token.type in ("INT", "FLOAT"):
        return ("a time limit starts with `remind` or `after`: `after 2 days fail`",)
    return ()


def body_index(stack: list[Any]) -> int | None:
    """The index of the mission's `{` in the value stack, or None outside the mission body."""
    if not stack or not _is_token(stack[0]) or stack[0].type != "MISSION":
        return None
    for index in (2, 3):
        if index < len(stack) and _is_token(stack[index]) and stack[index].type == "LBRACE":
            return index
    return None


def partial_item_index(stack: list[Any]) -> int | None:
    """Where the item being parsed starts in the value stack (None: between items).

    A step whose closing `}` is on the stack is complete (the parser reduces it
    on the next token), so it is not partial.
    """
    body = body_index(stack)
    if body is None:
        return None
    for index in range(body + 1, len(stack)):
        if _is_token(stack[index]):
            item = stack[index:]
            last = item[-1]
            if item[0].type == "NAME" and _is_token(last) and last.type == "RBRACE" \
                    and not open_brackets(item):
                return None
            return index
    return None


def _partial_item(stack: list[Any]) -> list[Any]:
    index = partial_item_index(stack)
    return [] if index is None else stack[index:]


# Tokens after which a `{` starts a map (in a `when` condition), not a step's body.
_BEFORE_MAP = frozenset({"WHEN", "COMPARE", "AND", "OR", "NOT", "IN", "LPAR", "LSQB", "COMMA",
                         "COLON"})


def open_brackets(values: list[Any]) -> list[str]:
    """The brackets still open among the tokens of a partial item, outermost first.

    A step stopped in its `when` condition, before its body, starts with
    `BODY`: the body's braces are still to come (`find_resync` skips them).
    """
    stack: list[str] = []
    for value in values:
        if not _is_token(value):
            continue
        if value.type in _CLOSERS:
            stack.append(value.type)
        elif value.type in _OPENERS and stack and stack[-1] == _OPENERS[value.type]:
            stack.pop()
    tokens = [value.type if _is_token(value) else "" for value in values]
    if tokens[:2] == ["NAME", "NAME"] and "WHEN" in tokens and not any(
            kind == "LBRACE" and before not in _BEFORE_MAP
            for before, kind in pairwise(tokens[tokens.index("WHEN"):])):
        stack.insert(0, "BODY")
    return stack


def _innermost_open(stack: list[Any]) -> tuple[str, str, Span] | None:
    """The innermost bracket still open at the error: (terminal, what, where it starts)."""

    def token_type(position: int) -> str:
        item = stack[position] if 0 <= position < len(stack) else None
        return item.type if _is_token(item) else ""  # type: ignore[union-attr]

    closed: list[str] = []
    for index in range(len(stack) - 1, -1, -1):
        kind = token_type(index)
        if kind in _OPENERS:
            closed.append(kind)
            continue
        if kind not in _CLOSERS:
            continue
        if closed and closed[-1] == _CLOSERS[kind]:
            closed.pop()
            continue
        start = stack[index]
        what = "list"
        if kind == "LPAR":
            what = "parenthesis"
            if token_type(index - 1) == "NAME":
                what, start = f"call of `{stack[index - 1]}`", stack[index - 1]
        elif kind == "LBRACE":
            before = index - 1
            if token_type(before) == "STRING":
                before -= 1
            if token_type(before) == "NAME" and token_type(before - 1) == "MISSION":
                what, start = f"mission `{stack[before]}`", stack[before - 1]
            else:  # a step's head: `KIND ID "d" by N of GROUP except starter when C {`
                before = index - 1
                if token_type(before - 1) == "WHEN":
                    before -= 2
                if token_type(before) == "STARTER":
                    before -= 2
                if token_type(before - 1) == "OF":
                    before -= 4
                elif token_type(before - 1) == "BY":
                    before -= 2
                if token_type(before) == "STRING":
                    before -= 1
                if token_type(before) == "NAME" and token_type(before - 1) == "NAME":
                    what, start = f"step `{stack[before]}`", stack[before - 1]
                else:
                    what = "map"
        return kind, what, _token_span(start)
    return None
