"""Find the `.mission` files under the paths given to `mission check`.

A directory is walked in sorted order, skipping version-control and tool
directories, virtualenvs (a directory holding `pyvenv.cfg`), what
`.gitignore` files ignore, and the configuration's `exclude` patterns. A file
named on the command line is always checked, whatever its name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from mission.gitignore import IgnoreFile, is_ignored, load, repository_files

SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv",
                                 "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
                                 ".pytest_cache", ".mission_cache", ".hypothesis"})


class NotFound(Exception):
    """A path given on the command line does not exist."""


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def mission_files(paths: Sequence[str], excluded: Callable[[str], bool] = lambda _: False,
                  use_gitignore: bool = True) -> list[Path]:
    """The `.mission` files named or found under `paths`, in a stable order, each once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_file():
            candidates: list[Path] = [path]
        elif path.is_dir():
            candidates = sorted(walk(path, excluded, use_gitignore))
        else:
            raise NotFound(given)
        for candidate in candidates:
            key = Path(os.path.abspath(candidate))
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def walk(root: Path, excluded: Callable[[str], bool] = lambda _: False,
         use_gitignore: bool = True) -> Iterator[Path]:
    """The `.mission` files under `root`, sorted, without ignored ones."""
    absolute = Path(os.path.abspath(root))
    inherited = repository_files(absolute) if use_gitignore else []
    if inherited and is_ignored(inherited, absolute, True):
        return
    stack: list[tuple[Path, Path, list[IgnoreFile]]] = [(root, absolute, inherited)]
    while stack:
        directory, directory_absolute, ignores = stack.pop()
        if use_gitignore:
            own = load(directory / ".gitignore", directory_absolute)
            if own is not None:
                ignores = [*ignores, own]
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            continue
        subdirectories: list[tuple[Path, Path]] = []
        for entry in entries:
            path = Path(entry.path)
            path_absolute = directory_absolute / entry.name
            try:
                is_directory = entry.is_dir()
            except OSError:
                continue
            if is_directory:
                if entry.name in SKIPPED_DIRECTORIES or _is_virtualenv(path):
                    continue
            elif not entry.name.endswith(".mission"):
                continue
            if ignores and is_ignored(ignores, path_absolute, is_directory):
                continue
            if excluded(str(path_absolute)):
                continue
            if is_directory:
                subdirectories.append((path, path_absolute))
            else:
                yield path
        stack.extend((sub, sub_absolute, ignores) for sub, sub_absolute in reversed(subdirectories))
