"""A one-page, self-contained HTML report of a run (`mission run ... --report run.html`).

The page shows the mission's name and title, who started the run, when, and with
which params, the steps with their status, what each step changed in the state,
the run's history (each answer, deadline and cancellation with who and when), the
answers in step order, and the receipt hashes; a waiting run gets a banner at the
top (what it waits for, since when, its deadline and what happens then, the
approvals given, and the `mission resume` line that continues it) and its
question as a person reads it (the prompt, the options or bounds).
It has no scripts and loads nothing: inline CSS only, so it can be mailed or
archived as it is. It shows the times the run recorded and no other (never "3
hours ago"), so the same run gives the same bytes.

This module turns a run into a `RunView` (plain text, nothing drawn); the macros of
`templates/run_report.html` draw it, for the report file (`templates/report.html`) and
for a run's page under `mission serve`, which writes the times in its zone (`show_time`)
and adds its own frame (`mission.pages`).

The engine's result records each step's status and a hash of its changes, not
the changes themselves. Given the run's `ExecutionContext`, the report replays
the run step by step (a pure, deterministic replay that reuses the recorded
answers and effect journal) and checks that the replay reproduces the
receipt's hash chain; the per-step changes then come from the replay. Without
the context, or when the replay does not match, each step shows the values its
writes left in the final state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mission.unparse import (
    call_text,
    expression_text,
    field_text,
    form_field_specs,
    operations_of,
)
from runtime.orchestration.calling import Operation
from runtime.orchestration.model import (
    ExecutionContext,
    OrchestrationResult,
    StepSpec,
    WorkflowDefinition,
)

VALUE_LIMIT = 2000
_MISSING = object()
# How a recorded instant is written: as recorded (the report file), or in a zone (serve).
ShowTime = Callable[[str], str]
Row = tuple[str, ...]


def _as_recorded(instant: str) -> str:
    return instant


@dataclass(frozen=True, slots=True)
class StepView:
    """One step as a page shows it; every field is text to print as it is."""

    number: int
    id: str
    kind: str
    status: str
    description: str
    guard: str | None  # the `when` expression, as written
    call: str
    operation_kind: str | None  # a project operation's kind (None: a built-in one)
    implementation: str
    attempts: str  # " · 3 attempts" for a project effect that retried
    changes: tuple[Row, ...] | None  # (path, before, after), replayed; None: not shown
    written: tuple[Row, ...] | None  # (path, value in the final state), not replayed
    form: tuple[Row, ...]  # (field, question, answer) of a form
    answer: str | None  # another human step's answer, as JSON
    link: Row | None  # (receipt link, changes hash)


@dataclass(frozen=True, slots=True)
class WaitFacts:
    """The facts of a wait: who is asked, since when, the deadline and what then, the
    reminder, the approvals given, who may not answer. `waited` and `due_label` only
    with a present instant (a page, never the report file)."""

    group: str | None
    since: str | None
    waited: str | None
    due: str | None
    due_label: str | None  # "due in 2 hours", "overdue 1 hour"
    overdue: bool
    then: str
    remind: str | None
    approvals: str | None  # "0 of 2 needed: ann (true, 2026-...)"
    may_not_answer: str | None


@dataclass(frozen=True, slots=True)
class QuestionView:
    """The pending question as a person reads it."""

    step: str | None
    prompt: str
    description: str
    hint: str  # what an answer may be, in a few words
    options: tuple[str, ...] | None  # a choice's options
    show: str | None  # what is shown with it, as JSON


@dataclass(frozen=True, slots=True)
class RunView:
    """A run, ready to draw: the report file and serve's run page draw this."""

    name: str
    status: str
    description: str
    summary: str
    started: Row | None  # (at, by)
    finished: str | None
    params: str | None
    workflow_id: str
    workflow_hash: str
    final_state_hash: str
    error: str | None
    question: QuestionView | None  # a waiting run's
    wait: WaitFacts | None  # a waiting run's
    resume_command: str | None
    cancelled: Row | None  # (by, at or "", step, reason)
    replayed: bool
    steps: tuple[StepView, ...]
    history: tuple[Row, ...]  # (when, who, what)
    answers: tuple[Row, ...]  # (step, answer, by, at)
    final_state: str
    receipt: tuple[Row, ...]  # (name, hash)
    chain: tuple[Row, ...]  # (step, status, changes hash, link)


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    before: Any  # `_MISSING` when the key was added
    after: Any  # `_MISSING` when the key was removed


def diff(before: Any, after: Any, path: str = "state") -> list[Change]:
    """The differences between two states, down to the keys of nested maps."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[Change] = []
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}"
            if key not in after:
                changes.append(Change(child, before[key], _MISSING))
            elif key not in before:
                changes.append(Change(child, _MISSING, after[key]))
            else:
                changes += diff(before[key], after[key], child)
        return changes
    same = json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)
    return [] if same else [Change(path, before, after)]


def _prefix(workflow: WorkflowDefinition, context: ExecutionContext,
            count: int) -> tuple[WorkflowDefinition, ExecutionContext]:
    """The first `count` steps, with the events and journal entries that belong to them (a
    cancellation changes no state: the prefix that reaches its step just waits there)."""
    steps = list(workflow.steps[:count])
    ids = {step.id for step in steps}
    return (WorkflowDefinition(id=workflow.id, steps=steps, metadata=workflow.metadata),
            ExecutionContext(
                initial_state=context.initial_state, params=context.params,
                events=[event for event in context.events or () if event.get("step") in ids],
                journal={k: v for k, v in (context.journal or {}).items() if k in ids},
                started=context.started, implementations=context.implementations))


def replay_states(workflow: WorkflowDefinition, result: OrchestrationResult,
                  context: ExecutionContext) -> list[Any] | None:
    """The state before the first step and after each step, or None if the replay differs."""
    from runtime.orchestration.engine import Orchestrator

    replay = ExecutionContext(
        initial_state=context.initial_state, params=context.params,
        events=result.events, started=context.started,
        journal={**dict(context.journal or {}), **result.journal},
        implementations=context.implementations,
    )
    engine = Orchestrator()
    try:
        full = engine.run_workflow(workflow, replay)
        if full.receipt.get("chain") != result.receipt.get("chain"):
            return None
        return [engine.run_workflow(*_prefix(workflow, replay, count)).final_state
                for count in range(len(workflow.steps) + 1)]
    except Exception:  # a context that does not belong to this result: no replay
        return None


def _write_places(step: StepSpec, table: Mapping[str, Operation]) -> list[str]:
    payload = step.payload
    operation = table.get(str(payload.get("operation", "")))
    args = payload.get("args", {}) if isinstance(payload.get("args"), dict) else {}
    places = [str(args[p.name]["ref"]) for p in (operation.parameters if operation else ())
              if p.place and isinstance(args.get(p.name), dict) and "ref" in args[p.name]]
    if payload.get("output"):
        places.append(str(payload["output"]))
    return places


def _lookup(state: Any, dotted: str) -> Any:
    current = state
    for key in dotted.split(".")[1:]:
        if not isinstance(current, dict) or key not in current:
            return _MISSING
        current = current[key]
    return current


def _json(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    if len(text) > VALUE_LIMIT:
        text = text[:VALUE_LIMIT] + f"\n… ({len(text) - VALUE_LIMIT} more characters)"
    return text



def _attempts(entry: Any) -> str:
    """How many attempts a project effect took, from its journal entry (none: "")."""
    attempts = entry.get("attempts") if isinstance(entry, dict) else None
    if not isinstance(attempts, list) or not attempts:
        return ""
    return f" · {len(attempts)} attempt{'s' * (len(attempts) != 1)}"


def _written(step: StepSpec, final_state: Any, later: list[StepSpec],
             table: Mapping[str, Operation]) -> tuple[Row, ...]:
    """Each place the step writes, with the value it left in the final state."""
    rewritten = {place for other in later for place in _write_places(other, table)}
    rows = []
    for place in _write_places(step, table):
        if any(place == other or place.startswith(other + ".") or other.startswith(place + ".")
               for other in rewritten):
            rows.append((place, "(written again by a later step)"))
        else:
            rows.append((place, _json(_lookup(final_state, place))))
    return tuple(rows)


def _form(specs: list[dict[str, Any]], answer: Any) -> tuple[Row, ...]:
    """A form's fields, each with its question and the answer given (— before one is)."""
    return tuple((str(spec.get("name")), field_text(spec),
                  _json(answer[str(spec.get("name"))])
                  if isinstance(answer, dict) and str(spec.get("name")) in answer else "—")
                 for spec in specs)


def _steps(workflow: WorkflowDefinition, result: OrchestrationResult,
           states: list[Any] | None) -> tuple[StepView, ...]:
    statuses = {entry["id"]: entry["status"] for entry in result.lineage.get("steps", [])}
    links = {entry["step"]: entry for entry in result.receipt.get("chain", [])}
    succeeded = [step for step in workflow.steps if statuses.get(step.id) == "succeeded"]
    table = operations_of(workflow)
    views = []
    for index, step in enumerate(workflow.steps):
        status = statuses.get(step.id, "not run")
        payload = step.payload
        operation = table.get(str(payload.get("operation", "")))
        declaration = operation.declaration if operation else None
        changes = written = None
        if status == "succeeded" and states is not None:
            changes = tuple((change.path, _json(change.before), _json(change.after))
                            for change in diff(states[index], states[index + 1]))
        elif status == "succeeded":
            written = _written(step, result.final_state,
                               succeeded[succeeded.index(step) + 1:], table)
        specs = form_field_specs(payload.get("args", {}).get("fields")) \
            if payload.get("operation") == "form" else []
        answer = json.dumps(result.answers[step.id], ensure_ascii=False) \
            if not specs and step.id in result.answers else None
        link = links.get(step.id)
        views.append(StepView(
            number=index + 1, id=step.id, kind=step.kind, status=status,
            description=str(payload.get("description") or ""),
            guard=expression_text(payload["when"]) if payload.get("when") is not None else None,
            call=call_text(payload, operation.parameter_names if operation else ()),
            operation_kind=declaration.kind if declaration is not None else None,
            implementation=declaration.implementation if declaration is not None else "",
            attempts=_attempts(result.journal.get(step.id)),
            changes=changes, written=written, form=_form(specs, result.answers.get(step.id)),
            answer=answer, link=(link["link"], link["changes"]) if link is not None else None))
    return tuple(views)


def deadline_text(workflow: WorkflowDefinition, step_id: str | None,
                  deadline: Mapping[str, Any]) -> str:
    """What the waiting step's next deadline does when it passes: "answer false",
    "fail: no answer within 2 days", "escalate to directors"."""
    then = deadline.get("then")
    if then == "escalate":
        return f"escalate to {deadline.get('escalate_to')}"
    step = next((step for step in workflow.steps if step.id == step_id), None)
    rules = step.payload.get("deadlines") if step is not None else None
    stage = deadline.get("stage")
    entry = rules[stage] if isinstance(rules, list) and isinstance(stage, int) \
        and 0 <= stage < len(rules) and isinstance(rules[stage], dict) else {}
    if then == "answer":
        return f"answer {json.dumps(entry.get('answer'), ensure_ascii=False)}"
    return f"fail: {entry.get('fail', 'the step fails')}"


def _event_text(event: Mapping[str, Any]) -> tuple[str, str]:
    """Who acted in an event, and what they did."""
    kind = event.get("kind")
    if kind == "answer":
        answer = json.dumps(event.get("answer"), ensure_ascii=False)
        if len(answer) > 200:
            answer = answer[:200] + "…"
        return str(event.get("by", "—")), f"answered step {event.get('step')}: {answer}"
    if kind == "deadline":
        return "the deadline", f"the deadline of step {event.get('step')} passed " \
                               f"(stage {event.get('stage')})"
    return str(event.get("by", "—")), f"cancelled the run: {event.get('reason', '')}"



def _history(result: OrchestrationResult, started: Mapping[str, Any] | None,
             show_time: ShowTime) -> tuple[Row, ...]:
    """Who did what and when, in the order it happened, as the run recorded it."""
    rows = []
    if started:
        at = started.get("at")
        rows.append((show_time(at) if isinstance(at, str) else "—",
                     str(started.get("by", "—")), "started the run"))
    for event in result.events:
        who, what = _event_text(event)
        at = event.get("at")
        rows.append((show_time(at) if isinstance(at, str) else "—", who, what))
    return tuple(rows)


def _answers(workflow: WorkflowDefinition, result: OrchestrationResult,
             show_time: ShowTime) -> tuple[Row, ...]:
    """The answers in the order of the steps, each with who gave it and when it decided
    the step (the time of the step's last event)."""
    answered_by = result.receipt.get("answered_by", {})
    decided_at = {event.get("step"): event.get("at") for event in result.events}
    rows = []
    for step in workflow.steps:
        if step.id in result.answers:
            at = decided_at.get(step.id)
            rows.append((step.id, _json(result.answers[step.id]),
                         str(answered_by.get(step.id, "—")),
                         show_time(at) if isinstance(at, str) else "—"))
    return tuple(rows)


def question_view(question: Mapping[str, Any], step: str | None) -> QuestionView:
    """The pending question as a person reads it: the prompt, what an answer may be (the
    options, the bounds), and what is shown with it."""
    from mission.summary import answer_hint

    options = question.get("options")
    return QuestionView(
        step=step, prompt=str(question.get("prompt", "")),
        description=str(question.get("description") or ""), hint=answer_hint(dict(question)),
        options=tuple(str(option) for option in options)
        if question.get("type") == "choose" and isinstance(options, list) else None,
        show=_json(question["show"]) if "show" in question else None)


def wait_facts(workflow: WorkflowDefinition, question: Mapping[str, Any],
               show_time: ShowTime, now: str | None = None) -> WaitFacts:
    """The facts of a wait. With `now` (a page, never the report file), how long it has
    waited and how long until the deadline too."""
    from mission.when import due_text, is_overdue, waited_text

    group, since = question.get("group"), question.get("waiting_since")
    deadline = question.get("deadline")
    due = deadline.get("due_at") if isinstance(deadline, dict) else None
    label, late = None, False
    if isinstance(due, str) and now is not None:
        late = is_overdue(due, now)
        label = due_text(due, now) if late else "due " + due_text(due, now)
    approvals = question.get("approvals")
    given_text = None
    if isinstance(approvals, dict):
        given = [entry for entry in approvals.get("given", []) if isinstance(entry, dict)]
        names = ", ".join(
            f"{entry.get('by')} ({json.dumps(entry.get('answer'), ensure_ascii=False)}"
            + (f", {show_time(entry['at'])}" if isinstance(entry.get("at"), str) else "")
            + ")" for entry in given)
        given_text = f"{len(given)} of {approvals.get('needed')} needed" \
                     + (f": {names}" if names else "")
    refused = question.get("may_not_answer")
    remind = question.get("remind_at")
    return WaitFacts(
        group=group if isinstance(group, str) else None,
        since=show_time(since) if isinstance(since, str) else None,
        waited=waited_text(since, now) if isinstance(since, str) and now is not None else None,
        due=show_time(due) if isinstance(due, str) else None, due_label=label, overdue=late,
        then=deadline_text(workflow, question.get("step_id"), deadline)
        if isinstance(due, str) and isinstance(deadline, dict) else "",
        remind=show_time(remind) if isinstance(remind, str) else None,
        approvals=given_text,
        may_not_answer=", ".join(f"{who} ({why})" for who, why in sorted(refused.items()))
        if isinstance(refused, dict) and refused else None)


def _cancelled(result: OrchestrationResult, show_time: ShowTime) -> Row:
    """Who cancelled the run, when, at which waiting step, and why."""
    cancel = next((event for event in result.events if event.get("kind") == "cancel"), {})
    step = next((str(entry.get("id")) for entry in result.lineage.get("steps", [])
                 if entry.get("status") == "cancelled"), "?")
    at = cancel.get("at")
    return (str(cancel.get("by", "—")), show_time(at) if isinstance(at, str) else "", step,
            str(cancel.get("reason", "")))


def mission_name(workflow: WorkflowDefinition) -> str:
    """The mission's own name (`mission NAME`), else the workflow's id."""
    name = workflow.metadata.get("mission_type")
    return name if isinstance(name, str) and name else workflow.id


def run_view(workflow: WorkflowDefinition, result: OrchestrationResult,
             context: ExecutionContext | None = None, resume_command: str | None = None,
             show_time: ShowTime = _as_recorded) -> RunView:
    """The run ready to draw, each recorded instant written by `show_time`;
    `resume_command` is the command line that continues a waiting run."""
    from runtime.orchestration.human import latest

    states = replay_states(workflow, result, context) if context is not None else None
    started = context.started if context is not None else None
    statuses = [entry["status"] for entry in result.lineage.get("steps", [])]
    finished = None
    if started:
        finished = started.get("at")
        for event in result.events:
            finished = latest(finished, event.get("at"))
    params = None
    if context is not None and context.params is not None:
        params = json.dumps(context.params, sort_keys=True, ensure_ascii=False)
        if len(params) > VALUE_LIMIT:
            params = params[:VALUE_LIMIT] + f"… ({len(params) - VALUE_LIMIT} more characters)"
    at = started.get("at") if started else None
    waiting = result.status == "waiting"
    receipt = result.receipt
    return RunView(
        name=mission_name(workflow), status=result.status,
        description=str(workflow.metadata.get("description", "")),
        summary=(f"{statuses.count('succeeded')} succeeded, {statuses.count('skipped')} "
                 f"skipped, {statuses.count('failed')} failed, {statuses.count('waiting')} "
                 f"waiting, {len(workflow.steps) - len(statuses)} not run, "
                 f"of {len(workflow.steps)} steps"),
        started=(show_time(at) if isinstance(at, str) else "—", str(started.get("by", "—")))
        if started else None,
        finished=show_time(finished) if not waiting and isinstance(finished, str) else None,
        params=params, workflow_id=workflow.id,
        workflow_hash=str(receipt.get("workflow_hash", "")),
        final_state_hash=str(receipt.get("final_state_hash", "")),
        error=result.error_message
        if result.error_message and result.status not in ("waiting", "cancelled") else None,
        question=question_view(result.question or {}, result.waiting_step_id)
        if waiting else None,
        wait=wait_facts(workflow, result.question or {}, show_time) if waiting else None,
        resume_command=resume_command,
        cancelled=_cancelled(result, show_time) if result.status == "cancelled" else None,
        replayed=states is not None, steps=_steps(workflow, result, states),
        history=_history(result, started, show_time),
        answers=_answers(workflow, result, show_time),
        final_state=_json(result.final_state),
        receipt=tuple((key, value) for key, value in sorted(receipt.items())
                      if isinstance(value, str) and key not in ("id", "status")),
        chain=tuple((str(link["step"]), str(link["status"]), str(link["changes"]),
                     str(link["link"])) for link in receipt.get("chain", [])))


def render_report(workflow: WorkflowDefinition, result: OrchestrationResult,
                  context: ExecutionContext | None = None,
                  resume_command: str | None = None) -> str:
    """The report page as text: `templates/report.html`, with its style inline."""
    from markupsafe import Markup

    from mission.pages import STYLE, environment

    page = environment().get_template("report.html")
    return page.render(run=run_view(workflow, result, context, resume_command),
                       style=Markup(STYLE.read_text(encoding="utf-8"))) + "\n"


def write_report(path: str, workflow: WorkflowDefinition, result: OrchestrationResult,
                 context: ExecutionContext | None = None,
                 resume_command: str | None = None) -> None:
    """Write the report (raises OSError); pass the run's context for exact per-step changes,
    and for a waiting run the command that continues it."""
    Path(path).write_text(render_report(workflow, result, context, resume_command),
                          encoding="utf-8")
