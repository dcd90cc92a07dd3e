"""The syntax tree of a test file (`*_test.mission`, docs/testing.md).

A test file names the mission it tests and holds cases: each case is a list of
lines, read in order, that give the run's inputs (params, the initial state, who
started it), its timeline (answers, effect results, time moving forward, a
cancellation) and what it expects of the run at that point. Values are the
mission language's own expressions (`compiler.ast`), and must be constants (the
checks say so otherwise). Like the mission's tree, every node is frozen and
slotted, and equality ignores spans, so the formatter's safety check works here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from compiler import ast
from compiler.ast import NO_SPAN, Span


@dataclass(frozen=True, slots=True)
class Who:
    """`by NAME` or `by "NAME"`: a person (who started the run, answered or cancelled it),
    or, in `expect waiting`, the group asked. `quoted`: it was written as a string."""

    name: ast.Name
    quoted: bool = field(default=False, compare=False)  # a spelling, not a meaning
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class GivenParam:
    """`param NAME = VALUE`."""

    name: ast.Name
    value: ast.Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class GivenState:
    """`state = VALUE` (the whole initial state) or `state.a.b = VALUE` (one path of it)."""

    path: tuple[ast.Name, ...]
    value: ast.Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StateFile:
    """`state from "FILE.json"`: the initial state from a JSON file beside the test file;
    `state.x = ...` lines apply on top of it."""

    path: ast.Literal
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Started:
    """`started [by NAME] [at "INSTANT"]`: who started the run, and when."""

    by: Who | None
    at: ast.Literal | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Answer:
    """`answer STEP = VALUE [by NAME] [at "INSTANT"]`, or one field of a form:
    `answer STEP.FIELD = VALUE`. An event of the timeline, at the case's current time
    unless `at` says when (which moves the time there first)."""

    step: ast.Name
    form_field: ast.Name | None
    value: ast.Expr
    by: Who | None
    at: ast.Literal | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One call's outcome in `result STEP = ...`: a value, `error "MESSAGE"` or
    `timeout` (`word` with its `message`)."""

    value: ast.Expr | None
    word: ast.Name | None = None
    message: ast.Literal | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Result:
    """`result STEP = OUTCOME, OUTCOME, ...`: what the step's effect or project operation
    gives, one outcome per call in order (a retried effect is called again)."""

    step: ast.Name
    outcomes: tuple[Outcome, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Real:
    """`real STEP`: the step's effect or project operation runs for real."""

    step: ast.Name
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TimeMove:
    """`after DURATION`: the case's time moves on; every deadline due by then fires, each
    at its due time."""

    duration: ast.Duration
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Cancel:
    """`cancel ["REASON"] [by NAME] [at "INSTANT"]`: the waiting run is withdrawn."""

    reason: ast.Literal | None
    by: Who | None
    at: ast.Literal | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ExpectState:
    """`expect state.a.b == VALUE` (or the whole `state`); `snapshot state... [== VALUE]`
    is the same expectation, whose value `mission test --update` writes."""

    keyword: ast.Name  # `expect` or `snapshot`
    path: tuple[ast.Name, ...]
    operator: ast.Name | None  # `==` (other comparisons are refused by the checks)
    value: ast.Expr | None
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def snapshot(self) -> bool:
        return self.keyword.text == "snapshot"

    @property
    def dotted(self) -> str:
        return ".".join(["state", *(part.text for part in self.path)])


@dataclass(frozen=True, slots=True)
class ExpectRun:
    """`expect WORD [NAMES] ["TEXT"] [by NAME] [except NAMES]`: the run's status
    (`succeeded`, `failed "PATTERN"`, `waiting STEP by GROUP except NAMES`, `cancelled`),
    the steps run or skipped (`steps a, b`, `skipped c`), or a refused event
    (`refused "PATTERN"`). The words are checked by the checks, not the grammar, so a
    misspelled one gets a "did you mean"."""

    word: ast.Name
    names: tuple[ast.Name, ...]
    text: ast.Literal | None
    by: Who | None
    excepted: tuple[ast.Name, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Line: TypeAlias = (GivenParam | GivenState | StateFile | Started | Answer | Result | Real
                   | TimeMove | Cancel | ExpectState | ExpectRun)


@dataclass(frozen=True, slots=True)
class TestCase:
    """`test "NAME" { LINES }`."""

    __test__ = False  # not a pytest test class

    name: ast.Literal
    lines: tuple[Line, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Replay:
    """`replay "FILES"`: receipt files (a path or a glob pattern, beside the test file) whose
    recorded runs are replayed against the mission as it is now."""

    path: ast.Literal
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Item: TypeAlias = TestCase | Replay


@dataclass(frozen=True, slots=True)
class TestFile:
    """`tests "MISSION_FILE" { ITEMS }`: the mission's path is relative to the test file."""

    __test__ = False  # not a pytest test class

    mission: ast.Literal
    items: tuple[Item, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def cases(self) -> tuple[TestCase, ...]:
        return tuple(item for item in self.items if isinstance(item, TestCase))

    @property
    def replays(self) -> tuple[Replay, ...]:
        return tuple(item for item in self.items if isinstance(item, Replay))
