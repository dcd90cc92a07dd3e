"""What a command is asked to run, resolved one way for `run`, `run --batch`, `graph`,
`verify --workflow` and `serve --missions`: the workflow, and the configuration its
project operations are bound with (`mission.binding`).

- `NAME.mission`: the source, read within its configuration's `max-file-size` and
  compiled under the configuration found from the file's own directory upwards (as
  `check`, `compile` and the language server find it);
- `NAME.json`: a compiled workflow (read within `MAX_DATA_FILE_BYTES`, checked by
  `load_compiled`), bound under the configuration of the current directory: a workflow
  from elsewhere binds only what this project declares;
- a registered name (`mission list`).

Any other file is refused without being read, so a name that points at a file which is
not a mission (a key, a password file) never has its content quoted back in a message.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mission.cli import Refusal, UsageError

if TYPE_CHECKING:
    from compiler import CompileResult
    from compiler.config import Config
    from runtime.orchestration.model import WorkflowDefinition


@dataclass(frozen=True, slots=True)
class Target:
    workflow: WorkflowDefinition
    # The configuration its project operations are bound with; None: the current
    # directory's, read only if the workflow declares any (a compiled workflow runs
    # without loading the compiler).
    config: Config | None


class DoesNotCompile(UsageError):
    """A `.mission` file with errors; `result` holds its diagnostics."""

    def __init__(self, path: str, result: CompileResult) -> None:
        count = len(result.errors)
        super().__init__(f"{path}: does not compile ({count} error{'s' * (count != 1)})")
        self.path = path
        self.result = result

    def first(self) -> str:
        """One line: where the first error is and what it says."""
        errors = self.result.errors
        line, column = self.result.source.location(errors[0].span.start)
        more = f" (and {len(errors) - 1} more; see `mission check {self.path}`)" \
            if len(errors) > 1 else ""
        return f"{self.path}:{line}:{column}: does not compile: {errors[0].message}{more}"


def load_target(target: str, show_diagnostics: bool = True) -> Target:
    """The workflow `target` names and its configuration; `UsageError` otherwise (with a
    file that does not compile, its diagnostics are printed on stderr first, unless
    `show_diagnostics` is false: `DoesNotCompile` carries them)."""
    if target.endswith(".mission"):
        return _compile(target, show_diagnostics)
    if target.endswith(".json"):
        from mission.files import read_json
        from runtime.orchestration.compiled import CompiledWorkflowError, load_compiled

        try:
            workflow = load_compiled(read_json(target))
        except CompiledWorkflowError as problem:
            if problem.refused is not None:
                raise Refusal(problem.refused,
                              where=f"{target}: not a usable compiled workflow: ") from None
            raise UsageError(f"{target}: not a usable compiled workflow: {problem}") from None
        return Target(workflow, None)
    from runtime.orchestration.registry import MISSION_REGISTRY

    if target in MISSION_REGISTRY:
        return Target(MISSION_REGISTRY[target](None), None)
    if Path(target).exists():
        raise UsageError(f"{target}: not a mission: give a .mission file, a compiled .json "
                         "workflow or a registered name (`mission list`)")
    from compiler.suggest import did_you_mean

    hint = "".join(f"; {line}" for line in did_you_mean(target, MISSION_REGISTRY))
    raise UsageError(f"`{target}` is neither a file nor a registered mission "
                     f"(registered: {', '.join(sorted(MISSION_REGISTRY))}){hint}")


def _compile(path: str, show_diagnostics: bool) -> Target:
    from compiler import compile_source
    from mission.files import config_at, read_mission

    config = config_at(path)
    result = compile_source(read_mission(path, config), path, config=config)
    if result.workflow is None:
        if show_diagnostics:
            from compiler.render import render_all
            from mission.colour import use_colour

            print(render_all(result.diagnostics, result.source, use_colour(sys.stderr)),
                  file=sys.stderr, end="\n\n")
        raise DoesNotCompile(path, result)
    return Target(result.workflow, config)
