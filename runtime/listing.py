"""What a run store keeps beside each record, to find runs without reading them.

Both stores (`runtime/store.py`, `runtime/postgres_store.py`) keep, next to a
run's record, columns derived from it (`listed_columns`: the mission's name,
when and by whom it was started, who is asked now, when its deadline is due,
when it last changed and finished) and its *timers* (`timers_of`: the deadline
and reminder of the step it waits on). They are written in the same transaction
as the record and checked against it whenever a row is read, so they are an
index, never a second source of truth. Times are ISO 8601 text in UTC to the
second (`runtime.orchestration.times.format_instant`): compared as text, they
sort in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.records import RunRecord

# The listed columns, in the order the stores keep them.
LISTED = ("name", "created_at", "created_by", "asked", "due_at", "updated_at", "finished_at")
TIMER_KINDS = ("deadline", "reminder")


@dataclass(frozen=True, slots=True)
class RunListing:
    """One run as lists show it; `problem` is set when the row fails its integrity check."""

    run_id: int
    mission: str
    status: str
    waiting_step: str | None
    problem: str | None
    name: str | None = None  # the mission's own name (`release`), whatever file ran it
    created_at: str | None = None
    created_by: str | None = None
    asked: str | None = None  # the group asked to answer the waiting step
    due_at: str | None = None  # when the waiting step's next deadline is due
    updated_at: str | None = None
    finished_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields `mission runs --json` and the API's run lists give, by these names."""
        return {"run_id": self.run_id or None,  # 0: an id that is damaged
                "mission": self.mission, "name": self.name,
                "status": "damaged" if self.problem else self.status,
                "waiting_step_id": self.waiting_step, "asked": self.asked,
                "due_at": self.due_at, "created_at": self.created_at,
                "created_by": self.created_by, "updated_at": self.updated_at,
                "finished_at": self.finished_at, "problem": self.problem}


@dataclass(frozen=True, slots=True)
class RunQuery:
    """Which runs to list: every filter given must hold; newest first, `limit` of them,
    those with an id below `before` (the cursor of the next page)."""

    status: str | None = None
    name: str | None = None
    asked: str | None = None
    started_by: str | None = None
    since: str | None = None  # created at or after this instant
    until: str | None = None  # created before this instant
    before: int | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Timer:
    """A deadline or reminder of the step a run waits on, due at `due_at`."""

    run_id: int
    kind: str  # "deadline" or "reminder"
    step: str
    stage: int
    due_at: str


def mission_name(record: RunRecord) -> str:
    """The mission's own name: what the workflow calls itself, else what was run."""
    workflow = record.workflow or {}
    metadata = workflow.get("metadata")
    name = metadata.get("mission_type") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) and name else record.mission


def asked_group(record: RunRecord) -> str | None:
    """The group asked to answer the step the run waits on (None: no group is named)."""
    if record.status != "waiting" or record.waiting_step_id is None:
        return None
    group = (record.question or {}).get("group")
    if isinstance(group, str):
        return group
    for step in (record.workflow or {}).get("steps", []):
        if isinstance(step, dict) and step.get("id") == record.waiting_step_id:
            payload = step.get("payload")
            found = payload.get("answered_by") if isinstance(payload, dict) else None
            return found if isinstance(found, str) else None
    return None


def _deadline(record: RunRecord) -> dict[str, Any]:
    if record.status != "waiting":
        return {}
    found = (record.question or {}).get("deadline")
    return found if isinstance(found, dict) else {}


def listed_columns(record: RunRecord) -> tuple[str | None, ...]:
    """The values of `LISTED` for `record`."""
    due = _deadline(record).get("due_at")
    return (mission_name(record), record.started_at, record.started_by, asked_group(record),
            due if isinstance(due, str) else None, record.updated_at, record.finished_at)


def timers_of(record: RunRecord) -> list[tuple[str, str, int, str]]:
    """`(kind, step, stage, due_at)` of each timer the record's wait has: its deadline and
    the reminder before it, when their times are known."""
    deadline = _deadline(record)
    due, stage = deadline.get("due_at"), deadline.get("stage")
    step = record.waiting_step_id
    if not isinstance(due, str) or not isinstance(stage, int) or step is None:
        return []
    timers = [("deadline", step, stage, due)]
    remind = (record.question or {}).get("remind_at")
    if isinstance(remind, str):
        timers.append(("reminder", step, stage, remind))
    return timers
