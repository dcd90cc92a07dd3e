"""Grammar-based fuzzing: missions generated from the Lark grammar itself.

`hypothesis.extra.lark.from_lark` walks the grammar's rules; every terminal is
drawn with a trailing space so adjacent tokens stay apart, which makes most
generated texts parse and so reach the semantic checks and the emitter.
"""

from __future__ import annotations

import string

import lark
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from compiler import compile_source
from fuzz.harness import check_time_limits
from grammar import GRAMMAR_TEXT
from runtime.orchestration import Orchestrator
from tests.fuzz import budget

_WORDS = ["runtime", "human", "set", "append", "fail", "noop", "confirm", "choose", "state",
          "tasks", "x", "a_b", "str", "int", "list", "map", "bool", "date", "any", "at", "to",
          "value", "reason", "prompt", "options", "when", "param", "managers",
          # a duration's unit is a name: the units, so that deadlines reach the checks
          "minutes", "hour", "days", "week", "hourz"]


def spaced(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(lambda text: text + " ")


TERMINALS = {
    "NAME": spaced(st.sampled_from(_WORDS) | st.text(string.ascii_lowercase + "_", min_size=1,
                                                     max_size=6)),
    "STRING": spaced(st.sampled_from(['"hi"', '""', '"2026-11-24"', '"a\\nb"', '"\\u00e9"',
                                      '"\\q"'])),
    "INT": spaced(st.integers(-3, 25).map(str)),
    "FLOAT": spaced(st.sampled_from(["1.5", "-0.25", "2e3", "1e999"])),
    "COMPARE": spaced(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
}


def grammar_strategy() -> st.SearchStrategy[str]:
    parser = lark.Lark(GRAMMAR_TEXT, parser="lalr", lexer="contextual")
    explicit = dict(TERMINALS)
    for terminal in parser.terminals:
        if terminal.name not in explicit and terminal.name != "COMMENT":
            pattern = terminal.pattern
            if pattern.type == "str":
                explicit[terminal.name] = st.just(pattern.value + " ")
    explicit["COMMENT"] = st.just("# note\n")
    return from_lark(parser, start="start", explicit=explicit)


@budget(200)
@given(grammar_strategy())
def test_generated_missions_never_crash_the_compiler(text: str) -> None:
    result = compile_source(text, "generated.mission")
    for diagnostic in result.diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text)
    if result.workflow is not None:
        # Defence in depth agrees with the compiler: what compiles passes the engine's checks.
        Orchestrator().validate(result.workflow)
        check_time_limits(result.workflow)  # and its time limits obey the shared spec
