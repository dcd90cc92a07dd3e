"""What decides a human step: the answers, who gave them and when, its deadlines.

A person's answer, a deadline firing and a cancellation reach the engine as
*events*, plain data recorded by whoever received them (the CLI, `mission
serve`, the timer service), with the time they were received: the engine reads
no clock, so a replay of the same events decides the same way. A step's rules
come from its payload (`by N of GROUP`, `except starter`, `remind ... before`,
`after ... answer|fail|escalate`; see docs/language.md):

- the first deadline is due `after` seconds after the step began waiting, each
  later one after the escalation before it; a deadline event must come at or
  after its due time;
- `answer` decides the step with the default answer (answered by "the
  deadline"), `fail` fails it, `escalate` moves the question to another group;
- with N approvals, N different people must give the same answer; for a
  confirm, the first "no" decides (a veto);
- with `except starter`, the person who started the run may not answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.bounds import (
    MAX_APPROVALS,
    MAX_DEADLINE_SECONDS,
    MAX_DEADLINES,
    MIN_DEADLINE_SECONDS,
)
from runtime.orchestration.expressions import json_equal
from runtime.orchestration.model import AnswerError, EnvelopeViolation, ReplayError
from runtime.orchestration.times import (
    InstantError,
    describe_duration,
    later,
    parse_instant,
)
from runtime.orchestration.types import describe

DEADLINE = "the deadline"  # who a deadline's decision is recorded as given by
ACTIONS = ("answer", "fail", "escalate")
# The payload keys of a human step that say who answers it and how long it waits.
HUMAN_KEYS = ("approvals", "exclude_starter", "remind_before", "deadlines")


@dataclass(frozen=True, slots=True)
class Deadline:
    after: int  # seconds after the wait (or the escalation before it) began
    action: str  # "answer", "fail" or "escalate"
    value: Any  # the default answer, the reason, or the group escalated to

    def to_json(self) -> dict[str, Any]:
        return {"after": self.after, self.action: copy.deepcopy(self.value)}


@dataclass(frozen=True, slots=True)
class HumanRules:
    """Who may answer a human step, and how long it waits: decoded once from its payload."""

    group: str | None = None
    approvals: int = 1
    exclude_starter: bool = False
    remind_before: int | None = None
    deadlines: tuple[Deadline, ...] = ()

    @property
    def plain(self) -> bool:
        """A step of the kind every mission had before deadlines: one answer, by anyone."""
        return self.approvals == 1 and not self.exclude_starter and not self.deadlines \
            and self.remind_before is None

    def group_at(self, stage: int) -> str | None:
        """The group asked at `stage`: the step's own, then each escalation's."""
        return self.group if stage == 0 else str(self.deadlines[stage - 1].value)


def rules_of(step_id: str, kind: str, payload: Mapping[str, Any]) -> HumanRules | None:
    """The step's rules (None for a runtime step); a malformed payload raises
    `EnvelopeViolation` naming the step and the key."""
    where = f"Step '{step_id}'"
    present = [key for key in HUMAN_KEYS if key in payload]
    if kind != "human":
        if present:
            raise EnvelopeViolation(f"{where}: `{present[0]}` applies to a human step only")
        return None
    group = payload.get("answered_by")
    approvals = payload.get("approvals", 1)
    if type(approvals) is not int or not 1 <= approvals <= MAX_APPROVALS:
        raise EnvelopeViolation(f"{where}: `approvals` must be a whole number from 1 to "
                                f"{MAX_APPROVALS}, found {describe(approvals)}")
    if approvals > 1 and group is None:
        raise EnvelopeViolation(f"{where}: `approvals` needs `answered_by` (the group whose "
                                "members approve)")
    exclude = payload.get("exclude_starter", False)
    if exclude is not True and exclude is not False:
        raise EnvelopeViolation(f"{where}: `exclude_starter` must be true or false")
    remind = payload.get("remind_before")
    if remind is not None:
        remind = _duration(remind, f"{where}: `remind_before`")
    deadlines = _deadlines(payload.get("deadlines", []), where, group)
    for deadline in deadlines:
        if remind is not None and remind >= deadline.after:
            raise EnvelopeViolation(f"{where}: `remind_before` ({describe_duration(remind)}) "
                                    "must be shorter than every deadline's `after` "
                                    f"({describe_duration(deadline.after)})")
    return HumanRules(group if isinstance(group, str) else None, approvals, exclude, remind,
                      deadlines)


def _duration(value: Any, what: str) -> int:
    if type(value) is not int or not MIN_DEADLINE_SECONDS <= value <= MAX_DEADLINE_SECONDS:
        raise EnvelopeViolation(f"{what} must be whole seconds from {MIN_DEADLINE_SECONDS} "
                                f"(a minute) to {MAX_DEADLINE_SECONDS} (52 weeks), found "
                                f"{describe(value)}")
    return value


def _deadlines(given: Any, where: str, group: Any) -> tuple[Deadline, ...]:
    if not isinstance(given, list) or len(given) > MAX_DEADLINES:
        raise EnvelopeViolation(f"{where}: `deadlines` must be a list of at most "
                                f"{MAX_DEADLINES} deadlines")
    found = []
    asked = group
    for index, entry in enumerate(given):
        what = f"{where}: deadline #{index + 1}"
        actions = [key for key in ACTIONS if isinstance(entry, dict) and key in entry]
        if not isinstance(entry, dict) or len(actions) != 1 or sorted(entry) != sorted(
                ["after", actions[0]]):
            raise EnvelopeViolation(f"{what} must be a map of `after` and one of "
                                    "`answer`, `fail`, `escalate`")
        action = actions[0]
        value = entry[action]
        if action != "escalate" and index != len(given) - 1:
            raise EnvelopeViolation(f"{what} decides the step (`{action}`), so no deadline can "
                                    "come after it")
        if action == "fail" and (not isinstance(value, str) or not value):
            raise EnvelopeViolation(f"{what}: `fail` gives the reason, a non-empty string")
        if action == "escalate":
            if not isinstance(value, str) or not value.isidentifier():
                raise EnvelopeViolation(f"{what}: `escalate` names a group")
            if value == asked:
                raise EnvelopeViolation(f"{what} escalates to `{value}`, the group already "
                                        "asked")
            asked = value
        found.append(Deadline(_duration(entry["after"], f"{what}: `after`"), action,
                              copy.deepcopy(value)))
    return tuple(found)


# -- events -----------------------------------------------------------------------------

def checked_events(events: Any, human_steps: Sequence[str]) -> list[dict[str, Any]]:
    """The events given to a run, each checked and written the one way it is recorded:
    `{"kind": "answer", "step", "answer", "by"?, "at"?}`,
    `{"kind": "deadline", "step", "stage", "at"?}`, `{"kind": "cancel", "reason", "by"?,
    "at"?}`. An answer event that does not fit raises `AnswerError`, any other
    `ReplayError`."""
    if not isinstance(events, list):
        raise ReplayError("events must be a list")
    found = []
    cancelled = False
    for index, event in enumerate(events):
        what = f"event #{index + 1}"
        kind = event.get("kind") if isinstance(event, dict) else None
        if kind == "answer":
            wanted = {"kind", "step", "answer"}
            error: type[Exception] = AnswerError
        elif kind == "deadline":
            wanted = {"kind", "step", "stage"}
            error = ReplayError
        elif kind == "cancel":
            wanted = {"kind", "reason"}
            error = ReplayError
        else:
            raise ReplayError(f"{what} must be a map whose `kind` is answer, deadline or cancel")
        assert isinstance(event, dict)
        optional = {"by", "at"} if kind != "deadline" else {"at"}
        missing = sorted(wanted - set(event))
        extra = sorted(set(event) - wanted - optional)
        if missing or extra:
            raise error(f"{what} ({kind}) " + (f"lacks `{missing[0]}`" if missing
                                               else f"has an unknown key `{extra[0]}`"))
        checked = {key: copy.deepcopy(value) for key, value in event.items()
                   if value is not None or key not in optional}
        if "step" in checked and checked["step"] not in human_steps:
            known = ", ".join(f"'{name}'" for name in human_steps) or "none"
            raise error(f"there is no human step '{checked['step']}' to "
                        f"{'answer' if kind == 'answer' else 'decide'} (human steps: {known})")
        if "by" in checked and (not isinstance(checked["by"], str) or not checked["by"]):
            raise error(f"{what}: `by` names who acted, a non-empty string")
        if "at" in checked:
            try:
                parse_instant(checked["at"])
            except InstantError as problem:
                raise error(f"{what}: `at` {problem}") from None
        if kind == "deadline" and (type(checked["stage"]) is not int or checked["stage"] < 0):
            raise ReplayError(f"{what}: `stage` must be a whole number from 0")
        if kind == "cancel":
            if not isinstance(checked["reason"], str):
                raise ReplayError(f"{what}: a cancellation's `reason` is a string")
            if cancelled:
                raise ReplayError(f"{what}: a run is cancelled once")
            cancelled = True
        found.append(checked)
    return found


def checked_start(started: Any) -> dict[str, Any] | None:
    """`{"at"?, "by"?, "schedule"?}`: when the run was started and by whom, and for a run a
    schedule started, which schedule and the fire time it was started for (`{"name",
    "fire_at"}`); None: not recorded."""
    if started is None:
        return None
    if not isinstance(started, Mapping) or set(started) - {"at", "by", "schedule"}:
        raise ReplayError("`started` must be a map with `at` (an ISO 8601 instant), `by` "
                          "(who started the run) and, for a scheduled run, `schedule`")
    checked = {key: copy.deepcopy(value) for key, value in started.items()
               if value is not None}
    if "by" in checked and (not isinstance(checked["by"], str) or not checked["by"]):
        raise ReplayError("`started.by` names who started the run, a non-empty string")
    if "at" in checked:
        try:
            parse_instant(checked["at"])
        except InstantError as problem:
            raise ReplayError(f"`started.at` {problem}") from None
    if "schedule" in checked:
        checked_schedule(checked["schedule"], ReplayError)
    return checked


def checked_schedule(schedule: Any, error: type[Exception]) -> None:
    """A scheduled run's `{"name", "fire_at"}`, or `error` naming what is wrong."""
    if not isinstance(schedule, Mapping) or sorted(schedule) != ["fire_at", "name"] \
            or not isinstance(schedule["name"], str) or not schedule["name"]:
        raise error("`started.schedule` must be a map with the schedule's `name` and the "
                    "`fire_at` instant the run was started for")
    try:
        parse_instant(schedule["fire_at"])
    except InstantError as problem:
        raise error(f"`started.schedule.fire_at` {problem}") from None


def latest(first: str | None, second: str | None) -> str | None:
    """The later of two recorded instants (either may be unknown)."""
    if first is None or second is None:
        return first or second
    return second if parse_instant(second) > parse_instant(first) else first


# -- one step's wait --------------------------------------------------------------------

@dataclass
class Wait:
    """A human step's wait, folded one event at a time: the answers so far, the stage of
    its deadlines, and what decided it (an answer, the deadline's default, a failure)."""

    step_id: str
    rules: HumanRules
    answer_of: Callable[[Any], Any]  # validates a given answer (raises AnswerError)
    veto: bool  # a confirm: the first "no" decides
    starter: str | None
    began: str | None  # when the step began waiting (None: times are not recorded)
    stage: int = 0
    since: str | None = None  # when the current stage began
    clock: str | None = None  # the latest time seen
    events: list[dict[str, Any]] = field(default_factory=list)
    votes: list[tuple[str | None, Any, str | None]] = field(default_factory=list)
    decided: tuple[Any, str | None] | None = None  # (the answer, who gave it)
    failure: str | None = None

    def __post_init__(self) -> None:
        self.since = self.clock = self.began

    @property
    def done(self) -> bool:
        return self.decided is not None or self.failure is not None

    def add(self, event: dict[str, Any]) -> None:
        if self.done:
            error = AnswerError if event["kind"] == "answer" else ReplayError
            raise error(f"Step '{self.step_id}' was already decided "
                        f"({self._decision()}); it takes no more answers")
        if event["kind"] == "deadline":
            self._deadline(event)
        else:
            self._answer(event)
        self.events.append(event)
        self.clock = latest(self.clock, event.get("at"))

    def _decision(self) -> str:
        if self.failure is not None:
            return f"it failed: {self.failure}"
        assert self.decided is not None
        value, who = self.decided
        return f"answered {describe(value)}" + (f" by {who}" if who else "")

    def _answer(self, event: dict[str, Any]) -> None:
        who = event.get("by")
        where = f"Step '{self.step_id}'"
        if self.rules.exclude_starter:
            if self.starter is None or who is None:
                raise AnswerError(f"{where} may not be answered by the person who started the "
                                  "run, so both must be recorded by name: give who answers "
                                  "and who started the run")
            if who == self.starter:
                raise AnswerError(f"{where}: {who} started this run and may not answer this "
                                  "step (no self-approval: `except starter`)")
        if self.rules.approvals > 1:
            if who is None:
                raise AnswerError(f"{where} needs {self.rules.approvals} different people, so "
                                  "each answer must say who gave it")
            if any(voter == who for voter, _, _ in self.votes):
                raise AnswerError(f"{where}: {who} has already answered; "
                                  f"{self.rules.approvals} different people must answer")
        value = self.answer_of(event["answer"])
        event["answer"] = value
        self.votes.append((who, value, event.get("at")))
        if self.rules.approvals == 1:
            self.decided = (value, who)
        elif self.veto and value is False:
            self.decided = (False, who)
        else:
            agreeing = [voter for voter, vote, _ in self.votes if json_equal(vote, value)]
            if len(agreeing) >= self.rules.approvals:
                self.decided = (value, ", ".join(str(name) for name in agreeing))

    def _deadline(self, event: dict[str, Any]) -> None:
        stage = event["stage"]
        where = f"Step '{self.step_id}'"
        if stage != self.stage or stage >= len(self.rules.deadlines):
            raise ReplayError(f"{where}: a deadline event for stage {stage}, but the step "
                              f"waits at stage {self.stage} of "
                              f"{len(self.rules.deadlines)} deadline(s)")
        deadline = self.rules.deadlines[stage]
        at = event.get("at")
        if at is not None and self.since is not None:
            due = later(self.since, deadline.after)
            if parse_instant(at) < parse_instant(due):
                raise ReplayError(f"{where}: its deadline fired at {at}, before it was due "
                                  f"at {due}")
        if deadline.action == "escalate":
            self.stage += 1
            self.since = at
        elif deadline.action == "fail":
            self.failure = str(deadline.value)
        else:
            try:
                self.decided = (self.answer_of(copy.deepcopy(deadline.value)), DEADLINE)
            except AnswerError as problem:
                self.failure = f"its deadline's default answer does not fit the question: " \
                               f"{problem}"

    def due(self) -> str | None:
        """When the current stage's deadline is due (None: none, or times not recorded)."""
        if self.stage >= len(self.rules.deadlines) or self.since is None:
            return None
        return later(self.since, self.rules.deadlines[self.stage].after)

    def shown(self) -> dict[str, Any]:
        """What the question adds while the step waits: since when, who is asked, the
        deadline and reminder, the approvals given, and who may not answer."""
        if self.rules.plain and self.began is None:
            return {}
        extra: dict[str, Any] = {}
        if self.began is not None:
            extra["waiting_since"] = self.began
        group = self.rules.group_at(self.stage)
        if group is not None:
            extra["group"] = group
        if self.stage < len(self.rules.deadlines):
            deadline = self.rules.deadlines[self.stage]
            then: dict[str, Any] = {"stage": self.stage, "after": deadline.after,
                                    "then": deadline.action}
            if deadline.action == "escalate":
                then["escalate_to"] = deadline.value
            due = self.due()
            if due is not None:
                then["due_at"] = due
                if self.rules.remind_before is not None:
                    extra["remind_at"] = later(due, -self.rules.remind_before)
            extra["deadline"] = then
        if self.rules.approvals > 1:
            extra["approvals"] = {"needed": self.rules.approvals, "given": [
                {"by": who, "answer": copy.deepcopy(vote), **({"at": at} if at else {})}
                for who, vote, at in self.votes]}
        refused: dict[str, str] = {}
        if self.rules.exclude_starter and self.starter is not None:
            refused[self.starter] = "started the run"
        if self.rules.approvals > 1:
            refused.update({str(who): "has answered" for who, _, _ in self.votes})
        if refused:
            extra["may_not_answer"] = dict(sorted(refused.items()))
        return extra

    def consumed(self) -> Any:
        """What the step's chain link covers: for a plain step answered once with no time,
        the answer (and who gave it), as before deadlines existed; else every event of the
        step with the time its wait began."""
        if self.rules.plain and self.began is None and len(self.events) == 1 \
                and "at" not in self.events[0] and self.decided is not None:
            value, who = self.decided
            return value if who is None else {"answer": value, "by": who}
        covered: dict[str, Any] = {"events": copy.deepcopy(self.events)}
        if self.began is not None:
            covered["since"] = self.began
        if self.decided is not None:
            covered["answer"] = copy.deepcopy(self.decided[0])
        return covered
