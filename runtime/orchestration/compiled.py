"""A compiled workflow read from outside (a `.json` file), checked once before any use.

`mission run`, `graph`, `verify --workflow` and `serve` read compiled workflows that
may have been written by hand or edited; each of them used to trust a different part
of the shape and fail on the rest (`TypeError`, `AttributeError`). `load_compiled`
checks everything at once: the JSON shape (`WorkflowDefinition.from_dict`), the
versions it was compiled for, its `content_hash`, and everything the engine checks
before a run (`Orchestrator.validate`: kinds, operations, arguments, expressions,
paths, declarations). What it returns is safe to draw, run and store.

A `content_hash` that does not match the content is refused, not warned about: the file
was changed after `mission compile`, so what would run is not what was compiled and
checked. The hash is a seal against accidents, not a signature: whoever can edit the
file can recompute it (`mission compile` again is the fix either way).
"""

from __future__ import annotations

from typing import Any

from runtime.orchestration.engine import Orchestrator
from runtime.orchestration.human import HUMAN_KEYS
from runtime.orchestration.model import (
    LANGUAGE_VERSIONS,
    SCHEMA_VERSIONS,
    TIMED_SCHEMA_VERSION,
    AntiFailureViolation,
    EnvelopeViolation,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.types import describe

_RECOMPILE = "compile the .mission file again (`mission compile FILE.mission -o FILE.json`)"


class CompiledWorkflowError(ValueError):
    """A compiled workflow is refused; the message says which key and how to fix it.
    `refused` is the engine's own refusal when it was the engine that refused it, so a
    command can show it as it shows every engine refusal."""

    def __init__(self, message: str, refused: Exception | None = None) -> None:
        super().__init__(message)
        self.refused = refused


def load_compiled(data: Any) -> WorkflowDefinition:
    """The workflow in `data` (parsed JSON), or `CompiledWorkflowError` saying what is wrong."""
    try:
        workflow = WorkflowDefinition.from_dict(data)
    except ValueError as problem:
        raise CompiledWorkflowError(str(problem)) from None
    metadata = workflow.metadata
    _check_version(metadata, "schema_version", SCHEMA_VERSIONS, "compiled-workflow schema")
    _check_version(metadata, "language_version", LANGUAGE_VERSIONS, "language")
    timed = next((step.id for step in workflow.steps
                  if any(key in step.payload for key in HUMAN_KEYS)), None)
    if timed is not None and metadata["schema_version"] < TIMED_SCHEMA_VERSION:
        raise CompiledWorkflowError(
            f"step '{timed}' says how long it waits or who answers it, which "
            f"`metadata.schema_version` {metadata['schema_version']} cannot say (it takes "
            f"{TIMED_SCHEMA_VERSION}); {_RECOMPILE}")
    try:
        Orchestrator().validate(workflow)
    except (EnvelopeViolation, AntiFailureViolation) as problem:
        raise CompiledWorkflowError(str(problem), refused=problem) from None
    _check_hash(workflow)
    return workflow


def _check_version(metadata: dict[str, Any], key: str, known: tuple[int, ...],
                   what: str) -> None:
    versions = " or ".join(map(str, known))
    if key not in metadata:
        raise CompiledWorkflowError(f"`metadata.{key}` is missing (this `mission` reads {what} "
                                    f"version {versions}); {_RECOMPILE}")
    found = metadata[key]
    if type(found) is not int or found not in known:
        shown = found if type(found) is int else describe(found)
        raise CompiledWorkflowError(
            f"`metadata.{key}` is {shown}, but this `mission` reads {what} version "
            f"{versions} (a newer mission may have written it); {_RECOMPILE}")


def _check_hash(workflow: WorkflowDefinition) -> None:
    if "content_hash" not in workflow.metadata:
        raise CompiledWorkflowError(f"`metadata.content_hash` is missing; {_RECOMPILE}")
    stated = workflow.metadata["content_hash"]
    if not isinstance(stated, str) or len(stated) != 64 \
            or any(c not in "0123456789abcdef" for c in stated):
        raise CompiledWorkflowError("`metadata.content_hash` must be 64 lowercase hex digits "
                                    f"(a sha256); {_RECOMPILE}")
    if stated == "0" * 64:
        raise CompiledWorkflowError(f"`metadata.content_hash` is all zeros, a placeholder, "
                                    f"not the hash of this workflow; {_RECOMPILE}")
    actual = content_hash(workflow)
    if stated != actual:
        raise CompiledWorkflowError(
            f"`metadata.content_hash` is stale: the file says {stated[:16]}…, its content "
            f"hashes to {actual[:16]}…, so it was changed after it was compiled; {_RECOMPILE}")
