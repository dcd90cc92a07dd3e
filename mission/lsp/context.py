"""What the cursor is in, read from the tokens before it: works on broken text.

While a person types, the file rarely parses, so completion cannot rely on
the syntax tree. A forgiving tokenizer (unterminated strings, unknown
characters) and a bracket stack tell the position apart: the top level, the
mission body, a step body, a call's arguments, a value, a type, or the name
after `param.` / `state.`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runtime.orchestration.operations import OPERATIONS

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>->|\.\.|==|!=|<=|>=|\?\?|[<>{}()\[\],:.=?])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)

# After these, a value is expected.
_VALUE_BEFORE = frozenset({":", "=", "when", "and", "or", "not", "in", "==", "!=", "<", "<=",
                           ">", ">=", "(", "[", ",", "??"})
_PLACES = frozenset(parameter.name for operation in OPERATIONS.values()
                    for parameter in operation.parameters if parameter.place)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # comment, string, name, number, punct, other
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Every token but whitespace; never fails."""
    return [Token(match.lastgroup or "other", match.group(), match.start(), match.end())
            for match in _TOKEN.finditer(text) if match.lastgroup != "space"]


# After these words, the next word is a name whatever it is spelled (keywords are
# contextual): `param version`, `runtime when`, `by then`, `mission input`.
_NAME_AFTER = frozenset({"mission", "param", "input", "runtime", "human", "by", "of", "to",
                         "."})


def in_name_position(found: list[Token], index: int) -> bool:
    """True when the word `found[index]` stands where only a name can: after a word of
    `_NAME_AFTER` or a `.`, or before a `:` (an argument, map key or field name)."""
    before = found[index - 1].text if index else ""
    after = found[index + 1].text if index + 1 < len(found) else ""
    if before in _NAME_AFTER and not (before in ("param", "input") and after == "."):
        return True
    if after == "?" and index + 2 < len(found):  # `done_on?: date`, a form's `note?: ...`
        after = found[index + 2].text
    return after == ":"


@dataclass(frozen=True, slots=True)
class Context:
    """Where completion was asked.

    kind: "none" (in a comment or string, or naming something new), "top",
    "item" (a new line in the mission body), "type", "value", "argument"
    (an argument name or a value), "operation" (an empty step body),
    "param" (after `param.`), "state" (after `state.`), "field" (a form
    field's question, after `fields: {name:`), "words" (the keywords in `words`: in a
    step's head, after its call, or in a `remind`/`after` line), "unit" (after the
    number of a duration; `amount` is the number), "answer" (a deadline's default
    answer). `operation` is the innermost call around an argument or a value.
    """

    kind: str
    operation: str = ""
    step_kind: str = ""
    used: frozenset[str] = field(default_factory=frozenset)
    words: tuple[str, ...] = ()
    amount: str = ""


@dataclass(frozen=True, slots=True)
class Names:
    """Params, inputs and written state names, found in the tokens (works on broken text)."""

    params: tuple[str, ...]
    inputs: tuple[str, ...]
    writes: tuple[str, ...]


def declared_names(text: str) -> Names:
    found = tokens(text)
    params: list[str] = []
    inputs: list[str] = []
    writes: list[str] = []
    for index, token in enumerate(found):
        after = [t.text for t in found[index + 1:index + 4]]
        if token.text in ("param", "input") and len(after) >= 2 and after[1] == ":" \
                and found[index + 1].kind == "name":
            (params if token.text == "param" else inputs).append(after[0])
        elif (token.text == "->" or (token.text in _PLACES and after[:1] == [":"]
                                     and after[1:2] == ["state"])) and len(found) > index + 3:
            start = index + 1 if token.text == "->" else index + 2
            if [t.text for t in found[start:start + 2]] == ["state", "."] \
                    and len(found) > start + 2 and found[start + 2].kind == "name":
                writes.append(found[start + 2].text)
    return Names(tuple(dict.fromkeys(params)), tuple(dict.fromkeys(inputs)),
                 tuple(dict.fromkeys(writes)))


def _brace_kind(found: list[Token], stack: list[int]) -> str:
    """"mission", "step" or "map" for the innermost open `{`."""
    index = stack[-1]
    if len(stack) == 1:
        return "mission"
    before = found[index - 1] if index else None
    if len(stack) == 2 and found[stack[0]].text == "{" and before is not None \
            and before.text not in _VALUE_BEFORE:
        return "step"
    return "map"


def _step_kind(found: list[Token], depths: list[int], brace: int) -> str:
    """The kind word of the step whose body opens at `brace` (`runtime`, `human`, ...)."""
    header: list[Token] = []
    for index in range(brace - 1, -1, -1):
        if depths[index] > 1:
            continue
        if depths[index] < 1 or found[index].text == "}":
            break
        header.append(found[index])
    header.reverse()
    texts = [token.text for token in header]
    if "when" in texts:
        texts = texts[:len(texts) - 1 - texts[::-1].index("when")]
    if texts[-2:] == ["except", "starter"]:
        texts = texts[:-2]
    if len(texts) >= 4 and texts[-4] == "by" and texts[-2] == "of":
        texts = texts[:-4]
    elif len(texts) >= 2 and texts[-2] == "by":
        texts = texts[:-2]
    if texts and header[len(texts) - 1].kind == "string":
        texts = texts[:-1]
    return texts[-2] if len(texts) >= 2 else ""


def _in_form_fields(texts: list[str], stack: list[int]) -> bool:
    """True inside the `{...}` of `form(..., fields: {...})`, where a field's question goes."""
    opener = stack[-1]
    if texts[opener] != "{" or opener < 2 or texts[opener - 1] != ":" \
            or texts[opener - 2] != "fields" or len(stack) < 2:
        return False
    call = stack[-2]
    return texts[call] == "(" and call >= 1 and texts[call - 1] == "form"


def completion_context(text: str, offset: int) -> Context:
    found = tokens(text[:offset])
    if found and found[-1].end == offset:
        last = found[-1]
        if last.kind == "comment" or (last.kind == "string" and (
                len(last.text) == 1 or not last.text.endswith('"'))):
            return Context("none")
        if last.kind == "name":
            found.pop()  # the word being typed
    texts = [token.text for token in found]
    if len(texts) >= 2 and texts[-1] == "." and texts[-2] in ("param", "state") \
            and (len(texts) < 3 or texts[-3] != "."):
        return Context(texts[-2])
    if texts and texts[-1] == ".":
        return Context("none")
    stack: list[int] = []
    depths: list[int] = []
    for index, token in enumerate(found):
        if token.text in ("}", ")", "]") and stack:
            stack.pop()
        depths.append(len(stack))
        if token.text in ("{", "(", "["):
            stack.append(index)
    previous = texts[-1] if texts else ""
    if not stack:
        return Context("none" if "mission" in texts else "top")
    if previous == "->":
        return Context("state")
    opener = stack[-1]
    # the innermost call around the cursor: its per-item arguments may read `item`
    calls = [i for i in stack if texts[i] == "(" and i and found[i - 1].kind == "name"]
    operation = texts[calls[-1] - 1] if calls else ""
    if texts[opener] == "(":
        if previous in ("(", ","):
            used = frozenset(texts[i] for i in range(opener + 1, len(found) - 1)
                             if depths[i] == len(stack) and texts[i + 1] == ":")
            return Context("argument", operation=operation, used=used)
        return Context("value", operation=operation) if previous in _VALUE_BEFORE \
            else Context("none")
    if previous == ":" and _in_form_fields(texts, stack):
        return Context("field")
    if previous == ":" and len(texts) >= 3 and texts[-3] in ("param", "input"):
        return Context("type")
    if previous in _VALUE_BEFORE - {","} or (texts[opener] == "[" and previous == ","):
        return Context("value", operation=operation)
    kind = _brace_kind(found, stack)
    if kind == "step":
        step_kind = _step_kind(found, depths, opener)
        if previous == "{":
            return Context("operation", step_kind=step_kind)
        return _time_limits(texts[opener + 1:], found[-1].kind, step_kind)
    if kind == "map":
        return Context("none")
    head = _step_head(texts, depths)
    if head is not None:
        return head
    if previous in ("param", "input", "version", "runtime", "human", "mission") or (
            len(texts) >= 2 and texts[-2] in ("runtime", "human")):
        return Context("none")
    return Context("item")


_UNITS = ("minutes", "hours", "days", "weeks")


def _time_limits(body: list[str], last_kind: str, step_kind: str) -> Context:
    """After a human step's call: its `remind` line, then its `after` lines."""
    if step_kind != "human":
        return Context("none")
    previous = body[-1]
    before = body[-2] if len(body) >= 2 else ""
    third = body[-3] if len(body) >= 3 else ""
    if last_kind == "number" and before in ("remind", "after"):
        return Context("unit", amount=previous)
    if third == "remind":  # `remind 4 hours |`
        return Context("words", words=("before",))
    if third == "after":  # `after 2 days |`
        return Context("words", words=("answer", "fail", "escalate to"))
    if previous == "escalate":
        return Context("words", words=("to",))
    if previous == "answer":
        return Context("answer")
    last_line = body[len(body) - body[::-1].index("after"):] if "after" in body else []
    if previous in ("remind", "after", "to", "fail") or {"answer", "fail"} & set(last_line):
        return Context("none")  # a number, a group or a reason goes here, or the step is decided
    return Context("words", words=("after",) if "remind" in body or last_line
                   else ("remind", "after"))


def _step_head(texts: list[str], depths: list[int]) -> Context | None:
    """In a step's head (`human ID "description" by GROUP except starter when ...`), the
    keywords that may come next; None outside one."""
    start = next((index for index in range(len(texts) - 1, -1, -1)
                  if depths[index] == 1 and texts[index] in ("runtime", "human")
                  and (index == 0 or texts[index - 1] not in ("param", "input", ".", ":"))),
                 None)
    if start is None or "{" in texts[start:] or "}" in texts[start:] or len(texts) - start < 2:
        return None
    head = texts[start:]
    previous = head[-1]
    if previous == "except":
        return Context("words", words=("starter",))
    if len(head) >= 2 and head[-2] == "by" and previous.lstrip("-").isdigit():
        return Context("words", words=("of",))
    if previous in ("by", "of", "when") or "when" in head:
        return Context("none")
    words = ["when"]
    if head[0] == "human":
        words[:0] = [word for word in ("by", "except starter")
                     if word.split()[0] not in head]
    return Context("words", words=tuple(words), step_kind=head[0])
