"""What the parser, the checks and the lint rules share about syntax errors, without the
recovery itself: the keywords, the error limit, and what text dropped by the recovery
mentions. `compiler.recovery` (and `difflib` with it) is imported on the first syntax
error only: a file that parses never needs it.
"""

from __future__ import annotations

from runtime.frozen import Frozen, set_field

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
