"""Hypothesis strategies: syntactically valid missions in random layouts, with comments.

A mission is drawn as a token list (with redundant parentheses, optional
trailing commas and random string escapes), then joined with random
whitespace, blank lines and comments between the tokens. The missions need not
pass the semantic checks: the formatter works on anything that parses.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from grammar import GRAMMAR_TEXT

Tokens = list[str]

# The reserved words, read from the grammar's keyword terminals (`MISSION: "mission"`).
KEYWORDS = frozenset(re.findall(r'^[A-Z]+: "([a-z]+)"$', GRAMMAR_TEXT, re.MULTILINE))

# Keywords are contextual, so any of them is also a name (a param `version`, a step `when`,
# a map key `if`); only a call's name cannot be one that starts an expression (`if(`).
_PLAIN_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda name: name not in KEYWORDS)
# now and then a long name, so that lines outgrow the width and get broken
_LONG_NAMES = st.from_regex(r"[a-z]{18,34}", fullmatch=True).filter(
    lambda name: name not in KEYWORDS)
names = st.one_of(_PLAIN_NAMES, _PLAIN_NAMES, _PLAIN_NAMES, _LONG_NAMES,
                  st.sampled_from(sorted(KEYWORDS)))
_NOT_CALLEES = frozenset({"not", "if", "then", "else", "and", "or", "in", "state", "param",
                          "item", "true", "false", "null"})
callee_names = names.filter(lambda name: name not in _NOT_CALLEES)
comment_texts = st.text(
    st.characters(exclude_characters="\n", exclude_categories=["Cs"]), max_size=16,
).map(lambda body: "#" + body)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
            "\f": "\\f", "/": "\\/"}


@st.composite
def string_tokens(draw: st.DrawFn) -> str:
    """A string literal; each character raw or escaped, at random."""
    value = draw(st.text(st.characters(exclude_categories=["Cs"]), max_size=8))
    parts = ['"']
    for char in value:
        must_escape = char in '"\\\n'
        if must_escape or draw(st.booleans()):
            if char in _ESCAPES and (must_escape or draw(st.booleans())):
                parts.append(_ESCAPES[char])
            elif ord(char) <= 0xFFFF:
                parts.append(f"\\u{ord(char):04{draw(st.sampled_from('xX'))}}")
            else:
                parts.append(char)
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


numbers = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["1.5", "-0.25", "2e3", "1E-2", "3.0e+2", "0.0", "007", "-0"]),
)
literals = st.one_of(string_tokens(), numbers, st.sampled_from(["true", "false", "null"]))


@st.composite
def references(draw: st.DrawFn, root: str | None = None) -> Tokens:
    tokens = [root or draw(st.sampled_from(["param", "state"]))]
    for name in draw(st.lists(names, min_size=1, max_size=3)):
        tokens += [".", name]
    return tokens


def _separated(parts: list[Tokens], trailing_comma: bool) -> Tokens:
    tokens: Tokens = []
    for index, part in enumerate(parts):
        if index:
            tokens.append(",")
        tokens += part
    if parts and trailing_comma:
        tokens.append(",")
    return tokens


@st.composite
def expressions(draw: st.DrawFn, depth: int = 2) -> tuple[int, Tokens]:
    """(precedence, tokens): 8 atom, 7 `+`, 6 pipe, 5 `??`, 4 comparison, 3 not, 2 and, 1 or,
    0 `if`."""
    choices = ["literal", "reference"] + (
        ["list", "map", "not", "and", "or", "compare", "coalesce", "call", "pipe", "plus", "if"]
        if depth > 0 else [])
    kind = draw(st.sampled_from(choices))
    if kind == "literal":
        result: tuple[int, Tokens] = (8, [draw(literals)])
    elif kind == "reference":
        result = (8, draw(references()))
    elif kind == "list":
        items = draw(st.lists(expressions(depth - 1), max_size=3))
        result = (8, ["[", *_separated([tokens for _, tokens in items], draw(st.booleans())), "]"])
    elif kind == "map":
        entries = draw(st.lists(st.tuples(st.one_of(names, string_tokens()),
                                          expressions(depth - 1)), max_size=3))
        parts = [[key, ":", *value[1]] for key, value in entries]
        result = (8, ["{", *_separated(parts, draw(st.booleans())), "}"])
    elif kind == "call":
        arguments = draw(st.lists(expressions(depth - 1), max_size=3))
        result = (8, [f"{draw(callee_names)}(",
                      *_separated([tokens for _, tokens in arguments], draw(st.booleans())),
                      ")"])
    elif kind == "pipe":
        head = draw(expressions(depth - 1))
        arguments = draw(st.lists(expressions(depth - 1), max_size=2))
        result = (6, [*_wrap(head, 6), "|>", f"{draw(callee_names)}(",
                      *_separated([tokens for _, tokens in arguments], False), ")"])
    elif kind == "not":
        result = (3, ["not", *_wrap(draw(expressions(depth - 1)), 3)])
    elif kind == "compare":
        operator = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in"]))
        left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
        result = (4, [*_wrap(left, 5), operator, *_wrap(right, 5)])
    elif kind == "coalesce":  # `a ?? b ?? c` is `a ?? (b ?? c)`
        left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
        result = (5, [*_wrap(left, 6), "??", *_wrap(right, 5)])
    elif kind == "plus":
        left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
        result = (7, [*_wrap(left, 7), draw(st.sampled_from(["+", "-"])), *_wrap(right, 8)])
    elif kind == "if":
        parts = [draw(expressions(depth - 1)) for _ in range(3)]
        result = (0, ["if", *parts[0][1], "then", *parts[1][1], "else", *parts[2][1]])
    else:
        level = 2 if kind == "and" else 1
        left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
        result = (level, [*_wrap(left, level), kind, *_wrap(right, level + 1)])
    if draw(st.integers(0, 5)) == 0:  # a redundant pair of parentheses
        return 8, ["(", *result[1], ")"]
    return result


def _wrap(expression: tuple[int, Tokens], minimum: int) -> Tokens:
    precedence, tokens = expression
    return ["(", *tokens, ")"] if precedence < minimum else tokens


@st.composite
def types(draw: st.DrawFn) -> Tokens:
    """A declared type: a name, `list[...]` of a type or of a record (fields maybe `name?:`),
    maybe with `?`."""
    kind = draw(st.sampled_from(["name", "name", "list", "record", "alone"]))
    if kind == "name":
        tokens = [draw(names)]
    elif kind == "list":
        tokens = ["list", "[", draw(names), *["?"] * draw(st.booleans()), "]"]
    else:
        fields = [[name, *["?"] * optional, ":", kind_name, *["?"] * nullable]
                  for name, optional, kind_name, nullable in draw(st.lists(st.tuples(
                      names, st.booleans(), names, st.booleans()), max_size=4))]
        record = ["{", *_separated(fields, draw(st.booleans())), "}",
                  *["?"] * draw(st.booleans())]
        if kind == "alone":  # a record declared on its own
            return record
        tokens = ["list", "[", *record, "]"]
    return tokens + ["?"] * draw(st.booleans())


@st.composite
def calls(draw: st.DrawFn) -> Tokens:
    positional = [tokens for _, tokens in draw(st.lists(expressions(), max_size=2))]
    named = [[name, ":", *value[1]] for name, value in
             draw(st.lists(st.tuples(names, expressions()), max_size=3))]
    tokens = [draw(callee_names), "(", *_separated(positional + named, draw(st.booleans())), ")"]
    if draw(st.booleans()):
        tokens += ["->", *draw(references("state"))]
    return tokens


@st.composite
def form_calls(draw: st.DrawFn) -> Tokens:
    """`form("...", fields: {name: question(...), ...}) -> state.x`, the fields' names drawn
    from all names (keywords included) and their questions from the field types."""
    tokens = ["form", "(", draw(string_tokens()), ",", "fields", ":", "{"]
    fields = draw(st.lists(st.tuples(names, st.sampled_from(
        ["text", "number", "choose", "confirm", "date"])), min_size=1, max_size=4))
    for index, (name, kind) in enumerate(fields):
        # a call in an expression is a name directly followed by `(`: one token, no comment
        tokens += [","] * (index > 0) + [name, *["?"] * draw(st.booleans()), ":", f"{kind}(",
                                         draw(string_tokens())]
        if kind == "number" and draw(st.booleans()):
            tokens += [",", "min", ":", draw(numbers), ",", "max", ":", draw(numbers)]
        if kind == "choose":
            tokens += [",", "options", ":", "[", draw(string_tokens()), "]"]
        tokens.append(")")
    if draw(st.booleans()):
        tokens.append(",")
    return [*tokens, "}", ")", "->", *draw(references("state"))]


@st.composite
def items(draw: st.DrawFn) -> Tokens:
    kind = draw(st.sampled_from(["version", "param", "input", "step", "step", "form"]))
    if kind == "form":
        return ["human", draw(names), "{", *draw(form_calls()), "}"]
    if kind == "version":
        return ["version", draw(st.integers(0, 3).map(str))]
    if kind in ("param", "input"):
        declared = draw(types())
        tokens = [kind, draw(names), ":", *declared]
        if declared[0] != "{" and draw(st.booleans()):  # a range, but not after a record
            tokens += ["in", draw(numbers), "..", draw(numbers)]
        if draw(st.booleans()):
            tokens += ["=", *draw(expressions())[1]]
        return tokens
    tokens = [draw(st.sampled_from(["runtime", "human", "task"])), draw(names)]
    if draw(st.booleans()):
        tokens.append(draw(string_tokens()))
    if draw(st.booleans()):
        tokens.append("by")
        if draw(st.booleans()):
            tokens += [draw(st.integers(-1, 25).map(str)), "of"]
        tokens.append(draw(names))
    if draw(st.integers(0, 3)) == 0:
        tokens += ["except", "starter"]
    if draw(st.booleans()):
        tokens += ["when", *draw(expressions())[1]]
    tokens.append("{")
    if draw(st.integers(0, 3)):
        tokens += draw(calls())
        tokens += draw(time_limits())
    return [*tokens, "}"]


# Mostly the units, sometimes a misspelled or unknown one (E044, not a syntax error).
_UNITS = st.sampled_from(["minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
                          "hourz", "business_days", "seconds"])


@st.composite
def durations(draw: st.DrawFn) -> Tokens:
    amount = draw(st.one_of(st.integers(-2, 60).map(str), st.sampled_from(["1.5", "0.5"])))
    return [amount, draw(st.one_of(_UNITS, _UNITS, names))]


@st.composite
def time_limits(draw: st.DrawFn) -> Tokens:
    """After a step's call: `remind D before`, then `after D answer|fail|escalate to` lines."""
    tokens: Tokens = []
    if draw(st.integers(0, 3)) == 0:
        tokens += ["remind", *draw(durations()), "before"]
    for _ in range(draw(st.integers(0, 5))):
        tokens += ["after", *draw(durations())]
        action = draw(st.sampled_from(["answer", "fail", "escalate"]))
        if action == "answer":
            tokens += ["answer", *draw(expressions())[1]]
        elif action == "fail":
            tokens += ["fail", *([draw(string_tokens())] if draw(st.booleans()) else [])]
        else:
            tokens += ["escalate", "to", draw(names)]
    return tokens


@st.composite
def mission_tokens(draw: st.DrawFn) -> Tokens:
    tokens = ["mission", draw(names)]
    if draw(st.booleans()):
        tokens.append(draw(string_tokens()))
    tokens.append("{")
    for item in draw(st.lists(items(), max_size=5)):
        tokens += item
    return [*tokens, "}"]


@st.composite
def separators(draw: st.DrawFn) -> str:
    """Whitespace between two tokens, sometimes with a comment (always ended by a newline)."""
    space = draw(st.sampled_from([" ", " ", " ", "\n", "\n    ", "\n\n", "\t", "  \n\n\n  ",
                                  "\r\n", "\r\n\r\n  ", "\f"]))
    if draw(st.integers(0, 4)) == 0:
        before = draw(st.sampled_from(["", " ", "\n", "\n\n"]))
        return f"{before}{draw(comment_texts)}\n{space.lstrip(' ')}"
    return space


@st.composite
def missions_with_comments(draw: st.DrawFn) -> str:
    """A mission's text: random layout, and comments in random places."""
    tokens = draw(mission_tokens())
    parts = [draw(st.sampled_from(["", "", f"{draw(comment_texts)}\n", "\n"]))]
    for index, token in enumerate(tokens):
        if index:
            parts.append(draw(separators()))
        parts.append(token)
    parts.append(draw(st.sampled_from(["", "\n", f" {draw(comment_texts)}\n",
                                       f"\n\n{draw(comment_texts)}"])))
    return "".join(parts)
