"""The missions a server may start: the registered ones, and the files of `--missions DIR`.

Each is known by a name: a registered mission's name, or a file's stem
(`release.mission` and `release.json` are `release`). Files are resolved as `mission run`
resolves them (`mission.targets`: a `.mission` file compiled under the configuration found
from its own directory, a compiled `.json` under the server's), when the server starts; one
that does not compile is left out, and the reason is printed, so a broken file never stops
the others.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.orchestration.model import WorkflowDefinition

if TYPE_CHECKING:
    from compiler.config import Config


@dataclass(frozen=True, slots=True)
class Mission:
    name: str
    workflow: WorkflowDefinition
    config: Config | None  # what its project operations are bound with (`mission.binding`)

    @property
    def title(self) -> str:
        return str(self.workflow.metadata.get("description") or self.name)

    @property
    def params(self) -> dict[str, Any]:
        declared = self.workflow.metadata.get("declarations", {}).get("params", {})
        return dict(declared) if isinstance(declared, dict) else {}


def load_catalogue(directory: Path | None) -> dict[str, Mission]:
    from runtime.orchestration.registry import MISSION_REGISTRY

    missions = {name: Mission(name, builder(None), None)
                for name, builder in sorted(MISSION_REGISTRY.items())}
    if directory is None:
        return missions
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".mission", ".json") or not path.is_file():
            continue
        mission = _load(path)
        if mission is not None:
            missions[path.stem] = mission
    return missions


def mission_names(directory: Path | None) -> list[str]:
    """The names `load_catalogue` would give, without compiling anything."""
    from runtime.orchestration.registry import MISSION_REGISTRY

    names = set(MISSION_REGISTRY)
    if directory is not None:
        names.update(path.stem for path in directory.iterdir()
                     if path.suffix in (".mission", ".json") and path.is_file())
    return sorted(names)


def _load(path: Path) -> Mission | None:
    from mission.cli import UsageError
    from mission.targets import DoesNotCompile, load_target

    try:
        target = load_target(str(path), show_diagnostics=False)
    except DoesNotCompile:
        print(f"mission serve: {path}: left out: it does not compile "
              f"(run `mission check {path}`)", file=sys.stderr)
        return None
    except UsageError as problem:
        print(f"mission serve: {path}: left out: {problem}", file=sys.stderr)
        return None
    return Mission(path.stem, target.workflow, target.config)
