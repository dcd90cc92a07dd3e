"""The missions a server may start: the registered ones, and the files of `--missions DIR`.

Each is known by a name: a registered mission's name, or a file's stem
(`release.mission` and `release.json` are `release`). Files are compiled when
the server starts; one that does not compile is left out, and the reason is
printed, so a broken file never stops the others.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.orchestration.model import WorkflowDefinition


@dataclass(frozen=True, slots=True)
class Mission:
    name: str
    workflow: WorkflowDefinition

    @property
    def title(self) -> str:
        return str(self.workflow.metadata.get("description") or self.name)

    @property
    def params(self) -> dict[str, Any]:
        declared = self.workflow.metadata.get("declarations", {}).get("params", {})
        return dict(declared) if isinstance(declared, dict) else {}


def load_catalogue(directory: Path | None) -> dict[str, Mission]:
    from runtime.orchestration.registry import MISSION_REGISTRY

    missions = {name: Mission(name, builder(None))
                for name, builder in sorted(MISSION_REGISTRY.items())}
    if directory is None:
        return missions
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".mission", ".json") or not path.is_file():
            continue
        workflow = _load(path)
        if workflow is not None:
            missions[path.stem] = Mission(path.stem, workflow)
    return missions


def _load(path: Path) -> WorkflowDefinition | None:
    from mission.cli import UsageError
    from mission.files import read_json, read_text

    try:
        if path.suffix == ".json":
            from runtime.orchestration.compiled import load_compiled

            return load_compiled(read_json(path))
        from compiler import compile_source

        result = compile_source(read_text(path), str(path))
    except (UsageError, ValueError) as problem:
        print(f"mission serve: {path}: left out: {problem}", file=sys.stderr)
        return None
    if result.workflow is None:
        print(f"mission serve: {path}: left out: it does not compile "
              f"(run `mission check {path}`)", file=sys.stderr)
    return result.workflow
