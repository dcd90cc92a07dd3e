"""Which code a run may call for the project operations a workflow declares, and how.

One function, `bind`, serves every command that runs a workflow (`run`, `run --batch`,
`resume`, `verify`, `store import`) and `mission serve` (start, answer, the report,
`verify`), so how the configuration is found and what it trusts is decided once.

The configuration is the one the run starts with: for a `.mission` file, the one found
from the file's own directory upwards (as `check` and the language server find it); for a
compiled `.json` workflow or a registered name, the one in force in the current directory
(a workflow from elsewhere binds only what this project declares); for a stored run or a
receipt, the one the run recorded when it started (`configuration_of`).

A compiled workflow carries its operations' declarations (`metadata.operations`),
`implementation = "module:function"` included, but a workflow is untrusted input: it
never chooses the code that runs. Only a declaration the configuration or an installed
package (the `mission.operations` entry points) makes is trusted, and the workflow's copy
must be the same declaration, else the run is refused before the first step
(`ImplementationMissing`, exit code 4). Only then is the code run, and only in confined
child processes (`runtime.user_code.ProjectCode`): this process never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import ImplementationMissing, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from compiler.config import Config
    from runtime.orchestration.model import EffectRunner, WorkflowDefinition
    from runtime.orchestration.user_operations import OperationDeclaration
    from runtime.records import RunRecord


@dataclass(frozen=True, slots=True)
class Binding:
    """What a run of one workflow is given: its project operations' functions (for the
    engine's `ExecutionContext.implementations`, None when it declares none) and the
    effect runner for its effects (None when it has none)."""

    implementations: dict[str, Callable[..., Any]] | None
    effects: EffectRunner | None


def bind(workflow: WorkflowDefinition, config: Config | None,
         recorded: str | None = None) -> Binding:
    """The binding of `workflow` under `config` (None: the current directory's), its
    implementations checked in a child process before anything runs;
    `ImplementationMissing` says what cannot be bound (and, when `recorded` is the sha256
    the run recorded of its configuration and the file has changed since, says so)."""
    builtin = _builtin_effects(workflow)
    if "operations" not in workflow.metadata:
        return Binding(None, builtin)
    from mission.files import read_config
    from runtime.orchestration.model import ImplementationError
    from runtime.user_code import Effects, ProjectCode, UserEffects

    if config is None:
        config = read_config()

    changed = _changed(config, recorded)
    trusted = trusted_declarations(workflow, config, changed)
    root = project_root(config)
    code = ProjectCode(trusted, root)
    try:
        code.check()
    except ImplementationError as problem:
        raise ImplementationMissing(f"{problem}{changed}") from None
    return Binding(code.functions(), Effects(builtin, UserEffects(trusted, root)))


def bind_record(workflow: WorkflowDefinition, record: RunRecord,
                fallback: Config | None = None) -> Binding:
    """`bind` for a stored run or a receipt: under the configuration it started with
    (`configuration_of`)."""
    recorded = record.configuration.get("sha256") if record.configuration else None
    return bind(workflow, configuration_of(record, fallback), recorded)


def project_root(config: Config) -> Path:
    """Where a project's code is imported from and its effects run: the directory of its
    configuration, else the current directory."""
    return Path(config.root).resolve() if config.origin else Path.cwd().resolve()


def recorded_configuration(workflow: WorkflowDefinition,
                           config: Config | None) -> dict[str, Any] | None:
    """What a run records of the configuration it starts with (`RunRecord.configuration`):
    its path and sha256, for a workflow that declares project operations (else None)."""
    if "operations" not in workflow.metadata:
        return None
    if config is None:
        from mission.files import read_config

        config = read_config()
    return {"path": str(Path(config.origin).resolve()) if config.origin else None,
            "sha256": config.digest or None}


def configuration_of(record: RunRecord, fallback: Config | None = None) -> Config:
    """The configuration a stored run or a receipt binds its project operations with: the
    one it recorded when it started, read again; for a record made before runs recorded
    it, `fallback` (the one of the workflow given with it), else the current directory's."""
    from compiler.config import DEFAULT, ConfigError, load_config
    from mission.files import read_config

    recorded = record.configuration
    if recorded is None:
        return fallback if fallback is not None else read_config()
    path = recorded.get("path")
    if path is None:
        return DEFAULT
    try:
        config = load_config(path)
    except ConfigError as problem:
        raise ImplementationMissing(
            f"this run was started with the configuration {path}, which cannot be read now "
            f"({problem}); its project operations cannot be bound: restore that file, or "
            "run this command where the project is and compile the mission again") from None
    return config


def _changed(config: Config, recorded: str | None) -> str:
    """What to add to a refusal when the configuration changed since the run recorded it."""
    if recorded is None or recorded == config.digest:
        return ""
    return (f" (the configuration {config.origin} changed since this run started: its "
            f"sha256 was {recorded[:12]}…, it is {config.digest[:12]}… now)")


def trusted_declarations(workflow: WorkflowDefinition, config: Config,
                         changed: str = "") -> dict[str, OperationDeclaration]:
    """The workflow's project operations, each as `config` or an installed package
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
    from compiler.operations import installed_declarations

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
                f"project, or run from the project's directory{changed}")
        if emitted(found) != emitted(declaration):
            raise ImplementationMissing(
                f"the workflow declares the project operation `{name}` otherwise than "
                f"{found.origin or where} does now; compile the mission again{changed}")
        trusted[name] = found
    return trusted


def _builtin_effects(workflow: WorkflowDefinition) -> EffectRunner | None:
    """The runner of the built-in effects (pytest), rooted at the current directory, when
    the workflow uses one."""
    from runtime.orchestration.operations import OPERATIONS

    names = {step.payload.get("operation") for step in workflow.steps}
    if not any(isinstance(name, str) and name in OPERATIONS and OPERATIONS[name].effect
               for name in names):
        return None
    from runtime.local_effects import LocalEffects

    try:
        return LocalEffects(Path.cwd())
    except OSError as problem:
        raise UsageError(f"the current directory cannot be used for effects: "
                         f"{problem.strerror or problem}") from None
