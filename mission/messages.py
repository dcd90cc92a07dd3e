"""What a notice says, as an email (plain text with an HTML alternative) or a webhook's JSON.

Every text comes from the notice (`runtime.notices.notice_payload`): the mission's title,
the step, its question and what it shows, who is asked and until when. Text that comes
from a mission or a run (a prompt, a title, shown data) is escaped for HTML, Slack's
mrkdwn and the one line of a subject; shown data is cut at `MAX_SHOWN` characters.

Webhook bodies (docs/serve.md, "Webhooks"):

- `json` (the default): the event, for a program: `{"id", "type", "occurred_at",
  "text", "run", "step", "group", "due_at", "decision", "error", "links"}`; the `text`
  field alone makes it a message Slack's and Mattermost's incoming webhooks accept;
- `slack`: `{"text", "blocks"}`, Slack's incoming-webhook message (a section, a button to
  the run);
- `teams`: a message with one Adaptive Card attachment, what a Microsoft Teams
  "workflow" webhook (Power Automate's "post to a channel when a webhook request is
  received") accepts.

Chat messages carry a link to the run's page, never an answer link: a channel has no
single person an answer link could be bound to.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from mission.when import shown_time

MAX_SHOWN = 2000  # characters of a question's shown data in a message
_TITLES = {"waiting": "waits for an answer", "reminder": "still waits for an answer",
           "escalated": "now asks", "deadline": "was decided by its deadline",
           "failed": "failed", "succeeded": "succeeded", "cancelled": "was cancelled"}


@dataclass(frozen=True, slots=True)
class Links:
    """The addresses a message gives: the run's page, the step's answer page, and one
    answer link per answer (label, URL), for an email to one person."""

    run: str | None = None
    answer_page: str | None = None
    answers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Email:
    subject: str
    text: str
    html: str


def answer_choices(question: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """The answers a link can give (label, value): a confirm's yes and no, a choose's
    options; none for other questions (a number, a text, a form), answered on the page."""
    if not question:
        return []
    if question.get("type") == "confirm":
        return [("Yes", True), ("No", False)]
    options = question.get("options")
    if question.get("type") == "choose" and isinstance(options, list):
        return [(option if isinstance(option, str) else json.dumps(option), option)
                for option in options]
    return []


def headline(run_id: int, payload: dict[str, Any], zone: tzinfo) -> str:
    """One line: which run, and what happened to it."""
    run = payload.get("run") or {}
    kind = str(payload.get("kind"))
    title = _one_line(str(run.get("title") or run.get("name") or "a mission"))
    what = _TITLES.get(kind, kind)
    if kind == "escalated":
        what += f" {payload.get('group') or 'another group'}"
    step = payload.get("step")
    where = f", step `{step}`" if step and kind in ("waiting", "reminder", "escalated",
                                                       "deadline") else ""
    due = payload.get("due_at")
    until = f" (due {shown_time(due, zone)})" if due and kind == "reminder" else ""
    return f"Run {run_id} ({title}){where} {what}{until}"


def lines(run_id: int, payload: dict[str, Any], zone: tzinfo) -> list[str]:
    """The message's facts, one per line, as plain text."""
    run = payload.get("run") or {}
    question = payload.get("question") or {}
    found = [headline(run_id, payload, zone), ""]
    if question.get("prompt"):
        found.append(f"Question: {question['prompt']}")
    if "show" in question:
        found.append(f"It shows: {_shown(question['show'])}")
    if payload.get("step_title"):
        found.append(f"Step: {payload['step_title']}")
    if payload.get("group"):
        found.append(f"Asked: {payload['group']}")
    if payload.get("due_at"):
        found.append(f"Due: {shown_time(payload['due_at'], zone)}")
    decision = payload.get("decision")
    if isinstance(decision, dict) and "answer" in decision:
        found.append(f"Decided: {json.dumps(decision['answer'])} (the deadline's answer)")
    elif isinstance(decision, dict):
        found.append(f"Decided: the step failed ({decision.get('failed')})")
    if payload.get("error"):
        found.append(f"Why: {payload['error']}")
    started = f"Started by {run.get('started_by') or 'someone'}"
    if run.get("started_at"):
        started += f" at {shown_time(run['started_at'], zone)}"
    schedule = run.get("schedule")
    if isinstance(schedule, dict):
        started += f" for the fire of {shown_time(schedule.get('fire_at'), zone)}"
    found.append(started)
    return found


def email(run_id: int, payload: dict[str, Any], links: Links, zone: tzinfo) -> Email:
    facts = lines(run_id, payload, zone)
    text = list(facts)
    if links.answers:
        text += ["", "Answer with one of these links (each asks you to confirm; it answers "
                     "as you, once):"]
        text += [f"  {label}: {url}" for label, url in links.answers]
    if links.answer_page:
        text += ["", f"Answer on the page: {links.answer_page}"]
    if links.run:
        text += [f"The run: {links.run}"]
    text += ["", "-- ", "mission: sent because of your account's notifications"]
    body = [f"<h2>{html.escape(facts[0])}</h2>"]
    body += [f"<p>{html.escape(line)}</p>" for line in facts[2:]]
    if links.answers:
        body.append("<p>" + " ".join(
            f'<a href="{html.escape(url, quote=True)}" style="display:inline-block;'
            f'padding:8px 16px;margin:4px;border:1px solid #333;border-radius:4px">'
            f"{html.escape(label)}</a>" for label, url in links.answers) + "</p>")
        body.append("<p><small>Each link asks you to confirm before it answers, as you, "
                    "once.</small></p>")
    for label, url in (("Answer on the page", links.answer_page), ("The run", links.run)):
        if url:
            body.append(f'<p><a href="{html.escape(url, quote=True)}">{label}</a></p>')
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
            + "".join(body) + "</body></html>")
    return Email(_one_line(facts[0]), "\n".join(text) + "\n", page)


def webhook_body(kind: str, run_id: int, payload: dict[str, Any], key: str, at: str | None,
                 links: Links, zone: tzinfo) -> dict[str, Any]:
    """The JSON a webhook of `kind` ("json", "slack", "teams") is sent."""
    facts = lines(run_id, payload, zone)
    text = facts[0]
    if kind == "slack":
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {
            "type": "mrkdwn", "text": "\n".join(_mrkdwn(line) for line in facts if line)}}]
        if links.run:
            blocks.append({"type": "actions", "elements": [{
                "type": "button", "text": {"type": "plain_text", "text": "Open the run"},
                "url": links.run}]})
        return {"text": _mrkdwn(text), "blocks": blocks}
    if kind == "teams":
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4",
            "body": [{"type": "TextBlock", "text": text, "weight": "Bolder", "wrap": True},
                     *({"type": "TextBlock", "text": line, "wrap": True}
                       for line in facts[2:])]}
        if links.run:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the run",
                                "url": links.run}]
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
    run = dict(payload.get("run") or {})
    question = payload.get("question") or None
    return {"id": key, "type": f"run.{payload.get('kind')}", "occurred_at": at, "text": text,
            "run": {"id": run_id, **run},
            "step": None if payload.get("step") is None else {
                "id": payload.get("step"), "title": payload.get("step_title"),
                "question": question},
            "group": payload.get("group"), "due_at": payload.get("due_at"),
            "decision": payload.get("decision"), "error": payload.get("error"),
            "links": {"run": links.run, "answer": links.answer_page}}


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           sort_keys=True)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " …"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _mrkdwn(text: str) -> str:
    """Slack's three escapes, so a prompt cannot make a link or mention anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
