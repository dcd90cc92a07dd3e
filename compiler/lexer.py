"""The fast path's contextual lexer: one regular expression per parser state.

The patterns are Lark's own, exported into the parse-table cache (see
`compiler.tables`): for each parser state, the terminals that state accepts in
Lark's order (priority, then width, then name), the ignored terminals, and the
keywords that Lark re-types a `NAME` into. So a token here is exactly the token
Lark's contextual lexer would produce in the same state. When the exporter has
proved that no terminal can start where the whitespace terminal starts, runs
of whitespace are skipped inside the same match (a possessive prefix) instead
of costing a loop turn each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["COLLECT", "DROP", "END", "SKIP", "Scanner", "Token", "compile_scanner"]


class Token(str):
    """A matched terminal: its text, plus the attributes of `lark.Token` the AST builder reads."""

    type: str
    start_pos: int
    end_pos: int

    @property
    def value(self) -> str:
        return str.__str__(self)


class _Mark:
    """What to do with a matched terminal other than making a token of it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


DROP = _Mark("DROP")  # a token no rule keeps (`","`, `":"`): shifted as None
END = _Mark("END")  # the end of the text
SKIP = _Mark("SKIP")  # an ignored terminal
COLLECT = _Mark("COLLECT")  # an ignored terminal the caller keeps (comments)

# The group that matches at the end of the text; lower case, so never a terminal's name.
_END_GROUP = "end_of_text"

# (the compiled pattern's `match`, and what to do per terminal name: a mark, a
# keyword map `{text: terminal}` for a NAME that may be a keyword, or absent:
# make a token).
Scanner = tuple[Callable[[str, int], "re.Match[str] | None"], dict[str, Any]]


def compile_scanner(spec: dict[str, Any], dropped: Iterable[str], collected: str) -> Scanner:
    """Build a state's scanner from its exported description (see `compiler.tables`)."""
    alternatives = [f"(?P<{name}>{pattern})" for name, pattern in spec["terminals"]]
    alternatives.append(f"(?P<{_END_GROUP}>\\Z)")
    skip = spec["skip"]
    prefix = f"(?:{skip})*+" if skip else ""
    pattern = re.compile(prefix + "(?:" + "|".join(alternatives) + ")")
    special: dict[str, Any] = {name: DROP for name in dropped}
    special.update(spec["retype"])
    for name in spec["ignore"]:
        special[name] = COLLECT if name == collected else SKIP
    special[_END_GROUP] = END
    return pattern.match, special
