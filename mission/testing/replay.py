"""Replay tests: recorded runs replayed against the mission as it is now.

Temporal's Replayer for missions. A run is determined by its params, initial state, start,
events and effect journal (docs/runtime.md): replaying those on the mission file as it is
now (its workflow hash may differ: that is the point) tells whether a change keeps the
runs that were made, or that still wait, on the same path. A replay passes when it gives
the recorded status, the same steps with the same statuses and the same changes to the
state (the receipt's chain, link by link, less the hashes that cover the workflow itself),
the same waiting step and the same final state. Otherwise it fails at the first step that
differs, with the state's difference. Nothing runs for real: effects and project
operations take their results from the run's journal.

Sources: `replay "FILES"` lines of a test file (receipt files written by `mission run
--receipt`, a path or a glob beside the test file), and `mission test --replay-store`:
the waiting runs of the run store whose mission has the tested mission's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from compiler.ast import Span
from mission.testing.loading import Loaded
from mission.testing.observe import Observed
from mission.testing.results import CaseResult, Failure
from runtime.orchestration.model import EffectError, OrchestrationResult, WorkflowDefinition
from runtime.records import RunRecord


def replay_file(loaded: Loaded) -> list[CaseResult]:
    """The receipt files of the test file's `replay` lines, each replayed."""
    from compiler.testfile.paths import receipt_paths

    found: list[CaseResult] = []
    for item in loaded.tree.replays:
        for path in receipt_paths(loaded.path, str(item.path.value)):
            name = f"replay {_relative(path, loaded.path)}"
            found.append(replay_receipt(loaded.workflow, path, name, item.path.span))
    return found


def _relative(path: str, test_path: str) -> str:
    import os

    return os.path.relpath(path, os.path.dirname(test_path) or ".")


def replay_receipt(workflow: WorkflowDefinition, path: str, name: str,
                    span: Span) -> CaseResult:
    from mission.api import load_record
    from runtime.records import RecordError

    try:
        record = load_record(path)
    except (OSError, RecordError) as problem:
        return CaseResult(name, span, (Failure(span, f"cannot read the receipt: {problem}",
                                               error=True),), replay=True)
    return replay(workflow, record, name, span)


def replay_store(loaded: Loaded, location: str) -> list[CaseResult]:
    """The store's waiting runs of the tested mission (by its name), each replayed."""
    from runtime.store_api import StoreError, open_store

    name = loaded.workflow.metadata.get("mission_type")
    span = loaded.tree.mission.span
    found: list[CaseResult] = []
    try:
        with open_store(location) as store:
            for listing in store.list():
                if listing.problem is not None or listing.status != "waiting" \
                        or listing.name != name:
                    continue
                record = store.load(listing.run_id).record
                found.append(replay(loaded.workflow, record, f"replay run {listing.run_id}",
                                    span))
    except StoreError as problem:
        found.append(CaseResult(f"replay the runs of {location}", span, (Failure(
            span, f"cannot read the run store: {problem}", error=True),), replay=True))
    return found


class _Journaled:
    """Effects and project operations answered from the recorded journal: a replay never
    runs anything (a journaled effect is not asked for at all; a pure project operation is
    recomputed on every replay, and here gives what the run recorded)."""

    def __init__(self, journal: Mapping[str, Any], observed: Observed) -> None:
        self.journal = journal
        self.observed = observed

    def supports(self, effect: str) -> bool:
        return True

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        raise EffectError(f"step `{self.observed.current}` calls the effect `{effect}`, "
                          "which the recorded run never reached: it is not run in a replay")

    def function(self, name: str) -> Callable[..., Any]:
        def call(**arguments: Any) -> Any:
            entry = self.journal.get(self.observed.current)
            if not isinstance(entry, dict) or entry.get("operation") != name:
                raise EffectError(f"step `{self.observed.current}` calls `{name}`, which the "
                                  "recorded run did not")
            if "error" in entry:
                raise EffectError(str(entry["error"]))
            return entry.get("result")

        return call


def replay(workflow: WorkflowDefinition, record: RunRecord, name: str,
           span: Span) -> CaseResult:
    """One recorded run replayed on `workflow`: passed, or failed where it differs."""
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import RUN_REFUSALS
    from runtime.orchestration.trace import tracing
    from runtime.user_code import declared_operations

    observed = Observed()
    journaled = _Journaled(record.journal, observed)
    declared = declared_operations(workflow)
    context = record.context(effects=journaled, implementations={
        operation: journaled.function(operation) for operation in declared} or None)
    try:
        with tracing(observed):
            result = Orchestrator().prepare(workflow).run(context)
    except RUN_REFUSALS as problem:
        recorded = _outcome(record.status, record.waiting_step_id, record.failed_step_id)
        return CaseResult(name, span, (Failure(
            span, f"the recorded run cannot be replayed on the mission as it is now: "
            f"{problem}", (f"the recorded run: {recorded}",)),), replay=True)
    differences = compare(record, result)
    failures = (Failure(span, differences[0], differences[1:]),) if differences else ()
    return CaseResult(name, span, failures, replay=True)


def _outcome(status: str, waiting: str | None, failed: str | None) -> str:
    if status == "waiting":
        return f"waiting on `{waiting}`"
    if status == "failed":
        return f"failed at `{failed}`"
    return status


def compare(record: RunRecord, result: OrchestrationResult) -> tuple[str, ...]:
    """What differs between a recorded run and its replay, the first difference first:
    the step where the paths part, then the status, then the final state."""
    from mission.testing.timeline import diff
    from runtime.orchestration.expressions import json_equal

    lines: list[str] = []
    recorded_chain = record.receipt.get("chain", [])
    replayed_chain = result.receipt.get("chain", [])
    for index in range(max(len(recorded_chain), len(replayed_chain))):
        before = recorded_chain[index] if index < len(recorded_chain) else None
        after = replayed_chain[index] if index < len(replayed_chain) else None
        if before is not None and after is not None and all(
                json_equal(before.get(key), after.get(key))
                for key in ("step", "status", "changes", "input")):
            continue
        lines.append(_parted(index, before, after))
        break
    recorded = _outcome(record.status, record.waiting_step_id, record.failed_step_id)
    replayed = _outcome(result.status, result.waiting_step_id, result.failed_step_id)
    if recorded != replayed:
        lines.append(f"the recorded run: {recorded}; the replay: {replayed}")
    if not json_equal(record.final_state, result.final_state):
        lines.append("the final state differs:")
        lines += [f"  {line}" for line in diff(record.final_state, result.final_state)]
    if lines and not lines[0].startswith("at step"):
        lines.insert(0, "the replay differs from the recorded run")
    return tuple(lines)


def _parted(index: int, before: Any, after: Any) -> str:
    if before is None:
        return f"at step {index + 1}: the replay goes on to `{after.get('step')}` " \
               f"({after.get('status')}), where the recorded run had stopped"
    if after is None:
        return f"at step {index + 1}: the replay stops before `{before.get('step')}`, " \
               f"which the recorded run reached ({before.get('status')})"
    if before.get("step") != after.get("step"):
        return f"at step {index + 1}: the recorded run reached `{before.get('step')}`, the " \
               f"replay reaches `{after.get('step')}`"
    step = before.get("step")
    if before.get("status") != after.get("status"):
        return f"at step `{step}`: recorded {before.get('status')}, the replay gives " \
               f"{after.get('status')}"
    if before.get("input") != after.get("input"):
        return f"at step `{step}`: it consumes another answer or effect result than the " \
               "recorded run did"
    return f"at step `{step}`: it changes the state differently than the recorded run did"
