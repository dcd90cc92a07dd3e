"""One case, run the way a real run of its mission goes: a timeline of events.

A case's params, initial state and who started it are the run's inputs. Its other lines
are read in order, as a timeline on a virtual clock that starts when the run does
(`started at`, by default `DEFAULT_START`):

- `answer STEP = VALUE [by NAME] [at "INSTANT"]` records an answer event at the current
  time (or at `INSTANT`, which the clock moves to first);
- `after DURATION` moves the clock on, and fires each deadline that comes due on the way,
  at its due time, as the timer service would (Temporal's time-skipping, Camunda's
  `increaseTime`): an escalation starts the next deadline's wait at that time;
- `cancel` withdraws the waiting run;
- `expect ...` and `snapshot ...` check the run as it stands at that point.

The engine itself decides everything, as for a real run: at each point the run is
replayed from the start with the events so far and the effect journal (so an effect runs
once, `mission.testing.scripted`). An event the engine refuses (an answer the question or
the rules refuse, a cancellation of a run that does not wait) changes nothing, and is a
failure unless the next expectation is `expect refused "PATTERN"`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compiler import ast
from compiler.ast import Span
from compiler.testfile import nodes
from compiler.testfile.patterns import message_pattern
from mission.testing.loading import Loaded
from mission.testing.observe import Observed, canonical_text
from mission.testing.results import CaseResult, Failure, Hits, Snapshot
from mission.testing.scripted import MissingResult, Outcome, Script
from runtime.orchestration.model import (
    AnswerError,
    EffectRunner,
    ExecutionContext,
    OrchestrationResult,
    ParameterError,
    ReplayError,
)

DEFAULT_START = "2026-01-01T00:00:00+00:00"  # when a case's run starts, unless it says
_REACHED = ("succeeded", "failed", "waiting")  # a step's statuses that count as run


class _Stop(Exception):
    """The case cannot go on (its failure is recorded)."""


@dataclass(frozen=True, slots=True)
class _Refusal:
    span: Span
    what: str  # "this answer", "its params or initial state", ...
    message: str


def run_case(loaded: Loaded, case: nodes.TestCase) -> CaseResult:
    """Run one case of a loaded test file (whose checks found no error)."""
    try:
        runner = _CaseRun(loaded, case)
    except ValueError as problem:  # its state file changed since it was checked
        return CaseResult(str(case.name.value), case.name.span, (Failure(
            case.name.span, f"the test's initial state cannot be made: {problem}",
            error=True),))
    with contextlib.suppress(_Stop):
        runner.play()
    return runner.outcome()


class _CaseRun:
    def __init__(self, loaded: Loaded, case: nodes.TestCase) -> None:
        from compiler.testfile.check import default_reader
        from compiler.testfile.state import initial_state, params

        self.loaded = loaded
        self.case = case
        self.workflow = loaded.workflow
        assert loaded.plan is not None  # a file with errors runs no case
        self.plan = loaded.plan
        self.failures: list[Failure] = []
        self.snapshots: list[Snapshot] = []
        self.observed = Observed()
        self.steps: set[str] = set()
        self.branches: set[tuple[Any, ...]] = set()
        self.params = params(case)
        from runtime.bounds import MAX_DATA_FILE_BYTES

        self.state = initial_state(case, loaded.path, default_reader(MAX_DATA_FILE_BYTES))
        started = next((line for line in case.lines if isinstance(line, nodes.Started)), None)
        self.started: dict[str, Any] = {"at": DEFAULT_START}
        if started is not None and started.at is not None:
            self.started["at"] = started.at.value
        if started is not None and started.by is not None:
            self.started["by"] = started.by.name.text
        self.now: str = self.started["at"]
        self.events: list[dict[str, Any]] = []
        self.journal: dict[str, Any] | None = None
        self.result: OrchestrationResult | None = None
        self.refusal: _Refusal | None = None  # refused, and not yet expected to be
        self.inputs_refused: str | None = None
        self.script = self._script()

    # -- the engine ---------------------------------------------------------------------

    def _script(self) -> Script:
        outcomes: dict[str, tuple[Outcome, ...]] = {}
        real: set[str] = set()
        for line in self.case.lines:
            if isinstance(line, nodes.Result):
                outcomes[line.step.text] = tuple(_outcome(item) for item in line.outcomes)
            elif isinstance(line, nodes.Real):
                real.add(line.step.text)
        return Script(self.workflow, outcomes, frozenset(real), self.observed, self._bind_real)

    def _bind_real(self) -> tuple[Any, EffectRunner | None]:
        from mission.binding import bind
        from mission.files import config_at

        binding = bind(self.workflow, config_at(self.loaded.tested.path))
        return binding.implementations, binding.effects

    def _run(self, events: list[dict[str, Any]]) -> OrchestrationResult:
        from runtime.orchestration.trace import tracing

        self.script.begin_run()
        declared = self._declared()
        # The engine copies what it is given and never changes it (docs/runtime.md).
        context = ExecutionContext(
            params=self.params, initial_state=self.state, started=self.started,
            events=events, journal=self.journal, effects=self.script,
            implementations=self.script.implementations(declared) if declared else None)
        with tracing(self.observed):
            try:
                result = self.plan.run(context)
            except MissingResult as missing:
                self._fail(self.case.name.span, str(missing), error=True)
                raise _Stop from None
        self.journal = result.journal
        self._seen(result)
        return result

    def _declared(self) -> dict[str, Any]:
        """The project operations the workflow declares (most declare none)."""
        if "operations" not in self.workflow.metadata:
            return {}
        from runtime.user_code import declared_operations

        return declared_operations(self.workflow)

    def current(self) -> OrchestrationResult | None:
        """The run with the events so far (None when its inputs are refused)."""
        if self.inputs_refused is not None:
            return None
        if self.result is None:
            try:
                self.result = self._run(self.events)
            except ParameterError as problem:
                self._inputs_refused(str(problem))
                return None
            except (AnswerError, ReplayError) as problem:  # an answer given in advance
                self._fail(self.case.name.span, f"the run refused its events: {problem}",
                           error=True)
                raise _Stop from None
        return self.result

    def _inputs_refused(self, message: str) -> None:
        self.inputs_refused = message
        self.refusal = _Refusal(self.case.name.span, "the run (its params or initial state)",
                                message)

    def apply(self, event: dict[str, Any], span: Span, what: str) -> None:
        """Add `event` to the timeline, unless the engine refuses it."""
        if self.inputs_refused is not None:
            return
        try:
            result = self._run([*self.events, event])
        except ParameterError as problem:
            self._inputs_refused(str(problem))
            return
        except (AnswerError, ReplayError) as problem:
            self._pending(_Refusal(span, what, str(problem)))
            return
        self.events.append(event)
        self.result = result

    # -- the timeline ---------------------------------------------------------------------

    def play(self) -> None:
        if self.script.real:
            from mission.cli import UsageError

            try:
                self.script.bound()
            except UsageError as problem:
                self._fail(self.case.name.span, f"the steps run for real cannot be: {problem}",
                           error=True)
                raise _Stop from None
        lines = self.case.lines
        index = 0
        while index < len(lines):
            line = lines[index]
            if isinstance(line, nodes.Answer):
                group = [line]
                while line.form_field is not None and index + 1 < len(lines):
                    following = lines[index + 1]
                    if not isinstance(following, nodes.Answer) or following.form_field is None \
                            or following.step.text != line.step.text:
                        break
                    group.append(following)  # the fields of one form: one answer
                    index += 1
                self.answer(group)
            elif isinstance(line, nodes.TimeMove):
                from compiler.durations import duration_seconds
                from runtime.orchestration.times import later

                seconds = duration_seconds(line.duration)
                assert seconds is not None  # checked (E044)
                self.advance(later(self.now, seconds), line.span)
            elif isinstance(line, nodes.Cancel):
                self.cancel(line)
            elif isinstance(line, nodes.ExpectRun):
                self.expect_run(line)
            elif isinstance(line, nodes.ExpectState):
                self.expect_state(line)
            index += 1
        if self.refusal is not None:
            self._unexpected(self.refusal)
        if self.result is None and self.inputs_refused is None:
            self.current()  # a case with no expectation still runs (and may be refused)
            if self.refusal is not None:
                self._unexpected(self.refusal)

    def _moved_to(self, at: ast.Literal | None, span: Span) -> str:
        """The time of an event: now, or the instant it names (moving the clock there)."""
        if at is None:
            return self.now
        from runtime.orchestration.times import parse_instant

        instant = str(at.value)
        if parse_instant(instant) < parse_instant(self.now):
            self._fail(at.span, f"{instant} is before the test's time now, {self.now}: a "
                       "timeline goes forward", error=True)
            raise _Stop
        self.advance(instant, span)
        return instant

    def answer(self, group: list[nodes.Answer]) -> None:
        from compiler.literals import literal_value

        first = group[0]
        values = [literal_value(line.value)[1] for line in group]
        value: Any = values[0] if first.form_field is None else {
            line.form_field.text: item for line, item in zip(group, values, strict=True)
            if line.form_field is not None}
        by = next((line.by for line in group if line.by is not None), None)
        at = next((line.at for line in group if line.at is not None), None)
        span = first.span.cover(group[-1].span)
        event: dict[str, Any] = {"kind": "answer", "step": first.step.text, "answer": value,
                                 "at": self._moved_to(at, span)}
        if by is not None:
            event["by"] = by.name.text
        self.apply(event, span, "this answer")

    def advance(self, target: str, span: Span) -> None:
        """Move the clock to `target`, firing every deadline due by then at its due time."""
        from runtime.orchestration.times import parse_instant

        moment = parse_instant(target)
        while (result := self.current()) is not None and result.status == "waiting":
            deadline = (result.question or {}).get("deadline")
            due = deadline.get("due_at") if isinstance(deadline, dict) else None
            if not isinstance(due, str) or parse_instant(due) > moment:
                break
            assert deadline is not None
            before = len(self.events)
            self.apply({"kind": "deadline", "step": result.waiting_step_id,
                        "stage": deadline["stage"], "at": due}, span, "this deadline")
            if len(self.events) == before:
                break  # refused: reported
        if moment > parse_instant(self.now):
            self.now = target

    def cancel(self, line: nodes.Cancel) -> None:
        at = self._moved_to(line.at, line.span)
        event: dict[str, Any] = {"kind": "cancel", "reason": str(line.reason.value)
                                 if line.reason is not None else "", "at": at}
        if line.by is not None:
            event["by"] = line.by.name.text
        result = self.current()
        if result is not None and result.status != "waiting":
            self._pending(_Refusal(line.span, "this cancellation",
                                   f"only a waiting run can be cancelled; it {result.status}"))
            return
        self.apply(event, line.span, "this cancellation")

    # -- expectations -------------------------------------------------------------------

    def expect_run(self, line: nodes.ExpectRun) -> None:
        word = line.word.text
        if word == "refused":
            self.expect_refused(line)
            return
        result = self._expected_run(line.span)
        if result is None:
            return
        if word in ("steps", "skipped"):
            key = "executed_step_ids" if word == "steps" else "skipped_step_ids"
            actual = list(result.lineage.get(key, []))
            expected = [name.text for name in line.names]
            if actual != expected:
                what = "ran" if word == "steps" else "were skipped"
                self._fail(line.span, f"the steps that {what} are {_names(actual)}, not "
                           f"{_names(expected)}", (f"- {_names(expected)}  (expected)",
                                                   f"+ {_names(actual)}  (the run)"))
            return
        problem = _status_problem(line, result)
        if problem is not None:
            self._fail(line.span, problem, self._time(result))

    def _time(self, result: OrchestrationResult) -> tuple[str, ...]:
        """The case's time, and when the waiting step's next deadline is due."""
        lines = [f"the test's time now: {self.now} (it started at {self.started['at']})"]
        deadline = (result.question or {}).get("deadline") if result.status == "waiting" \
            else None
        if isinstance(deadline, dict) and deadline.get("due_at"):
            then = deadline.get("then")
            if then == "escalate":
                then = f"escalate to {deadline.get('escalate_to')}"
            lines.append(f"the next deadline of `{result.waiting_step_id}` ({then}) is due at "
                         f"{deadline['due_at']}")
        return tuple(lines)

    def expect_refused(self, line: nodes.ExpectRun) -> None:
        if self.result is None:
            self.current()  # its params or initial state may be what is refused
        refusal = self.refusal
        if refusal is None:
            self._fail(line.span, "nothing was refused here: the events before this line "
                       "were all accepted")
            return
        self.refusal = None
        pattern = str(line.text.value) if line.text is not None else None
        if pattern is not None and message_pattern(pattern).search(refusal.message) is None:
            self._fail(line.span, f"{refusal.what} was refused, with a message that does not "
                       f"match {_shown(pattern)}", (f"the message: {refusal.message}",))

    def expect_state(self, line: nodes.ExpectState) -> None:
        from compiler.literals import literal_value
        from runtime.orchestration.expressions import json_equal

        result = self._expected_run(line.span)
        if result is None:
            return
        found, actual = _lookup(result.final_state, [part.text for part in line.path])
        expected = literal_value(line.value)[1] if line.value is not None else None
        if line.snapshot:
            self.snapshots.append(Snapshot(line.span, line.span.end, line.value.span
                                           if line.value is not None else None, actual,
                                           not found))
            if line.value is None:
                self._fail(line.span, f"no snapshot of `{line.dotted}` yet: run `mission test "
                           "--update` to write it")
                return
        if not found:
            self._fail(line.span, f"`{line.dotted}` does not exist: {actual}")
        elif not json_equal(expected, actual):
            self._fail(line.span, f"`{line.dotted}` is {_compact(actual)}, not "
                       f"{_compact(expected)}", diff(expected, actual))

    # -- failures ---------------------------------------------------------------------------

    def _expected_run(self, span: Span) -> OrchestrationResult | None:
        """The run an expectation looks at, after any refusal nobody expected; None (and
        a failure at `span`) when the run was refused before its first step."""
        self._flush()
        result = self.current()
        if result is None:
            self._fail(span, f"the run was refused before its first step: "
                       f"{self.inputs_refused}")
        return result

    def _fail(self, span: Span, message: str, detail: tuple[str, ...] = (),
              error: bool = False) -> None:
        self.failures.append(Failure(span, message, detail, error))

    def _pending(self, refusal: _Refusal) -> None:
        if self.refusal is not None:
            self._unexpected(self.refusal)
        self.refusal = refusal

    def _flush(self) -> None:
        """A refusal no `expect refused` expects, before another expectation."""
        if self.refusal is not None and self.inputs_refused is None:
            self._unexpected(self.refusal)
            self.refusal = None

    def _unexpected(self, refusal: _Refusal) -> None:
        self._fail(refusal.span, f"the engine refused {refusal.what}: {refusal.message}",
                   ("to test that it is refused, follow it with `expect refused \"...\"`",))

    # -- coverage -------------------------------------------------------------------------------

    def _seen(self, result: OrchestrationResult) -> None:
        self.steps.update(step["id"] for step in result.lineage.get("steps", [])
                          if step.get("status") in _REACHED)
        decided = {step_id for step_id in result.answers}
        for event in result.events:
            if event.get("kind") == "deadline":
                self.branches.add(("deadline", event["step"], event["stage"]))
        for step_id, answer in result.answers.items():
            self.branches.add(("answer", step_id, canonical_text(answer)))
            if isinstance(answer, dict):
                for name, value in answer.items():
                    self.branches.add(("field", step_id, name, canonical_text(value)))
        from runtime.orchestration.human import DEADLINE

        who = result.receipt.get("answered_by", {})
        self.branches.update(("in time", step_id) for step_id in decided
                             if who.get(step_id) != DEADLINE)

    def outcome(self) -> CaseResult:
        branches = set(self.branches)
        branches.update(("when", step, taken) for step, taken in self.observed.guards)
        branches.update(("if", step, key, taken)
                        for step, key, taken in self.observed.branches)
        return CaseResult(str(self.case.name.value), self.case.name.span, tuple(self.failures),
                          Hits(frozenset(self.steps), frozenset(branches)),
                          tuple(self.snapshots))


def _outcome(outcome: nodes.Outcome) -> Outcome:
    from compiler.literals import literal_value

    if outcome.word is None:
        assert outcome.value is not None
        return Outcome("value", literal_value(outcome.value)[1])
    if outcome.word.text == "timeout":
        return Outcome("timeout")
    return Outcome("error", outcome.message.value if outcome.message is not None else "")


def _status_problem(line: nodes.ExpectRun, result: OrchestrationResult) -> str | None:
    word = line.word.text
    if word == "waiting":
        if result.status != "waiting":
            return f"{_described(result)}; the test expects it to wait"
        question = result.question or {}
        if line.names and result.waiting_step_id != line.names[0].text:
            return f"the run waits on step `{result.waiting_step_id}`, not on " \
                   f"`{line.names[0].text}`"
        if line.by is not None and question.get("group") != line.by.name.text:
            asked = question.get("group")
            return f"step `{result.waiting_step_id}` asks " + (
                f"the group `{asked}`" if asked else "no group in particular") + \
                f", not `{line.by.name.text}`"
        refused = question.get("may_not_answer") or {}
        missing = [name.text for name in line.excepted if name.text not in refused]
        if missing:
            allowed = ", ".join(f"`{who}` ({why})" for who, why in sorted(refused.items()))
            return f"`{missing[0]}` may answer step `{result.waiting_step_id}`; who may " \
                   f"not: {allowed or 'nobody is excluded'}"
        return None
    if result.status != word:
        return f"{_described(result)}; the test expects it to have {word}" \
            if word != "cancelled" else f"{_described(result)}; the test expects it cancelled"
    if word == "failed" and line.text is not None:
        pattern = str(line.text.value)
        if message_pattern(pattern).search(result.error_message or "") is None:
            return f"the run failed with a message that does not match {_shown(pattern)}: " \
                   f"{result.error_message}"
    return None


def _described(result: OrchestrationResult) -> str:
    if result.status == "failed":
        return f"the run failed at step `{result.failed_step_id}`: {result.error_message}"
    if result.status == "waiting":
        group = (result.question or {}).get("group")
        asked = f" (asking `{group}`)" if group else ""
        return f"the run waits on step `{result.waiting_step_id}`{asked}"
    if result.status == "cancelled":
        return f"the run was cancelled: {result.error_message}"
    return "the run succeeded"


def _lookup(state: dict[str, Any], path: list[str]) -> tuple[bool, Any]:
    """(True, the value at `path`), or (False, why there is none)."""
    current: Any = state
    for depth, key in enumerate(path):
        if not isinstance(current, dict) or key not in current:
            where = ".".join(["state", *path[:depth]])
            if not isinstance(current, dict):
                return False, f"`{where}` is {_compact(current)}, not a map"
            keys = ", ".join(f"`{name}`" for name in sorted(current)) or "nothing"
            return False, f"`{where}` has {keys}"
        current = current[key]
    return True, current


def _names(names: list[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _shown(pattern: str) -> str:
    return "/" + pattern + "/"


def _compact(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 80 else text[:77] + "..."


def diff(expected: Any, actual: Any) -> tuple[str, ...]:
    """Expected (`-`) against actual (`+`), as pretty JSON with sorted keys."""
    import difflib
    import json

    def lines(value: Any) -> list[str]:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).splitlines()

    before, after = lines(expected), lines(actual)
    if len(before) == 1 and len(after) == 1:
        return (f"- {before[0]}  (expected)", f"+ {after[0]}  (the run)")
    found: list[str] = ["--- expected", "+++ the run"]
    for line in _differences(difflib.unified_diff(before, after, lineterm="", n=2)):
        found.append(line)
    return tuple(found)


def _differences(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if line.startswith(("---", "+++", "@@")):
            continue
        yield line
