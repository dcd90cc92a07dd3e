"""A run that starts an effect is stored first, so that no effect ever runs twice.

Before an effect starts (`EffectRunner.started`, called by the engine before the first
attempt of an effect it does not replay), the run is saved in the run store as it would
be if that effect never reported back: a replay of the run so far in which the effect's
step fails with the engine's `cut_off` message ("... may or may not have taken place, so
it is not run again ..."). That record is a real run, verifiable like any other. Then the
effect runs, and the run's real record replaces it when the command finishes.

So a process killed while an effect runs (`mission run`, `mission resume`, `mission serve`
answering or starting a run, SIGKILL or a power cut) leaves the run failed with that
message, never waiting: `mission resume` refuses it, and nothing starts the effect again.
The effect's child process dies with the process (`runtime/child_guard.py`). Whoever
finds the run checks what the effect did and starts a new run. While the effect runs,
`mission runs` shows the run that way too: the saved record is what is true if the
process never finishes.

A fresh `mission run` is therefore stored once it starts an effect, even with
`store-runs = "waiting"` or `--no-store` (a run that touched the world always leaves a
trace in the store). `run --batch` stores nothing (a local batch
never retries a line; on Dask the scheduler keeps its own journal, `mission.dask_batch`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.orchestration.model import (
        EffectRunner,
        EffectStart,
        ExecutionContext,
        WorkflowDefinition,
    )
    from runtime.records import RunRecord
    from runtime.store_api import RunStoreAPI, StoredRun


class RunKeeper:
    """One run in the store as it goes: created at its first save (a fresh run), replaced
    at each later one (the store checks the version).

    Each save writes, in its transaction, the notices of the change (`runtime.notices`)
    from the record before it: a save before an effect starts is *provisional* (what is
    true only if the process never finishes) and announces nothing, so a run that goes on
    to succeed is never announced as cut off."""

    def __init__(self, store: RunStoreAPI, stored: StoredRun | None = None) -> None:
        self.store = store
        self.stored = stored
        self.announced = stored.record if stored is not None else None

    def save(self, record: RunRecord, provisional: bool = False) -> StoredRun:
        from runtime.notices import notices_between
        from runtime.store_api import StoredRun

        notices = () if provisional else notices_between(self.announced, record)
        if self.stored is None:
            self.stored = StoredRun(self.store.create(record, notices), 1, record)
        else:
            self.stored = self.store.update(self.stored, record, notices)
        if not provisional:
            self.announced = record
        return self.stored


class RecordedEffects:
    """`context.effects`, with each effect's start saved first (the module docstring)."""

    def __init__(self, inner: EffectRunner, context: ExecutionContext, keeper: RunKeeper,
                 mission: str, workflow: WorkflowDefinition,
                 configuration: dict[str, Any] | None) -> None:
        self.inner = inner
        self.context = context
        self.keeper = keeper
        self.mission = mission
        self.workflow = workflow
        self.configuration = configuration

    def supports(self, effect: str) -> bool:
        return self.inner.supports(effect)

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        return self.inner.run(effect, request)

    def started(self, start: EffectStart) -> None:
        from runtime.orchestration.engine import Orchestrator
        from runtime.records import RunRecord

        replay = dataclasses.replace(self.context, answers=None, answered_by=None,
                                     events=start.events,
                                     journal=start.journal, effects=None, ask=None)
        result = Orchestrator().prepare(self.workflow).run(replay)
        self.keeper.save(RunRecord.of(self.mission, self.workflow, replay, result,
                                      keep_workflow=True, configuration=self.configuration),
                         provisional=True)


def record_starts(context: ExecutionContext, keeper: RunKeeper, mission: str,
                  workflow: WorkflowDefinition, configuration: dict[str, Any] | None) -> None:
    """Make `context` save its run through `keeper` before each effect starts."""
    if context.effects is not None:
        context.effects = RecordedEffects(context.effects, context, keeper, mission, workflow,
                                          configuration)
