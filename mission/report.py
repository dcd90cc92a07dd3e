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
hours ago"), so the same run gives the same bytes; `mission serve` frames the same
content with the times written in its zone (`show_time`).

The engine's result records each step's status and a hash of its changes, not
the changes themselves. Given the run's `ExecutionContext`, the report replays
the run step by step (a pure, deterministic replay that reuses the recorded
answers and effect journal) and checks that the replay reproduces the
receipt's hash chain; the per-step changes then come from the replay. Without
the context, or when the replay does not match, each step shows the values its
writes left in the final state.
"""

from __future__ import annotations

import html
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


def _as_recorded(instant: str) -> str:
    return instant

STYLE = """
:root { --ok: #15803d; --fail: #b91c1c; --wait: #b45309; --skip: #6b7280; --idle: #9ca3af;
  --ink: #111827; --soft: #4b5563; --line: #e5e7eb; --paper: #ffffff; --tint: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--tint); }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; display: flex; gap: 12px; align-items: center; }
h2 { font-size: 18px; margin: 32px 0 12px; border-bottom: 1px solid var(--line); }
code, pre { font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.lead { color: var(--soft); margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; color: #fff;
  font-size: 13px; font-weight: 600; }
.badge.succeeded { background: var(--ok); } .badge.failed { background: var(--fail); }
.badge.waiting { background: var(--wait); } .badge.skipped { background: var(--skip); }
.badge.not-run { background: var(--idle); } .badge.cancelled { background: var(--soft); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.facts dt { color: var(--soft); } .facts dd { margin: 0; word-break: break-all; }
.steps { list-style: none; padding: 0; margin: 0; display: grid; gap: 12px; }
.step { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  border-left: 6px solid var(--idle); padding: 12px 16px; }
.step.succeeded { border-left-color: var(--ok); } .step.failed { border-left-color: var(--fail); }
.step.waiting { border-left-color: var(--wait); } .step.skipped { border-left-color: var(--skip); }
.step.cancelled { border-left-color: var(--soft); }
.step-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.index { color: var(--soft); font-weight: 600; }
.kind { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; padding: 0 6px;
  border: 1px solid var(--line); border-radius: 4px; color: var(--soft); }
.kind.human { border-color: var(--wait); color: var(--wait); }
.call { background: var(--tint); padding: 6px 10px; border-radius: 6px; margin-top: 8px; }
.muted { color: var(--soft); }
table { border-collapse: collapse; width: 100%; margin-top: 8px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px;
  border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--soft); font-size: 13px; }
.note { background: #fffbeb; border: 1px solid #fcd34d; border-radius: 8px; padding: 10px 14px; }
.banner { background: #fffbeb; border: 1px solid #fcd34d; border-left: 6px solid var(--wait);
  border-radius: 8px; padding: 10px 14px; margin-top: 16px; }
.banner p, .note p { margin: 4px 0; }
.options { margin: 4px 0; }
.error { background: #fef2f2; border: 1px solid #fca5a5; border-radius: 8px; padding: 10px 14px;
  margin-top: 16px; }
.guard { margin: 8px 0 0; }
.hash { word-break: break-all; }
.changes th:first-child { width: 30%; } .changes th { width: 35%; }
p.hash { font-size: 13px; }
footer { color: var(--soft); font-size: 13px; margin-top: 40px; }
"""


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


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status.replace(" ", "-"))}">{_e(status)}</span>'


def _changes_table(changes: list[Change]) -> str:
    if not changes:
        return '<p class="muted">No change to the state.</p>'
    rows = "".join(
        f"<tr><td><code>{_e(change.path)}</code></td><td><pre>{_e(_json(change.before))}</pre>"
        f"</td><td><pre>{_e(_json(change.after))}</pre></td></tr>" for change in changes)
    return ('<table class="changes"><tr><th>path</th><th>before</th><th>after</th></tr>'
            f"{rows}</table>")


def _attempts(entry: Any) -> str:
    """How many attempts a project effect took, from its journal entry (none: "")."""
    attempts = entry.get("attempts") if isinstance(entry, dict) else None
    if not isinstance(attempts, list) or not attempts:
        return ""
    return f" · {len(attempts)} attempt{'s' * (len(attempts) != 1)}"


def _written_table(step: StepSpec, final_state: Any, later: list[StepSpec],
                   table: Mapping[str, Operation]) -> str:
    places = _write_places(step, table)
    if not places:
        return '<p class="muted">Writes nothing to the state.</p>'
    rewritten = {place for other in later for place in _write_places(other, table)}
    rows = []
    for place in places:
        if any(place == other or place.startswith(other + ".") or other.startswith(place + ".")
               for other in rewritten):
            value = "(written again by a later step)"
        else:
            value = _json(_lookup(final_state, place))
        rows.append(f"<tr><td><code>{_e(place)}</code></td><td><pre>{_e(value)}</pre></td></tr>")
    return ('<table class="changes"><tr><th>path written</th><th>value in the final state</th>'
            f"</tr>{''.join(rows)}</table>")


def _steps_section(workflow: WorkflowDefinition, result: OrchestrationResult,
                   states: list[Any] | None) -> str:
    statuses = {entry["id"]: entry["status"] for entry in result.lineage.get("steps", [])}
    links = {entry["step"]: entry for entry in result.receipt.get("chain", [])}
    succeeded = [step for step in workflow.steps if statuses.get(step.id) == "succeeded"]
    table = operations_of(workflow)
    items = []
    for index, step in enumerate(workflow.steps):
        status = statuses.get(step.id, "not run")
        payload = step.payload
        operation = table.get(str(payload.get("operation", "")))
        parts = [f'<div class="step-head"><span class="index">{index + 1}</span>'
                 f'<span class="kind {_e(step.kind)}">{_e(step.kind)}</span>'
                 f"<strong>{_e(step.id)}</strong>{_badge(status)}</div>"]
        if payload.get("description"):
            parts.append(f'<p class="muted">{_e(payload["description"])}</p>')
        if payload.get("when") is not None:  # the guard comes first: it decides the call
            parts.append(f'<p class="guard">when <code>{_e(expression_text(payload["when"]))}'
                         "</code></p>")
        order = operation.parameter_names if operation else ()
        parts.append(f'<pre class="call">{_e(call_text(payload, order))}</pre>')
        declaration = operation.declaration if operation else None
        if declaration is not None:
            parts.append(f'<p class="muted">project operation ({_e(declaration.kind)}), '
                         f"implemented by <code>{_e(declaration.implementation)}</code>"
                         f"{_attempts(result.journal.get(step.id))}</p>")
        if status == "succeeded":
            if states is not None:
                parts.append(_changes_table(diff(states[index], states[index + 1])))
            else:
                later = succeeded[succeeded.index(step) + 1:]
                parts.append(_written_table(step, result.final_state, later, table))
        specs = form_field_specs(payload.get("args", {}).get("fields")) \
            if payload.get("operation") == "form" else []
        if specs:
            parts.append(_form_table(specs, result.answers.get(step.id)))
        elif step.id in result.answers:
            answer = json.dumps(result.answers[step.id], ensure_ascii=False)
            parts.append(f"<p>answer: <code>{_e(answer)}</code></p>")
        link = links.get(step.id)
        if link is not None:
            parts.append(f'<p class="muted hash">receipt link <code>{_e(link["link"])}</code>'
                         f' · changes <code>{_e(link["changes"])}</code></p>')
        items.append(f'<li class="step {_e(status.replace(" ", "-"))}" id="step-{_e(step.id)}">'
                     f'{"".join(parts)}</li>')
    source = ("State changes were recomputed by replaying the run; the replay reproduced the "
              "receipt's hash chain." if states is not None else
              "State changes show the values each step's writes left in the final state "
              "(the run was not replayed).")
    return (f'<section><h2>Steps</h2><p class="muted">{_e(source)}</p>'
            f'<ol class="steps">{"".join(items)}</ol></section>')


def _form_table(specs: list[dict[str, Any]], answer: Any) -> str:
    """A form's fields, each with its question and the answer given (— before one is)."""
    rows = []
    for spec in specs:
        name = str(spec.get("name"))
        given = _json(answer[name]) if isinstance(answer, dict) and name in answer else "—"
        rows.append(f"<tr><td><code>{_e(name)}</code></td><td><code>{_e(field_text(spec))}"
                    f"</code></td><td><pre>{_e(given)}</pre></td></tr>")
    return ('<table class="form"><tr><th>field</th><th>question</th><th>answer</th></tr>'
            f"{''.join(rows)}</table>")


def _answers_section(workflow: WorkflowDefinition, result: OrchestrationResult,
                     show_time: ShowTime) -> str:
    """The answers in the order of the steps, each with who gave it and when it decided
    the step (the time of the step's last event)."""
    parts = ["<section><h2>Answers</h2>"]
    answered_by = result.receipt.get("answered_by", {})
    decided_at = {event.get("step"): event.get("at") for event in result.events}
    rows = []
    for step in workflow.steps:
        if step.id not in result.answers:
            continue
        at = decided_at.get(step.id)
        rows.append(f"<tr><td><code>{_e(step.id)}</code></td>"
                    f"<td><pre>{_e(_json(result.answers[step.id]))}</pre></td>"
                    f"<td>{_e(answered_by.get(step.id, '—'))}</td>"
                    f"<td>{_e(show_time(at)) if isinstance(at, str) else '—'}</td></tr>")
    if rows:
        parts.append("<table><tr><th>step</th><th>answer</th><th>answered by</th>"
                     f"<th>at</th></tr>{''.join(rows)}</table>")
    else:
        parts.append('<p class="muted">No human step was answered.</p>')
    if result.status == "waiting" and result.question is not None:
        parts.append(f'<div class="note" id="question"><p>The question step '
                     f'<code>{_e(result.waiting_step_id)}</code> asks:</p>'
                     f"{_question(result.question)}</div>")
    parts.append("</section>")
    return "".join(parts)


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


def _history_section(result: OrchestrationResult, started: Mapping[str, Any] | None,
                     show_time: ShowTime) -> str:
    """Who did what and when, in the order it happened, as the run recorded it."""
    rows = []
    if started:
        at = started.get("at")
        rows.append(("started the run", str(started.get("by", "—")),
                     show_time(at) if isinstance(at, str) else "—"))
    for event in result.events:
        who, what = _event_text(event)
        at = event.get("at")
        rows.append((what, who, show_time(at) if isinstance(at, str) else "—"))
    if not rows:
        return ""
    body = "".join(f"<tr><td>{_e(at)}</td><td>{_e(who)}</td><td>{_e(what)}</td></tr>"
                   for what, who, at in rows)
    return ('<section><h2>History</h2><table class="history"><tr><th>when</th><th>who</th>'
            f"<th>what</th></tr>{body}</table></section>")


def _question(question: dict[str, Any]) -> str:
    """The pending question as a person reads it: the prompt, what an answer may be (the
    options, the bounds), and what is shown with it."""
    from mission.summary import answer_hint

    parts = [f'<p class="prompt"><strong>{_e(question.get("prompt", ""))}</strong></p>']
    if question.get("description"):
        parts.append(f'<p class="muted">{_e(question["description"])}</p>')
    options = question.get("options")
    if question.get("type") == "choose" and isinstance(options, list):
        items = "".join(f"<li><code>{_e(option)}</code></li>" for option in options)
        parts.append(f'<p>Answer with one of:</p><ul class="options">{items}</ul>')
    else:
        parts.append(f"<p>Answer with {_e(answer_hint(question))}.</p>")
    if "show" in question:
        parts.append(f'<p class="muted">Shown with the question:</p>'
                     f"<pre>{_e(_json(question['show']))}</pre>")
    return "".join(parts)


def _waiting_banner(workflow: WorkflowDefinition, result: OrchestrationResult,
                    resume_command: str | None, show_time: ShowTime) -> str:
    """What a waiting run waits for, at the top of the page: since when, its deadline, the
    approvals given, and the command that goes on."""
    from mission.summary import answer_hint

    question = result.question or {}
    prompt = question.get("prompt", "")
    parts = [f'<div class="banner" role="status"><p><strong>Waiting for an answer</strong> to '
             f'step <code>{_e(result.waiting_step_id)}</code>: {_e(prompt)} '
             f'<span class="muted">({_e(answer_hint(question))})</span> '
             '<a href="#question">the question</a></p>']
    parts.extend(f"<p>{line}</p>" for line in wait_lines(workflow, question, show_time))
    if resume_command:
        parts.append(f'<p>To continue, run:</p><pre class="call">{_e(resume_command)}</pre>')
    parts.append("</div>")
    return "".join(parts)


def wait_lines(workflow: WorkflowDefinition, question: Mapping[str, Any],
               show_time: ShowTime, now: str | None = None) -> list[str]:
    """The facts of a wait, as HTML lines: who is asked, since when, the deadline and what
    then, the reminder, the approvals given, who may not answer. With `now` (a page, never
    the report file), how long it has waited and how long until the deadline too."""
    from mission.when import due_text, is_overdue, waited_text

    lines = []
    group = question.get("group")
    since = question.get("waiting_since")
    if isinstance(group, str):
        lines.append(f"Asked: members of <strong>{_e(group)}</strong>.")
    if isinstance(since, str):
        waited = f" ({_e(waited_text(since, now))})" if now is not None else ""
        lines.append(f"Waiting since {_e(show_time(since))}{waited}.")
    deadline = question.get("deadline")
    if isinstance(deadline, dict) and isinstance(deadline.get("due_at"), str):
        due = deadline["due_at"]
        then = deadline_text(workflow, question.get("step_id"), deadline)
        label = ""
        if now is not None:
            late = is_overdue(due, now)
            text = due_text(due, now)
            label = f' <span class="due-label{" overdue" * late}">' \
                    f"({_e(text if late else 'due ' + text)})</span>"
        lines.append(f'Deadline: <strong class="due">{_e(show_time(due))}</strong>{label}, '
                     f"then {_e(then)}.")
    remind = question.get("remind_at")
    if isinstance(remind, str):
        lines.append(f"Reminder: {_e(show_time(remind))}.")
    approvals = question.get("approvals")
    if isinstance(approvals, dict):
        given = [entry for entry in approvals.get("given", []) if isinstance(entry, dict)]
        names = ", ".join(
            f"{entry.get('by')} ({json.dumps(entry.get('answer'), ensure_ascii=False)}"
            + (f", {show_time(entry['at'])}" if isinstance(entry.get("at"), str) else "")
            + ")" for entry in given)
        lines.append(f"Approvals: {len(given)} of {_e(approvals.get('needed'))} needed"
                     + (f": {_e(names)}" if names else "") + ".")
    refused = question.get("may_not_answer")
    if isinstance(refused, dict) and refused:
        lines.append("May not answer: " + _e(", ".join(f"{who} ({why})" for who, why
                                                       in sorted(refused.items()))) + ".")
    return lines


def _receipt_section(result: OrchestrationResult) -> str:
    receipt = result.receipt
    facts = "".join(f'<dt>{_e(key)}</dt><dd class="hash"><code>{_e(value)}</code></dd>'
                    for key, value in sorted(receipt.items())
                    if isinstance(value, str) and key not in ("id", "status"))
    chain = "".join(f"<tr><td><code>{_e(link['step'])}</code></td><td>{_badge(link['status'])}"
                    f'</td><td class="hash"><code>{_e(link["changes"])}</code></td>'
                    f'<td class="hash"><code>{_e(link["link"])}</code></td></tr>'
                    for link in receipt.get("chain", []))
    return (f'<section><h2>Receipt</h2><dl class="facts">{facts}</dl>'
            f"<table><tr><th>step</th><th>status</th><th>changes hash</th><th>link</th></tr>"
            f"{chain}</table></section>")


def render_report(workflow: WorkflowDefinition, result: OrchestrationResult,
                  context: ExecutionContext | None = None,
                  resume_command: str | None = None) -> str:
    """The report page as text."""
    body = report_body(workflow, result, context, resume_command) + (
        "<footer>Written by mission. This page is self-contained: no scripts, nothing loaded."
        "</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(mission_name(workflow))}: {_e(result.status)}</title>"
            f"<style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def mission_name(workflow: WorkflowDefinition) -> str:
    """The mission's own name (`mission NAME`), else the workflow's id."""
    name = workflow.metadata.get("mission_type")
    return name if isinstance(name, str) and name else workflow.id


@dataclass(frozen=True, slots=True)
class ReportParts:
    """The report's content in three parts, so a page can put its own between them."""

    head: str  # the mission's name and title, the facts, a failure
    banner: str  # what a waiting run waits for, or who cancelled it ("" for another run)
    sections: str  # steps, history, answers, final state, receipt


def report_body(workflow: WorkflowDefinition, result: OrchestrationResult,
                context: ExecutionContext | None = None,
                resume_command: str | None = None) -> str:
    """The report's content (header, a waiting run's banner, steps, history, answers, final
    state, receipt), for a page that frames it: the report file, or a run's page under
    `mission serve`. `resume_command` is the command line that continues a waiting run."""
    parts = report_parts(workflow, result, context, resume_command)
    return parts.head + parts.banner + parts.sections


def _cancelled_step(result: OrchestrationResult) -> str:
    return next((str(entry.get("id")) for entry in result.lineage.get("steps", [])
                 if entry.get("status") == "cancelled"), "?")


def report_parts(workflow: WorkflowDefinition, result: OrchestrationResult,
                 context: ExecutionContext | None = None,
                 resume_command: str | None = None,
                 show_time: ShowTime = _as_recorded) -> ReportParts:
    """The report's parts, each recorded instant written by `show_time`."""
    from runtime.orchestration.human import latest

    states = replay_states(workflow, result, context) if context is not None else None
    started = context.started if context is not None else None
    description = str(workflow.metadata.get("description", ""))
    statuses = [entry["status"] for entry in result.lineage.get("steps", [])]
    summary = (f"{statuses.count('succeeded')} succeeded, {statuses.count('skipped')} skipped, "
               f"{statuses.count('failed')} failed, {statuses.count('waiting')} waiting, "
               f"{len(workflow.steps) - len(statuses)} not run, of {len(workflow.steps)} steps")
    head = [f'<header><h1>{_e(mission_name(workflow))} {_badge(result.status)}</h1>']
    if description:
        head.append(f'<p class="lead">{_e(description)}</p>')
    facts = [f"<dt>steps</dt><dd>{_e(summary)}</dd>"]
    if started:
        at = started.get("at")
        facts.append(f"<dt>started</dt><dd>{_e(show_time(at) if isinstance(at, str) else '—')}"
                     f" by {_e(started.get('by', '—'))}</dd>")
        finished = started.get("at")
        for event in result.events:
            finished = latest(finished, event.get("at"))
        if result.status != "waiting" and isinstance(finished, str):
            facts.append(f"<dt>finished</dt><dd>{_e(show_time(finished))}</dd>")
    if context is not None and context.params is not None:
        params = json.dumps(context.params, sort_keys=True, ensure_ascii=False)
        if len(params) > VALUE_LIMIT:
            params = params[:VALUE_LIMIT] + f"… ({len(params) - VALUE_LIMIT} more characters)"
        facts.append(f"<dt>params</dt><dd><code>{_e(params)}</code></dd>")
    facts.append(f"<dt>workflow</dt><dd><code>{_e(workflow.id)}</code></dd>"
                 f'<dt>workflow hash</dt><dd class="hash"><code>'
                 f'{_e(result.receipt.get("workflow_hash", ""))}</code></dd>'
                 f'<dt>final state hash</dt><dd class="hash"><code>'
                 f'{_e(result.receipt.get("final_state_hash", ""))}</code></dd>')
    head.append(f'<dl class="facts">{"".join(facts)}</dl></header>')
    if result.error_message and result.status not in ("waiting", "cancelled"):
        head.append(f'<div class="error"><strong>Failed:</strong> {_e(result.error_message)}</div>')
    banner = ""
    if result.status == "waiting":
        banner = _waiting_banner(workflow, result, resume_command, show_time)
    elif result.status == "cancelled":
        cancel = next((event for event in result.events if event.get("kind") == "cancel"), {})
        at = cancel.get("at")
        banner = (f'<div class="note" role="status"><strong>Cancelled</strong> by '
                  f"{_e(cancel.get('by', '—'))}"
                  + (f" at {_e(show_time(at))}" if isinstance(at, str) else "")
                  + f" while step <code>{_e(_cancelled_step(result))}</code> waited: "
                  f"{_e(cancel.get('reason', ''))}</div>")
    sections = "".join([
        _steps_section(workflow, result, states), _history_section(result, started, show_time),
        _answers_section(workflow, result, show_time),
        f"<section><h2>Final state</h2><pre>{_e(_json(result.final_state))}</pre></section>",
        _receipt_section(result),
    ])
    return ReportParts("".join(head), banner, sections)


def write_report(path: str, workflow: WorkflowDefinition, result: OrchestrationResult,
                 context: ExecutionContext | None = None,
                 resume_command: str | None = None) -> None:
    """Write the report (raises OSError); pass the run's context for exact per-step changes,
    and for a waiting run the command that continues it."""
    Path(path).write_text(render_report(workflow, result, context, resume_command),
                          encoding="utf-8")
