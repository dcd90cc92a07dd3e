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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.source import SourceFile
from compiler.suggest import closest

MAX_SYNTAX_ERRORS = 50

KEYWORDS = frozenset(
    {"mission", "version", "param", "input", "state", "when", "and", "or", "not", "in",
     "true", "false", "null"}
)
STEP_KINDS = ("human", "runtime")
ITEM_KEYWORDS = ("input", "param", "version")

# What each grammar terminal is called in a message to the user.
TERMINAL_WORDS: dict[str, str] = {
    "MISSION": "`mission`", "VERSION": "`version`", "PARAM": "`param`", "INPUT": "`input`",
    "STATE": "`state`", "WHEN": "`when`", "AND": "`and`", "OR": "`or`", "NOT": "`not`",
    "IN": "`in`", "TRUE": "`true`", "FALSE": "`false`", "NULL": "`null`",
    "NAME": "a name", "STRING": "a string", "INT": "a number", "FLOAT": "a number",
    "COMPARE": "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)", "ARROW": "`->`",
    "EQUALS": "`=`", "DOTDOT": "`..`", "LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`",
    "RPAR": "`)`", "LSQB": "`[`", "RSQB": "`]`", "COLON": "`:`", "COMMA": "`,`",
    "DOT": "`.`", "$END": "the end of the file",
}
_KEYWORD_TERMINALS = frozenset(keyword.upper() for keyword in KEYWORDS)
_CLOSERS = {"LBRACE": "RBRACE", "LSQB": "RSQB", "LPAR": "RPAR"}
_OPENERS = {closer: opener for opener, closer in _CLOSERS.items()}
_VALUE_STARTS = frozenset({"STRING", "INT", "FLOAT", "LSQB", "LBRACE", "PARAM", "STATE", "TRUE",
                           "FALSE", "NULL", "NOT", "LPAR"})
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


@dataclass(frozen=True, slots=True)
class Mentions:
    """Names that text dropped by the recovery mentions (so reads of them are not errors)."""

    state: frozenset[str] = frozenset()
    params: frozenset[str] = frozenset()
    starts: frozenset[str] = frozenset()  # the first word of each dropped text (`version`, ...)


NO_MENTIONS = Mentions()


def mentions_in(text: str, spans: Iterable[Span]) -> Mentions:
    """The `state.X`, `param.X`, `input X` and `param X` names inside `spans` of `text`,
    and the word each span starts with."""
    state: set[str] = set()
    params: set[str] = set()
    starts: set[str] = set()
    for span in spans:
        tokens = list(scan(text[: span.end], span.start))
        if tokens:
            starts.add(tokens[0].text)
        for index, token in enumerate(tokens[:-1]):
            following = tokens[index + 1]
            if token.text in ("state", "param") and following.text == "." \
                    and index + 2 < len(tokens) and tokens[index + 2].kind == "word":
                (state if token.text == "state" else params).add(tokens[index + 2].text)
            elif token.text in ("input", "param") and following.kind == "word":
                (state if token.text == "input" else params).add(following.text)
    return Mentions(frozenset(state), frozenset(params), frozenset(starts))


def _line_start(text: str, offset: int) -> bool:
    """True when only spaces stand between the start of the line and `offset`."""
    before = text.rfind("\n", 0, offset) + 1
    return not text[before:offset].strip()


def _starts_item(token: _Scanned, following: _Scanned | None) -> bool:
    if following is None:
        return False
    if token.text in ("param", "input"):
        return following.kind == "word"
    if token.text == "version":
        return following.kind == "number"
    return token.kind == "word" and token.text not in KEYWORDS and following.kind == "word"


def _is_last_closer(text: str, start: int) -> bool:
    """True when the `}` at `start` is the last unmatched `}` of the text (the mission's)."""
    depth = 0
    for token in scan(text, start + 1):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            if depth == 0:
                return False
            depth -= 1
    return True


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
        if kind in _CLOSERS:
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
            words.append("a value")
    if "INT" in names and "FLOAT" in names:
        names.discard("FLOAT")
    words.extend(sorted(TERMINAL_WORDS.get(name, f"`{name.lower()}`") for name in names))
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

    Read from the parse table: the lexer's own list leaves out keywords and
    names the end of the file differently.
    """
    interactive = getattr(error, "interactive_parser", None)
    if interactive is not None:
        state = interactive.parser_state
        actions = state.parse_conf.states.get(state.position, {})
        return {name for name in actions if name.isupper() or name == "$END"}
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
    expected = _named_in_context(stack, expected_set) or describe_expected(expected_set)
    help_lines = _hints(token, expected_set, stack)
    if expected in ("a value", "an argument") or expected.startswith(("a value ", "an argument ")):
        help_lines = (*help_lines, _VALUE_HELP)
    opener = _innermost_open(stack)
    labels: tuple[Label, ...] = ()
    message = f"expected {expected}, found {found}"
    if opener is not None:
        kind, what, where = opener
        ends_here = at_end or token.type in _OPENERS or (
            token.start_pos is not None and _line_start(source.text, token.start_pos))
        if _CLOSERS[kind] in expected_set and ends_here:
            line, column = source.location(where.start)
            closer = TERMINAL_WORDS[_CLOSERS[kind]]
            message = f"expected {closer} to close the {what} that starts at {line}:{column}, " \
                      f"found {found}"
            labels = (Label(where, f"the {what} starts here"),)
        elif "COMMA" in expected_set and kind in ("LPAR", "LSQB") and not at_end:
            items = "arguments" if kind == "LPAR" else "items"
            help_lines = (*help_lines, f"separate the {items} with commas")
    return Diagnostic("E001", Severity.ERROR, message, span, label=f"expected {expected}",
                      labels=labels, help=help_lines)


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


def _hints(token: Any, expected: set[str], stack: list[Any]) -> tuple[str, ...]:
    """Did-you-mean lines for a misspelled keyword."""
    word = str(token) if token.type == "NAME" else ""
    wanted = [name.lower() for name in expected if name in _KEYWORD_TERMINALS]
    if word and wanted:
        match = closest(word, wanted)
        if match is not None:
            return (f"did you mean `{match}`?",)
    item = _partial_item(stack)
    if item and item[0].type == "NAME" and str(item[0]) not in STEP_KINDS:
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


def open_brackets(values: list[Any]) -> list[str]:
    """The brackets still open among the tokens of a partial item, outermost first."""
    stack: list[str] = []
    for value in values:
        if not _is_token(value):
            continue
        if value.type in _CLOSERS:
            stack.append(value.type)
        elif value.type in _OPENERS and stack and stack[-1] == _OPENERS[value.type]:
            stack.pop()
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
            else:
                before = index - 1
                if token_type(before - 1) == "WHEN":
                    before -= 2
                if token_type(before) == "STRING":
                    before -= 1
                if token_type(before) == "NAME" and token_type(before - 1) == "NAME":
                    what, start = f"step `{stack[before]}`", stack[before - 1]
                else:
                    what = "map"
        return kind, what, _token_span(start)
    return None
