"""Who may answer a human step, and how long it waits: the checks E044 to E052.

A human step's head may say `by N of GROUP` and `except starter`; after its
question, `remind DURATION before` and `after DURATION ACTION` lines (see
docs/language.md, "Deadlines and who may answer"). Durations are exact: a day
is 24 hours and a week 7 days, every day (there are no business days: calendars
and holidays are not data the engine has).

The default answer of `after ... answer VALUE` is validated by the operation
table's own answer validation (`Operation.answer`), the function the engine
applies to a person's answer and will apply to the default, on the question's
arguments as far as they are known without a run. Where an argument the
validation reads comes from the state or a param, what can be checked without
it is: the answer without the question's bounds (bounds only narrow what is
accepted), else the answer's type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from compiler import ast
from compiler.analysis import Analysis, references, subexpressions
from compiler.ast import Span
from compiler.diagnostics import Edit, Fix, Label
from compiler.durations import PLURALS, UNITS, duration_seconds, duration_text
from compiler.emit import step_arguments_json
from compiler.literals import literal_value, quote_string
from compiler.suggest import certain, did_you_mean, rename_fix
from runtime.bounds import (
    MAX_APPROVALS,
    MAX_DEADLINE_SECONDS,
    MAX_DEADLINES,
    MIN_DEADLINE_SECONDS,
)
from runtime.orchestration.model import AnswerError
from runtime.orchestration.operations import answer_field, check_value
from runtime.orchestration.types import fits

__all__ = ["Unknown", "answer_refusal", "check_duration", "check_step", "field_refusal",
           "question_arguments"]

_BUSINESS = ("business", "work", "weekday", "bday")

Report = Callable[..., None]  # `_Checker.error`: code, message, span, label, labels, help, fix


# -- the checks -------------------------------------------------------------------------


def check_step(step: ast.Step, analysis: Analysis, report: Report) -> None:
    """Every check of a step's head (`by N of`, `except starter`) and time limits."""
    kind = step.kind.text
    if step.approvals is not None:
        _check_approvals(step.approvals, report)
    if step.except_starter is not None and kind == "runtime":
        report("E024", f"only a human step has someone who answers it; `{step.id.text}` is a "
               "runtime step", step.except_starter.span, "`except starter` on a step nobody "
               "answers", help=("remove `except starter`, or make the step `human`",))
    for duration in _durations(step):
        _check_duration(duration, report)
    if not step.reminder and not step.deadlines:
        return
    if kind != "human":
        if kind == "runtime":
            first = step.reminder.span if step.reminder else step.deadlines[0].span
            last = step.deadlines[-1].span if step.deadlines else first
            report("E045", f"only a human step waits for an answer; `{step.id.text}` is a "
                   "runtime step", first.cover(last), "a time limit on a step that does not wait",
                   help=("remove the `remind` and `after` lines, or make the step `human`",))
        return
    _check_chain(step, report)
    _check_reminder(step, report)
    for deadline in step.deadlines:
        action = deadline.action
        if isinstance(action, ast.FailStep) and action.reason is not None \
                and not str(action.reason.value).strip():
            keyword_end = action.span.start + len("fail")
            report("E052", "the reason this deadline fails the step with is empty",
                   action.reason.span, "an empty reason",
                   help=("say why, for example `fail \"nobody approved in time\"`, or leave "
                         "the reason out and the compiler words one",),
                   fix=Fix("remove the empty reason",
                           (Edit(Span(keyword_end, action.reason.span.end), ""),)))
        elif isinstance(action, ast.DefaultAnswer):
            _check_default_answer(step, action, analysis, report)


def _durations(step: ast.Step) -> list[ast.Duration]:
    reminder = [step.reminder.before] if step.reminder is not None else []
    return reminder + [deadline.after for deadline in step.deadlines]


def _check_approvals(approvals: ast.Literal, report: Report) -> None:
    count = approvals.value
    assert isinstance(count, int)
    if 1 <= count <= MAX_APPROVALS:
        return
    problem = "at least 1" if count < 1 else f"at most {MAX_APPROVALS}"
    report("E046", f"`by {count} of` asks for {count} people; a step needs {problem}",
           approvals.span, problem,
           help=(f"write `by N of GROUP` with N from 1 to {MAX_APPROVALS} (N distinct people "
                 "of the group must answer), or `by GROUP` for one",))


def _check_duration(duration: ast.Duration, report: Report) -> None:
    unit = duration.unit.text
    per_unit = UNITS.get(unit)
    if per_unit is None:
        # the units that agree with the amount: `1 hour`, `2 hours`
        units = [name for name in UNITS if name.endswith("s") != (duration.amount.value == 1)]
        hints: tuple[str, ...] = did_you_mean(unit, units)
        if unit.lower().startswith(_BUSINESS):
            hints += ("there are no business days: a day is 24 hours, every day of the week "
                      "(docs/language.md, \"Deadlines and who may answer\")",)
        elif unit.lower().startswith("sec"):
            hints += ("the shortest time limit is 1 minute",)
        report("E044", f"unknown unit `{unit}`", duration.unit.span, "not a unit of time",
               help=(*hints, "the units are `minutes`, `hours`, `days` and `weeks` (or "
                             "`minute`, `hour`, `day`, `week`)"),
               fix=rename_fix(unit, duration.unit.span, units))
        return
    amount = duration.amount.value
    assert isinstance(amount, (int, float)) and not isinstance(amount, bool)
    seconds = amount * per_unit
    if isinstance(amount, float):
        exact = seconds == int(seconds) and int(seconds) % 60 == 0 \
            and MIN_DEADLINE_SECONDS <= seconds <= MAX_DEADLINE_SECONDS
        written = duration_text(int(seconds)) if exact else ""
        plural = unit if unit in PLURALS else unit + "s"
        report("E044", f"a duration is a whole number of {plural}, not {amount}",
               duration.amount.span, "not a whole number",
               help=(f"write `{written}`" if written else
                     "write it in a smaller unit, as a whole number",),
               fix=Fix(f"write `{written}`", (Edit(duration.span, written),)) if written
               else None)
        return
    if seconds < MIN_DEADLINE_SECONDS:
        report("E044", f"`{amount} {unit}` is too short: a time limit is at least 1 minute",
               duration.span, "shorter than a minute",
               help=("write a duration of 1 minute or more",))
    elif seconds > MAX_DEADLINE_SECONDS:
        report("E044", f"`{amount} {unit}` is too long: a time limit is at most 52 weeks",
               duration.span, "longer than 52 weeks",
               help=("write a duration of at most 52 weeks; a step that may wait longer "
                     "needs no deadline",))


def _check_chain(step: ast.Step, report: Report) -> None:
    """The order and length of the `after` lines, and whom each escalation asks."""
    deadlines = step.deadlines
    final = next((d for d in deadlines if not isinstance(d.action, ast.Escalation)), None)
    if final is not None and final is not deadlines[-1]:
        later = deadlines[deadlines.index(final) + 1]
        verb = "answers" if isinstance(final.action, ast.DefaultAnswer) else "fails"
        report("E047", "this deadline can never apply: the one before it ends the wait",
               later.span.cover(deadlines[-1].span), "never applies",
               labels=(Label(final.span, f"the step is decided here: the deadline {verb} it"),),
               help=("only the last `after` line may `answer` or `fail`; the ones before it "
                     "`escalate to` another group",
                     "remove the lines after it, or make it `escalate to GROUP`"))
    if len(deadlines) > MAX_DEADLINES:
        extra = deadlines[MAX_DEADLINES]
        report("E048", f"a human step has at most {MAX_DEADLINES} deadlines; `{step.id.text}` "
               f"has {len(deadlines)}", extra.span.cover(deadlines[-1].span),
               f"deadline {MAX_DEADLINES + 1} is over the limit",
               help=(f"at most {MAX_DEADLINES - 1} escalations and a last deadline: merge "
                     "escalations, or wait longer at each",))
    asked: ast.Name | None = step.group
    for deadline in deadlines:
        action = deadline.action
        if not isinstance(action, ast.Escalation):
            continue
        if asked is not None and action.group.text == asked.text:
            report("E049", f"this escalation asks `{asked.text}` again", action.group.span,
                   "the group already asked",
                   labels=(Label(asked.span, "the step asks this group" if asked is step.group
                                 else "escalated to this group here"),),
                   help=("escalate to another group, or remove the line: the same people "
                         "would be asked again",))
        asked = action.group


def _check_reminder(step: ast.Step, report: Report) -> None:
    reminder = step.reminder
    if reminder is None:
        return
    if not step.deadlines:
        report("E050", "this reminder has no deadline to remind of", reminder.span,
               "no `after` line in this step",
               help=("a reminder is sent that long before each deadline: add one, for "
                     "example `after 2 days fail`, or remove the reminder",))
        return
    before = duration_seconds(reminder.before)
    waits = [(duration_seconds(d.after), d) for d in step.deadlines]
    known = [(wait, deadline) for wait, deadline in waits if wait is not None]
    if before is None or not known:
        return
    shortest, deadline = min(known, key=lambda pair: pair[0])
    if before < shortest:
        return
    earlier = shortest // 2 // MIN_DEADLINE_SECONDS * MIN_DEADLINE_SECONDS  # whole minutes
    report("E050", "the reminder would come before the wait begins: "
           f"{duration_text(before)} before a deadline {duration_text(shortest)} after it",
           reminder.before.span, "not shorter than the wait",
           labels=(Label(deadline.after.span, "the shortest wait"),),
           help=(f"remind less than {duration_text(shortest)} before, for example "
                 f"`remind {duration_text(earlier)} before`" if earlier >= MIN_DEADLINE_SECONDS
                 else "remove the reminder: this wait is too short for one",
                 "each `after` line counts from the one before it (the first from when the "
                 "step starts waiting), and the reminder comes that long before each"))


# -- the default answer -------------------------------------------------------------------


class _Unknown(Exception):
    """The validation read an argument whose value is known only when the step runs."""


class _Arguments(Mapping[str, Any]):
    """A question's arguments; reading one that is known only at run time raises `_Unknown`
    (so the validation tells whether it depends on it), testing for it does not."""

    def __init__(self, known: Mapping[str, Any], unknown: frozenset[str] = frozenset()) -> None:
        self._known = dict(known)
        self._unknown = unknown
        self._names = (*self._known, *sorted(unknown))

    def __getitem__(self, name: str) -> Any:
        if name in self._unknown:
            raise _Unknown(name)
        return self._known[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def without_bounds(self) -> _Arguments:
        """The same arguments, the `min` and `max` known only at run time left out (here and
        in a form's fields): bounds only narrow what is accepted."""
        known = dict(self._known)
        fields = known.get("fields")
        if isinstance(fields, list):
            known["fields"] = [spec.without_bounds() if isinstance(spec, _Arguments) else spec
                               for spec in fields]
        return _Arguments(known, self._unknown - {"min", "max"})


_VARIES = object()


def _value(expression: Any, element: Any = _VARIES) -> Any:
    """The value of a compiled expression that reads no param or state (`element`: the
    current element of a per-item argument), else `_VARIES`."""
    from runtime.orchestration.expressions import EvaluationError, evaluate, references

    if any(not reference.startswith("item") for reference in references(expression)):
        return _VARIES
    try:
        if element is _VARIES:
            return evaluate(expression, {}, {})
        return evaluate(expression, {}, {}, element)
    except EvaluationError:
        return _VARIES


def question_arguments(step: ast.Step, analysis: Analysis) -> _Arguments | None:
    """The arguments the engine would give the question's validation, as far as they are
    known without a run (as the engine evaluates them: `Run._arguments` in
    `runtime/orchestration/run.py`); None when the step's question is not known."""
    operation = analysis.operations.get(step.id.text)
    if operation is None or operation.answer is None:
        return None
    compiled = step_arguments_json(step.id.text, operation, analysis)
    known: dict[str, Any] = {}
    unknown: set[str] = set()
    if operation.name == "form":
        fields = analysis.form_fields.get(step.id.text)
        if fields is None:
            return None
        known["fields"] = _fields(compiled["fields"])
    for parameter in operation.parameters:
        name = parameter.name
        if name not in compiled or name in known:
            continue
        if parameter.per_item:
            elements = known.get(operation.items_parameter or "", _VARIES)
            values = [_value(compiled[name], element) for element in elements] \
                if isinstance(elements, list) else [_VARIES]
        else:
            values = [_value(compiled[name])]
        if any(value is _VARIES or check_value(parameter, value) is not None
               for value in values):
            unknown.add(name)  # known only at run time (or failing the step then)
        else:
            known[name] = values if parameter.per_item else values[0]
    return _Arguments(known, frozenset(unknown))


def _fields(expression: Any) -> list[_Arguments]:
    """A form's fields, each one's arguments: a prompt read from a param does not keep
    the answers from being checked."""
    if "lit" in expression:
        return [_Arguments(spec) for spec in expression["lit"]]
    fields = []
    for node in expression["list"]:
        values = {key: _value(value) for key, value in node["map"].items()}
        fields.append(_Arguments({k: v for k, v in values.items() if v is not _VARIES},
                                 frozenset(k for k, v in values.items() if v is _VARIES)))
    return fields


def _check_default_answer(step: ast.Step, action: ast.DefaultAnswer, analysis: Analysis,
                          report: Report) -> None:
    value = action.value
    read = next(iter(references(value)), None)
    if read is not None:
        report("E051", f"a default answer must be written out, not read from `{read.dotted}`",
               read.span, "not a constant",
               help=("write the answer itself, as a person would give it, for example "
                     "`answer false` or `answer \"reject\"`",))
        return
    constant, answer = literal_value(value)
    if not constant:
        computed = next(node for node in subexpressions(value)
                        if not isinstance(node, (ast.Literal, ast.ListExpr, ast.MapExpr)))
        report("E051", "a default answer must be written out, not computed", computed.span,
               "computed, not a value",
               help=("write the answer itself: a string, number, `true`, `false`, a list or "
                     "a map of them",))
        return
    refused = answer_refusal(step, value, answer, analysis)
    if refused is None or step.call is None:
        return

    problem, match = refused
    operation = analysis.operations[step.id.text]
    fix = None
    if match is not None:
        fix = Fix(f"replace `{quote_string(str(answer))}` with `{quote_string(match)}`",
                  (Edit(value.span, quote_string(match)),))
    report("E051", f"the default answer is not a valid answer to `{operation.name}`: "
           f"{problem}", value.span, "not a valid answer",
           labels=(Label(step.call.span, "the question"),),
           help=(*((f"did you mean `{quote_string(match)}`?",) if match else ()),
                 "the default is checked as a person's answer would be: give one the question "
                 "accepts"),
           fix=fix)


def answer_refusal(step: ast.Step, value: ast.Expr, answer: Any,
                   analysis: Analysis) -> tuple[str, str | None] | None:
    """Why the question of human step `step` refuses `answer` (written as `value`), as far
    as that is known without a run, with the option it was likely meant to be (a `choose`
    label one edit away); None when it is accepted, or depends on what only a run knows.
    (A deadline's default answer, E051, and a test's answer, `compiler.testfile`.)"""
    operation = analysis.operations.get(step.id.text)
    arguments = question_arguments(step, analysis)
    if operation is None or operation.answer is None or arguments is None or step.call is None:
        return None
    problem = _answer_problem(operation.answer, arguments, answer)
    if problem is _Unknown:
        problem = _type_problem(step, value, answer, analysis)
    if not isinstance(problem, str):
        return None
    return problem, _closest_option(value, arguments) if operation.name == "choose" else None


def field_refusal(step: ast.Step, field: str, answer: Any, analysis: Analysis) -> str | None:
    """Why the field `field` of the form asked by `step` refuses `answer`, as far as that
    is known without a run; None when it is accepted or that is not known."""
    arguments = question_arguments(step, analysis)
    try:
        fields = arguments["fields"] if arguments is not None else None
    except _Unknown:
        return None
    spec = next((spec for spec in fields or () if isinstance(spec, _Arguments)
                 and "name" in spec and spec["name"] == field), None)
    if spec is None:
        return None
    for attempt in (spec, spec.without_bounds()):
        try:
            answer_field(attempt, answer)
        except AnswerError as problem:
            return str(problem)
        except _Unknown:
            continue
        return None
    return None


check_duration = _check_duration  # also a test file's `after DURATION` (E044)
Unknown = _Unknown  # what reading a question's argument known only at run time raises


def _answer_problem(validate: Callable[[Mapping[str, Any], Any], Any], arguments: _Arguments,
                    answer: Any) -> str | type[_Unknown] | None:
    """The runtime's message refusing the answer, None when it is accepted, or `_Unknown`
    when that depends on what only a run knows."""
    for attempt in (arguments, arguments.without_bounds()):
        try:
            validate(attempt, answer)
        except AnswerError as problem:
            return str(problem)
        except _Unknown:
            continue
        return None
    return _Unknown


def _type_problem(step: ast.Step, value: ast.Expr, answer: Any,
                  analysis: Analysis) -> str | None:
    """Where the options come from the state: the default must have the type of what the
    question stores (or be a string: it may be an option's label)."""
    stored = analysis.answer_types.get(step.id.text)
    if stored is None:
        return None
    found = analysis.typer().type_of(value)
    if stored.fields is not None and found.fields is not None:
        extra = next((name for name, _ in found.fields if stored.field(name) is None), None)
        if extra is not None:
            return f"the form has no field `{extra}`"
    if fits(found, stored) or (isinstance(answer, str) and stored.fields is None):
        return None
    return f"its answer is {stored}, and this is {found}"


def _closest_option(value: ast.Expr, arguments: _Arguments) -> str | None:
    """`answer "aprove"` for the option `approve`: the one close label, when certain."""
    if not isinstance(value, ast.Literal) or not isinstance(value.value, str):
        return None
    try:
        labels = arguments.get("label", arguments.get("options"))
    except _Unknown:
        return None
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return None
    return certain(value.value, labels)
