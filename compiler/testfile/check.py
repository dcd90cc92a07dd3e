"""Checking a test file like a mission: its mission, then every case against it (E060-E068).

`compiler.compile_source` hands a text that parses as a test file here, with the mission it
names read (beside the test file) and compiled under the same configuration; then each
case is checked against that mission's tree, `Analysis` and compiled workflow: the steps it
names exist, its answers are answers their questions accept (validated by the operation
table's own answer functions, as a deadline's default answer is, E051), its params and
initial state are ones the run would take (the engine's own binding), its results go to
steps that call an effect or a project operation, the state paths it expects are ones the
mission can write, and its values are constants.

What a case expects to be refused is not refused here: an answer, param or state
followed (before any other event) by `expect refused "..."` is the point of the case.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Label, Severity
from compiler.result import CheckedTests, Tested
from compiler.suggest import did_you_mean, rename_fix
from compiler.testfile import nodes
from compiler.testfile.paths import beside
from compiler.testfile.patterns import message_pattern

if TYPE_CHECKING:
    from compiler.analysis import Analysis
    from compiler.source import SourceFile

# Reads a file as text (OSError, UnicodeDecodeError or `runtime.reading.TooLarge` when it
# cannot): the language server passes one that sees the editor's unsaved buffers.
Reader = Callable[[str], str]

RUN_WORDS = ("succeeded", "failed", "waiting", "cancelled", "refused", "steps", "skipped")
OUTCOME_WORDS = ("error", "timeout")


def default_reader(limit: int) -> Reader:
    """Reads a file as UTF-8 through the bounded reader (at most `limit` bytes)."""
    from runtime.reading import read_limited

    def read(path: str) -> str:
        if "\0" in path:  # `open` would raise ValueError
            raise FileNotFoundError(f"no such file: the path holds a NUL character: {path!r}")
        return read_limited(path, limit).decode("utf-8")

    return read


def check_tests(source: SourceFile, tree: nodes.TestFile, tested: Tested,
                read: Reader | None = None, dropped: tuple[Span, ...] = ()
                ) -> tuple[list[Diagnostic], CheckedTests]:
    """Every error of the test file against `tested`, the mission it names (compiled by
    `compiler.pipeline.load_tested`), and what it tests. `dropped`: the lines a syntax
    error took out (`compiler.testfile.recover`)."""
    found: list[Diagnostic] = []
    checker = _Checker(source, tree, tested, found, read, dropped)
    checker.check()
    return found, CheckedTests(tree, tested)


def _error(code: str, message: str, span: Span, label: str = "", *,
           labels: tuple[Label, ...] = (), help: tuple[str, ...] = (),
           fix: Fix | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, label, labels, help, fix)


def constant_value(value: ast.Expr) -> tuple[bool, Any]:
    """(True, value) for a value written out; (False, None) for one that reads or computes
    (a test gives data, as a deadline's default answer does)."""
    from compiler.literals import literal_value

    return literal_value(value)


class _Checker:
    def __init__(self, source: SourceFile, tree: nodes.TestFile, tested: Tested,
                 found: list[Diagnostic], read: Reader | None,
                 dropped: tuple[Span, ...]) -> None:
        self.source = source
        self.tree = tree
        self.tested = tested
        self.found = found
        self.given = read
        self.dropped = dropped

    def read_json(self, path: str) -> str:
        """A JSON file the test file names (a state file), within the limit for JSON."""
        from runtime.bounds import MAX_DATA_FILE_BYTES

        return (self.given or default_reader(MAX_DATA_FILE_BYTES))(path)

    def report(self, code: str, message: str, span: Span, label: str = "",
               **details: Any) -> None:
        self.found.append(_error(code, message, span, label, **details))

    def check(self) -> None:
        self._names()
        for case in self.tree.cases:
            self._values(case)
        for replay in self.tree.replays:
            self._replay(replay)
        result = self.tested.result
        if not self._mission_usable():
            return
        assert result is not None and result.analysis is not None and result.mission is not None
        for case in self.tree.cases:
            _Case(self, case, result.analysis, result.mission).check()

    def _names(self) -> None:
        first: dict[object, nodes.TestCase] = {}
        for case in self.tree.cases:
            earlier = first.setdefault(case.name.value, case)
            if earlier is not case:
                self.report("E068", f"two tests are named {_quoted(case.name.value)}",
                            case.name.span, "named again here",
                            labels=(Label(earlier.name.span, "first named here"),),
                            help=("give each test its own name: the report, `-k` and the "
                                  "pytest plugin tell tests apart by name",))

    def _mission_usable(self) -> bool:
        tested = self.tested
        span = self.tree.mission.span
        if tested.result is None:
            self.report("E060", f"cannot read the mission `{tested.written}`: "
                        f"{tested.problem}", span, "the mission under test",
                        help=(*self._nearby(), f"the path is relative to the test file: "
                              f"`{tested.path}`"))
            return False
        result = tested.result
        if result.tests is not None:
            self.report("E060", f"`{tested.written}` is a test file, not a mission", span,
                        "not a mission", help=("name the `.mission` file the tests run",))
            return False
        if result.mission is None or result.workflow is None:
            errors = result.errors
            first = errors[0] if errors else None
            where = ""
            if first is not None:
                line, column = result.source.location(first.span.start)
                where = f"; the first: {first.code} at {line}:{column}, {first.message}"
            count = len(errors)
            self.report("E060", f"the mission `{tested.written}` does not compile "
                        f"({count} error{'s' * (count != 1)}{where})", span,
                        "the mission under test",
                        help=(f"fix the mission first: `mission check {tested.path}`",))
            return False
        return True

    def _nearby(self) -> tuple[str, ...]:
        """"did you mean" among the missions beside the one named."""
        directory = os.path.dirname(self.tested.path) or "."
        try:
            names = [name for name in os.listdir(directory) if name.endswith(".mission")
                     and not name.endswith("_test.mission")]
        except OSError:
            return ()
        return did_you_mean(os.path.basename(self.tested.written), names)

    # -- what needs no mission ------------------------------------------------------------

    def _values(self, case: nodes.TestCase) -> None:
        from compiler.deadlines import check_duration
        from compiler.testfile.bounds import line_values

        for line in case.lines:
            for value in line_values(line):
                self._constant(value)
            if isinstance(line, nodes.Started | nodes.Answer | nodes.Cancel) \
                    and line.at is not None:
                self._instant(line.at)
            if isinstance(line, nodes.TimeMove):
                check_duration(line.duration, self.report)
            elif isinstance(line, nodes.StateFile):
                self.state_file(line)
            elif isinstance(line, nodes.Result):
                for outcome in line.outcomes:
                    self._outcome(outcome)
            elif isinstance(line, nodes.ExpectRun):
                self._expect_run(line)
            elif isinstance(line, nodes.ExpectState):
                self._expect_state(line)

    def _constant(self, value: ast.Expr) -> None:
        from compiler.analysis import references, subexpressions

        read = next(iter(references(value)), None)
        if read is not None:
            self.report("E066", f"a test gives values, and this reads `{read.dotted}`",
                        read.span, "not a constant",
                        help=("write the value itself: a string, a number, `true`, `false`, "
                              "`null`, or a list or map of them",))
            return
        constant, _ = constant_value(value)
        if not constant:
            computed = next(node for node in subexpressions(value)
                            if not isinstance(node, ast.Literal | ast.ListExpr | ast.MapExpr))
            self.report("E066", "a test gives values, and this computes one", computed.span,
                        "computed, not a value",
                        help=("write the value itself: a string, a number, `true`, `false`, "
                              "`null`, or a list or map of them",))

    def _instant(self, literal: ast.Literal) -> None:
        from runtime.orchestration.times import InstantError, parse_instant

        try:
            parse_instant(literal.value)
        except InstantError as problem:
            self.report("E066", f"not an instant: {problem}", literal.span, "not an instant",
                        help=("write an ISO 8601 instant with its offset, such as "
                              '"2026-12-01T09:00:00+00:00" or "2026-12-01T09:00:00Z"',))

    def state_file(self, line: nodes.StateFile) -> dict[str, Any] | None:
        """The initial state in the file a `state from` line names (reported when it
        cannot be used)."""
        import json

        from runtime.reading import TooLarge, describe_problem

        path = beside(self.source.path, str(line.path.value))
        if not path.endswith(".json"):
            self.report("E066", f"a state file is a `.json` file; `{line.path.value}` is not "
                        "read", line.path.span, "not a .json file",
                        help=("give the initial state in a JSON file, or with `state.NAME = "
                              "VALUE` lines",))
            return None
        try:
            data = json.loads(self.read_json(path))
        except TooLarge:
            problem = "larger than the limit `max-file-size`"
        except (OSError, UnicodeDecodeError) as error:
            problem = describe_problem(error)
        except ValueError as error:
            problem = f"not JSON ({error})"
        else:
            if isinstance(data, dict):
                return data
            problem = "not a JSON object (the initial state is a map)"
        self.report("E066", f"cannot use the state file `{line.path.value}`: {problem}",
                    line.path.span, "the initial state",
                    help=(f"the path is relative to the test file: `{path}`",))
        return None

    def _outcome(self, outcome: nodes.Outcome) -> None:
        word = outcome.word
        if word is None:
            return
        if word.text not in OUTCOME_WORDS:
            self.report("E066", f"`{word.text}` is not an outcome", word.span,
                        "not a value, `error` or `timeout`",
                        help=(*did_you_mean(word.text, OUTCOME_WORDS),
                              'an outcome is a value (the result), `error "MESSAGE"` (the call '
                              "failed) or `timeout` (it did not finish in time)"),
                        fix=rename_fix(word.text, word.span, OUTCOME_WORDS))
        elif word.text == "error" and outcome.message is None:
            self.report("E066", "an `error` outcome says what went wrong", word.span,
                        "no message", help=('write `error "MESSAGE"`: the message the step '
                                            "fails with",))
        elif word.text == "timeout" and outcome.message is not None:
            self.report("E066", "a `timeout` outcome has no message", outcome.message.span,
                        "not needed", help=("the step says that the call did not finish in "
                                            "time, as a real timeout does",),
                        fix=Fix("remove the message", (Edit(
                            Span(word.span.end, outcome.message.span.end), ""),)))

    def _expect_run(self, line: nodes.ExpectRun) -> None:
        word = line.word.text
        if word not in RUN_WORDS:
            self.report("E067", f"`expect {word}` is not something a test can expect",
                        line.word.span, "unknown expectation",
                        help=(*did_you_mean(word, RUN_WORDS), _EXPECTATIONS),
                        fix=rename_fix(word, line.word.span, RUN_WORDS))
            return
        allowed = {"succeeded": (), "cancelled": (), "failed": ("text",),
                   "refused": ("text",), "steps": ("names",), "skipped": ("names",),
                   "waiting": ("names", "by", "except")}[word]
        parts = {"names": line.names[0].span.cover(line.names[-1].span) if line.names else None,
                 "text": line.text.span if line.text is not None else None,
                 "by": line.by.span if line.by is not None else None,
                 "except": line.excepted[0].span.cover(line.excepted[-1].span)
                 if line.excepted else None}
        for part, span in parts.items():
            if span is not None and part not in allowed:
                self.report("E067", f"`expect {word}` takes no {_PART_NAMES[part]}", span,
                            "not part of this expectation", help=(_EXPECTATIONS,))
        if word == "waiting" and len(line.names) > 1:
            self.report("E067", "a run waits on one step at a time",
                        line.names[1].span.cover(line.names[-1].span), "more than one step",
                        help=("name the step it waits on: `expect waiting STEP`",))
        if line.text is not None and word in ("failed", "refused"):
            try:
                message_pattern(str(line.text.value))
            except re.error as problem:
                self.report("E067", f"not a pattern: {problem}", line.text.span,
                            "not a regular expression",
                            help=("the text is a regular expression searched for in the "
                                  "message (as pytest's `match=`): escape `(`, `[`, `.` and "
                                  "`*` with `\\\\` to match them as written",))

    def _expect_state(self, line: nodes.ExpectState) -> None:
        if line.operator is not None and line.operator.text != "==":
            self.report("E067", f"an expectation compares with `==`, not "
                        f"`{line.operator.text}`", line.operator.span, "use `==`",
                        help=("say what the value must be: `expect state.x == VALUE`",),
                        fix=Fix("write `==`", (Edit(line.operator.span, "=="),)))
        elif line.value is None and not line.snapshot:
            self.report("E067", f"`expect {line.dotted}` does not say what it should be",
                        line.span, "no value",
                        help=(f"write `expect {line.dotted} == VALUE`, or `snapshot "
                              f"{line.dotted}` to have `mission test --update` write it",))

    def _replay(self, replay: nodes.Replay) -> None:
        from compiler.testfile.paths import receipt_paths

        pattern = str(replay.path.value)
        if not pattern.endswith(".json"):
            self.report("E066", f"a receipt is a `.json` file; `{pattern}` is not read",
                        replay.path.span, "not a .json file",
                        help=("name the files `mission run --receipt FILE.json` wrote",))
        elif not receipt_paths(self.source.path, pattern):
            self.report("E066", f"no receipt file matches `{pattern}`", replay.path.span,
                        "nothing to replay",
                        help=("the path (or glob pattern) is relative to the test file; write "
                              "receipts with `mission run --receipt FILE`",))


_EXPECTATIONS = ("a test expects `succeeded`, `failed \"PATTERN\"`, `waiting STEP [by GROUP] "
                 "[except NAMES]`, `cancelled`, `refused \"PATTERN\"`, `steps A, B`, "
                 "`skipped C` or `state.PATH == VALUE`")
_PART_NAMES = {"names": "names", "text": "text", "by": "group (`by`)",
               "except": "names after `except`"}


def _quoted(value: object) -> str:
    from compiler.literals import quote_string

    return quote_string(str(value))


class _Case:
    """One case against the mission it tests."""

    def __init__(self, checker: _Checker, case: nodes.TestCase, analysis: Analysis,
                 mission: ast.Mission) -> None:
        self.checker = checker
        self.case = case
        self.analysis = analysis
        self.mission = mission
        self.steps = {step.id.text: step for step in mission.steps}
        self.given_state: set[str] = set()
        self.refused_inputs = _first_expectation_refused(case.lines)
        # a line of the case was dropped after a syntax error: it may have given the run a
        # param or its state, so those are not checked
        self.partial = any(case.span.start <= span.start < case.span.end
                           for span in checker.dropped)

    def report(self, code: str, message: str, span: Span, label: str = "",
               **details: Any) -> None:
        self.checker.report(code, message, span, label, **details)

    def where(self, span: Span) -> str:
        """`PATH:LINE:COLUMN` of a place in the mission (a label shows the test file only)."""
        result = self.checker.tested.result
        assert result is not None
        line, column = result.source.location(span.start)
        return f"{self.checker.tested.path}:{line}:{column}"

    def check(self) -> None:
        lines = self.case.lines
        for index, line in enumerate(lines):
            if isinstance(line, nodes.Answer):
                self.answer(line, _refused_next(lines, index))
            elif isinstance(line, nodes.Result | nodes.Real):
                self.result(line)
            elif isinstance(line, nodes.ExpectRun):
                self.expect_run(line)
            elif isinstance(line, nodes.GivenState):
                if line.path:
                    self.given_state.add(line.path[0].text)
                else:
                    constant, value = constant_value(line.value)
                    if constant and isinstance(value, dict):
                        self.given_state.update(value)
            elif isinstance(line, nodes.StateFile):
                self.given_state.update(self._file_keys(line))
        self.inputs()
        for line in lines:
            if isinstance(line, nodes.ExpectState):
                self.expect_state(line)

    def _file_keys(self, line: nodes.StateFile) -> set[str]:
        import json

        path = beside(self.checker.source.path, str(line.path.value))
        try:
            data = json.loads(self.checker.read_json(path))
        except Exception:  # reported by `_values`
            return set()
        return set(data) if isinstance(data, dict) else set()

    # -- steps ---------------------------------------------------------------------------

    def step(self, name: ast.Name, what: str) -> ast.Step | None:
        """The step `name` names, or None (reported)."""
        step = self.steps.get(name.text)
        if step is None:
            known = list(self.steps)
            listed = ", ".join(f"`{step_id}`" for step_id in known) or "none"
            self.report("E061", f"the mission has no step `{name.text}` to {what}", name.span,
                        "no such step", help=(*did_you_mean(name.text, known),
                                              f"its steps: {listed}"),
                        fix=rename_fix(name.text, name.span, known))
        return step

    def answer(self, line: nodes.Answer, expected_refused: bool) -> None:
        from compiler.deadlines import answer_refusal, field_refusal

        step = self.step(line.step, "answer")
        if step is None:
            return
        if step.kind.text != "human":
            self.report("E062", f"`{step.id.text}` is a {step.kind.text} step: nobody answers "
                        "it", line.step.span, "not a human step",
                        help=(f"answer a human step: {self._human_steps()}",
                              f"`{step.id.text}` is defined at {self.where(step.id.span)}"))
            return
        constant, value = constant_value(line.value)
        if not constant or expected_refused:
            return
        operation = self.analysis.operations.get(step.id.text)
        if line.form_field is not None:
            fields = [field.name.text for field in self.analysis.form_fields.get(
                step.id.text, [])]
            if operation is None or operation.name != "form":
                self.report("E062", f"`{step.id.text}` asks one question, not a form with "
                            "fields", line.form_field.span, "not a form's field",
                            help=(f"answer it whole: `answer {step.id.text} = VALUE`",))
            elif line.form_field.text not in fields:
                self.report("E062", f"the form of `{step.id.text}` has no field "
                            f"`{line.form_field.text}`", line.form_field.span, "no such field",
                            help=(*did_you_mean(line.form_field.text, fields),
                                  f"its fields: {', '.join(f'`{f}`' for f in fields)}"),
                            fix=rename_fix(line.form_field.text, line.form_field.span, fields))
            else:
                problem = field_refusal(step, line.form_field.text, value, self.analysis)
                if problem is not None:
                    self._refused_answer(line, step, f"the field `{line.form_field.text}` refuses "
                                         f"this answer: {problem}", None)
            return
        refused = answer_refusal(step, line.value, value, self.analysis)
        if refused is not None:
            problem, match = refused
            name = operation.name if operation is not None else "the question"
            self._refused_answer(line, step, f"not a valid answer to `{name}`: {problem}",
                                 match)

    def _refused_answer(self, line: nodes.Answer, step: ast.Step, message: str,
                        match: str | None) -> None:
        fix = None
        if match is not None:
            fix = Fix(f"replace it with `{_quoted(match)}`",
                      (Edit(line.value.span, _quoted(match)),))
        asked = (f"the question is at {self.where(step.call.span)}",) if step.call else ()
        self.report("E062", message, line.value.span, "refused",
                    help=(*((f"did you mean `{_quoted(match)}`?",) if match else ()), *asked,
                          "a test answers as a person would; to test that this answer is "
                          "refused, follow it with `expect refused \"...\"`"), fix=fix)

    def _human_steps(self) -> str:
        human = [f"`{step_id}`" for step_id, step in self.steps.items()
                 if step.kind.text == "human"]
        return ", ".join(human) or "the mission has none"

    def result(self, line: nodes.Result | nodes.Real) -> None:
        step = self.step(line.step, "give a result for" if isinstance(line, nodes.Result)
                         else "run for real")
        if step is None:
            return
        operation = self.analysis.operations.get(step.id.text)
        if operation is None:
            return
        if operation.effect is None and operation.declaration is None:
            calls = [f"`{step_id}`" for step_id, known in self.analysis.operations.items()
                     if known.effect is not None or known.declaration is not None]
            self.report("E064", f"`{step.id.text}` calls `{operation.name}`, which the engine "
                        "computes itself: there is no result to give", line.step.span,
                        "no effect or project operation here",
                        help=(("the steps that call an effect or a project operation: "
                               + ", ".join(calls)) if calls else
                              "the mission calls no effect or project operation: remove the "
                              "line",))
            return
        if isinstance(line, nodes.Result) and operation.declaration is None:
            for outcome in line.outcomes:
                if outcome.word is not None and outcome.word.text == "timeout":
                    self.report("E064", f"`{operation.name}` reports a timeout in its result, "
                                "not as a failure", outcome.word.span, "not how it times out",
                                help=(f"give its result with `timed_out: true` "
                                      f"(see `mission explain {operation.name}`)",))

    def expect_run(self, line: nodes.ExpectRun) -> None:
        word = line.word.text
        if word in ("steps", "skipped"):
            for name in line.names:
                self.step(name, "expect")
        elif word == "waiting" and line.names:
            step = self.step(line.names[0], "wait on")
            if step is not None and step.kind.text != "human":
                self.report("E061", f"a run waits on human steps, and `{step.id.text}` is a "
                            f"{step.kind.text} step", line.names[0].span, "never waits",
                            help=(f"the human steps: {self._human_steps()}",))

    # -- inputs ----------------------------------------------------------------------------

    def inputs(self) -> None:
        """The params and the initial state, as the engine binds them before the first step
        (`ParameterError` is the message), unless the case expects that refusal."""
        from runtime.orchestration.binding import bind_inputs, check_params
        from runtime.orchestration.model import ParameterError

        workflow = self.checker.tested.workflow
        if workflow is None or self.refused_inputs or self.partial:
            return
        params: dict[str, Any] = {}
        declared = self.analysis.params
        for line in self.case.lines:
            if not isinstance(line, nodes.GivenParam):
                continue
            constant, value = constant_value(line.value)
            if line.name.text not in declared:
                known = list(declared)
                self.report("E063", f"the mission has no param `{line.name.text}`",
                            line.name.span, "not declared",
                            help=(*did_you_mean(line.name.text, known),
                                  "its params: " + (", ".join(f"`{n}`" for n in known)
                                                    or "none")),
                            fix=rename_fix(line.name.text, line.name.span, known))
                continue
            if not constant:
                continue
            try:
                check_params(workflow, {line.name.text: value}, allow_missing=True)
            except ParameterError as problem:
                declaration = declared[line.name.text]
                self.report("E063", f"the run would refuse this param: {problem}",
                            line.value.span, "refused",
                            help=(f"`param {line.name.text}` is declared at "
                                  f"{self.where(declaration.span)}",))
                continue
            params[line.name.text] = value
        if all(not isinstance(line, nodes.GivenParam) or line.name.text in params
               for line in self.case.lines):  # (a bad one is reported above)
            try:
                check_params(workflow, params)
            except ParameterError as problem:
                self.report("E063", f"the run would refuse its params: {problem}",
                            self.case.name.span, "this test",
                            help=("give it with `param NAME = VALUE`",))
        state = self._initial_state()
        if state is not None:
            try:
                bind_inputs(workflow, state)
            except ParameterError as problem:
                self.report("E063", f"the run would refuse its initial state: {problem}",
                            self.case.name.span, "this test",
                            help=("give the inputs the mission declares, of their types, "
                                  "with `state.NAME = VALUE` or `state from \"FILE.json\"`",))

    def _initial_state(self) -> dict[str, Any] | None:
        """The case's initial state, when every part of it is known (else None)."""
        from compiler.testfile.state import initial_state

        try:
            return initial_state(self.case, self.checker.source.path, self.checker.read_json)
        except ValueError:
            return None

    # -- expectations ------------------------------------------------------------------------

    def expect_state(self, line: nodes.ExpectState) -> None:
        if not line.path:
            return
        root = line.path[0]
        analysis = self.analysis
        known = {*analysis.inputs, *analysis.writes, *self.given_state}
        if root.text not in known and not self.partial:
            self.report("E065", f"the mission never writes `state.{root.text}`", root.span,
                        "nothing writes this", help=(
                            *did_you_mean(root.text, known),
                            "the state it can hold: " + (", ".join(
                                f"`{name}`" for name in sorted(known)) or "nothing"),
                        ), fix=rename_fix(root.text, root.span, known))
            return
        fields = analysis.state_fields.get(root.text)
        if fields is not None and len(line.path) > 1 and root.text not in self.given_state \
                and line.path[1].text not in fields:
            field = line.path[1]
            self.report("E065", f"the answer stored in `state.{root.text}` has no field "
                        f"`{field.text}`", field.span, "not a field of the form",
                        help=(*did_you_mean(field.text, fields),
                              f"its fields: {', '.join(f'`{f}`' for f in fields)}"),
                        fix=rename_fix(field.text, field.span, fields))


def _refused_next(lines: tuple[nodes.Line, ...], index: int) -> bool:
    """Whether the expectations right after line `index` (before any other event) expect a
    refusal."""
    for line in lines[index + 1:]:
        if isinstance(line, nodes.ExpectRun):
            if line.word.text == "refused":
                return True
            continue
        if isinstance(line, nodes.ExpectState):
            continue
        return False
    return False


def _first_expectation_refused(lines: tuple[nodes.Line, ...]) -> bool:
    """Whether the case's first expectation, before any event, is a refusal: the point of
    the case is then that its params or state are refused."""
    for line in lines:
        if isinstance(line, nodes.ExpectRun):
            return line.word.text == "refused"
        if isinstance(line, nodes.Answer | nodes.TimeMove | nodes.Cancel):
            return False
    return False
