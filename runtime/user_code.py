"""A project's own operations at run time: their code runs only in confined child processes.

`mission check`, `compile`, `explain` and the language server read the declarations as
data and never come here. A run from the command line or `mission serve` does, through
`ProjectCode` (bound by `mission.binding`), and never imports the project's code into its
own process, where import-time code would see every secret of the environment:

- `check()`, before the first step: one child imports every implementation and checks
  its signature against its declaration (`signature_problem`); a module that cannot be
  imported, raises on import, or a function that does not fit, refuses the run;
- each call of a pure operation, and each attempt of an effect, is a child too.

Every child is `python -I runtime/effect_worker.py SCRATCH` in the project root, in its own
process group led by `runtime/child_guard.py` (killed whole at the call's `timeout`, and
when this process dies), its environment reduced to `ENV_ALLOWLIST`, its output capped;
a pure operation's address space is limited to `PURE_MEMORY` too. The request and the
reply are JSON files in a private scratch directory, so nothing the function prints can
be taken for its result, and a hanging, crashing or exploding implementation fails its
step instead of the run.

From Python, `load_implementations` imports the functions into the caller's process
instead (a workflow the caller compiled and trusts), without these bounds.
"""

from __future__ import annotations

import importlib
import inspect
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
    emitted,
)
from runtime.reading import TooLarge, read_limited

OUTPUT_LIMIT = 16 * 1024
MAX_REPLY_BYTES = 16 * 1024 * 1024
# Seconds the check before the first step may take (importing every implementation).
CHECK_TIMEOUT = 60
# Bytes of address space a pure operation (and the check) may use: far above what
# computing a value from its arguments needs, far below what would starve the machine.
PURE_MEMORY = 4 * 1024 * 1024 * 1024
_WORKER = Path(__file__).with_name("effect_worker.py")


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
    """Import the function of every project operation the workflow declares into this
    process; `root` (the project directory, default the current one) is searched first.
    This trusts the workflow to name the code (a workflow you compiled yourself); the CLI
    instead binds only what the project's configuration declares and runs it confined
    (`mission.binding`, `ProjectCode`)."""
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


class ProjectCode:
    """The project's operations, each call in a confined child process (module docstring)."""

    def __init__(self, declarations: Mapping[str, OperationDeclaration],
                 root: str | Path | None = None, *, output_limit: int = OUTPUT_LIMIT,
                 environment: Mapping[str, str] | None = None) -> None:
        self.declarations = dict(declarations)
        self.root = Path(os.getcwd() if root is None else root).resolve()
        self.output_limit = output_limit
        self.environment = allowed_environment(environment)

    def check(self) -> None:
        """Import every implementation in a child and check it against its declaration;
        `ImplementationError` with the first problem, before any step runs."""
        if not self.declarations:
            return
        request = {"check": {name: emitted(declaration)
                             for name, declaration in sorted(self.declarations.items())}}
        try:
            problems = self._child(request, "checking the implementations", CHECK_TIMEOUT,
                                   PURE_MEMORY)
        except EffectError as problem:
            raise ImplementationError(str(problem)) from None
        if problems:
            raise ImplementationError(str(problems[0]))

    def functions(self) -> dict[str, Callable[..., Any]]:
        """For the engine (`ExecutionContext.implementations`): a function per operation,
        with its declared signature, that runs a pure one in a child; call `check` first."""
        return {name: self._function(declaration)
                for name, declaration in self.declarations.items()}

    def _function(self, declaration: OperationDeclaration) -> Callable[..., Any]:
        def call(**arguments: Any) -> Any:
            if declaration.kind != "pure":
                raise EffectError(f"`{declaration.name}` is an effect: the effect runner "
                                  "runs it")
            return self.call(declaration, arguments, declaration.timeout, PURE_MEMORY)

        call.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
            inspect.Parameter(parameter.name, inspect.Parameter.KEYWORD_ONLY,
                              default=None if parameter.optional else inspect.Parameter.empty)
            for parameter in declaration.params])
        call.__name__ = declaration.name
        return call

    def call(self, declaration: OperationDeclaration, arguments: Mapping[str, Any],
             timeout: float, memory: int = 0) -> Any:
        """One call of the operation in a child; its result, or `EffectError` saying why
        there is none (it raised, crashed, ran over `timeout`, or returned no JSON)."""
        request = {"implementation": declaration.implementation, "name": declaration.name,
                   "args": dict(arguments)}
        return self._child(request, f"`{declaration.name}`", timeout, memory)

    def _child(self, request: dict[str, Any], what: str, timeout: float, memory: int) -> Any:
        with tempfile.TemporaryDirectory(prefix="mission-effect-") as scratch:
            message = {**request, "path": [str(self.root), *sys.path]}
            Path(scratch, "request.json").write_text(json.dumps(message), encoding="utf-8")
            command = [sys.executable, "-I", str(_WORKER), scratch]
            exit_code, timed_out, output, _ = execute_bounded(
                command, self.root, self.environment, timeout, self.output_limit, memory)
            if timed_out:
                raise EffectError(f"{what} did not finish within {timeout} s and was stopped")
            reply = _reply(Path(scratch, "reply.json"))
        if reply is None:
            lines = output.strip().splitlines()
            last = lines[-1] if lines else f"exit code {exit_code}"
            raise EffectError(f"{what} stopped without a result: {last[:300]}")
        if "error" in reply:
            raise EffectError(str(reply["error"]))
        return reply["result"]


class UserEffects:
    """An `EffectRunner` for the project's effect operations, each attempt a child process
    confined as the pytest effects are (`runtime.local_effects`)."""

    def __init__(self, declarations: Mapping[str, OperationDeclaration],
                 root: str | Path | None = None, *, output_limit: int = OUTPUT_LIMIT,
                 environment: Mapping[str, str] | None = None) -> None:
        self.code = ProjectCode({name: d for name, d in declarations.items()
                                 if d.kind == "effect"}, root, output_limit=output_limit,
                                environment=environment)

    @property
    def declarations(self) -> dict[str, OperationDeclaration]:
        return self.code.declarations

    def supports(self, effect: str) -> bool:
        return effect in self.code.declarations

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        declaration = self.code.declarations.get(effect)
        if declaration is None:
            raise EffectError(f"no project effect operation '{effect}'")
        timeout = request.get(TIMEOUT, declaration.timeout)
        arguments = {key: value for key, value in request.items()
                     if key not in RESERVED_PARAMETERS}
        return self.code.call(declaration, arguments, timeout)


def _reply(path: Path) -> dict[str, Any] | None:
    """The worker's reply, or None when it left none (it crashed, or was killed)."""
    try:
        reply = json.loads(read_limited(path, MAX_REPLY_BYTES).decode("utf-8"))
    except TooLarge:
        return {"error": f"the result is over {MAX_REPLY_BYTES // (1024 * 1024)} MiB"}
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
