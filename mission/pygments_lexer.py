"""A Pygments lexer for `.mission` files, registered under the `pygments.lexers` entry point.

With the package installed, `pygmentize -l mission FILE` and documentation
tools (Sphinx, MkDocs) highlight missions. Only Pygments imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

_groups: Callable[..., Any] = bygroups  # untyped in the stubs
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SPACE = r"[ \t\f\r\n]*"
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_NOT_A_KEYWORD = (r"(?!(?:and|or|not|in|true|false|null|when|by|if|then|else|state|param|item"
                  r"|input|version|except)\b)")


class MissionLexer(RegexLexer):
    """The mission language: declarations, steps, one call per step, small expressions."""

    name = "Mission"
    aliases: ClassVar[list[str]] = ["mission"]
    filenames: ClassVar[list[str]] = ["*.mission"]
    mimetypes: ClassVar[list[str]] = ["text/x-mission"]

    tokens: ClassVar[dict[str, list[tuple[object, ...]]]] = {
        "root": [
            (r"[ \t\f\r\n]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (rf"(mission)({_SPACE})({_NAME})",
             _groups(Keyword.Declaration, Whitespace, Name.Namespace)),
            (rf"(param|input)({_SPACE})({_NAME})({_SPACE})(:)({_SPACE})({_NAME})",
             _groups(Keyword.Declaration, Whitespace, Name.Variable, Whitespace, Punctuation,
                      Whitespace, Keyword.Type)),
            (rf"(param|state|item)({_SPACE})(\.)({_SPACE})({_NAME})",
             _groups(Name.Builtin, Whitespace, Punctuation, Whitespace, Name)),
            (rf"(param|state|item)({_SPACE})(\.)", _groups(Name.Builtin, Whitespace, Punctuation)),
            # Keywords are contextual: a step id, a group, a name after `.` and a name
            # before `:` are names whatever they are spelled.
            (rf"({_NOT_A_KEYWORD}{_NAME})([ \t]+)({_NAME})"
             rf"(?={_SPACE}(\"|when\b|by\b|except\b|\{{))",
             _groups(Keyword.Declaration, Whitespace, Name.Label)),
            (rf"(by)({_SPACE})({_NAME})(?={_SPACE}(when\b|except\b|\{{))",
             _groups(Keyword, Whitespace, Name.Label)),
            # Who may answer and how long a human step waits: `by 2 of g`, `remind 4 hours
            # before`, `after 2 days escalate to g`; the group is a name whatever its spelling.
            (rf"(by)({_SPACE})(-?[0-9]+)({_SPACE})(of)({_SPACE})({_NAME})",
             _groups(Keyword, Whitespace, Number.Integer, Whitespace, Keyword, Whitespace,
                     Name.Label)),
            (rf"(remind|after)({_SPACE})({_NUMBER})({_SPACE})({_NAME})",
             _groups(Keyword, Whitespace, Number, Whitespace, Keyword.Type)),
            (rf"(escalate)({_SPACE})(to)({_SPACE})({_NAME})",
             _groups(Keyword, Whitespace, Keyword, Whitespace, Name.Label)),
            # A test file (`*_test.mission`): what a line gives or expects.
            (rf"(expect)({_SPACE})(succeeded|failed|waiting|cancelled|refused|steps|skipped)\b",
             _groups(Keyword, Whitespace, Name.Builtin)),
            (rf"(answer|result|real)({_SPACE})({_NAME})(?={_SPACE}(=|\.|$))",
             _groups(Keyword, Whitespace, Name.Label)),
            (words(("tests", "test", "replay", "expect", "snapshot", "started", "result", "real",
                    "cancel", "from", "at"), suffix=r"\b"), Keyword),
            (rf"(\.)({_SPACE})({_NAME})", _groups(Punctuation, Whitespace, Name)),
            (rf"{_NAME}(?={_SPACE}\??{_SPACE}:)", Name.Attribute),
            (words(("version", "when", "by", "mission", "param", "input", "state", "item", "if",
                    "then", "else"), suffix=r"\b"), Keyword),
            (words(("and", "or", "not", "in"), suffix=r"\b"), Operator.Word),
            (words(("true", "false", "null"), suffix=r"\b"), Keyword.Constant),
            (rf"{_NAME}(?={_SPACE}\()", Name.Function),
            (words(("of", "except", "starter", "remind", "before", "after", "answer", "fail",
                    "escalate", "to"), suffix=r"\b"), Keyword),
            (_NAME, Name),
            (r"-?[0-9]+(\.[0-9]+([eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)", Number.Float),
            (r"-?[0-9]+", Number.Integer),
            (r"->|\|>|\?\?|\.\.|==|!=|<=|>=|<|>|=|[-+*/]", Operator),
            (r"[{}()\[\],:.?]", Punctuation),
        ],
        "string": [
            (r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\\.", Error),
            (r"\n", Error, "#pop"),
        ],
    }
