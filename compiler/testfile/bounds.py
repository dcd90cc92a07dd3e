"""The compiler's limits on a test file (E023), as on a mission (`compiler.bounds`).

Every value, name and string of a test file is walked with an explicit stack; a
case holding a value nested deeper than `max-depth` is dropped (reported, like
a mission's step), so no later phase (the checks, the formatter, the runner)
recurses past `DEPTH_CEILING` levels.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler import ast
from compiler.bounds import Walk
from compiler.diagnostics import Diagnostic
from compiler.limits import Limits
from compiler.testfile import nodes


def line_values(line: nodes.Line) -> Iterator[ast.Expr]:
    """The values a line gives (params, state, answers, results, expectations)."""
    if isinstance(line, nodes.GivenParam | nodes.GivenState | nodes.Answer):
        yield line.value
    elif isinstance(line, nodes.Result):
        yield from (outcome.value for outcome in line.outcomes if outcome.value is not None)
    elif isinstance(line, nodes.ExpectState) and line.value is not None:
        yield line.value


def _names(line: nodes.Line) -> Iterator[ast.Name]:
    for who in (getattr(line, "by", None),):
        if isinstance(who, nodes.Who):
            yield who.name
    if isinstance(line, nodes.GivenParam):
        yield line.name
    elif isinstance(line, nodes.GivenState | nodes.ExpectState):
        yield from line.path
    elif isinstance(line, nodes.Answer | nodes.Result | nodes.Real):
        yield line.step
    elif isinstance(line, nodes.ExpectRun):
        yield line.word
        yield from (*line.names, *line.excepted)


def _strings(line: nodes.Line) -> Iterator[ast.Literal | None]:
    if isinstance(line, nodes.StateFile):
        yield line.path
    elif isinstance(line, nodes.Started | nodes.Answer | nodes.Cancel):
        yield line.at
        if isinstance(line, nodes.Cancel):
            yield line.reason
    elif isinstance(line, nodes.Result):
        yield from (outcome.message for outcome in line.outcomes)
    elif isinstance(line, nodes.ExpectRun):
        yield line.text


def enforce_tests(tests: nodes.TestFile, text: str,
                  limits: Limits) -> tuple[nodes.TestFile, list[Diagnostic]]:
    """The test file without the cases whose values nest too deeply, and the E023s."""
    walk = Walk(text, limits)
    walk.string(tests.mission)
    kept: list[nodes.Item] = []
    for item in tests.items:
        if isinstance(item, nodes.Replay):
            walk.string(item.path)
            kept.append(item)
            continue
        walk.string(item.name)
        too_deep = False
        for line in item.lines:
            walk.names(_names(line))
            for literal in _strings(line):
                walk.string(literal)
            for value in line_values(line):
                too_deep = walk.expression(value) or too_deep
        if not too_deep:
            kept.append(item)
    if len(kept) == len(tests.items):
        return tests, walk.diagnostics
    return nodes.TestFile(tests.mission, tuple(kept), tests.span), walk.diagnostics
