"""Binding a project's own operations to their code, at run time only.

`mission check`, `compile`, `explain` and the language server read the
declarations as data and never come here. A run does: `load_implementations`
imports each `module:function` the workflow declares (from the project root
first, then the installed packages) and hands the functions to the engine,
which checks them against their declarations before any step runs.

Effect operations run through `UserEffects`, an effect runner confined as the
pytest effects are: each attempt is a child process (`python -I
runtime/effect_worker.py`) in the project root, in its own process group,
killed whole at the attempt's `timeout`, with its environment reduced to
`ENV_ALLOWLIST` and its output capped; the request and the reply are JSON
files in a private scratch directory, so what the function prints cannot be
taken for its result, and a hanging or crashing implementation fails the step
instead of the run. The engine retries (`retry`) and journals every attempt.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runtime.local_effects import allowed_environment, execute_bounded
from runtime.orchestration.model import EffectError, ImplementationError, WorkflowDefinition
from runtime.orchestration.user_operations import (
    RESERVED_PARAMETERS,
    TIMEOUT,
    DeclarationError,
    OperationDeclaration,
    declarations_from_workflow,
)

OUTPUT_LIMIT = 16 * 1024
MAX_REPLY_BYTES = 16 * 1024 * 1024


def declared_operations(workflow: WorkflowDefinition) -> dict[str, OperationDeclaration]:
    """The project operations a compiled workflow declares (none for most workflows)."""
    if "operations" not in workflow.metadata:
        return {}
    try:
        return declarations_from_workflow(workflow.metadata["operations"])
    except DeclarationError as problem:
        raise ImplementationError(str(problem)) from None


def load_implementations(workflow: WorkflowDefinition,
                         root: str | Path | None = None) -> dict[str, Callable[..., Any]]:
    """Import the function of every project operation the workflow declares; `root` (the
    project directory, default the current one) is searched first. This trusts the
    workflow to name the code (a workflow you compiled yourself); the CLI instead binds
    only what the project's configuration declares (`mission.binding`)."""
    return resolve_all(declared_operations(workflow), root)


def resolve_all(declarations: Mapping[str, OperationDeclaration],
                root: str | Path | None = None) -> dict[str, Callable[..., Any]]:
    """Import each declaration's function, `root` first on the module search path."""
    if not declarations:
        return {}
    directory = str(Path(os.getcwd() if root is None else root).resolve())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return {name: resolve(declaration) for name, declaration in declarations.items()}


def resolve(declaration: OperationDeclaration) -> Callable[..., Any]:
    module_name, _, attribute = declaration.implementation.partition(":")
    where = f"operation `{declaration.name}`: its implementation `{declaration.implementation}`"
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as problem:
        raise ImplementationError(f"{where} cannot be imported: {problem}") from None
    except (Exception, SystemExit) as problem:  # user code failing on import
        raise ImplementationError(f"{where}: importing `{module_name}` raised "
                                  f"{type(problem).__name__}: {problem}") from None
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise ImplementationError(f"{where}: `{module_name}` has no `{attribute}`")
        found = getattr(found, part)
    if not callable(found):
        raise ImplementationError(f"{where} is not a function")
    return found  # type: ignore[no-any-return]


class UserEffects:
    """An `EffectRunner` for the project's effect operations, each attempt a child process
    confined as the pytest effects are (`runtime.local_effects`)."""

    def __init__(self, declarations: Mapping[str, OperationDeclaration],
                 root: str | Path | None = None, *, output_limit: int = OUTPUT_LIMIT,
                 environment: Mapping[str, str] | None = None) -> None:
        self.declarations = {name: d for name, d in declarations.items() if d.kind == "effect"}
        self.root = Path(os.getcwd() if root is None else root).resolve()
        self.output_limit = output_limit
        self.environment = allowed_environment(environment)

    def supports(self, effect: str) -> bool:
        return effect in self.declarations

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        declaration = self.declarations.get(effect)
        if declaration is None:
            raise EffectError(f"no project effect operation '{effect}'")
        timeout = request.get(TIMEOUT, declaration.timeout)
        arguments = {key: value for key, value in request.items()
                     if key not in RESERVED_PARAMETERS}
        with tempfile.TemporaryDirectory(prefix="mission-effect-") as scratch:
            message = {"implementation": declaration.implementation, "name": declaration.name,
                       "path": [str(self.root), *sys.path], "args": arguments}
            Path(scratch, "request.json").write_text(json.dumps(message), encoding="utf-8")
            command = [sys.executable, "-I", str(Path(__file__).with_name("effect_worker.py")),
                       scratch]
            exit_code, timed_out, output, _ = execute_bounded(
                command, self.root, self.environment, timeout, self.output_limit)
            if timed_out:
                raise EffectError(f"`{effect}` did not finish within {timeout} s and was "
                                  "stopped")
            reply = _reply(Path(scratch, "reply.json"))
        if reply is None:
            lines = output.strip().splitlines()
            last = lines[-1] if lines else f"exit code {exit_code}"
            raise EffectError(f"`{effect}` stopped without a result: {last[:300]}")
        if "error" in reply:
            raise EffectError(str(reply["error"]))
        return reply["result"]


def _reply(path: Path) -> dict[str, Any] | None:
    """The worker's reply, or None when it left none (it crashed, or was killed)."""
    try:
        if path.stat().st_size > MAX_REPLY_BYTES:
            return {"error": f"the result is over {MAX_REPLY_BYTES // (1024 * 1024)} MiB"}
        reply = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return reply if isinstance(reply, dict) and ({"result", "error"} & set(reply)) else None


class Effects:
    """Several effect runners as one: the first that supports an effect runs it."""

    def __init__(self, *runners: Any) -> None:
        self.runners = [runner for runner in runners if runner is not None]

    def supports(self, effect: str) -> bool:
        return any(runner.supports(effect) for runner in self.runners)

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        for runner in self.runners:
            if runner.supports(effect):
                return runner.run(effect, request)
        raise EffectError(f"no effect runner provides '{effect}'")
