"""Which code a run may call for the project operations a workflow declares.

A compiled workflow carries its operations' declarations (`metadata.operations`),
`implementation = "module:function"` included, but a workflow is untrusted input:
it never chooses the code that runs. Only a declaration the project's own
configuration (`config_for(".")`, as compiling uses) or an installed package
(the `mission.operations` entry points) makes is trusted, and the workflow's copy
must be the same declaration, else the run is refused before the first step
(`ImplementationMissing`, exit code 4). Only then is the module imported, and only
by `run`, `resume` and `verify`: `check`, `compile`, `explain` and the language
server read the declarations as data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import ImplementationMissing, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from runtime.orchestration.model import EffectRunner, WorkflowDefinition
    from runtime.orchestration.user_operations import OperationDeclaration


def project_root() -> Path:
    """Where a project's operations are imported from and its effects run: the directory
    of the configuration in force here, else the current directory."""
    from compiler.config import find_config

    found = find_config(".")
    return found.parent.resolve() if found is not None else Path.cwd().resolve()


def trusted_declarations(workflow: WorkflowDefinition) -> dict[str, OperationDeclaration]:
    """The workflow's project operations, each as the project or an installed package
    declares it; `ImplementationMissing` names the first that neither declares alike."""
    from runtime.orchestration.model import ImplementationError
    from runtime.orchestration.user_operations import emitted
    from runtime.user_code import declared_operations

    try:
        declared = declared_operations(workflow)
    except ImplementationError as problem:
        raise ImplementationMissing(str(problem)) from None
    if not declared:
        return {}
    from compiler.config import ConfigError, config_for
    from compiler.operations import installed_declarations

    try:
        config = config_for(".")
    except ConfigError as problem:
        raise UsageError(str(problem)) from None
    own = {declaration.name: declaration for declaration in config.operations}
    installed: dict[str, OperationDeclaration] | None = None
    trusted = {}
    for name, declaration in sorted(declared.items()):
        found = own.get(name)
        if found is None:
            if installed is None:
                installed = installed_declarations()[0]
            found = installed.get(name)
        where = config.origin or "no configuration file was found here"
        if found is None:
            raise ImplementationMissing(
                f"the workflow calls the project operation `{name}` (implemented by "
                f"`{declaration.implementation}`), which neither the project's configuration "
                f"({where}) nor an installed package declares; a compiled workflow cannot "
                f"choose code to run: declare `[tool.mission.operations.{name}]` in the "
                "project, or run from the project's directory")
        if emitted(found) != emitted(declaration):
            raise ImplementationMissing(
                f"the workflow declares the project operation `{name}` otherwise than "
                f"{found.origin or where} does now; compile the mission again")
        trusted[name] = found
    return trusted


def implementations(workflow: WorkflowDefinition) -> dict[str, Callable[..., Any]] | None:
    """The functions of the workflow's project operations, imported now; None when it
    declares none (most workflows: nothing is read or imported then)."""
    if "operations" not in workflow.metadata:
        return None
    from runtime.orchestration.model import ImplementationError
    from runtime.user_code import resolve_all

    try:
        return resolve_all(trusted_declarations(workflow), project_root())
    except ImplementationError as problem:
        raise ImplementationMissing(str(problem)) from None


def local_effects(workflow: WorkflowDefinition) -> EffectRunner | None:
    """The effect runner for the workflow's effects: the built-in ones (pytest), and the
    project's own effect operations, each attempt in a child process."""
    from runtime.orchestration.operations import OPERATIONS

    names = {step.payload.get("operation") for step in workflow.steps}
    builtin = None
    if any(isinstance(name, str) and name in OPERATIONS and OPERATIONS[name].effect
           for name in names):
        from runtime.local_effects import LocalEffects

        builtin = LocalEffects(Path.cwd())
    if "operations" not in workflow.metadata:
        return builtin
    from runtime.user_code import Effects, UserEffects

    return Effects(builtin, UserEffects(trusted_declarations(workflow), project_root()))


def bound(workflow: WorkflowDefinition) -> tuple[EffectRunner | None,
                                                 dict[str, Callable[..., Any]] | None]:
    """The effect runner and the project operations' functions a run of `workflow` needs
    (what `mission.advance` asks for when it continues a stored run)."""
    return local_effects(workflow), implementations(workflow)
