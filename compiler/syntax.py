"""What the parser, the checks and the lint rules share about syntax errors, without the
recovery itself: the keywords, the error limit, what text dropped by the recovery
mentions, and the one finding both the checks and the recovery report (`param a:` with
no type before the next line: E015). `compiler.recovery` (and `difflib` with it) is
imported on the first syntax error only: a file that parses never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity
from compiler.suggest import one_of
from runtime.frozen import Frozen, set_field
from runtime.orchestration.types import TYPE_NAMES

if TYPE_CHECKING:
    from compiler import ast

MAX_SYNTAX_ERRORS = 50

KEYWORDS = frozenset(
    {"mission", "version", "param", "input", "state", "when", "and", "or", "not", "in",
     "true", "false", "null"}
)

# The words of a human step's head and time limits (`by 2 of g except starter`, `remind 4
# hours before`, `after 2 days escalate to g`). No name ever stands where they do, and none
# can stand where a call may, so unlike KEYWORDS they are fine as operation names.
CLAUSE_KEYWORDS = frozenset(
    {"of", "except", "starter", "remind", "before", "after", "answer", "fail", "escalate", "to"}
)
ALL_KEYWORDS = KEYWORDS | CLAUSE_KEYWORDS

# Keywords are contextual: every place that takes a name (after `mission`, `param`,
# `input`, a step kind, `by` or `.`, a map or record key, an argument or form field name)
# takes only a name, so `param version: str` or a step `when` is never ambiguous. Only
# the literal words stay reserved as declared names: each is a whole value wherever a
# value may stand, so a param, step or field spelled `true` would read as the boolean
# in the messages, the CLI (`--param true=...`) and the docs (see E002).
RESERVED_NAMES = frozenset({"true", "false", "null"})


class Mentions(Frozen):
    """Names that text dropped by the recovery mentions (so reads of them are not errors)."""

    __slots__ = ("params", "starts", "state")
    state: frozenset[str]
    params: frozenset[str]
    # the first word of each dropped text, and `version` when a version line is inside one
    starts: frozenset[str]

    def __init__(
        self,
        state: frozenset[str] = frozenset(),
        params: frozenset[str] = frozenset(),
        starts: frozenset[str] = frozenset(),
    ) -> None:
        set_field(self, "state", state)
        set_field(self, "params", params)
        set_field(self, "starts", starts)


NO_MENTIONS = Mentions()

# In `Mentions.state`/`params`: the dropped text declares or writes a name that cannot be
# told (`param : int`, `-> state.`), so any name may be provided; never a real name.
ANY_NAME = "*"


def type_left_out(declaration: ast.Declaration, text: str) -> bool:
    """`param a:` then, on the next line, `param b: int`: the parser took the keyword
    `param` for the type (no name can stand there, so the lexer reads a name)."""
    type_name = declaration.type.name
    return type_name.text in KEYWORDS and "\n" in text[declaration.name.span.end:
                                                       type_name.span.start]


def missing_type(declaration: ast.Declaration) -> Diagnostic:
    """`param a:` at the end of a line: the parser took the next line's keyword for the
    type. The recovery reports the same diagnostic for the rest of that line, which is
    then one error, not two."""
    name, keyword = declaration.name.text, declaration.type.name
    return Diagnostic("E015", Severity.ERROR, f"the type of `{name}` is missing", keyword.span,
                      f"`{keyword.text}` is a keyword, not a type",
                      help=(f"write the type after `{name}:`; the types are "
                            f"{one_of(TYPE_NAMES)}",))
