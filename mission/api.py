"""The few functions of the public Python API that are not already the compiler's or the
engine's own (`mission/__init__.py` lists them all): run a compiled workflow, and keep,
read and check the record of a run as `mission run --receipt` and `mission verify` do."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runtime.orchestration.model import (
    EffectRunner,
    ExecutionContext,
    OrchestrationResult,
    WorkflowDefinition,
)
from runtime.records import RecordError, RunRecord, integrity, receipt_file_data


def run(workflow: WorkflowDefinition, *, params: Mapping[str, Any] | None = None,
        state: Mapping[str, Any] | None = None, answers: Mapping[str, Any] | None = None,
        effects: EffectRunner | None = None) -> OrchestrationResult:
    """Run `workflow` with these params (checked against its declarations, defaults filled
    in), initial state and answers (by human step id); `effects` runs effects such as
    pytest (`runtime.local_effects.LocalEffects`). A run that reaches a human step without
    an answer comes back waiting (`result.status == "waiting"`, `result.question`).

    Raises, before any step runs, the engine's refusals (`runtime.orchestration`'s
    `ParameterError`, `EnvelopeViolation`, ...); a failed step is a result, not an error.
    """
    from runtime.orchestration.engine import Orchestrator

    context = ExecutionContext(initial_state=dict(state or {}), params=dict(params or {}),
                               answers=answers, effects=effects)
    return Orchestrator().prepare(workflow).run(context)


def record_of(workflow: WorkflowDefinition, result: OrchestrationResult, *,
              params: Mapping[str, Any] | None = None, state: Mapping[str, Any] | None = None,
              name: str = "<python>") -> RunRecord:
    """The record of the run that gave `result` (with the same `params` and `state`)."""
    context = ExecutionContext(initial_state=dict(state or {}), params=dict(params or {}))
    return RunRecord.of(name, workflow, context, result)


def save_record(record: RunRecord, path: str | Path) -> None:
    """Write `record` as a receipt file (what `mission run --receipt FILE` writes), whole or
    not at all; raises OSError when it cannot be written."""
    target = Path(path)
    text = json.dumps(receipt_file_data(record), indent=2, sort_keys=True) + "\n"
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def load_record(path: str | Path) -> RunRecord:
    """Read a receipt file, read as strictly as `mission verify` reads it (the file may come
    from anyone); raises `RecordError` for a file that is not one or was edited after it was
    written, OSError when it cannot be read (or holds more than `MAX_DATA_FILE_BYTES`)."""
    from mission.files import strict_json
    from runtime.bounds import MAX_DATA_FILE_BYTES
    from runtime.reading import TooLarge, read_limited

    try:
        raw = read_limited(Path(path), MAX_DATA_FILE_BYTES)
    except TooLarge as problem:
        raise OSError(f"{path}: {problem}") from None
    try:
        data = strict_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as problem:
        raise RecordError(f"{path}: not a run record ({problem})") from None
    except RecursionError:
        raise RecordError(f"{path}: not a run record (nested too deeply)") from None
    record = RunRecord.from_json(data)
    if data.get("integrity") != integrity(data):
        raise RecordError(f"{path}: the integrity hash does not match the content: the file "
                          "was edited after it was written")
    return record
