"""The run record: everything needed to replay a run and the receipt it produced.

A run is determined by its workflow, params, initial state, answers and
effect journal; the record keeps exactly those (the workflow as its content
hash, and in the store also in full, so a waiting run resumes without its
source file), plus what the run produced: status, final state and receipt.
The same record is what `mission run --receipt FILE` writes and what the
store keeps; `runtime/verify.py` replays it.

Time is recorded, never read (format 3 on): when the run was started and by
whom, and every answer, deadline firing and cancellation with who acted and
when (`events`, `runtime.orchestration.human`). These are inputs of the run
like its answers: the receipt covers them, so an edited time or name fails
verification. A record holds no other clock or host data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.bounds import MAX_RECORD_DEPTH
from runtime.orchestration.canonical import canonical_hash, canonical_json, data_hash
from runtime.orchestration.model import (
    EffectRunner,
    ExecutionContext,
    OrchestrationResult,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.types import describe, type_of
from runtime.orchestration.values import NotJSONData, checked_copy, json_copy

RECORD_FORMAT = "mission-run/3"
# A record of format 1 was made before the receipt's digest covered the `mission` field;
# it is still read and verified, and `mission verify` says the name is not covered.
UNSEALED_FORMAT = "mission-run/1"
# A record of format 2 was made before times were recorded: its answers have no time, and
# it does not say when or by whom the run was started (`mission verify` says so).
UNTIMED_FORMAT = "mission-run/2"
FORMATS = (UNSEALED_FORMAT, UNTIMED_FORMAT, RECORD_FORMAT)
STATUSES = ("succeeded", "failed", "waiting", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


class RecordError(Exception):
    """A record is malformed or was edited; the message names the field."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    mission: str  # what was run, as the person named it (a file or a registered name)
    workflow_hash: str
    params: dict[str, Any] | None  # as given to the engine (None: the workflow's own)
    initial_state: dict[str, Any]
    answers: dict[str, Any]  # the validated answers the run used, by step id
    journal: dict[str, Any]  # the effect journal, by step id
    status: str
    waiting_step_id: str | None
    question: dict[str, Any] | None
    failed_step_id: str | None
    error_message: str | None
    final_state: dict[str, Any]
    receipt: dict[str, Any]
    workflow: dict[str, Any] | None = None  # the workflow itself (stored runs)
    # who gave each answer, by step id, when known (`mission serve`); the receipt covers it
    answered_by: dict[str, Any] = field(default_factory=dict)
    started_at: str | None = None  # when the run was started (an ISO 8601 instant)
    started_by: str | None = None  # who started it: a user of serve, or the OS user's name
    # The answers, deadline firings and cancellation the run consumed, in order (format 3).
    events: list[dict[str, Any]] = field(default_factory=list)
    # The configuration a run of a workflow with project operations started with, which
    # `resume`, `verify` and `store import` bind them with again: `{"path", "sha256"}`
    # (both null when no configuration file was found); None for other runs.
    configuration: dict[str, Any] | None = None
    # For a run a schedule started: `{"name", "fire_at"}`, the schedule and the fire time it
    # was started for (format 3; part of `started`, so the receipt covers it).
    schedule: dict[str, Any] | None = None
    format: str = RECORD_FORMAT

    @property
    def covers_mission(self) -> bool:
        """Whether the receipt's digest covers the `mission` field (format 2 on)."""
        return self.format != UNSEALED_FORMAT

    @property
    def covers_times(self) -> bool:
        """Whether the record holds who started the run and when each event came (format 3)."""
        return self.format not in (UNSEALED_FORMAT, UNTIMED_FORMAT)

    @property
    def updated_at(self) -> str | None:
        """The time of the latest thing that happened to the run (None: not recorded)."""
        from runtime.orchestration.human import latest

        found = self.started_at
        for event in self.events:
            found = latest(found, event.get("at"))
        return found

    @property
    def finished_at(self) -> str | None:
        """When the run ended (succeeded, failed or was cancelled); None while it waits."""
        return self.updated_at if self.status in FINISHED else None

    @classmethod
    def of(cls, mission: str, workflow: WorkflowDefinition, context: ExecutionContext,
           result: OrchestrationResult, keep_workflow: bool = False,
           configuration: dict[str, Any] | None = None) -> RunRecord:
        """The record of a run of `workflow` in `context` that gave `result`, started with
        `configuration` (see the field). The record shares no object with them; its
        workflow hash is the one the run's receipt states (the plan's, computed once)."""
        started = context.started or {}
        return cls(
            mission=mission,
            workflow_hash=result.receipt["workflow_hash"],
            params=checked_copy(dict(context.params)) if context.params is not None else None,
            initial_state=checked_copy(dict(context.initial_state)),
            answers=checked_copy(result.answers),
            journal=checked_copy(result.journal),
            status=result.status,
            waiting_step_id=result.waiting_step_id,
            question=checked_copy(result.question),
            failed_step_id=result.failed_step_id,
            error_message=result.error_message,
            final_state=checked_copy(result.final_state),
            receipt=sealed_receipt(result.receipt, mission),
            workflow=workflow.to_dict() if keep_workflow else None,
            answered_by=checked_copy(result.receipt.get("answered_by", {})),
            started_at=started.get("at"),
            started_by=started.get("by"),
            events=checked_copy(result.events),
            configuration=checked_copy(configuration),
            schedule=checked_copy(started.get("schedule")),
        )

    def to_json(self) -> dict[str, Any]:
        """The record as JSON data, a copy of its own for the caller to change."""
        data: dict[str, Any] = checked_copy(self._fields())
        return data

    def to_text(self) -> str:
        """The record's canonical JSON text, as the stores keep and hash it: the same as
        `canonical_json(record.to_json())`, without copying the record first."""
        return canonical_json(self._fields())

    def _fields(self) -> dict[str, Any]:
        """The fields written out, sharing the record's values (never to be changed)."""
        data: dict[str, Any] = {"format": self.format}
        for name in _FIELDS:
            value = getattr(self, name)
            if name not in _OPTIONAL or value or (name in _TIMED and self.covers_times):
                data[name] = value
        return data

    @classmethod
    def from_json(cls, data: Any) -> RunRecord:
        """A record from JSON data; a missing or mistyped field raises `RecordError`."""
        if not isinstance(data, dict):
            raise RecordError(f"a run record is a JSON object, not {describe(data)}")
        try:
            # plain JSON, bounded depth: safe to walk; a record holds data nested up to
            # MAX_DEPTH levels a few levels down (`runtime.bounds`)
            data = json_copy(data, "record", MAX_RECORD_DEPTH)
        except NotJSONData as problem:
            raise RecordError(str(problem)) from None
        if data.get("format") not in FORMATS:
            raise RecordError(f"`format` must be {RECORD_FORMAT!r} (or an older "
                              f"{UNTIMED_FORMAT!r} or {UNSEALED_FORMAT!r}), found "
                              f"{describe(data.get('format'))}")
        unknown = sorted(set(data) - {"format", "integrity", *_FIELDS})
        if unknown:
            raise RecordError(f"unknown field `{unknown[0]}`")
        values: dict[str, Any] = {}
        for name, allowed in _FIELDS.items():
            if name not in data and name not in _OPTIONAL:
                raise RecordError(f"the field `{name}` is missing")
            value = data[name] if name in data else checked_copy(_OPTIONAL.get(name))
            if type_of(value) not in allowed:
                raise RecordError(f"`{name}` must be {' or '.join(allowed)}, "
                                  f"found {describe(value)}")
            values[name] = value
        if values["status"] not in STATUSES:
            raise RecordError(f"`status` must be one of {', '.join(STATUSES)}, "
                              f"found {values['status']!r}")
        if not all(isinstance(who, str) for who in values["answered_by"].values()):
            raise RecordError("`answered_by` maps step ids to user names (strings)")
        if data["format"] != RECORD_FORMAT:
            present = sorted(name for name in _TIMED if name in data)
            if present:
                raise RecordError(f"`{present[0]}` is recorded from format {RECORD_FORMAT!r} "
                                  f"on, not in a {data['format']!r} record")
        if values["schedule"] is not None:
            if data["format"] != RECORD_FORMAT:
                raise RecordError(f"`schedule` is recorded from format {RECORD_FORMAT!r} on, "
                                  f"not in a {data['format']!r} record")
            from runtime.orchestration.human import checked_schedule

            checked_schedule(values["schedule"], RecordError)
        if not all(isinstance(event, dict) for event in values["events"]):
            raise RecordError("`events` is a list of maps (answers, deadlines, a cancellation)")
        configuration = values["configuration"]
        if configuration is not None and (
                sorted(configuration) != ["path", "sha256"]
                or any(type_of(configuration[key]) not in ("str", "null")
                       for key in configuration)):
            raise RecordError("`configuration` must be {path, sha256}, each a string or null")
        return cls(**values, format=data["format"])

    def context(self, answers: Mapping[str, Any] | None = None,
                effects: EffectRunner | None = None,
                ask: Callable[[dict[str, Any]], Any] | None = None,
                answered_by: Mapping[str, str] | None = None,
                implementations: Mapping[str, Callable[..., Any]] | None = None,
                events: Sequence[Mapping[str, Any]] | None = None,
                ) -> ExecutionContext:
        """The context that replays this run, with more `answers` (given by the people in
        `answered_by`) when continuing it, or more `events` (answers, deadlines, a
        cancellation, with who and when); `implementations` binds the project operations
        the workflow declares. A format 3 record replays its events; an older one its
        answers and who gave them."""
        if self.covers_times:
            recorded: dict[str, Any] = {}
            started = {key: value for key, value in (("at", self.started_at),
                                                     ("by", self.started_by),
                                                     ("schedule", checked_copy(self.schedule)))
                       if value}
        else:
            recorded, started = checked_copy(self.answers), {}
        return ExecutionContext(
            answered_by={**({} if self.covers_times else self.answered_by),
                         **dict(answered_by or {})},
            initial_state=checked_copy(self.initial_state),
            params=checked_copy(self.params),
            answers={**recorded, **dict(answers or {})},
            journal=checked_copy(self.journal),
            effects=effects,
            ask=ask,
            implementations=implementations,
            started=started or None,
            events=[*checked_copy(self.events), *(dict(event) for event in events or ())],
        )

    def stored_workflow(self) -> WorkflowDefinition:
        """The workflow kept in the record, checked against the record's workflow hash."""
        if self.workflow is None:
            raise RecordError("the record does not hold its workflow")
        try:
            workflow = WorkflowDefinition.from_dict(self.workflow)
        except ValueError as problem:
            raise RecordError(f"`workflow` is not a workflow: {problem}") from None
        if content_hash(workflow) != self.workflow_hash:
            raise RecordError("`workflow` does not match `workflow_hash`")
        return workflow


_FIELDS: dict[str, tuple[str, ...]] = {
    "mission": ("str",),
    "workflow_hash": ("str",),
    "params": ("map", "null"),
    "initial_state": ("map",),
    "answers": ("map",),
    "journal": ("map",),
    "status": ("str",),
    "waiting_step_id": ("str", "null"),
    "question": ("map", "null"),
    "failed_step_id": ("str", "null"),
    "error_message": ("str", "null"),
    "final_state": ("map",),
    "receipt": ("map",),
    "workflow": ("map", "null"),
    "answered_by": ("map",),
    "started_at": ("str", "null"),
    "started_by": ("str", "null"),
    "events": ("list",),
    "configuration": ("map", "null"),
    "schedule": ("map", "null"),
}
# Fields an older record may lack, and the value they then have.
_OPTIONAL: dict[str, Any] = {"workflow": None, "answered_by": {}, "started_at": None,
                             "started_by": None, "events": [], "configuration": None,
                             "schedule": None}
# The fields of format 3: always written in it, never in an older one.
_TIMED = ("started_at", "started_by", "events")


def sealed_receipt(receipt: Mapping[str, Any], mission: str) -> dict[str, Any]:
    """The engine's receipt with the record's `mission` field under its digest: the engine
    does not know what the run was called, so the record adds the name and folds it into
    the digest, which is what a person keeps elsewhere to recognise the run."""
    sealed: dict[str, Any] = checked_copy(dict(receipt))
    sealed["mission"] = mission
    sealed["digest"] = data_hash([receipt.get("digest"), mission])
    return sealed


def integrity(data: Mapping[str, Any]) -> str:
    """The hash a receipt file carries over all its other fields."""
    return canonical_hash({key: value for key, value in data.items() if key != "integrity"})


def receipt_file_data(record: RunRecord) -> dict[str, Any]:
    """What `--receipt FILE` writes: the record (without the workflow) and its integrity hash."""
    data = record.to_json()
    data.pop("workflow", None)
    data["integrity"] = integrity(data)
    return data
