"""Find the `.mission` files under the paths given to `mission check`.

A directory is walked in sorted order, skipping version-control and tool
directories, virtualenvs (a directory holding `pyvenv.cfg`), what
`.gitignore` files ignore, and the configuration's `exclude` patterns. A file
named on the command line is always checked, whatever its name.

Paths are plain strings joined by hand: a tree of 10,000 missions made 30,000
`pathlib.Path` objects, a third of a warm `mission check`. `.gitignore`
matching, which takes `Path`s, is reached only where an ignore file applies.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mission.gitignore import IgnoreFile

SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv",
                                 "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
                                 ".pytest_cache", ".mission_cache", ".hypothesis"})


class NotFound(Exception):
    """A path given on the command line does not exist."""


def mission_files(paths: Sequence[str], excluded: Callable[[str], bool] = lambda _: False,
                  use_gitignore: bool = True) -> list[Path]:
    """The `.mission` files named or found under `paths`, in a stable order, each once."""
    return [Path(path) for path, _ in found_files(paths, excluded, use_gitignore)]


def found_files(paths: Sequence[str], excluded: Callable[[str], bool] = lambda _: False,
                use_gitignore: bool = True) -> list[tuple[str, str]]:
    """`mission_files` as strings: each file as it is shown, and its absolute path."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for given in paths:
        name = str(Path(given))  # as `Path` spells it: no `./`, no doubled `/`
        if os.path.isfile(name):
            candidates: Iterator[tuple[str, str]] | list[tuple[str, str]] = \
                [(name, os.path.abspath(name))]
        elif os.path.isdir(name):
            candidates = walk(name, excluded, use_gitignore)
        else:
            raise NotFound(given)
        for path, absolute in candidates:
            if absolute not in seen:
                seen.add(absolute)
                found.append((path, absolute))
    return found


def walk(root: str, excluded: Callable[[str], bool] = lambda _: False,
         use_gitignore: bool = True) -> Iterator[tuple[str, str]]:
    """The `.mission` files under `root`, in sorted order (by path component), without
    ignored ones: each as a path under `root`, and its absolute path."""
    absolute = os.path.abspath(root)
    inherited: list[IgnoreFile] = []
    if use_gitignore:
        from mission.gitignore import repository_files

        inherited = repository_files(Path(absolute))
        if inherited and _ignored(inherited, absolute, True):
            return
    # A depth-first walk, each directory's entries in name order: files and directories
    # interleaved, which is the order of sorting the paths by component.
    stack = [_Directory(root, absolute, inherited, use_gitignore)]
    while stack:
        directory = stack[-1]
        entry = next(directory.entries, None)
        if entry is None:
            stack.pop()
            continue
        name = entry.name
        try:
            is_directory = entry.is_dir()
        except OSError:
            continue
        if is_directory:
            if name in SKIPPED_DIRECTORIES or os.path.isfile(os.path.join(entry.path,
                                                                          "pyvenv.cfg")):
                continue  # a virtualenv
        elif not name.endswith(".mission"):
            continue
        path = directory.prefix + name
        path_absolute = directory.absolute_prefix + name
        if directory.ignores and _ignored(directory.ignores, path_absolute, is_directory):
            continue
        if excluded(path_absolute):
            continue
        if is_directory:
            stack.append(_Directory(path, path_absolute, directory.ignores, use_gitignore))
        else:
            yield path, path_absolute


class _Directory:
    """A directory being walked: its sorted entries, and how to name its children."""

    __slots__ = ("absolute_prefix", "entries", "ignores", "prefix")

    def __init__(self, path: str, absolute: str, ignores: list[IgnoreFile],
                 use_gitignore: bool) -> None:
        self.prefix = "" if path == "." else path.rstrip("/") + "/"
        self.absolute_prefix = absolute.rstrip("/") + "/"
        self.ignores = ignores
        if use_gitignore and os.path.isfile(self.prefix + ".gitignore"):
            from mission.gitignore import load

            own = load(Path(self.prefix + ".gitignore"), Path(absolute))
            if own is not None:
                self.ignores = [*ignores, own]
        try:
            with os.scandir(path) as scan:
                listed = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            listed = []
        self.entries = iter(listed)


def _ignored(ignores: list[IgnoreFile], absolute: str, is_directory: bool) -> bool:
    from mission.gitignore import is_ignored

    return is_ignored(ignores, Path(absolute), is_directory)
