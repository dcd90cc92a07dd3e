"""Binding a project's own operations to their code, at run time only.

`mission check`, `compile`, `explain` and the language server read the
declarations as data and never come here. A run does: `load_implementations`
imports each `module:function` the workflow declares (from the project root
first, then the installed packages) and hands the functions to the engine,
which checks them against their declarations before any step runs.

Effect operations run through `UserEffects`, an effect runner: each attempt
is a child process (`python -m runtime.effect_worker`) in the project root,
in its own process group, killed whole at the attempt's `timeout`; the
request goes in on stdin and the JSON result comes back on stdout, so a
hanging or crashing implementation fails the step instead of the run. The
engine retries (`retry`) and journals every attempt.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runtime.orchestration.model import EffectError, ImplementationError, WorkflowDefinition
from runtime.orchestration.user_operations import (
    RESERVED_PARAMETERS,
    TIMEOUT,
    DeclarationError,
    OperationDeclaration,
    declarations_from_workflow,
)

OUTPUT_LIMIT = 16 * 1024


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
    except Exception as problem:  # user code failing on import
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
    """An `EffectRunner` for the project's effect operations, each attempt a child process."""

    def __init__(self, declarations: Mapping[str, OperationDeclaration],
                 root: str | Path | None = None, *, output_limit: int = OUTPUT_LIMIT) -> None:
        self.declarations = {name: d for name, d in declarations.items() if d.kind == "effect"}
        self.root = Path(os.getcwd() if root is None else root).resolve()
        self.output_limit = output_limit

    def supports(self, effect: str) -> bool:
        return effect in self.declarations

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        declaration = self.declarations.get(effect)
        if declaration is None:
            raise EffectError(f"no project effect operation '{effect}'")
        timeout = request.get(TIMEOUT, declaration.timeout)
        arguments = {key: value for key, value in request.items()
                     if key not in RESERVED_PARAMETERS}
        message = json.dumps({"implementation": declaration.implementation,
                              "name": declaration.name, "root": str(self.root),
                              "args": arguments}).encode()
        process = subprocess.Popen([sys.executable, "-m", "runtime.effect_worker"],
                                   cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            output, errors = process.communicate(message, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.communicate()
            raise EffectError(f"`{effect}` did not finish within {timeout} s and was "
                              "stopped") from None
        finally:
            _kill_group(process.pid)
        try:
            reply = json.loads(output[-self.output_limit * 64:].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            reply = None
        if not isinstance(reply, dict) or not ({"result", "error"} & set(reply)):
            tail = errors[-self.output_limit:].decode("utf-8", errors="replace").strip()
            last = tail.splitlines()[-1] if tail else f"exit code {process.returncode}"
            raise EffectError(f"`{effect}` stopped without a result: {last[:300]}")
        if "error" in reply:
            raise EffectError(str(reply["error"]))
        return reply["result"]


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


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
