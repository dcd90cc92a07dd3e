"""The operations a mission may call: the built-in table, then the project's own, then
those installed packages declare. Read as data only: no user code is imported here.

Installed packages expose declarations through the `mission.operations` entry-point
group. The entry point's value is the path of a TOML file inside the distribution
(`acme_ops/mission-operations.toml`, holding `[operations.NAME]` tables); it is read
with `importlib.metadata` (`Distribution.locate_file`, or the package's directory as
`importlib.util.find_spec` finds it for a top-level package, which runs none of its
code). The scan costs tens of milliseconds, so it happens only when a mission calls a
name that neither the built-in table nor the project declares.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from runtime.frozen import Frozen, set_field
from runtime.orchestration.calling import Operation
from runtime.orchestration.operations import OPERATIONS

if TYPE_CHECKING:
    from runtime.orchestration.user_operations import OperationDeclaration

ENTRY_POINT_GROUP = "mission.operations"


class OperationTable(Frozen):
    """Built-in operations and the project's; installed ones are looked up on a miss."""

    __slots__ = ("broken", "origin", "project")
    project: tuple[OperationDeclaration, ...]
    # (name, problem) for the project's declarations that are not valid (a call is E030)
    broken: tuple[tuple[str, str], ...]
    origin: str  # the configuration file the project's come from ("" for none)

    def __init__(
        self,
        project: tuple[OperationDeclaration, ...] = (),
        broken: tuple[tuple[str, str], ...] = (),
        origin: str = "",
    ) -> None:
        set_field(self, "project", project)
        set_field(self, "broken", broken)
        set_field(self, "origin", origin)

    @property
    def read_from(self) -> str:
        """Which configuration was read, for the help of an unknown operation (E006)."""
        if not self.origin:
            return ("no configuration file was found for this file (a project's operations "
                    "are declared in a mission.toml in its directory or above)")
        if not self.project and not self.broken:
            return (f"the configuration found for this file, {self.origin}, declares no "
                    "operations of the project")
        names = sorted({d.name for d in self.project} | {name for name, _ in self.broken})
        shown = ", ".join(f"`{name}`" for name in names[:8]) + (", ..." if len(names) > 8
                                                                else "")
        return (f"the project's operations are those of {self.origin}, the configuration "
                f"found for this file: {shown}")

    def problem(self, name: str) -> str | None:
        """Why the project's declaration of `name` is not valid, if it is not."""
        return next((problem for broken, problem in self.broken if broken == name), None)

    def get(self, name: str) -> Operation | None:
        found = self.local(name)
        if found is not None:
            return found
        installed, _ = installed_operations()
        return installed.get(name)

    def local(self, name: str) -> Operation | None:
        """A built-in or project operation; None means the answer depends on what is
        installed (so the check cache must not keep it)."""
        return OPERATIONS.get(name) or _project_operations(self.project).get(name)

    def known(self, include_installed: bool = False) -> dict[str, Operation]:
        """Every operation by name (installed ones too when asked: that costs the scan)."""
        table = {**OPERATIONS, **_project_operations(self.project)}
        if include_installed:
            installed, _ = installed_operations()
            table.update({name: op for name, op in installed.items() if name not in table})
        return table

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.known().values())


BUILT_IN = OperationTable()


@functools.lru_cache(maxsize=64)
def _project_operations(declarations: tuple[OperationDeclaration, ...]) -> dict[str, Operation]:
    if not declarations:
        return {}
    from runtime.orchestration.user_operations import operation_of

    return {declaration.name: operation_of(declaration) for declaration in declarations}


def table_for(declarations: tuple[OperationDeclaration, ...],
              broken: tuple[tuple[str, str], ...] = (), origin: str = "") -> OperationTable:
    return OperationTable(declarations, broken, origin) if declarations or broken or origin \
        else BUILT_IN


@functools.lru_cache(maxsize=1)
def installed_operations() -> tuple[dict[str, Operation], tuple[str, ...]]:
    """The operations installed packages declare, and the problems met reading them (a
    broken package is left out, and named where a call finds no operation)."""
    from runtime.orchestration.user_operations import operation_of

    declarations, problems = installed_declarations()
    return {name: operation_of(d) for name, d in declarations.items()}, problems


def installed_declarations() -> tuple[dict[str, OperationDeclaration], tuple[str, ...]]:
    import importlib.metadata

    found: dict[str, OperationDeclaration] = {}
    problems: list[str] = []
    entry_points = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                          key=lambda entry: (entry.name, entry.value))
    for entry in entry_points:
        distribution = getattr(entry, "dist", None)
        label = f"package `{distribution.metadata['Name']}`" if distribution is not None \
            else f"entry point `{entry.name}`"
        try:
            for declaration in _read_package_declarations(entry.value, distribution, label):
                if declaration.name in found:
                    problems.append(f"{label} declares `{declaration.name}`, which "
                                    f"{found[declaration.name].origin} declares too")
                    continue
                found[declaration.name] = declaration
        except ValueError as problem:
            problems.append(str(problem))
    return found, tuple(problems)


def _read_package_declarations(value: str, distribution: object,
                               label: str) -> list[OperationDeclaration]:
    import tomllib
    from pathlib import Path

    from runtime.orchestration.user_operations import DeclarationError, parse_declaration

    path = _locate(value, distribution)
    if path is None:
        raise ValueError(f"{label}: its `{ENTRY_POINT_GROUP}` entry point names `{value}`, "
                         "a file that is not installed")
    from runtime.bounds import MAX_CONFIG_FILE_BYTES
    from runtime.reading import TooLarge, read_limited

    try:
        data = tomllib.loads(read_limited(Path(path), MAX_CONFIG_FILE_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, TooLarge, tomllib.TOMLDecodeError) as problem:
        raise ValueError(f"{label}: cannot read `{value}` ({problem})") from None
    operations = data.get("operations", {})
    if not isinstance(operations, dict):
        raise ValueError(f"{label}: `{value}` must hold [operations.NAME] tables")
    try:
        return [parse_declaration(name, table, f"{label} {value} [operations.{name}]", label)
                for name, table in operations.items()]
    except DeclarationError as problem:
        raise ValueError(str(problem)) from None


def _locate(value: str, distribution: object) -> str | None:
    """The declaration file an entry point names, found without importing any package."""
    import importlib.util
    import os

    relative = value.strip().replace("\\", "/")
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        return None
    locate = getattr(distribution, "locate_file", None)
    if locate is not None:
        candidate = str(locate(relative))
        if os.path.isfile(candidate):
            return candidate
    package, _, rest = relative.partition("/")
    if not package.isidentifier() or not rest:
        return None
    try:
        spec = importlib.util.find_spec(package)  # a top-level name: finds, never executes
    except (ImportError, ValueError):
        return None
    for directory in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = os.path.join(directory, rest)
        if os.path.isfile(candidate):
            return candidate
    return None
