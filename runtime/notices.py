"""What a change to a run should tell people: its notices, from the record before and after.

A *notice* is one thing that happened to a run that someone may want to hear of: the run
started waiting on a step, a reminder came due, a deadline escalated the question or
decided the step, the run failed, succeeded or was cancelled. `notices_between` computes
them from the record before a change and the record after it (a pure function: no clock,
no configuration), and the run store writes them into its outbox in the same transaction
as the new record (`runtime.outbox`), so a notice exists exactly when its change does.

Who hears of what is decided later, when a notice is delivered, by the configuration
of whoever delivers it (`[tool.mission.notify]`: which kinds notify, through which
channels, to whom): a run started from a directory without that configuration is
announced all the same (docs/serve.md, "Notifications").

Each notice has a key unique among its run's notices (`waiting/approve`,
`escalated/approve/1`, `end`): written twice (a change saved twice, two processes), it is
kept once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from runtime.listing import asked_group, mission_name
from runtime.records import FINISHED, RunRecord

NOTICE_KINDS = ("waiting", "reminder", "escalated", "deadline", "failed", "succeeded",
                "cancelled")
# What notifies when the configuration does not say: the people asked, and what decided.
DEFAULT_KINDS = ("waiting", "reminder", "escalated", "deadline")
# The kinds that ask someone to answer, whose messages carry the answer links.
ASKING = ("waiting", "reminder", "escalated")


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str  # one of NOTICE_KINDS
    key: str  # unique among the run's notices
    at: str | None  # when it happened (the record's time; None when times are not recorded)
    payload: dict[str, Any]  # what the message says (`notice_payload`)


def notices_between(before: RunRecord | None, after: RunRecord) -> list[Notice]:
    """The notices a change from `before` (None: a new run) to `after` causes."""
    found: list[Notice] = []
    old_events = before.events if before is not None else []
    new_events = after.events[len(old_events):] if after.events[:len(old_events)] == \
        old_events else after.events
    for event in new_events:
        if event.get("kind") == "deadline":
            found += _decided_by_deadline(after, event)
    waits = after.status == "waiting" and after.waiting_step_id is not None
    waited_there = before is not None and before.status == "waiting" and \
        before.waiting_step_id == after.waiting_step_id
    if waits and not waited_there:
        step = str(after.waiting_step_id)
        found.append(Notice("waiting", f"waiting/{step}", _asked_since(after),
                            notice_payload(after, "waiting", step)))
    ended = after.status in FINISHED and (before is None or before.status not in FINISHED)
    if ended:
        found.append(Notice(after.status, "end", after.finished_at,
                            notice_payload(after, after.status, after.failed_step_id)))
    return found


def reminder_notice(record: RunRecord, step: str, stage: int, due_at: str) -> Notice:
    """The reminder of `step`'s deadline at `stage`, which came due at `due_at`."""
    payload = notice_payload(record, "reminder", step)
    payload["stage"] = stage
    return Notice("reminder", f"reminder/{step}/{stage}", due_at, payload)


def notice_payload(record: RunRecord, kind: str, step: str | None) -> dict[str, Any]:
    """What a message about `record` says: the run, the step, and for a step that waits,
    its question (with who is asked and until when)."""
    waiting_here = record.status == "waiting" and record.waiting_step_id == step
    question = copy.deepcopy(record.question) if waiting_here and record.question else None
    deadline = (question or {}).get("deadline")
    payload: dict[str, Any] = {
        "kind": kind,
        "run": {"mission": record.mission, "name": mission_name(record),
                "title": _title(record), "started_at": record.started_at,
                "started_by": record.started_by, "schedule": copy.deepcopy(record.schedule),
                "status": record.status},
        "step": step,
        "step_title": _step_title(record, step),
        "group": asked_group(record) if waiting_here else None,
        "question": question,
        "due_at": deadline.get("due_at") if isinstance(deadline, dict) else None,
    }
    if record.status in FINISHED:
        payload["error"] = record.error_message
    return payload


def _decided_by_deadline(after: RunRecord, event: dict[str, Any]) -> list[Notice]:
    """The notice of a deadline that fired: it moved the question to another group, or it
    decided the step (its default answer, or a failure)."""
    step, stage = str(event.get("step")), event.get("stage")
    if after.status == "waiting" and after.waiting_step_id == step:
        moved = int(stage) + 1 if isinstance(stage, int) else 0
        return [Notice("escalated", f"escalated/{step}/{moved}", event.get("at"),
                       notice_payload(after, "escalated", step))]
    payload = notice_payload(after, "deadline", step)
    payload["group"] = _group_at(after, step, stage)
    if step in after.answers:
        payload["decision"] = {"answer": copy.deepcopy(after.answers[step])}
    else:
        payload["decision"] = {"failed": after.error_message}
    return [Notice("deadline", f"deadline/{step}/{stage}", event.get("at"), payload)]


def _group_at(record: RunRecord, step: str, stage: Any) -> str | None:
    """The group `step` asked at `stage` (None: it names none, or its rules are damaged)."""
    from runtime.orchestration.human import rules_of
    from runtime.orchestration.model import EnvelopeViolation

    for spec in (record.workflow or {}).get("steps", []):
        if isinstance(spec, dict) and spec.get("id") == step and isinstance(stage, int):
            try:
                rules = rules_of(step, str(spec.get("kind")), spec.get("payload") or {})
                return rules.group_at(stage) if rules is not None else None
            except (EnvelopeViolation, IndexError, AttributeError):
                return None
    return None


def _asked_since(record: RunRecord) -> str | None:
    since = (record.question or {}).get("waiting_since")
    return since if isinstance(since, str) else record.updated_at


def _title(record: RunRecord) -> str:
    metadata = (record.workflow or {}).get("metadata")
    title = metadata.get("description") if isinstance(metadata, dict) else None
    return title if isinstance(title, str) and title else mission_name(record)


def _step_title(record: RunRecord, step: str | None) -> str | None:
    for spec in (record.workflow or {}).get("steps", []):
        if isinstance(spec, dict) and spec.get("id") == step:
            payload = spec.get("payload")
            described = payload.get("description") if isinstance(payload, dict) else None
            return described if isinstance(described, str) else None
    return None
