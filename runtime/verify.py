"""Verify a run record by replaying it: the receipt is evidence only if a replay gives it again.

The replay uses the recorded params, initial state, answers and effect
journal, and no effect runner: nothing is run again, nothing is asked. Every
difference is named: which part of the record (workflow, params, initial
state, answers, journal, final state, status, a receipt field or chain link)
and, for data, the first path where the record and the replay disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.binding import bind_inputs, bind_params
from runtime.orchestration.canonical import canonical_hash
from runtime.orchestration.engine import Orchestrator
from runtime.orchestration.expressions import json_equal
from runtime.orchestration.model import (
    RUN_REFUSALS,
    OrchestrationResult,
    ParameterError,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.types import describe
from runtime.records import RunRecord, sealed_receipt

# Receipt hashes, and what a difference in each one means.
_COVERS = {"params_hash": "the params are not those the receipt covers",
           "initial_state_hash": "the initial state is not the one the receipt covers",
           "answers_hash": "the answers are not those the receipt covers",
           "journal_hash": "the journal is not the one the receipt covers",
           "final_state_hash": "the final state is not the one the receipt covers",
           "workflow_hash": "the workflow is not the one the receipt covers"}


@dataclass(frozen=True, slots=True)
class Mismatch:
    what: str  # the part of the record: "answers", "final_state.summary.open", "receipt.digest"
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


def verify(record: RunRecord, workflow: WorkflowDefinition,
           implementations: Mapping[str, Callable[..., Any]] | None = None) -> list[Mismatch]:
    """Replay `record` on `workflow`; the differences found (none: the record holds).

    A workflow that calls the project's pure operations needs their `implementations`:
    they are computed again, and a result other than the recorded one is a difference."""
    actual = content_hash(workflow)
    if actual != record.workflow_hash:
        return [Mismatch("workflow", f"the workflow given hashes to {actual[:16]}…, the record "
                                     f"was made with {record.workflow_hash[:16]}…")]
    found = _compare_inputs(record, workflow)
    try:
        result = Orchestrator().prepare(workflow).run(
            record.context(implementations=implementations))
    except RUN_REFUSALS as problem:
        return [*found, Mismatch("replay", f"the recorded run cannot be replayed: {problem}")]
    found += _compare_result(record, result)
    replayed = sealed_receipt(result.receipt, record.mission) if record.covers_mission \
        else result.receipt
    found += _compare_receipt(record.receipt, replayed)
    return found


def _compare_inputs(record: RunRecord, workflow: WorkflowDefinition) -> list[Mismatch]:
    """Each recorded input (and the final state) against the hash the receipt keeps of it."""
    hashes: dict[str, str | None] = {}
    context = record.context()
    try:
        hashes["params"] = canonical_hash(bind_params(workflow, context))
        hashes["initial_state"] = canonical_hash(bind_inputs(workflow, context.initial_state))
    except ParameterError:
        hashes["params"] = hashes["initial_state"] = None  # the replay names the problem
    for name in ("answers", "journal", "final_state"):
        hashes[name] = canonical_hash(getattr(record, name))
    found = []
    for name, recorded in hashes.items():
        key = f"{name}_hash"
        if recorded is not None and recorded != record.receipt.get(key):
            found.append(Mismatch(name, f"hashes to {_short(recorded)}, but the receipt's "
                                        f"`{key}` is {_short(record.receipt.get(key))}"))
    return found


def _compare_result(record: RunRecord, result: OrchestrationResult) -> list[Mismatch]:
    found = []
    for name in ("status", "waiting_step_id", "failed_step_id", "error_message"):
        recorded, replayed = getattr(record, name), getattr(result, name)
        if recorded != replayed:
            found.append(Mismatch(name, f"recorded {recorded!r}, the replay gives {replayed!r}"))
    for name, replayed in (("final_state", result.final_state), ("answers", result.answers),
                           ("journal", result.journal), ("question", result.question),
                           ("answered_by", result.receipt.get("answered_by", {})),
                           ("events", result.events if record.covers_times else [])):
        difference = first_difference(getattr(record, name), replayed, name)
        if difference:
            found.append(difference)
    return found


def _compare_receipt(recorded: Mapping[str, Any], replayed: Mapping[str, Any]) -> list[Mismatch]:
    found = []
    for key in sorted(set(recorded) | set(replayed)):
        if key == "chain":
            found += _compare_chain(recorded.get(key), replayed[key])
            continue
        if json_equal(recorded.get(key), replayed.get(key)):
            continue
        detail = (f"recorded {_short(recorded.get(key))}, "
                  f"the replay gives {_short(replayed.get(key))}")
        if key in _COVERS:
            detail += f" ({_COVERS[key]})"
        found.append(Mismatch(f"receipt.{key}", detail))
    return found


def _compare_chain(recorded: Any, replayed: list[dict[str, Any]]) -> list[Mismatch]:
    if not isinstance(recorded, list):
        return [Mismatch("receipt.chain", f"must be a list, found {describe(recorded)}")]
    for index in range(max(len(recorded), len(replayed))):
        mine = recorded[index] if index < len(recorded) else None
        theirs = replayed[index] if index < len(replayed) else None
        if json_equal(mine, theirs):
            continue
        link = theirs if isinstance(theirs, dict) else mine if isinstance(mine, dict) else {}
        step = link.get("step", "?")
        if mine is None or theirs is None:
            side = "the replay" if mine is None else "the record"
            return [Mismatch(f"receipt.chain[{index}]", f"only {side} has a link for step "
                                                        f"'{step}'")]
        if not isinstance(mine, dict):
            return [Mismatch(f"receipt.chain[{index}]", f"step '{step}': recorded "
                                                        f"{_short(mine)}, not a link")]
        fields = sorted(key for key in set(mine) | set(theirs)
                        if not json_equal(mine.get(key), theirs.get(key)))
        detail = f"step '{step}': the link's {', '.join(fields)} differ"
        if "status" in fields:
            detail += (f" (recorded status {_short(mine.get('status'))}, the replay gives "
                       f"{_short(theirs.get('status'))})")
        return [Mismatch(f"receipt.chain[{index}]", detail)]
    return []


def first_difference(recorded: Any, replayed: Any, where: str) -> Mismatch | None:
    """The first path (in sorted key order) where two JSON values differ."""
    absent = object()
    stack = [(recorded, replayed, where)]
    while stack:
        left, right, path = stack.pop()
        if left is absent:
            return Mismatch(path, "missing from the record, present in the replay")
        if right is absent:
            return Mismatch(path, "in the record, but the replay has no such key")
        if isinstance(left, dict) and isinstance(right, dict):
            stack.extend((left.get(key, absent), right.get(key, absent), f"{path}.{key}")
                         for key in sorted(set(left) | set(right), reverse=True))
        elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
            stack.extend((a, b, f"{path}[{i}]")
                         for i, (a, b) in reversed(list(enumerate(zip(left, right, strict=True)))))
        elif not json_equal(left, right):
            return Mismatch(path, f"recorded {_short(left)}, the replay gives {_short(right)}")
    return None


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:12] + "…"  # a sha256
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
